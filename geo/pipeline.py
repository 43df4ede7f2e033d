"""The one composition the app and the command line call: files in, a week's decision out.

- `load` reads the input files once (the shipped Sevenoaks data when none are given).
- `hotspots` finds one category's hotspots in a window, with their incidents.
- `run_week` plans a week from loaded data: hotspots, forecast, the plan it starts
  from, the plan history, and every registered resource kind's planner. It is
  `prepare_week` (all of that but the planners, which alone read the sergeant's
  changes) then `plan_evidence`, so the app re-plans a change without the rest.
- `approve_week` is the one path by which a plan becomes a decision: the sergeant's
  edits applied and recorded, saved over the version the user was shown or refused.
- `week_state` tells what the store holds for a week (the approved plan to show).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo._errors import GeoInputError
from geo.boundaries import district_outline, read_wards, study_area
from geo.datasets import get_path
from geo.forecast import make_grid, risk_surface
from geo.hotspots import find_hotspots, hotspot_incidents
from geo.incidents import LoadResult, load_incidents
from geo.periods import Window, window
from geo.plan import Plan, PlanContext, plan_week, usage
from geo.plan.demand import CCTV_CATEGORIES, demand_points, harm_of
from geo.plan.registry import kind, resource_kinds
from geo.plan.sites import off_limits, resolve_site, site_labels
from geo.plan.speed_boards import board_sites
from geo.resources import Resources, WeekOverrides
from geo.schema import DEPLOYMENT_COLUMNS, deployments_frame
from geo.settings import DEFAULT_SETTINGS, Settings
from geo.store import (
    StoredPlan,
    deployments_since,
    last_approved_before,
    load_plan,
    save_plan,
)

SPEED_SOURCES = ("speed_survey", "speedwatch", "complaint", "collision")
"""Incident sources that are speeding evidence rather than recorded crime or ASB."""


@dataclass(frozen=True, slots=True, eq=False)
class Loaded:
    """
    Input files read once: every row accounted for, and the wards they were placed in.

    Attributes
    ----------
    result
        The load (rows in / accepted / rejected, per file).
    wards
        The ward boundaries (EPSG:27700).
    """

    result: LoadResult
    wards: gpd.GeoDataFrame

    @property
    def accepted(self) -> gpd.GeoDataFrame:
        """The accepted incidents."""
        return self.result.accepted

    @property
    def sources(self) -> list[str]:
        """The input files' names."""
        return [f.source_file for f in self.result.files]


def load(
    paths: Sequence[str | Path] | None = None,
    *,
    wards: gpd.GeoDataFrame | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    strict: bool = True,
    cache: bool = True,
    home: Path | None = None,
) -> Loaded:
    """
    Read input files (default: the shipped Sevenoaks police.uk months) into incidents.

    Parameters
    ----------
    paths
        police.uk files, CSU logs and speeding evidence, or folders of them; None or
        empty for the shipped data.
    wards
        Ward boundaries; default the shipped Sevenoaks wards.
    settings
        How files are read.
    strict
        Raise `geo._errors.InputFileError` for a file that cannot be read at all
        (False: report it in the load and go on).
    cache, home
        The parse cache and the state folder it is in (`geo.incidents.load_incidents`).

    Returns
    -------
    Loaded
        The load and the wards.
    """
    wards = wards if wards is not None else read_wards(get_path("wards"))
    inputs = list(paths) if paths else [get_path("police_uk")]
    result = load_incidents(
        inputs, wards=wards, settings=settings.load, strict=strict, cache=cache, home=home
    )
    return Loaded(result=result, wards=wards)


def recorded_months(incidents: pd.DataFrame) -> pd.Series:
    """
    Return the month of each incident that dates the data: police.uk rows if there are any.

    police.uk publishes whole months; a CSU log's few rows in a later month do not
    make that month "loaded" (three October log rows are not October's crime).

    Examples
    --------
    >>> rows = pd.DataFrame({"occurred": pd.to_datetime(["2025-09-01", "2025-10-03"]),
    ...                      "source": ["police.uk", "csu_log"]})
    >>> recorded_months(rows).astype(str).tolist()
    ['2025-09']
    """
    police = incidents["source"] == "police.uk"
    rows = incidents[police] if police.any() else incidents
    return rows["occurred"].dt.to_period("M")


