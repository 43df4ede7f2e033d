"""PCSO hot-spot patrols: the week's hours in 15-minute visits over the top hot spots.

Koper (1995) found 10-16 minute stops give the longest residual deterrence; visits
are shared over the top hot spots by forecast harm (Hamilton's largest-remainder
method), with day and time windows from dated CSU logs where they exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo._config import Bound
from geo._errors import GeoInputError
from geo.periods import Window
from geo.plan.context import PlanContext
from geo.plan.officers import Officer
from geo.plan.schedule import (
    KOPER_MINUTES,
    SAME_PLACE_GAP,
    TRAVEL,
    Visit,
    hour_weights,
    schedule_visits,
    when_words,
)
from geo.resources import Resources, WeekOverrides
from geo.schema import Deployment, KindPlan, week_dates


@dataclass(frozen=True, slots=True, kw_only=True)
class PatrolResources:
    """
    PCSO hot-spot patrols.

    Attributes
    ----------
    hours_per_week
        PCSO hours available for hot-spot visits this week.
    visit_minutes
        Minutes per visit: Koper (1995) found 10-16 minute stops give the longest
        residual deterrence, so 15.
    max_hotspots
        Hot spots the visits are spread over (the top ones by predicted harm).
    officers
        The PCSOs who make the visits, each with the week's shifts (`Officer`);
        empty: visits are planned without a day, time or officer.
    """

    hours_per_week: float = 20.0
    visit_minutes: int = 15
    max_hotspots: int = 6
    officers: tuple[Officer, ...] = ()

    def __post_init__(self) -> None:
        if self.hours_per_week < 0 or not 1 <= self.visit_minutes <= 120 or self.max_hotspots < 1:
            msg = f"patrol: need hours >= 0, 1 <= visit_minutes <= 120, max_hotspots >= 1: {self}"
            raise GeoInputError(msg)


PATROL_BOUNDS = {
    "hours_per_week": Bound(False, 0, 2000, "hours"),
    "visit_minutes": Bound(True, 1, 120, "minutes"),
    "max_hotspots": Bound(True, 1, 200),
}
"""The ``[patrol]`` settings' types and ranges (``officers`` is read by `read_officers`)."""


def patrol_settings(resources: Resources) -> PatrolResources:
    """Return the patrols' settings (the ``[patrol]`` section)."""
    return resources.of("patrol")


def patrol_hours(resources: Resources, overrides: WeekOverrides) -> float:
    """Return the PCSO hours for hot-spot visits this week."""
    usual, given = patrol_settings(resources).hours_per_week, overrides.amount("patrol")
    return float(usual if given is None else max(0.0, given))


def patrol_usage(rows: pd.DataFrame, resources: Resources) -> float:
    """Return the hours a plan's patrol rows use."""
    visits = sum(int(n.get("visits", 0)) for n in rows["numbers"])
    return visits * patrol_settings(resources).visit_minutes / 60


