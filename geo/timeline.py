"""The weeks ahead: camera stays and moves, board rotation and EVAs over 1-12 weeks.

`plan_ahead` walks the weeks in order. A week with an approved plan in the store is
taken as saved; any other week is planned by `geo.pipeline.run_week` starting from
the week before (approved or suggested), the way the planner continues from a stored
plan, with the suggested weeks so far read as history beside the approved ones (so
board rests and EVA recency hold across the look-ahead). The planner's rules are not
changed: a suggested week is exactly what "This week" would suggest if the weeks
before it were approved as suggested.

The result is one tidy table, a row per unit and week (`COLUMNS`), and `stays`
collapses it into runs of weeks at one site for a Gantt-like chart. Each suggested
week's plan is cached on everything it depends on, so asking for more weeks, or again,
plans only the weeks not planned yet.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geo._errors import GeoInputError
from geo.pipeline import Loaded, monday_of, run_week
from geo.resources import Resources, WeekOverrides
from geo.settings import DEFAULT_SETTINGS, Settings
from geo.store import StoredPlan, deployments_since, last_approved_before, load_plan

TIMELINE_KINDS: tuple[str, ...] = ("cctv", "speed_board", "eva")
"""Kinds the timeline shows: kit that stays on a site, and the monthly EVA (not patrols)."""

COLUMNS: tuple[str, ...] = (
    "week",
    "kind",
    "unit",
    "site",
    "site_id",
    "weeks_on_site",
    "status",
    "moves",
)
"""The table's columns: ``week`` (its Monday, ISO), ``kind`` (the resource kind's key),
``unit``, ``site`` (its name), ``site_id``, ``weeks_on_site``, ``status`` (``approved``
from the store or ``suggested``), ``moves`` (the unit was not at this site the week
before: a camera or board going up or moving; every EVA)."""

MAX_WEEKS = 12
"""The longest look-ahead (the plan rests on last month's data; further is guesswork)."""

_KEY_COLUMNS = ["resource", "unit", "site_id", "weeks_on_site", "start"]
_CACHE: dict[str, object] = {"loaded": None, "runs": OrderedDict()}
_CACHE_SIZE = 64
_LOCK = threading.Lock()  # the app's sessions share the cache from several threads


@dataclass(frozen=True, slots=True, eq=False)
class Timeline:
    """
    The weeks ahead as a table.

    Attributes
    ----------
    first
        The first Monday.
    weeks
        How many weeks.
    table
        One row per unit and week (`COLUMNS`), weeks in order, units in plan order.
    approved
        The weeks taken from the store as approved.
    notes
        The planner's notes for the suggested weeks, each once with the weeks it was said.
    """

    first: dt.date
    weeks: int
    table: pd.DataFrame
    approved: tuple[dt.date, ...]
    notes: tuple[str, ...]


def _fingerprint(rows: pd.DataFrame | None) -> tuple[tuple[str, ...], ...]:
    """Return what the planner reads of some deployments, as a hashable, sorted tuple."""
    if rows is None or rows.empty:
        return ()
    cols = [c for c in _KEY_COLUMNS if c in rows.columns]
    return tuple(sorted(tuple(str(v) for v in r) for r in rows[cols].itertuples(index=False)))


def _cached_run(
    loaded: Loaded,
    key: tuple[object, ...],
    plan: Callable[[], tuple[pd.DataFrame, tuple[str, ...]]],
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Return a week's suggested rows and notes, planned once per `key` and load."""
    with _LOCK:
        if _CACHE["loaded"] is not loaded:  # a new load: earlier runs are of other data
            _CACHE["loaded"], _CACHE["runs"] = loaded, OrderedDict()
        runs: OrderedDict = _CACHE["runs"]  # type: ignore[assignment]
        if key in runs:
            runs.move_to_end(key)
            return runs[key]
    made = plan()  # outside the lock: another session may plan meanwhile, harmlessly
    with _LOCK:
        if _CACHE["loaded"] is loaded:
            runs[key] = made
            while len(runs) > _CACHE_SIZE:
                runs.popitem(last=False)
    return made


def _approved_plan(db: Path, week: dt.date) -> StoredPlan | None:
    """Return the week's plan if its latest saved version is approved, else None."""
    saved = load_plan(db, week=week)
    return saved if saved is not None and saved.status == "approved" else None


def _in_range(rows: pd.DataFrame, since: dt.date, before: dt.date) -> pd.DataFrame:
    """Return the rows of weeks in [since, before) (``week`` ISO text)."""
    if rows.empty:
        return rows
    weeks = rows["week"].astype(str)
    return rows[(weeks >= since.isoformat()) & (weeks < before.isoformat())]


def _moves(table: pd.DataFrame, start: StoredPlan | None) -> pd.Series:
    """Tell for each row whether its unit was elsewhere (or nowhere) the week before."""
    where: dict[tuple[str, str], str] = {}
    if start is not None:
        where = {
            (str(r["resource"]), str(r["unit"])): str(r["site_id"])
            for r in start.deployments.to_dict("records")
        }
    out = []
    for _, rows in table.groupby("week", sort=True):
        out.extend(
            (i, where.get((k, u)) != s)
            for i, k, u, s in zip(
                rows.index, rows["kind"], rows["unit"], rows["site_id"], strict=True
            )
        )
        where = dict(
            zip(zip(rows["kind"], rows["unit"], strict=True), rows["site_id"], strict=True)
        )
    return pd.Series(dict(out), dtype=bool).reindex(table.index)


def _rows(
    deployments: pd.DataFrame, week: dt.date, status: str, kinds: tuple[str, ...]
) -> pd.DataFrame:
    """Return one week's deployments of `kinds` as timeline rows (without ``moves``)."""
    rows = deployments[deployments["resource"].isin(kinds)]
    return pd.DataFrame(
        {
            "week": week.isoformat(),
            "kind": rows["resource"].astype(str),
            "unit": rows["unit"].astype(str),
            "site": rows["site_name"].astype(str),
            "site_id": rows["site_id"].astype(str),
            "weeks_on_site": pd.to_numeric(rows["weeks_on_site"], errors="coerce")
            .fillna(0)
            .astype(int),
            "status": status,
        }
    )


def plan_ahead(
    loaded: Loaded,
    *,
    first: dt.date,
    weeks: int,
    resources: Resources,
    overrides: WeekOverrides = WeekOverrides(),  # noqa: B008 (frozen, safe to share)
    db: Path,
    settings: Settings = DEFAULT_SETTINGS,
    kinds: tuple[str, ...] = TIMELINE_KINDS,
) -> Timeline:
    """
    Lay out the weeks ahead: approved weeks as saved, the others suggested in turn.

    Parameters
    ----------
    loaded
        What `geo.pipeline.load` returned.
    first
        Any day of the first week (the timeline starts on its Monday).
    weeks
        How many weeks, 1 to `MAX_WEEKS`.
    resources
        What the unit has (`geo.plan.registry.read_resources` reads a file).
    overrides
        Changes applied to every suggested week (a camera out of service for a while).
    db
        The plan store (only read).
    settings
        Loading, hotspot, forecast and plan settings.
    kinds
        The resource kinds to show.

    Returns
    -------
    Timeline
        The table, the approved weeks and the planner's notes.

    Raises
    ------
    GeoInputError
        If `weeks` is out of range or there is no data before the first week.
    """
    if not 1 <= int(weeks) <= MAX_WEEKS:
        msg = f"weeks must be 1 to {MAX_WEEKS}, got {weeks}"
        raise GeoInputError(msg)
    first = monday_of(first)
    span = dt.timedelta(weeks=settings.plan.history_weeks)
    last = first + dt.timedelta(weeks=int(weeks))
    approved_rows = deployments_since(db, since=first - span, before=last)
    start = last_approved_before(db, week=first)
    first_start, frames, ahead, approved = start, [], [], []
    said: dict[str, list[str]] = {}
    for i in range(int(weeks)):
        week = first + dt.timedelta(weeks=i)
        saved = _approved_plan(db, week)
        if saved is not None:
            frames.append(_rows(saved.deployments, week, "approved", kinds))
            approved.append(week)
            start = saved
            continue
        done = pd.concat(ahead, ignore_index=True) if ahead else None
        key = (
            week,
            _fingerprint(start.deployments if start is not None else None),
            start.week if start is not None else None,
            _fingerprint(done),
            _fingerprint(_in_range(approved_rows, week - span, week)),
            repr(resources),  # frozen settings; some hold dicts, so their text is the key
            repr(overrides),
            repr(settings),
        )

        def plan(
            week: dt.date = week,
            start: StoredPlan | None = start,
            done: pd.DataFrame | None = done,
        ) -> tuple[pd.DataFrame, tuple[str, ...]]:
            run = run_week(
                loaded,
                week=week,
                resources=resources,
                overrides=overrides,
                db=db,
                settings=settings,
                replan=start,
                ahead=done,
            )
            rows = pd.DataFrame(run.plan.deployments.drop(columns="geometry"))
            return rows, run.plan.notes

        rows, notes = _cached_run(loaded, key, plan)
        for note in notes:
            said.setdefault(note, []).append(f"{week.day} {week:%b}")
        frames.append(_rows(rows, week, "suggested", kinds))
        ahead.append(rows.assign(week=week.isoformat()))
        start = StoredPlan(
            week=week, version=0, status="suggested", saved_by="", saved_at="", deployments=rows
        )
    table = pd.concat(frames, ignore_index=True)
    table["moves"] = _moves(table, first_start)
    return Timeline(
        first=first,
        weeks=int(weeks),
        table=table[list(COLUMNS)],
        approved=tuple(approved),
        notes=tuple(f"{note} (week of {', '.join(w)})" for note, w in said.items()),
    )


def stays(table: pd.DataFrame) -> pd.DataFrame:
    """
    Collapse a timeline into stays: runs of weeks a unit spent at one site with one status.

    Parameters
    ----------
    table
        `Timeline.table`.

    Returns
    -------
    pandas.DataFrame
        ``kind``, ``unit``, ``site``, ``status``, ``start`` (the first Monday),
        ``end`` (the Monday after the last week), ``weeks``.

    Examples
    --------
    >>> t = pd.DataFrame({"week": ["2025-10-06", "2025-10-13", "2025-10-20"],
    ...                   "kind": "cctv", "unit": "Camera 1", "site": ["A", "A", "B"],
    ...                   "site_id": ["a", "a", "b"], "status": "suggested"})
    >>> stays(t)[["site", "start", "end", "weeks"]].values.tolist()
    [['A', '2025-10-06', '2025-10-20', 2], ['B', '2025-10-20', '2025-10-27', 1]]
    """
    out = []
    for (kind, unit), rows in table.sort_values("week").groupby(["kind", "unit"], sort=False):
        run: dict[str, object] | None = None
        for r in rows.to_dict("records"):
            week = dt.date.fromisoformat(str(r["week"]))
            same = (
                run is not None
                and run["site_id"] == r["site_id"]
                and run["status"] == r["status"]
                and run["end"] == week
            )
            if same:
                run["end"], run["weeks"] = week + dt.timedelta(weeks=1), int(run["weeks"]) + 1
                continue
            if run is not None:
                out.append(run)
            run = {
                "kind": kind,
                "unit": unit,
                "site": r["site"],
                "site_id": r["site_id"],
                "status": r["status"],
                "start": week,
                "end": week + dt.timedelta(weeks=1),
                "weeks": 1,
            }
        if run is not None:
            out.append(run)
    frame = pd.DataFrame(
        out, columns=["kind", "unit", "site", "site_id", "status", "start", "end", "weeks"]
    )
    for col in ("start", "end"):
        frame[col] = frame[col].map(lambda d: d.isoformat())
    return frame.drop(columns="site_id")