def latest_month(incidents: pd.DataFrame) -> str:
    """Return the latest month with data (``YYYY-MM``; police.uk months where there are any)."""
    if incidents.empty:
        msg = "no incidents loaded"
        raise GeoInputError(msg)
    return str(recorded_months(incidents).max())


def default_as_of(incidents: pd.DataFrame, *, weeks: int | None = None) -> str:
    """
    Return the end of the default window: the latest month with data, or its last day.

    Months end at the latest police.uk month (`latest_month`); a window in weeks ends on
    the last dated incident's day, as CSU logs give days.
    """
    if weeks:
        if incidents.empty:
            msg = "no incidents loaded"
            raise GeoInputError(msg)
        return pd.Timestamp(incidents["occurred"].max()).strftime("%Y-%m-%d")
    return latest_month(incidents)


def next_week(incidents: pd.DataFrame) -> dt.date:
    """
    Return the week to plan by default: the Monday after the latest month with data ends.

    The first whole week that the data does not cover (`latest_month`, police.uk months
    where there are any).

    Examples
    --------
    >>> rows = pd.DataFrame({"occurred": pd.to_datetime(["2025-08-14", "2025-09-30"]),
    ...                      "source": ["police.uk", "police.uk"]})
    >>> next_week(rows)
    datetime.date(2025, 10, 6)
    """
    last = pd.Period(latest_month(incidents), freq="M") + 1
    return monday_of(last.to_timestamp().date() + dt.timedelta(days=6))


def window_choice(
    incidents: pd.DataFrame,
    *,
    as_of: str | None = None,
    months: int | None = None,
    weeks: int | None = None,
    settings: Settings = DEFAULT_SETTINGS,
) -> tuple[str, int | None, int | None]:
    """
    Return the window every page and command uses: ``(as_of, months, weeks)``.

    `as_of` defaults to `default_as_of`; with no `weeks`, `months` defaults to
    ``settings.plan.hotspot_months``.
    """
    as_of = as_of or default_as_of(incidents, weeks=weeks)
    months = None if weeks else (months or settings.plan.hotspot_months)
    return as_of, months, weeks


@dataclass(frozen=True, slots=True)
class MapFilter:
    """
    What a map shows: categories, whole months and wards.

    Attributes
    ----------
    categories
        The categories shown, or None for every category.
    period
        The months shown.
    wards
        Ward names; empty for every ward.
    """

    categories: tuple[str, ...] | None
    period: Window
    wards: tuple[str, ...] = ()


def map_incidents(incidents: gpd.GeoDataFrame, chosen: MapFilter) -> gpd.GeoDataFrame:
    """Return the incidents a map shows (the app's Map page and ``geo map`` alike)."""
    keep = chosen.period.contains(incidents["occurred"])
    if chosen.categories is not None:
        keep = keep & incidents["category"].isin(chosen.categories).to_numpy()
    if chosen.wards:
        keep = keep & incidents["ward_name"].isin(chosen.wards).to_numpy()
    return incidents[keep]


def monthly_counts(incidents: pd.DataFrame, chosen: MapFilter) -> pd.DataFrame:
    """
    Count the chosen incidents in every month of the chosen period, by real month.

    Returns columns ``month`` (``Mon YYYY``), ``series``, ``count`` (missing where no
    file covers the month: a gap, not a zero) and ``order``.
    """
    base = map_incidents(incidents, chosen)
    covered = set(recorded_months(incidents).unique()) if len(incidents) else set()
    counts = pd.to_datetime(base["occurred"]).dt.to_period("M").value_counts()
    rows = [
        {
            "month": m.strftime("%b %Y"),
            "series": "incidents",
            "order": i,
            "count": int(counts.get(m, 0)) if m in covered else None,
        }
        for i, m in enumerate(chosen.period.month_index())
    ]
    return pd.DataFrame(rows).astype({"count": "Int64"})


