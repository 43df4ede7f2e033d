"""What every planner is given: one frozen record of the week's evidence and constraints."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from geo._errors import GeoInputError
from geo.periods import Window
from geo.plan.registry import resource_kinds
from geo.resources import Resources, WeekOverrides
from geo.schema import DEPLOYMENT_COLUMNS


@dataclass(frozen=True, slots=True, eq=False, kw_only=True)
class PlanContext:
    """
    The inputs of one week's plan, shared by every resource kind's planner.

    Attributes
    ----------
    week
        The Monday the plan starts.
    incidents
        Crime and ASB incidents (EPSG:27700) known before the week.
    hotspots
        ASB and criminal damage hotspots of the evidence window.
    demand
        Forecast harm at map points for the week's month (`geo.plan.demand.demand_points`).
    window
        The evidence window the reasons count over.
    resources
        What the unit has.
    overrides
        The sergeant's changes for this week.
    speed_evidence
        Speeding evidence (may be empty).
    previous
        The deployments the week starts from (last approved plan, carried forward).
    history
        Approved deployments of earlier weeks (board rests, EVA recency).
    speed_site_table
        The week's speeding sites if already found (`geo.plan.speed_boards.board_sites`),
        so that planning and the site pickers find them once.
    """

    week: dt.date
    incidents: gpd.GeoDataFrame
    hotspots: gpd.GeoDataFrame
    demand: gpd.GeoDataFrame
    window: Window
    resources: Resources
    overrides: WeekOverrides = field(default_factory=WeekOverrides)
    speed_evidence: gpd.GeoDataFrame | None = None
    previous: pd.DataFrame | None = None
    history: pd.DataFrame | None = None
    speed_site_table: pd.DataFrame | None = None

    def previous_rows(self, resource: str) -> pd.DataFrame:
        """Return the deployments of one kind the week starts from (may be empty)."""
        if self.previous is None or self.previous.empty:
            return pd.DataFrame(columns=list(DEPLOYMENT_COLUMNS))
        return self.previous[self.previous["resource"] == resource].reset_index(drop=True)

    def past_rows(self, resource: str) -> pd.DataFrame:
        """Return approved deployments of one kind in earlier weeks (may be empty)."""
        if self.history is None or self.history.empty:
            return pd.DataFrame(columns=list(DEPLOYMENT_COLUMNS))
        return self.history[self.history["resource"] == resource].reset_index(drop=True)


def usable_units(
    names: tuple[str, ...], count: float | None, out_of_service: frozenset[str]
) -> list[str]:
    """
    Return the units usable this week: named units not out of service, capped by a count.

    Examples
    --------
    >>> usable_units(("Camera 1", "Camera 2", "Camera 3"), None, frozenset({"Camera 2"}))
    ['Camera 1', 'Camera 3']
    >>> usable_units(("Board 1", "Board 2"), 1, frozenset())
    ['Board 1']
    """
    free = [u for u in names if u not in out_of_service]
    return free if count is None else free[: max(0, int(count))]


def _unit_key(name: str) -> str:
    """Fold a unit name for matching: case and every space ignored ("camera 3" = "Camera3")."""
    return "".join(name.split()).casefold()


def resolve_units(given: Iterable[str], known: Sequence[str]) -> frozenset[str]:
    """
    Turn unit names typed by a person into the unit's own names, refusing unknown ones.

    Parameters
    ----------
    given
        Names as typed (``--out-of-service``); case and spaces are ignored.
    known
        The unit's named units ("Camera 1", ..., "Board 1", ...).

    Returns
    -------
    frozenset of str
        The matching names from `known`.

    Raises
    ------
    GeoInputError
        In one line for the first name that matches no unit, with the nearest real names.

    Examples
    --------
    >>> sorted(resolve_units(["camera 3", "BOARD1"], ("Camera 3", "Board 1")))
    ['Board 1', 'Camera 3']
    >>> resolve_units(["Camera 33"], ("Camera 1", "Camera 3"))
    Traceback (most recent call last):
    ...
    geo._errors.GeoInputError: no unit called 'Camera 33'; did you mean 'Camera 3', 'Camera 1'?
    """
    by_key = {_unit_key(name): name for name in known}
    out = set()
    for text in given:
        hit = by_key.get(_unit_key(text))
        if hit is None:
            close = difflib.get_close_matches(_unit_key(text), list(by_key), n=3, cutoff=0.5)
            names = ", ".join(repr(by_key[c]) for c in close) or ", ".join(map(repr, known[:6]))
            msg = f"no unit called {text!r}; " + (
                f"did you mean {names}?" if close else f"the units are {names or 'none'}"
            )
            raise GeoInputError(msg)
        out.add(hit)
    return frozenset(out)


def all_units(resources: Resources) -> tuple[str, ...]:
    """
    Return every named unit of every registered resource kind ("Camera 1", "Board 1", ...).

    Examples
    --------
    >>> from geo.plan.registry import read_resources
    >>> all_units(read_resources())[:2]
    ('Camera 1', 'Camera 2')
    """
    return tuple(name for k in resource_kinds() for name in k.units(resources))
