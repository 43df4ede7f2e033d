"""Environmental Visual Audits: about one a month, at the lasting hotspot most in need.

An EVA is suggested at the ASB/criminal-damage hotspot with the most environmental
signals (criminal damage, public order) that is persistent, emerging or
intermittent and has not been audited within ``lookback_months``, unless one was
held in the last four weeks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import geopandas as gpd
import pandas as pd

from geo._config import Bound
from geo._errors import GeoInputError
from geo.periods import Window
from geo.plan.context import PlanContext
from geo.resources import Resources, WeekOverrides
from geo.schema import Deployment, KindPlan, week_dates

EVA_CLASSES = ("persistent", "emerging", "intermittent")
"""Hotspot classes worth a walk-round: problems that have lasted or are growing."""

ENV_SIGNAL_CATEGORIES = (
    "criminal_damage",
    "public_order",
    "fly_tipping",
    "graffiti",
    "abandoned_vehicle",
)
"""Records that say something about a place's environment (damage, dumping, disorder)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EvaResources:
    """
    Environmental Visual Audits (a walk-round of a problem place with partners).

    Attributes
    ----------
    per_month
        EVAs the partnership can hold in four weeks (about 1).
    lookback_months
        A place audited within this many months is not suggested again.
    """

    per_month: int = 1
    lookback_months: int = 6


EVA_BOUNDS = {
    "per_month": Bound(True, 0, 31),
    "lookback_months": Bound(True, 0, 120, "months"),
}
"""The ``[eva]`` settings' types and ranges."""


def eva_settings(resources: Resources) -> EvaResources:
    """Return the EVAs' settings (the ``[eva]`` section)."""
    return resources.of("eva")


def eva_capacity(resources: Resources, overrides: WeekOverrides) -> float:  # noqa: ARG001
    """Return how many EVAs the partnership can hold in four weeks."""
    return float(eva_settings(resources).per_month)


def plan_eva(context: PlanContext) -> KindPlan:
    """
    Suggest an Environmental Visual Audit if none was held in the last four weeks.

    Returns
    -------
    tuple
        At most one deployment, and notes.
    """
    cfg, week = eva_settings(context.resources), context.week
    past = context.past_rows("eva")
    month_ago = (week - dt.timedelta(weeks=4)).isoformat()
    held = past[past["start"] >= month_ago]
    if cfg.per_month <= 0 or len(held) >= cfg.per_month:
        last = held.sort_values("start").iloc[-1] if len(held) else None
        why = f" (last: {last['site_name']}, week of {last['start']})" if last is not None else ""
        return [], [f"EVA: {len(held)} held in the last four weeks{why}; none due this week."]
    audited_since = (week - dt.timedelta(days=30 * cfg.lookback_months)).isoformat()
    ids = ";".join(past.loc[past["start"] >= audited_since, "hotspot_ids"])
    audited = set(ids.replace(" ", "").split(";")) - {""}
    scored = eva_candidates(context.incidents, context.hotspots, context.window)
    scored = scored[~scored["hotspot_id"].isin(audited | set(context.overrides.excluded_sites))]
    if scored.empty:
        return [], ["EVA: no persistent or emerging hotspot with environmental signals is due."]
    return [_eva_row(scored.iloc[0], context)], []


def _eva_row(best: pd.Series, context: PlanContext) -> Deployment:
    """One EVA at a scored hotspot (`eva_scores`), with its numbers and its sentence."""
    cfg = eva_settings(context.resources)
    reason = (
        f"EVA at {best['place']} ({best['ward_names']}): {best['trend_class']} hotspot, "
        f"{int(best['n_incidents'])} incidents in {context.window.words()} ({best['trend']}), "
        f"of which {int(best['signals'])} criminal damage, public order or environmental "
        "reports; "
        f"not audited in the last {cfg.lookback_months} months."
    )
    centre = best.geometry.centroid
    start, end = week_dates(context.week)
    return Deployment(
        resource="eva",
        unit="EVA",
        site_id=str(best["hotspot_id"]),
        site_name=f"{best['place']}, {best['ward_names']}",
        x=centre.x,
        y=centre.y,
        hotspot_ids=str(best["hotspot_id"]),
        start=start,
        end=end,
        reason=reason,
        numbers={
            "incidents": int(best["n_incidents"]),
            "signals": int(best["signals"]),
            "prior": int(best["n_prior"]),
        },
    )


def eva_at(context: PlanContext, site: dict[str, object], before: dict[str, object]) -> Deployment:
    """
    Return the EVA's row at a hotspot the sergeant chose, its reason written as the planner's.

    Parameters
    ----------
    context
        The week's evidence (the one the plan was made from).
    site
        The chosen candidate (its ``site_id`` is a hotspot id).
    before
        The plan row being changed.
    """
    scored = eva_scores(context.incidents, context.hotspots, context.window)
    found = scored[scored["hotspot_id"] == site["site_id"]]
    if found.empty:
        msg = f"{site['site_name']} is not a hotspot this week"
        raise GeoInputError(msg)
    return replace(_eva_row(found.iloc[0], context), unit=str(before["unit"]))


def eva_scores(
    incidents: gpd.GeoDataFrame, hotspots: gpd.GeoDataFrame, window: Window
) -> gpd.GeoDataFrame:
    """Return every hotspot with its count of environmental-signal crimes and its place."""
    if hotspots.empty:
        return hotspots.assign(signals=[], place=[])
    recent = incidents[
        incidents["category"].isin(ENV_SIGNAL_CATEGORIES) & window.contains(incidents["occurred"])
    ]
    inside = gpd.sjoin(
        recent[["geometry"]], hotspots[["hotspot_id", "geometry"]], predicate="within"
    )
    signals = inside.groupby("hotspot_id").size()
    return hotspots.assign(
        signals=hotspots["hotspot_id"].map(signals).fillna(0).astype(int),
        place=hotspots["top_locations"].str.split(":").str[0],
    )


def eva_candidates(
    incidents: gpd.GeoDataFrame, hotspots: gpd.GeoDataFrame, window: Window
) -> gpd.GeoDataFrame:
    """Return hotspots of a lasting class with their count of environmental-signal crimes."""
    out = eva_scores(incidents, hotspots, window)
    if out.empty:
        return out
    out = out[out["trend_class"].isin(EVA_CLASSES) & (out["signals"] > 0)]
    return out.sort_values(["signals", "harm", "hotspot_id"], ascending=[False, False, True])