def category_hotspots(
    loaded: Loaded,
    *,
    category: str,
    as_of: str | None = None,
    months: int | None = None,
    weeks: int | None = None,
    rank_by: str = "harm",
    keep_outside: bool = False,
    settings: Settings = DEFAULT_SETTINGS,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, Window]:
    """
    Find one category's hotspots in a window, with the incidents inside them.

    Parameters
    ----------
    loaded
        What `load` returned.
    category
        A category or ``+``-joined categories (``asb+criminal_damage``).
    as_of
        The window's last month (``YYYY-MM``) or day; default the latest month with data.
    months, weeks
        The window's length (default `settings.plan.hotspot_months` months).
    rank_by
        ``harm`` or ``count``.
    keep_outside
        Whether incidents outside the wards were kept: the Gi* grid then covers the study
        area (the wards plus every 1 km square holding an incident).
    settings
        Hotspot settings.

    Returns
    -------
    tuple
        Hotspots, their incidents, and the window. The app's Hotspots page and
        ``geo hotspots`` both call this, so they list the same hotspots for the same files.
    """
    incidents = loaded.accepted
    as_of, months, weeks = window_choice(
        incidents, as_of=as_of, months=months, weeks=weeks, settings=settings
    )
    span = window(as_of, months=months, weeks=weeks)
    spots = find_hotspots(
        incidents,
        categories=category,
        as_of=as_of,
        months=months,
        weeks=weeks,
        wards=loaded.wards,
        params=settings.hotspots,
        rank_by=rank_by,
        area=study_area(
            loaded.wards,
            incidents,
            keep_outside=keep_outside,
            square_m=settings.load.study_square_m,
        ),
    )
    members = hotspot_incidents(incidents, spots, as_of=as_of, months=months, weeks=weeks)
    return spots, members, span


@dataclass(frozen=True, slots=True, eq=False)
class WeekRun:
    """
    Everything one weekly run produced, for the app, the CLI and the exports.

    Attributes
    ----------
    week
        The Monday planned.
    loaded
        The load of every input file (rows in / accepted / rejected).
    incidents
        Crime and ASB incidents before the week (speeding evidence excluded).
    speed_evidence
        Speeding evidence before the week (may be empty).
    as_of
        The last month of data used (``YYYY-MM``).
    window
        The evidence window the reasons count over.
    hotspots
        ASB and criminal damage hotspots of the window.
    risk
        Forecast cells for the week's month: ``expected``, ``expected_harm``.
    plan
        The suggested plan.
    candidates
        Every site a unit could go to this week: ``resource``, ``site_id``,
        ``site_name``, ``site_label`` (unique within its kind, `geo.plan.sites`),
        ``x``, ``y``, ``hotspot_ids`` (for pickers: off limits, pinned, changes).
    started_from
        The approved plan this run starts from (last week's, or this week's when
        re-planning), or None.
    synthetic_sources
        Input files marked SYNTHETIC in their names (never real data).
    overrides
        The sergeant's changes the plan was made with.
    context
        What the planners were given, so that a row at a site the sergeant chose is
        written by the same planner (`apply_edits`).
    """

    week: dt.date
    loaded: LoadResult
    incidents: gpd.GeoDataFrame
    speed_evidence: gpd.GeoDataFrame
    as_of: str
    window: Window
    hotspots: gpd.GeoDataFrame
    risk: gpd.GeoDataFrame
    plan: Plan
    candidates: pd.DataFrame
    started_from: StoredPlan | None
    synthetic_sources: tuple[str, ...]
    overrides: WeekOverrides = WeekOverrides()  # noqa: RUF009 (frozen, safe to share)
    context: PlanContext | None = None


def monday_of(day: dt.date) -> dt.date:
    """
    Return the Monday of the week containing `day`.

    Examples
    --------
    >>> monday_of(dt.date(2025, 10, 9))
    datetime.date(2025, 10, 6)
    """
    return day - dt.timedelta(days=day.weekday())


LAST_WEEK = dt.date(2100, 12, 27)
"""The last week start a plan may be for (the loader's dates end in 2100)."""

WEEKS_AHEAD_MAX = 53
"""A week may start at most this many weeks after the latest incident loaded."""


