"""Mobile CCTV: named cameras placed by a maximal covering model over forecast harm.

Candidate sites are the anonymised map points of recent ASB and criminal damage
inside hotspots. The model chooses sites covering the most forecast harm within the
camera's view. A camera within its minimum stay is locked in place; between its
minimum and maximum stay it moves only if moving covers at least ``move_gain``
more forecast harm; after the maximum it moves. Cameras are named units: Camera 1
keeps its name with its site from week to week, a camera out of service is said by
name, and a site off limits takes the whole area within a camera's view with it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from geo._config import Bound
from geo._errors import GeoInputError
from geo.periods import Window, change_words
from geo.plan.context import PlanContext, usable_units
from geo.plan.demand import CCTV_CATEGORIES
from geo.plan.mclp import cover_matrix, covered_weight, solve_mclp
from geo.plan.sites import off_limits, site_id
from geo.resources import Resources, WeekOverrides
from geo.schema import Deployment, KindPlan, week_dates

SITE_COLUMNS = ["site_id", "site_name", "x", "y", "hotspot_ids"]
"""Columns of a candidate-site table."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CctvResources:
    """
    Mobile CCTV cameras.

    Attributes
    ----------
    cameras
        Cameras the unit owns.
    view_radius_m
        How far a camera sees usefully (metres): an incident within it is covered.
    min_weeks, max_weeks
        A camera stays at least `min_weeks` on a site (locked in place), and moves
        after `max_weeks` (so that it is not taken for granted).
    target_deployed_share
        The partnership's target share of cameras deployed at once (0.75).
    move_gain
        Between its minimum and maximum stay, a camera moves only if moving raises
        the predicted harm covered by all cameras by at least this share (0.25 =
        25 %): moving costs a site survey, an engineer's visit and community notice.
    """

    cameras: int = 5
    view_radius_m: float = 100.0
    min_weeks: int = 4
    max_weeks: int = 12
    target_deployed_share: float = 0.75
    move_gain: float = 0.25

    def __post_init__(self) -> None:
        if (
            not self.view_radius_m > 0
            or self.cameras < 0
            or not 1 <= self.min_weeks <= self.max_weeks
        ):
            msg = f"cctv: need cameras >= 0, view_radius_m > 0, 1 <= min_weeks <= max_weeks: {self}"
            raise GeoInputError(msg)


CCTV_BOUNDS = {
    "cameras": Bound(True, 0, 200),
    "view_radius_m": Bound(False, 10, 1000, "metres"),
    "min_weeks": Bound(True, 1, 104, "weeks"),
    "max_weeks": Bound(True, 1, 104, "weeks"),
    "target_deployed_share": Bound(False, 0, 1),
    "move_gain": Bound(False, 0, 10),
}
"""The ``[cctv]`` settings' types and ranges (the app's controls use the same)."""


def cctv_settings(resources: Resources) -> CctvResources:
    """Return the cameras' settings (the ``[cctv]`` section)."""
    return resources.of("cctv")


def camera_reach(resources: Resources) -> float:
    """Return how far a site off limits bars cameras: a camera's view radius (metres)."""
    return cctv_settings(resources).view_radius_m


def camera_sites(context: PlanContext) -> pd.DataFrame:
    """Return every site a camera could go to this week (`camera_candidates`), for pickers."""
    return camera_candidates(
        context.incidents,
        context.hotspots,
        window=context.window,
        extra_sites=context.previous_rows("cctv"),
    )


def camera_units(resources: Resources) -> tuple[str, ...]:
    """Return the names of the unit's cameras ("Camera 1", ...)."""
    return tuple(f"Camera {i}" for i in range(1, cctv_settings(resources).cameras + 1))


def camera_capacity(resources: Resources, overrides: WeekOverrides) -> float:
    """Return how many cameras can be used this week."""
    return float(
        len(
            usable_units(
                camera_units(resources), overrides.amount("cctv"), overrides.out_of_service
            )
        )
    )