def plan_patrols(context: PlanContext) -> KindPlan:
    """
    Spread the week's PCSO hours over the top hot spots by forecast harm, in 15-minute visits.

    Returns
    -------
    tuple
        One deployment per hot spot, and notes.
    """
    cfg, hotspots = patrol_settings(context.resources), context.hotspots
    visits = int(patrol_hours(context.resources, context.overrides) * 60 // cfg.visit_minutes)
    if visits == 0 or hotspots.empty:
        return [], ["No patrol hours or no hotspots this week: patrols not planned."]
    top = hotspots.assign(forecast_harm=harm_inside(hotspots, context.demand))
    top = top[~top["hotspot_id"].isin(context.overrides.excluded_sites)]
    top = top.sort_values(["forecast_harm", "hotspot_id"], ascending=[False, True])
    top = top.head(min(cfg.max_hotspots, visits))
    share = largest_remainder(top["forecast_harm"].to_numpy() + 1e-9, visits)
    spots = top.to_dict("records")
    scheduled, notes = _scheduled(context, spots, [int(n) for n in share])
    rows, timed = [], False
    for i, (spot, n) in enumerate(zip(spots, share, strict=True), start=1):
        row, has_times = _patrol_row(
            context, spot, f"Patrol {i}", int(n), None if scheduled is None else scheduled[i - 1]
        )
        timed |= has_times
        rows.append(row)
    notes += (
        []
        if timed or scheduled is not None
        else [
            "Patrol times: police.uk data gives months only, so no day or time pattern is known; "
            "vary the times and visit the spots in random order through each shift (Koper curve)."
        ]
    )
    return rows, notes


def _patrol_row(
    context: PlanContext,
    spot: dict[str, object],
    unit: str,
    n: int,
    scheduled: tuple[Sequence[Visit], str] | None,
) -> tuple[Deployment, bool]:
    """
    One patrol deployment at a hot spot, with its numbers and its sentence.

    Returns
    -------
    tuple
        The deployment, and whether the hot spot's incidents have times of day.
    """
    cfg, window = patrol_settings(context.resources), context.window
    when, has_times = _time_windows(context.incidents, spot["geometry"], window)
    place = str(spot["top_locations"]).split(":")[0]
    reason = (
        f"{unit}: {n} visits of {cfg.visit_minutes} minutes at {place} "
        f"({spot['ward_names']}): {int(spot['n_incidents'])} ASB and criminal damage "
        f"incidents in {window.words()} ({spot['trend']}); forecast harm "
        f"{spot['forecast_harm']:.1f} next month. {when}"
    ).strip()
    extra = {}
    if scheduled is not None:
        visits, how = scheduled
        reason += f" Visits: {when_words(visits) or 'none fitted in the shifts'}; {how}."
        extra = {"schedule": [v.record(context.week, k) for k, v in enumerate(visits, 1)]}
    c = spot["geometry"].centroid
    start, end = week_dates(context.week)
    row = Deployment(
        resource="patrol",
        unit=unit,
        site_id=str(spot["hotspot_id"]),
        site_name=f"{place}, {spot['ward_names']}",
        x=c.x,
        y=c.y,
        hotspot_ids=str(spot["hotspot_id"]),
        start=start,
        end=end,
        reason=reason,
        numbers={
            "visits": n,
            "minutes": n * cfg.visit_minutes,
            "forecast_harm": round(float(spot["forecast_harm"]), 2),
            **extra,
        },
    )
    return row, has_times


def patrol_at(
    context: PlanContext, site: dict[str, object], before: dict[str, object]
) -> Deployment:
    """
    Return a patrol's row at a hot spot the sergeant chose, its reason written as the planner's.

    The visits keep their number, days, times and officers; they go to the new place.

    Parameters
    ----------
    context
        The week's evidence (the one the plan was made from).
    site
        The chosen candidate (its ``site_id`` is a hotspot id).
    before
        The plan row being changed (its unit, visits and schedule).
    """
    spots = context.hotspots
    found = spots[spots["hotspot_id"] == site["site_id"]]
    if found.empty:
        msg = f"{site['site_name']} is not a hotspot this week"
        raise GeoInputError(msg)
    spot = found.assign(forecast_harm=harm_inside(found, context.demand)).iloc[0].to_dict()
    numbers = before["numbers"] if isinstance(before["numbers"], dict) else {}
    records = numbers.get("schedule")
    scheduled = None
    if records is not None:
        visits = [Visit.of_record(r) for r in records]
        scheduled = (visits, f"times kept from the plan for {before['site_name']}")
    return _patrol_row(
        context, spot, str(before["unit"]), int(numbers.get("visits", 0)), scheduled
    )[0]


def _scheduled(
    context: PlanContext, spots: list[dict], counts: list[int]
) -> tuple[list[tuple[list[Visit], str]] | None, list[str]]:
    """
    Schedule each spot's visits in the officers' shifts (None when no officers are listed).

    Returns
    -------
    tuple
        Per spot its visits and how their times were chosen (in words), and notes.
    """
    cfg = patrol_settings(context.resources)
    if not cfg.officers:
        return None, []
    weights = [
        hour_weights(context.incidents, s["geometry"], context.window.prior_start) for s in spots
    ]
    visits, left = schedule_visits(
        counts, weights, cfg.officers, minutes=cfg.visit_minutes, seed=context.week.toordinal()
    )
    how = [
        f"times at the hours its {int(w.sum())} timed incidents in CSU logs happen"
        if w is not None
        else "times spread evenly over the shifts (police.uk data have no time of day)"
        for w in weights
    ]
    notes = []
    if left:
        notes.append(
            f"Patrols: {left} of {sum(counts)} visits did not fit in the officers' shifts "
            f"({TRAVEL} minutes between visits, {SAME_PLACE_GAP} minutes between two at one "
            "place): add shifts or lower the hours."
        )
    low, high = KOPER_MINUTES
    if not low <= cfg.visit_minutes <= high:
        notes.append(
            f"Patrols: visits of {cfg.visit_minutes} minutes are outside the {low}-{high} "
            "minutes that deter longest (Koper 1995)."
        )
    return list(zip(visits, how, strict=True)), notes


def harm_inside(hotspots: gpd.GeoDataFrame, demand: gpd.GeoDataFrame) -> np.ndarray:
    """Return the forecast harm of the demand points inside each hotspot outline."""
    joined = gpd.sjoin(
        demand[["expected_harm", "geometry"]],
        hotspots[["hotspot_id", "geometry"]],
        predicate="within",
    )
    per = joined.groupby("hotspot_id")["expected_harm"].sum()
    return hotspots["hotspot_id"].map(per).fillna(0.0).to_numpy()


def largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """
    Split `total` whole units in proportion to `weights` (Hamilton's method).

    Examples
    --------
    >>> largest_remainder(np.array([3.0, 1.0]), 10).tolist()
    [8, 2]
    """
    quota = weights / weights.sum() * total
    out = np.floor(quota).astype(int)
    order = np.argsort(-(quota - out), kind="stable")
    out[order[: total - out.sum()]] += 1
    return out


def _time_windows(
    incidents: gpd.GeoDataFrame, outline: shapely.Geometry, window: Window
) -> tuple[str, bool]:
    """Say when incidents happen in a hotspot, from incidents with a time of day."""
    timed = incidents[
        (incidents["date_precision"] == "minute") & (incidents["occurred"] >= window.prior_start)
    ]
    timed = timed[timed.within(outline)]
    if len(timed) < 5:
        return "", False
    when = timed["occurred"]
    slot = (
        when.dt.day_name().str[:3]
        + " "
        + (when.dt.hour // 3 * 3).map(lambda h: f"{h:02d}-{h + 3:02d}h")
    )
    top = slot.value_counts().head(2)
    said = " and ".join(f"{s} ({n})" for s, n in top.items())
    return f"Busiest times in CSU logs: {said}.", True