def check_week(week: dt.date, latest: pd.Timestamp | None) -> None:
    """
    Refuse a week past 2100, or more than a year after the latest data.

    Parameters
    ----------
    week
        Any day of the week to plan.
    latest
        When the latest incident loaded occurred (NaT or None if none).

    Raises
    ------
    GeoInputError
        In one line, naming the week and the latest week allowed.

    Examples
    --------
    >>> check_week(dt.date(2025, 10, 9), pd.Timestamp("2025-09-30"))
    >>> check_week(dt.date(9999, 12, 27), pd.Timestamp("2025-09-30"))
    Traceback (most recent call last):
    ...
    geo._errors.GeoInputError: week 9999-12-27 is past 2100; give a week from 1900 to 2100
    """
    if not dt.date(1900, 1, 1) <= week <= LAST_WEEK + dt.timedelta(days=6):
        msg = f"week {week.isoformat()} is past 2100; give a week from 1900 to 2100"
        if week.year < 1900:
            msg = f"week {week.isoformat()} is before 1900; give a week from 1900 to 2100"
        raise GeoInputError(msg)
    if latest is None or pd.isna(latest):
        return
    limit = latest.date() + dt.timedelta(weeks=WEEKS_AHEAD_MAX)
    if week > limit:
        msg = (
            f"week {week.isoformat()} is more than a year after the latest incident "
            f"({latest.date().isoformat()}); plan a week up to {limit.isoformat()}, "
            "or load newer data"
        )
        raise GeoInputError(msg)


def last_month_before(incidents: pd.DataFrame, week: dt.date) -> str:
    """
    Return the latest month with incidents that ended before `week` (``YYYY-MM``).

    Raises
    ------
    GeoInputError
        If no incident falls in a month that ended before the week.
    """
    month_start = pd.Timestamp(week).to_period("M").to_timestamp()
    months = recorded_months(incidents[incidents["occurred"] < month_start])
    if months.empty:
        msg = (
            f"no incidents in any month before {month_start:%B %Y}: nothing to plan week {week} on"
        )
        raise GeoInputError(msg)
    return str(months.max())


def forecast_risk(
    incidents: gpd.GeoDataFrame,
    grid: gpd.GeoDataFrame,
    *,
    target: str,
    settings: Settings,
    categories: Sequence[str] = CCTV_CATEGORIES,
) -> gpd.GeoDataFrame:
    """
    Forecast each category for `target` with the default method and add up the harm.

    Returns
    -------
    geopandas.GeoDataFrame
        `grid` plus ``expected`` (incidents of all `categories`) and
        ``expected_harm`` (weighted by `geo.taxonomy.HARM_WEIGHTS`).
    """
    expected = {
        c: risk_surface(
            incidents, categories=c, target=target, grid=grid, params=settings.forecast
        )["expected"].to_numpy()
        for c in categories
    }
    return grid.assign(expected=sum(expected.values()), expected_harm=harm_of(expected))


def _starting_rows(start: StoredPlan | None, week: dt.date) -> pd.DataFrame | None:
    """
    Return the approved deployments a week starts from, weeks on site counted to last week.

    From last week's plan, kit stayed where it was in any weeks skipped since, so
    its weeks on site grow by those; from this week's own approved plan (a re-plan),
    its weeks on site are this week's, so they go back one.
    """
    if start is None:
        return None
    gap = (week - start.week).days // 7 - 1
    rows = start.deployments
    return rows.assign(weeks_on_site=(rows["weeks_on_site"].astype(int) + gap).clip(lower=0))


def candidate_sites(context: PlanContext) -> pd.DataFrame:
    """
    Return every site a unit could go to this week, each kind's own, for pickers (see `WeekRun`).

    Each registered kind lists its sites (`geo.schema.ResourceKind.candidates`); each
    site gets a label unique within its kind (`geo.plan.sites.site_labels`).
    """
    cols = ["resource", "site_id", "site_name", "x", "y", "hotspot_ids"]
    parts = []
    for k in resource_kinds():
        sites = k.candidates(context) if k.candidates is not None else None
        if sites is None or sites.empty:
            continue
        sites = sites.assign(resource=k.key, hotspot_ids=sites.get("hotspot_ids", ""))
        parts.append(sites[cols])
    out = pd.concat(parts or [pd.DataFrame(columns=cols)], ignore_index=True)
    out["hotspot_ids"] = out["hotspot_ids"].fillna("").astype(str)
    out = out.drop_duplicates(["resource", "site_id"], ignore_index=True)
    return out.assign(site_label=site_labels(out, context.hotspots))


