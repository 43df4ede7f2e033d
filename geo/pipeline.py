"""The one composition the app and the command line call: files in, a week's plan out.

`run_week` loads the incidents (and any speeding evidence), finds the ASB and
criminal damage hotspots of the last three months, forecasts next month's harm,
reads last week's approved plan from the plan history, and asks the planner for
this week's deployments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo._errors import GeoInputError
from geo.boundaries import district_outline, read_wards
from geo.datasets import get_path
from geo.forecast import make_grid, risk_surface
from geo.hotspots import find_hotspots
from geo.incidents import LoadResult, load_incidents
from geo.planner import (
    CCTV_CATEGORIES,
    Plan,
    Window,
    demand_points,
    evidence_window,
    harm_of,
    plan_week,
)
from geo.resources import Resources, WeekOverrides, read_resources
from geo.settings import DEFAULT_SETTINGS, Settings
from geo.store import StoredPlan, deployments_since, last_approved_before

SPEED_SOURCES = ("speed_survey", "speedwatch", "complaint", "collision")
"""Incident sources that are speeding evidence rather than recorded crime or ASB."""


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
        The last month of data used ("YYYY-MM").
    window
        The evidence window the reasons count over.
    hotspots
        ASB and criminal damage hotspots of the window.
    risk
        Forecast cells for the week's month: ``expected``, ``expected_harm``.
    plan
        The suggested plan.
    synthetic_sources
        Input files marked SYNTHETIC in their names (never real data).
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
    synthetic_sources: tuple[str, ...]


def monday_of(day: dt.date) -> dt.date:
    """
    Return the Monday of the week containing `day`.

    Examples
    --------
    >>> monday_of(dt.date(2025, 10, 9))
    datetime.date(2025, 10, 6)
    """
    return day - dt.timedelta(days=day.weekday())


def last_month_before(incidents: pd.DataFrame, week: dt.date) -> str:
    """
    Return the latest month with incidents that ended before `week` ("YYYY-MM").

    Raises
    ------
    GeoInputError
        If no incident falls in a month that ended before the week.
    """
    month_start = pd.Timestamp(week).to_period("M").to_timestamp()
    months = incidents.loc[incidents["occurred"] < month_start, "occurred"].dt.to_period("M")
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


def _carried_forward(previous: StoredPlan | None, week: dt.date) -> pd.DataFrame | None:
    """Return last approved deployments with their weeks on site counted up to the week before.

    If the last approved plan is older than last week, kit stayed where it was in
    between, so its weeks on site grow by the weeks skipped.
    """
    if previous is None:
        return None
    skipped = (week - previous.week).days // 7 - 1
    rows = previous.deployments
    return rows.assign(weeks_on_site=rows["weeks_on_site"].astype(int) + max(skipped, 0))


def run_week(
    paths: Sequence[str | Path],
    *,
    week: dt.date,
    wards: gpd.GeoDataFrame | None = None,
    resources: Resources | None = None,
    overrides: WeekOverrides = WeekOverrides(),  # noqa: B008 (frozen, safe to share)
    db: Path | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    months: int = 3,
) -> WeekRun:
    """
    Plan one week from input files: load, hotspots, forecast, history, plan.

    Parameters
    ----------
    paths
        police.uk files, CSU logs and speeding evidence files, or folders of them.
    week
        Any day of the week to plan (the plan starts on its Monday).
    wards
        Ward boundaries; defaults to the shipped Sevenoaks wards.
    resources
        What the unit has; defaults to the shipped ``resources.toml``.
    overrides
        The sergeant's changes for this week.
    db
        The plan history; None plans without history (a fresh start).
    settings
        Loading, hotspot and forecast settings.
    months
        Length of the evidence window for hotspots and reasons.

    Returns
    -------
    WeekRun
        The loaded data, hotspots, forecast and plan.

    Raises
    ------
    GeoInputError
        If a file cannot be read or there is no data before the week.
    """
    week = monday_of(week)
    wards = wards if wards is not None else read_wards(get_path("wards"))
    loaded = load_incidents(paths, wards=wards, settings=settings.load)
    before = loaded.accepted[loaded.accepted["occurred"] < pd.Timestamp(week)]
    is_speed = before["source"].isin(SPEED_SOURCES)
    incidents, speed = before[~is_speed], before[is_speed]
    as_of = last_month_before(incidents, week)
    window = evidence_window(as_of, months=months)
    hotspots = find_hotspots(
        incidents, categories=CCTV_CATEGORIES, as_of=as_of, months=months, wards=wards,
        params=settings.hotspots,
    )  # fmt: skip
    grid = make_grid(district_outline(wards), cell_m=settings.forecast.cell_m)
    target = pd.Timestamp(week).strftime("%Y-%m")
    risk = forecast_risk(incidents, grid, target=target, settings=settings)
    demand = demand_points(incidents, risk, since=window.start - pd.DateOffset(months=9))
    previous = _carried_forward(
        last_approved_before(db, week=week) if db is not None else None, week
    )
    history = (
        deployments_since(db, since=week - dt.timedelta(weeks=26), before=week)
        if db is not None else None
    )  # fmt: skip
    plan = plan_week(
        week=week, incidents=incidents, hotspots=hotspots, demand=demand, window=window,
        resources=resources or read_resources(), speed_evidence=speed,
        previous=previous, history=history,
        overrides=overrides,
    )  # fmt: skip
    synthetic = tuple(f.source_file for f in loaded.files if "SYNTHETIC" in f.source_file.upper())
    return WeekRun(
        week=week, loaded=loaded, incidents=incidents, speed_evidence=speed, as_of=as_of,
        window=window, hotspots=hotspots, risk=risk, plan=plan, synthetic_sources=synthetic,
    )  # fmt: skip
