"""The plan's records and the registry of resource kinds.

A **deployment** is one unit (a camera, a board, an EVA, a patrol) at one site for
one week, with the reason in words and the numbers behind it. Every planner makes
`Deployment` records; the store, the maps, the exports, the CLI and the pages read
the columns `DEPLOYMENT_COLUMNS` in that order.

A **resource kind** says everything the rest of the tool needs about one kind of
kit: its words, its map symbol, how many units it has this week, its planner,
which of the sergeant's overrides apply and which columns its exports show.
Adding a kind (a dispersal order, a second camera type) is one `ResourceKind`
passed to `register_kind` and one planner function; nothing else changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from geo.crs import BNG

if TYPE_CHECKING:
    from geo._config import Bound
    from geo.plan.context import PlanContext
    from geo.resources import Resources, WeekOverrides

DEPLOYMENT_COLUMNS: tuple[str, ...] = (
    "resource",
    "unit",
    "site_id",
    "site_name",
    "x",
    "y",
    "hotspot_ids",
    "start",
    "end",
    "weeks_on_site",
    "reason",
    "status",
    "changed_by",
    "changed_at",
    "change",
    "numbers",
    "note",
    "outcome",
)
"""A plan's columns, in order (``numbers`` is a mapping; ``x``/``y`` British National Grid;
``note`` free text, ``outcome`` the done marks as JSON text, `geo.plan_notes`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Deployment:
    """
    One unit at one site for one week.

    Attributes
    ----------
    resource
        The kind's key (``cctv``, ``speed_board``, ``eva``, ``patrol``, ...).
    unit
        The unit's name, kept across weeks ("Camera 3", "Board 1", "Patrol 2").
    site_id, site_name
        The site's id (stable: a grid reference or a hotspot id) and its name in words.
    x, y
        The site in British National Grid metres (EPSG:27700).
    start, end
        First and last day of the week (ISO dates).
    reason
        Why, in a sentence a sergeant can repeat at the tasking meeting.
    hotspot_ids
        The hotspots served, ``"; "``-separated.
    weeks_on_site
        Weeks this unit has been at this site, this week included.
    status
        One of `geo.store.PLAN_STATUSES`.
    changed_by, changed_at, change
        Who changed the row, when (UTC, ISO 8601) and what ("site: A -> B").
    numbers
        The figures behind the reason.
    note
        The sergeant's or officer's note (why it changed, what was found).
    outcome
        Done / not done / cut short marks, JSON text (`geo.plan_notes`).
    """

    resource: str
    unit: str
    site_id: str
    site_name: str
    x: float
    y: float
    start: str
    end: str
    reason: str
    hotspot_ids: str = ""
    weeks_on_site: int = 1
    status: str = "suggested"
    changed_by: str = ""
    changed_at: str = ""
    change: str = ""
    numbers: Mapping[str, object] = field(default_factory=dict)
    note: str = ""
    outcome: str = ""

    def row(self) -> dict[str, object]:
        """Return the deployment as a dict with `DEPLOYMENT_COLUMNS`."""
        out = asdict(self)
        out["numbers"] = dict(self.numbers)
        return {c: out[c] for c in DEPLOYMENT_COLUMNS}


def week_dates(week: dt.date) -> tuple[str, str]:
    """
    Return the first and last day of the week starting `week`, as ISO dates.

    Examples
    --------
    >>> week_dates(dt.date(2025, 10, 6))
    ('2025-10-06', '2025-10-12')
    """
    return week.isoformat(), (week + dt.timedelta(days=6)).isoformat()


def deployments_frame(items: Sequence[Deployment] | pd.DataFrame) -> gpd.GeoDataFrame:
    """
    Return deployments as a GeoDataFrame with `DEPLOYMENT_COLUMNS` and Point geometry (BNG).

    Examples
    --------
    >>> d = Deployment(resource="cctv", unit="Camera 1", site_id="552500:155300",
    ...                site_name="High Street", x=552500.0, y=155300.0,
    ...                start="2025-10-06", end="2025-10-12", reason="Because.")
    >>> frame = deployments_frame([d])
    >>> list(frame.columns[:4]), frame.crs.to_epsg()
    (['resource', 'unit', 'site_id', 'site_name'], 27700)
    """
    if isinstance(items, pd.DataFrame):
        frame = pd.DataFrame(items.drop(columns="geometry", errors="ignore")).copy()
        for col in DEPLOYMENT_COLUMNS:
            if col not in frame:
                frame[col] = "" if col not in {"numbers", "weeks_on_site"} else None
        frame = frame[list(DEPLOYMENT_COLUMNS)].reset_index(drop=True)
    else:
        frame = pd.DataFrame([d.row() for d in items], columns=list(DEPLOYMENT_COLUMNS))
    return gpd.GeoDataFrame(
        frame,
        geometry=gpd.points_from_xy(frame["x"].astype(float), frame["y"].astype(float)),
        crs=BNG,
    )