@dataclass(frozen=True, slots=True, eq=False)
class WeekEvidence:
    """
    What a week's plan is made from before the sergeant's changes (`prepare_week`).

    Everything here is found without the week's overrides (out of service, patrol
    hours, off-limits and pinned sites): the planners read those, nothing else in
    `run_week` does. So one `WeekEvidence` serves every change the sergeant tries
    (`plan_evidence`), and the plan is the same as `run_week` with those changes.

    Attributes
    ----------
    loaded
        The load of every input file.
    context
        What the planners are given, with no overrides (``WeekOverrides()``).
    as_of, risk, started_from, synthetic_sources
        As in `WeekRun`.
    candidates
        Every site a unit could go to this week (`candidate_sites`; no override
        changes them: an off-limits site is left out by the planners, not here).
    """

    loaded: LoadResult
    context: PlanContext
    as_of: str
    risk: gpd.GeoDataFrame
    candidates: pd.DataFrame
    started_from: StoredPlan | None
    synthetic_sources: tuple[str, ...]


def prepare_week(
    loaded: Loaded,
    *,
    week: dt.date,
    resources: Resources,
    db: Path,
    history: bool = True,
    settings: Settings = DEFAULT_SETTINGS,
    replan: StoredPlan | None = None,
    ahead: pd.DataFrame | None = None,
) -> WeekEvidence:
    """
    Find what a week's plan is made from: hotspots, forecast, the plan it starts from, history.

    The arguments are `run_week`'s less `overrides`; `plan_evidence` makes the plan.

    Raises
    ------
    GeoInputError
        As `run_week`.
    """
    check_week(week, loaded.accepted["occurred"].max() if len(loaded.accepted) else None)
    week = monday_of(week)
    before = loaded.accepted[loaded.accepted["occurred"] < pd.Timestamp(week)]
    is_speed = before["source"].isin(SPEED_SOURCES)
    incidents, speed = before[~is_speed], before[is_speed]
    as_of = last_month_before(incidents, week)
    span = window(as_of, months=settings.plan.hotspot_months)
    spots = find_hotspots(
        incidents,
        categories=CCTV_CATEGORIES,
        as_of=as_of,
        months=span.n,
        wards=loaded.wards,
        params=settings.hotspots,
    )
    grid = make_grid(district_outline(loaded.wards), cell_m=settings.forecast.cell_m)
    risk = forecast_risk(
        incidents, grid, target=pd.Timestamp(week).strftime("%Y-%m"), settings=settings
    )
    since = span.end - pd.DateOffset(months=settings.plan.demand_months)
    start = (
        replan if replan is not None else (last_approved_before(db, week=week) if history else None)
    )
    past = (
        deployments_since(
            db, since=week - dt.timedelta(weeks=settings.plan.history_weeks), before=week
        )
        if history
        else None
    )
    if ahead is not None and len(ahead):
        past = ahead if past is None or past.empty else pd.concat([past, ahead], ignore_index=True)
    context = PlanContext(
        week=week,
        incidents=incidents,
        hotspots=spots,
        demand=demand_points(incidents, risk, since=since),
        window=span,
        resources=resources,
        overrides=WeekOverrides(),
        speed_evidence=speed,
        previous=_starting_rows(start, week),
        history=past,
    )
    context = replace(context, speed_site_table=board_sites(context))  # found once
    synthetic = tuple(
        f.source_file for f in loaded.result.files if "SYNTHETIC" in f.source_file.upper()
    )
    return WeekEvidence(
        loaded=loaded.result,
        context=context,
        as_of=as_of,
        risk=risk,
        candidates=candidate_sites(context),
        started_from=start,
        synthetic_sources=synthetic,
    )