def camera_candidates(
    incidents: gpd.GeoDataFrame,
    hotspots: gpd.GeoDataFrame,
    *,
    window: Window,
    extra_sites: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """
    List candidate camera sites: the map points of recent ASB/criminal damage in hotspots.

    Parameters
    ----------
    incidents
        Incidents in EPSG:27700.
    hotspots
        ASB/criminal damage hotspots (outlines in EPSG:27700, ``hotspot_id``).
    window
        Recent incidents (in the window) place the candidates.
    extra_sites
        Sites that must be candidates (current camera sites, pinned sites), with
        ``site_id``, ``site_name``, ``x``, ``y``.

    Returns
    -------
    pandas.DataFrame
        ``site_id``, ``site_name``, ``x``, ``y``, ``hotspot_ids``, sorted by site id.
    """
    recent = incidents[
        incidents["category"].isin(CCTV_CATEGORIES) & window.contains(incidents["occurred"])
    ]
    if recent.empty or hotspots.empty:
        points = pd.DataFrame(columns=SITE_COLUMNS)
    else:
        inside = gpd.sjoin(recent, hotspots[["hotspot_id", "geometry"]], predicate="within")
        inside = inside.assign(x=inside.geometry.x.round(0), y=inside.geometry.y.round(0))
        points = (
            inside.groupby(["x", "y"])
            .agg(
                location=("location", lambda s: s.value_counts().index[0]),
                ward=("ward_name", "first"),
                hotspot_ids=("hotspot_id", lambda s: "; ".join(sorted(set(s)))),
            )
            .reset_index()
        )
        points["site_id"] = [site_id(x, y) for x, y in zip(points["x"], points["y"], strict=True)]
        points["site_name"] = points["location"] + ", " + points["ward"]
        points = points[SITE_COLUMNS]
    if extra_sites is not None and len(extra_sites):
        extra = extra_sites[~extra_sites["site_id"].isin(points["site_id"])]
        extra = extra.assign(hotspot_ids=extra.get("hotspot_ids", ""))[SITE_COLUMNS]
        points = extra if points.empty else pd.concat([points, extra])
    return points.sort_values("site_id", ignore_index=True)


def plan_cctv(context: PlanContext) -> KindPlan:
    """
    Place the week's mobile CCTV cameras (see the module docstring for the rules).

    Returns
    -------
    tuple
        Camera deployments and notes.
    """
    cfg, overrides, week = cctv_settings(context.resources), context.overrides, context.week
    units = usable_units(
        camera_units(context.resources), overrides.amount("cctv"), overrides.out_of_service
    )
    prev = context.previous_rows("cctv")
    notes = [
        f"{u} is out of service this week."
        for u in sorted(overrides.out_of_service)
        if u.startswith("Camera ")
    ]
    down = prev[~prev["unit"].isin(units)]
    notes += [
        f"{r.unit} taken down from {r.site_name}: out of service."
        for r in down.itertuples()
        if r.unit in overrides.out_of_service
    ]
    prev = prev[prev["unit"].isin(units)].reset_index(drop=True)
    sites = camera_candidates(
        context.incidents, context.hotspots, window=context.window, extra_sites=prev
    )
    barred = off_limits(sites, overrides.excluded_sites, cfg.view_radius_m)
    if barred.any():
        notes.append(
            f"{int(barred.sum())} candidate site(s) off limits this week (within "
            f"{cfg.view_radius_m:.0f} m of a site marked off limits)."
        )
    sites = sites[~barred].reset_index(drop=True)
    weeks_so_far = dict(zip(prev["site_id"], prev["weeks_on_site"].astype(int), strict=True))
    stay = sites["site_id"].map(weeks_so_far)
    expired = (stay >= cfg.max_weeks).to_numpy()
    sites, stay = sites[~expired].reset_index(drop=True), stay[~expired].reset_index(drop=True)
    pinned = sites["site_id"].isin(overrides.pinned_sites).to_numpy()
    unknown = sorted(set(overrides.pinned_sites) - set(sites["site_id"]))
    notes += [
        f"Pinned site {s} is not a camera site this week; ignored."
        for s in unknown
        if s.count(":") == 1
    ]
    locked = pinned | (stay < cfg.min_weeks).fillna(False).to_numpy()
    optional = ((stay >= cfg.min_weeks) & (stay < cfg.max_weeks)).fillna(False).to_numpy()
    distances = cover_matrix(context.demand, sites)
    weights = context.demand["expected_harm"].to_numpy(dtype=float)
    if locked.sum() > len(units):
        notes.append(
            f"Only {len(units)} camera(s) this week but {int(locked.sum())} are within their "
            "minimum stay or pinned: the ones covering least forecast harm are taken down."
        )
        locked = _keep_best(distances, weights, locked, len(units), cfg.view_radius_m)
    chosen = _choose_sites(distances, weights, locked, optional, len(units), cfg)
    chosen = _drop_redundant(distances, weights, chosen, locked, cfg.view_radius_m)
    rows = _camera_rows(sites[chosen], prev, units, week=week, context=context)
    n_target = int(np.ceil(cfg.target_deployed_share * cfg.cameras))
    if len(rows) < n_target:
        notes.append(
            f"{len(rows)} of {cfg.cameras} cameras deployed: below the partnership's target of "
            f"{cfg.target_deployed_share:.0%} ({n_target})"
            + (
                "; not enough hotspot sites."
                if len(units) >= n_target
                else f"; {len(units)} usable."
            )
        )
    return rows, notes


def _drop_redundant(
    distances: np.ndarray,
    weights: np.ndarray,
    chosen: np.ndarray,
    locked: np.ndarray,
    radius_m: float,
) -> np.ndarray:
    """Take away chosen, unlocked sites that add no forecast harm covered by the others."""
    keep = chosen.copy()
    for i in np.flatnonzero(chosen & ~locked)[::-1]:
        without = keep.copy()
        without[i] = False
        if covered_weight(distances, weights, without, radius_m) >= covered_weight(
            distances, weights, keep, radius_m
        ):
            keep = without
    return keep


def _keep_best(
    distances: np.ndarray, weights: np.ndarray, locked: np.ndarray, k: int, radius_m: float
) -> np.ndarray:
    """Keep the `k` locked sites that cover the most weight on their own."""
    solo = np.array(
        [
            covered_weight(distances, weights, np.eye(len(locked), dtype=bool)[i], radius_m)
            for i in range(len(locked))
        ]
    )
    order = [i for i in np.argsort(-solo, kind="stable") if locked[i]][:k]
    keep = np.zeros(len(locked), dtype=bool)
    keep[order] = True
    return keep


def _choose_sites(
    distances: np.ndarray,
    weights: np.ndarray,
    locked: np.ndarray,
    optional: np.ndarray,
    available: int,
    cfg: CctvResources,
) -> np.ndarray:
    """Solve with the optional cameras kept and free; move them only for `move_gain` more."""
    free = solve_mclp(distances, weights, radius_m=cfg.view_radius_m, p=available, locked=locked)
    keep_all = locked | optional
    if not optional.any() or keep_all.sum() > available:
        return free
    if keep_all.sum() == available:
        kept = keep_all
    else:
        kept = solve_mclp(
            distances, weights, radius_m=cfg.view_radius_m, p=available, locked=keep_all
        )
    gain = covered_weight(distances, weights, free, cfg.view_radius_m)
    base = covered_weight(distances, weights, kept, cfg.view_radius_m)
    return free if gain >= base * (1 + cfg.move_gain) and gain > base else kept


def _camera_rows(
    chosen: pd.DataFrame,
    prev: pd.DataFrame,
    units: list[str],
    *,
    week: dt.date,
    context: PlanContext,
) -> list[Deployment]:
    """Name the chosen sites' cameras: staying cameras keep theirs, moving ones take freed."""
    prev_by_site = {r["site_id"]: r for r in prev.to_dict("records")}
    staying = chosen[chosen["site_id"].isin(prev_by_site)]
    arriving = chosen[~chosen["site_id"].isin(prev_by_site)]
    used_units = {prev_by_site[s]["unit"] for s in staying["site_id"]}
    leaving = [r for r in prev.to_dict("records") if r["site_id"] not in set(chosen["site_id"])]
    free_units = [r["unit"] for r in leaving if r["unit"] not in used_units]
    free_units += [u for u in units if u not in used_units and u not in free_units]
    old_site = {r["unit"]: r["site_name"] for r in leaving}
    rows = []
    for site in staying.to_dict("records"):
        before = prev_by_site[site["site_id"]]
        rows.append(
            _camera_row(
                site,
                before["unit"],
                int(before["weeks_on_site"]) + 1,
                "stays at",
                "",
                week,
                context,
            )
        )
    for site, unit in zip(arriving.to_dict("records"), free_units, strict=False):
        was = f" (moved from {old_site[unit]})" if unit in old_site else ""
        rows.append(_camera_row(site, unit, 1, "goes to", was, week, context))
    return sorted(rows, key=lambda r: int(r.unit.split()[-1]))


def camera_at(
    context: PlanContext, site: dict[str, object], before: dict[str, object]
) -> Deployment:
    """
    Return a camera's row at a site the sergeant chose, its reason written as the planner's.

    Parameters
    ----------
    context
        The week's evidence (the one the plan was made from).
    site
        The chosen candidate: ``site_id``, ``site_name``, ``x``, ``y``, ``hotspot_ids``.
    before
        The plan row being changed (its unit, and the site it moves from).
    """
    was = f" (moved from {before['site_name']})"
    return _camera_row(site, str(before["unit"]), 1, "goes to", was, context.week, context)


def count_near(
    incidents: gpd.GeoDataFrame,
    x: float,
    y: float,
    radius_m: float,
    start: pd.Timestamp,
    end: pd.Timestamp,
    categories: tuple[str, ...] = CCTV_CATEGORIES,
) -> int:
    """Count incidents of `categories` within `radius_m` of (x, y) in [start, end)."""
    rows = incidents[
        incidents["category"].isin(categories)
        & (incidents["occurred"] >= start)
        & (incidents["occurred"] < end)
    ]
    d = np.hypot(rows.geometry.x.to_numpy() - x, rows.geometry.y.to_numpy() - y)
    return int((d <= radius_m).sum())


def _camera_row(
    site: dict[str, object],
    unit: str,
    weeks: int,
    verb: str,
    was: str,
    week: dt.date,
    context: PlanContext,
) -> Deployment:
    """One camera deployment with its numbers and its sentence."""
    cfg, window, demand = cctv_settings(context.resources), context.window, context.demand
    x, y, r = float(site["x"]), float(site["y"]), cfg.view_radius_m
    recent = count_near(context.incidents, x, y, r, window.start, window.end)
    prior = count_near(context.incidents, x, y, r, window.prior_start, window.start)
    near = np.hypot(demand.geometry.x.to_numpy() - x, demand.geometry.y.to_numpy() - y) <= r
    expected = float(demand.loc[near, "expected"].sum())
    harm = float(demand.loc[near, "expected_harm"].sum())
    stay = (
        f"week {weeks} of at least {cfg.min_weeks}"
        if weeks <= cfg.min_weeks
        else f"week {weeks}, may move after week {cfg.min_weeks}, must by week {cfg.max_weeks}"
    )
    trend = change_words(recent, prior)
    reason = (
        f"{unit} {verb} {site['site_name']}{was} ({stay}): {recent} ASB and criminal damage "
        f"incidents within {r:.0f} m in {window.words()} ({trend} on {prior} in "
        f"{window.words(prior=True)}); forecast {expected:.1f} more next month."
    )
    start, end = week_dates(week)
    return Deployment(
        resource="cctv",
        unit=unit,
        site_id=str(site["site_id"]),
        site_name=str(site["site_name"]),
        x=x,
        y=y,
        hotspot_ids=str(site["hotspot_ids"] or ""),
        start=start,
        end=end,
        weeks_on_site=weeks,
        reason=reason,
        numbers={
            "incidents_recent": recent,
            "incidents_prior": prior,
            "forecast_incidents": round(expected, 2),
            "forecast_harm": round(harm, 2),
            "view_radius_m": r,
        },
    )