COLUMN_HEADINGS: Mapping[str, str] = {
    "unit": "Unit",
    "site_name": "Site",
    "weeks_on_site": "Weeks on site",
    "reason": "Why",
    "status": "Status",
    "note": "Note",
    "outcome": "Done",
    "start": "From",
    "end": "To",
}
"""Printed headings of the plan columns a kind may show (`ResourceKind.export_columns`)."""


KindPlan = tuple[list[Deployment], list[str]]
"""What a planner returns: its deployments and notes for the sergeant."""


@dataclass(frozen=True, slots=True, kw_only=True)
class WeekAmount:
    """
    How much of a kind the sergeant may set for one week (``--cameras 3``, the page's input).

    The kind's `ResourceKind.capacity` reads it from `geo.resources.WeekOverrides.amount`.

    Attributes
    ----------
    setting
        The kind's setting in ``resources.toml`` that gives the usual amount
        (``cameras``); its `geo._config.Bound` is the allowed range.
    flag
        The ``geo plan`` option, without dashes (``cameras``, ``patrol-hours``).
    help
        The option's help ("at most this many cameras").
    label
        The week page's input ("Cameras this week").
    """

    setting: str
    flag: str
    help: str
    label: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ResourceKind:
    """
    One kind of kit or activity the unit deploys, and everything the tool needs to know of it.

    A kind is registered once (`geo.plan.registry.register_kind`); the resources file,
    the candidate sites, the ``geo plan`` options, the week page's controls, the map
    symbol and the exports are all read from here.

    Attributes
    ----------
    key
        The code stored in plans and ``--json`` (``cctv``), and the name of the kind's
        section in ``resources.toml`` (``[cctv]``).
    former_sections
        Names the kind's section had before; still read, with a note to rename.
    label
        One unit in words ("mobile CCTV camera").
    title
        The kind as a heading ("Mobile CCTV").
    metric
        The short name on the week's summary ("Cameras").
    letter, colour
        The map symbol: a letter in a coloured disc.
    order
        Where the kind comes in plans and tables (lower first).
    planner
        ``planner(context) -> (deployments, notes)``.
    settings
        The frozen dataclass of the kind's ``[key]`` section (its defaults are the
        kind's defaults); None for a kind with no settings.
    bounds
        The type and range of each numeric setting (`geo._config.Bound`), checked
        when the file is read; the app's controls use the same ranges.
    readers
        Setting name -> ``reader(value, file) -> value`` for a setting that is not a
        number (``officers``: a list of tables).
    units
        ``units(resources) -> names``: the named units the unit owns ("Camera 1",
        ...), or an empty tuple for an activity measured otherwise (hours).
    capacity
        ``capacity(resources, overrides) -> float``: what can be used this week.
    usage
        ``usage(rows, resources) -> float``: what a plan's rows of this kind use.
    budget_key
        The key of the kind in a plan's ``available``/``used`` (``patrol_hours``).
    amount
        The amount the sergeant may set for one week (`WeekAmount`), or None.
    overrides
        Which of the sergeant's site overrides apply: ``out_of_service`` (named units
        may be taken out), ``excluded_sites``, ``pinned_sites``.
    candidates
        ``candidates(context) -> frame``: every site a unit of the kind could go to
        this week (``site_id``, ``site_name``, ``x``, ``y``, ``hotspot_ids``), for the
        site pickers; None when the kind offers no sites to choose.
    reach
        ``reach(resources) -> metres``: a site off limits also bars units within this
        distance of it (a camera's view); 0 for the site alone.
    visits
        True when the kind's rows are short visits (scheduled one by one into
        officers' shifts, and marked done visit by visit); False for stays (a unit in
        place from the week's start to its end, marked as a whole).
    export_columns
        The plan columns a printed table of this kind shows, in order.
    site_row
        ``site_row(context, site, before) -> Deployment``: the kind's row at a site the
        sergeant chose instead of ``before``'s, its reason written by the planner's own
        writer; None when the kind's sites cannot be changed.
    """

    key: str
    label: str
    title: str
    metric: str
    letter: str
    colour: str
    order: int
    planner: Callable[[PlanContext], KindPlan]
    settings: type | None = None
    former_sections: tuple[str, ...] = ()
    bounds: Mapping[str, Bound] = field(default_factory=dict)
    readers: Mapping[str, Callable[[object, str], object]] = field(default_factory=dict)
    units: Callable[[Resources], tuple[str, ...]] = lambda _r: ()
    capacity: Callable[[Resources, WeekOverrides], float] = lambda _r, _o: 0.0
    usage: Callable[[pd.DataFrame, Resources], float] = lambda rows, _r: float(len(rows))
    budget_key: str = ""
    amount: WeekAmount | None = None
    overrides: tuple[str, ...] = ()
    candidates: Callable[[PlanContext], pd.DataFrame] | None = None
    reach: Callable[[Resources], float] = lambda _r: 0.0
    visits: bool = False
    export_columns: tuple[str, ...] = ("unit", "site_name", "reason", "status", "note", "outcome")
    site_row: Callable[[PlanContext, dict[str, object], dict[str, object]], Deployment] | None = (
        None
    )

    @property
    def budget(self) -> str:
        """The key of this kind in a plan's ``available`` and ``used``."""
        return self.budget_key or self.key