def plan_evidence(
    evidence: WeekEvidence,
    overrides: WeekOverrides = WeekOverrides(),  # noqa: B008 (frozen, safe to share)
) -> WeekRun:
    """
    Plan a week from its evidence with the sergeant's changes (`prepare_week`, `run_week`).

    The evidence is not changed, so one `WeekEvidence` serves any number of changes.
    """
    context = replace(evidence.context, overrides=overrides)
    plan = plan_week(context)  # old data are said in every plan's headline (`PlanSheet`)
    return WeekRun(
        week=context.week,
        loaded=evidence.loaded,
        incidents=context.incidents,
        speed_evidence=context.speed_evidence,
        as_of=evidence.as_of,
        window=context.window,
        hotspots=context.hotspots,
        risk=evidence.risk,
        plan=plan,
        candidates=evidence.candidates,
        started_from=evidence.started_from,
        synthetic_sources=evidence.synthetic_sources,
        overrides=overrides,
        context=context,
    )


def run_week(
    loaded: Loaded,
    *,
    week: dt.date,
    resources: Resources,
    overrides: WeekOverrides = WeekOverrides(),  # noqa: B008 (frozen, safe to share)
    db: Path,
    history: bool = True,
    settings: Settings = DEFAULT_SETTINGS,
    replan: StoredPlan | None = None,
    ahead: pd.DataFrame | None = None,
) -> WeekRun:
    """
    Plan one week from loaded data: hotspots, forecast, the plan it starts from, history.

    Parameters
    ----------
    loaded
        What `load` returned.
    week
        Any day of the week to plan (the plan starts on its Monday).
    resources
        What the unit has (`geo.plan.registry.read_resources` reads a file).
    overrides
        The sergeant's changes for this week.
    db
        The plan store (`geo.home.default_store` gives the state folder's).
    history
        False plans without reading the store (a fresh start).
    settings
        Loading, hotspot, forecast and plan settings.
    replan
        This week's approved plan, to re-plan from (units stay unless the rules move them),
        or the plan of the week before when planning weeks ahead (`geo.timeline`).
    ahead
        Deployments of earlier weeks planned ahead but not saved (`DEPLOYMENT_COLUMNS`
        plus ``week``), read as history beside the approved ones (board rests, EVA
        recency), so a look-ahead follows the same rules as weeks approved one by one.

    Returns
    -------
    WeekRun
        The loaded data, hotspots, forecast, candidate sites and plan.

    Raises
    ------
    GeoInputError
        If there is no data before the week, or the week is past 2100 or more than a
        year after the data (`check_week`).
    """
    evidence = prepare_week(
        loaded,
        week=week,
        resources=resources,
        db=db,
        history=history,
        settings=settings,
        replan=replan,
        ahead=ahead,
    )
    return plan_evidence(evidence, overrides)


def carried_overrides(approved: StoredPlan, given: WeekOverrides) -> WeekOverrides:
    """
    Return a re-plan's overrides: out of service, exclusions and pins carried from approval.

    Each comes from the approved version unless the sergeant gives new ones now.

    Parameters
    ----------
    approved
        The week's approved plan (its note keeps the overrides it was made with).
    given
        The overrides given for the re-plan.
    """
    try:
        made = json.loads(approved.note) if approved.note.startswith("{") else {}
    except json.JSONDecodeError:
        made = {}
    kept = made.get("overrides", {}) if isinstance(made, dict) else {}
    return replace(
        given,
        out_of_service=given.out_of_service or frozenset(kept.get("out_of_service", [])),
        excluded_sites=given.excluded_sites or frozenset(kept.get("excluded_sites", [])),
        pinned_sites=given.pinned_sites or tuple(kept.get("pinned_sites", [])),
    )


def week_state(db: Path, week: dt.date) -> StoredPlan | None:
    """Return the latest saved version of the week's plan (what the user is shown), or None.

    A week past 2100 is refused first (`check_week`).
    """
    check_week(week, None)
    return load_plan(db, week=monday_of(week))


def decided(stored: StoredPlan | None, *, replanning: bool) -> StoredPlan | None:
    """
    Return the week's approved plan when it is to be shown as saved, else None (plan it).

    An approved week is a decision: ``geo plan`` and the week page show it as it was
    saved, without planning again, unless the sergeant asked to re-plan.

    Examples
    --------
    >>> def saved(status):
    ...     return StoredPlan(dt.date(2025, 10, 6), 1, status, "PS 1", "", pd.DataFrame())
    >>> decided(saved("approved"), replanning=False).status
    'approved'
    >>> decided(saved("approved"), replanning=True), decided(saved("suggested"), replanning=False)
    (None, None)
    """
    return stored if stored is not None and stored.status == "approved" and not replanning else None


def replan_base(stored: StoredPlan | None, *, replanning: bool) -> StoredPlan | None:
    """
    Return the approved plan a re-plan starts from (its units out of service, its pins), or None.

    Examples
    --------
    >>> saved = StoredPlan(dt.date(2025, 10, 6), 1, "approved", "PS 1", "", pd.DataFrame())
    >>> replan_base(saved, replanning=True).version, replan_base(saved, replanning=False)
    (1, None)
    """
    return stored if replanning and stored is not None and stored.status == "approved" else None


# --- approval ----------------------------------------------------------------------------------

EDITABLE = ("site", "site_name")
"""Plan fields the sergeant may change before approving: the site, by label, id or name."""


def apply_edits(
    run: WeekRun,
    rows: pd.DataFrame,
    edits: Mapping[int, Mapping[str, object]],
    *,
    by: str,
    at: str,
) -> pd.DataFrame:
    """
    Apply the sergeant's edits to plan rows, recording each change (from, to, by whom).

    A changed row is written again by its kind's planner for the new site
    (`geo.schema.ResourceKind.site_row`): its reason names the new site and gives
    that site's own counts, in the same words as the planner's own choices.

    Parameters
    ----------
    run
        The run whose candidate sites a new site is chosen from.
    rows
        The plan's rows (`DEPLOYMENT_COLUMNS`).
    edits
        Row position -> {field: new value}; fields in `EDITABLE` (``site`` or
        ``site_name``: a candidate site's label, id or unshared name, of the row's kind).
    by, at
        Who changed the rows and when.

    Returns
    -------
    pandas.DataFrame
        The rows with changed rows rewritten at their new site, status ``changed``
        and ``change`` text; their notes and marks kept.

    Raises
    ------
    GeoInputError
        For an unknown row, field or site, or a kind whose sites cannot be changed.
    """
    out = rows.copy().reset_index(drop=True)
    for pos, fields in edits.items():
        if not 0 <= int(pos) < len(out):
            msg = f"no plan row {pos}: the plan has {len(out)} rows"
            raise GeoInputError(msg)
        unknown = sorted(set(fields) - set(EDITABLE))
        if unknown:
            msg = f"cannot change {unknown}: only the site can be changed"
            raise GeoInputError(msg)
        before = out.loc[int(pos)].to_dict()
        text = str(fields.get("site", fields.get("site_name", before["site_name"])))
        if text in {before["site_name"], before["site_id"]}:
            continue
        site = resolve_site(run.candidates, str(before["resource"]), text)
        if site["site_id"] == before["site_id"]:
            continue
        found = kind(str(before["resource"]))
        if found is None or found.site_row is None or run.context is None:
            msg = f"the site of {before['unit']} cannot be changed"
            raise GeoInputError(msg)
        row = found.site_row(run.context, site, before).row()
        row.update(
            status="changed",
            changed_by=by,
            changed_at=at,
            change=f"site: {before['site_name']} -> {row['site_name']}; by {by}",
            note=before.get("note", ""),
            outcome=before.get("outcome", ""),
        )
        for column, value in row.items():
            out.at[int(pos), column] = value
    return out


def plan_problems(run: WeekRun, rows: pd.DataFrame) -> list[str]:
    """
    Say, in words, what makes plan rows unfit to approve: two units on one site, a site off limits.

    Parameters
    ----------
    run
        The run the rows come from (its overrides say which sites are off limits).
    rows
        The plan's rows after the sergeant's edits.

    Returns
    -------
    list of str
        One sentence per problem; empty when the rows may be approved.
    """
    problems = []
    for _, group in rows.groupby(["resource", "site_id"], sort=False):
        if len(group) > 1:
            units = " and ".join(group["unit"])
            problems.append(
                f"{units} are both at {group['site_name'].iloc[0]}: one unit per site; "
                "choose another site for one of them"
            )
    excluded = run.overrides.excluded_sites
    if excluded:
        barred = rows["site_id"].isin(excluded).to_numpy().copy()
        for k in resource_kinds():
            reach = k.reach(run.context.resources) if run.context else 0.0
            of_kind = (rows["resource"] == k.key).to_numpy()
            if reach > 0 and of_kind.any():
                barred[of_kind] |= off_limits(rows[of_kind], excluded, reach)
        for r in rows[barred].itertuples():
            problems.append(f"{r.unit} is at {r.site_name}, which is off limits this week")
    return problems


def edited_run(
    run: WeekRun, edits: Mapping[int, Mapping[str, object]], *, by: str, at: str
) -> WeekRun:
    """Return the run with the sergeant's edits applied (what the page shows and exports)."""
    if not edits:
        return run
    rows = apply_edits(
        run, pd.DataFrame(run.plan.deployments.drop(columns="geometry")), edits, by=by, at=at
    )
    frame = deployments_frame(rows)
    used = usage(resource_kinds(), frame, run.context.resources) if run.context else run.plan.used
    return replace(run, plan=replace(run.plan, deployments=frame, used=used))


def edits_of_units(
    run: WeekRun, changes: Mapping[str, str]
) -> tuple[dict[int, dict[str, object]], list[str]]:
    """
    Turn site changes kept by unit ({unit: site id}) into edits of this run's rows.

    A change made before a sidebar option was changed is carried to the new plan
    when its unit is still in it and its site still a candidate of its kind.

    Returns
    -------
    tuple
        Row position -> {"site": site id}, and the changes that could not be carried,
        in words.
    """
    rows = run.plan.deployments
    edits, dropped = {}, []
    for unit, site in changes.items():
        at = rows.index[rows["unit"] == unit]
        if len(at) == 0:
            dropped.append(f"{unit} is not in this plan, so its site change is not applied")
            continue
        kind_key = str(rows.at[at[0], "resource"])
        own = run.candidates[run.candidates["resource"] == kind_key]
        if site not in set(own["site_id"]):
            dropped.append(f"{unit}'s chosen site is not a candidate this week")
            continue
        edits[int(rows.index.get_loc(at[0]))] = {"site": site}
    return edits, dropped


def approve_week(
    run: WeekRun,
    edits: Mapping[int, Mapping[str, object]] | None,
    base_version: int | None,
    *,
    by: str,
    db: Path,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> StoredPlan:
    """
    Approve a week's plan with the sergeant's edits: the one path to a saved decision.

    Parameters
    ----------
    run
        The plan the user was shown.
    edits
        Row position -> {field: new value} (see `apply_edits`), or None.
    base_version
        The saved version the user was shown (None: none was). A save over a newer
        version is refused.
    by
        Who approves (the signed-in user, or ``--by``).
    db
        The plan store (`geo.home.default_store` gives the state folder's).
    note
        Saved with the plan; default the run's provenance as JSON (data period,
        evidence window, what was available, notes, sources), which exports show.
    now
        The time of approval (default: now, UTC).

    Returns
    -------
    StoredPlan
        The saved version.

    Raises
    ------
    geo.store.PlanConflictError
        If the week was saved since `base_version` (one line: who saved what when).
    GeoInputError
        If `by` is empty, an edit is not valid, or the plan puts two units on one site
        or a unit on a site off limits this week (`plan_problems`, in one line).
    """
    if not by.strip():
        msg = "say who approves the plan (a name or collar number)"
        raise GeoInputError(msg)
    now = now or dt.datetime.now(dt.UTC)
    at = now.isoformat(timespec="seconds")
    rows = pd.DataFrame(run.plan.deployments.drop(columns="geometry"))
    rows = apply_edits(run, rows, edits or {}, by=by.strip(), at=at)
    problems = plan_problems(run, rows)
    if problems:
        raise GeoInputError("not approved: " + "; ".join(problems))
    rows["status"] = rows["status"].replace("suggested", "approved")
    if note is None:
        from geo.plan_export import provenance

        note = json.dumps(provenance(run))
    return save_plan(
        db,
        week=run.week,
        deployments=rows[list(DEPLOYMENT_COLUMNS)],
        status="approved",
        saved_by=by.strip(),
        base_version=base_version,
        note=note,
        now=now,
    )
