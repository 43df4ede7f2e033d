"""The weekly deployment plan: mobile CCTV, speed boards, EVAs and PCSO patrols, with reasons.

`plan_week` turns what the unit knows (incidents, hotspots, the forecast, speeding
evidence, last week's approved plan and the plan history) and what it has
(`geo.resources`) into one row per deployment, each with the numbers behind it
and one sentence a sergeant can repeat at the tasking meeting.

- **Mobile CCTV**: a maximal covering location problem (Church & ReVelle 1974,
  "The maximal covering location problem", *Papers of the Regional Science
  Association* 32, 101-118), solved with PySAL spopt's `MCLP` and PuLP's bundled
  CBC solver: choose camera sites among the anonymised map points inside ASB and
  criminal-damage hotspots so as to cover the most forecast harm within the view
  radius. Cameras within their minimum stay are locked in place; between their
  minimum and maximum stay a camera moves only if moving covers at least
  ``move_gain`` more forecast harm; after the maximum it moves.
- **Speed boards**: the highest-scoring speeding sites (`geo.speeding.speed_sites`)
  on roads of 40 mph or less that have not had a board within ``rest_weeks``;
  boards stay ``min_weeks``..``max_weeks``; never two on one road.
- **EVAs**: about one a month, at the ASB/criminal-damage hotspot with the most
  environmental signals (criminal damage, public order) that is persistent or
  emerging and not audited within ``lookback_months``.
- **PCSO patrols**: 15-minute visits (Koper 1995) over the top hot spots by
  forecast harm, within the week's hours, with day and time windows from dated
  CSU logs where they exist.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import BNG
from geo.resources import Resources, WeekOverrides
from geo.speeding import speed_sites
from geo.store import DEPLOYMENT_COLUMNS
from geo.taxonomy import HARM_WEIGHTS

CCTV_CATEGORIES: tuple[str, ...] = ("asb", "criminal_damage")
"""Categories mobile CCTV is deployed against."""

RESOURCE_LABELS = {
    "cctv": "mobile CCTV camera",
    "speed_board": "speed indicator board",
    "eva": "Environmental Visual Audit",
    "patrol": "PCSO hot-spot patrol",
}
"""Each resource type in words."""


@dataclass(frozen=True, slots=True, eq=False)
class Plan:
    """
    A suggested plan for one week.

    Attributes
    ----------
    week
        The Monday the plan starts.
    deployments
        One row per deployment (`geo.store.DEPLOYMENT_COLUMNS` plus a Point
        ``geometry`` in EPSG:27700), in resource order.
    available, used
        Resource -> how many units (cameras, boards, EVAs, patrol hours) were
        available this week and how many the plan uses.
    notes
        Things the sergeant should know (a camera short, data with no times, ...).
    """

    week: dt.date
    deployments: gpd.GeoDataFrame
    available: dict[str, float]
    used: dict[str, float]
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Window:
    """
    The months the evidence in reasons is counted over.

    Attributes
    ----------
    start, end
        First day of the first month and first day of the month after the last.
    prior_start
        Start of the previous window of the same length.
    label
        The window in words, e.g. "Jul-Sep 2025".
    """

    start: pd.Timestamp
    end: pd.Timestamp
    prior_start: pd.Timestamp
    label: str


def evidence_window(as_of: str, *, months: int = 3) -> Window:
    """
    Return the last `months` months up to and including `as_of` ("YYYY-MM").

    Examples
    --------
    >>> evidence_window("2025-09").label
    'Jul-Sep 2025'
    """
    end = pd.Period(as_of, freq="M") + 1
    start = end - months
    first, last = start, end - 1
    label = (
        f"{first.strftime('%b')}-{last.strftime('%b %Y')}" if months > 1 else last.strftime("%b %Y")
    )
    return Window(
        start=start.to_timestamp(),
        end=end.to_timestamp(),
        prior_start=(start - months).to_timestamp(),
        label=label,
    )


def demand_points(
    incidents: gpd.GeoDataFrame,
    risk: gpd.GeoDataFrame,
    *,
    categories: tuple[str, ...] = CCTV_CATEGORIES,
    since: pd.Timestamp,
) -> gpd.GeoDataFrame:
    """
    Spread each forecast cell's expected harm over the map points inside it.

    A camera watches places, not grid cells: each cell's ``expected_harm`` (from
    the forecast) is shared among the incident map points in the cell in
    proportion to their counts since `since`. Cells with no map point keep their
    harm at the cell centre.

    Parameters
    ----------
    incidents
        Incidents in EPSG:27700.
    risk
        Forecast cells (Polygon, EPSG:27700) with ``expected`` and ``expected_harm``.
    categories
        Which incidents locate the demand.
    since
        Incidents on or after this date locate the demand.

    Returns
    -------
    geopandas.GeoDataFrame
        Points with ``expected`` and ``expected_harm``; their sums equal the cells'.
    """
    rows = incidents[incidents["category"].isin(categories) & (incidents["occurred"] >= since)]
    xy = pd.DataFrame({"x": rows.geometry.x.round(1), "y": rows.geometry.y.round(1)})
    points = xy.value_counts().rename("n").reset_index().sort_values(["x", "y"], ignore_index=True)
    pts = gpd.GeoDataFrame(points, geometry=gpd.points_from_xy(points["x"], points["y"]), crs=BNG)
    cells = risk[["expected", "expected_harm", "geometry"]].reset_index(drop=True)
    joined = gpd.sjoin(pts, cells.assign(cell=cells.index), predicate="within", how="inner")
    joined = joined[~joined.index.duplicated()]
    share = joined["n"] / joined.groupby("cell")["n"].transform("sum")
    located = gpd.GeoDataFrame(
        {
            "expected": (joined["expected"] * share).to_numpy(),
            "expected_harm": (joined["expected_harm"] * share).to_numpy(),
        },
        geometry=joined.geometry.to_numpy(),
        crs=BNG,
    )
    empty = cells[~cells.index.isin(joined["cell"]) & (cells["expected_harm"] > 0)]
    centres = gpd.GeoDataFrame(
        empty[["expected", "expected_harm"]], geometry=empty.geometry.centroid, crs=BNG
    )
    return pd.concat([located, centres], ignore_index=True)


# --- mobile CCTV -------------------------------------------------------------------------------


def _site_id(x: float, y: float) -> str:
    """Return a site's id: its British National Grid easting and northing to the metre."""
    return f"{x:.0f}:{y:.0f}"


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
        incidents["category"].isin(CCTV_CATEGORIES)
        & (incidents["occurred"] >= window.start)
        & (incidents["occurred"] < window.end)
    ]
    columns = ["site_id", "site_name", "x", "y", "hotspot_ids"]
    if recent.empty or hotspots.empty:
        points = pd.DataFrame(columns=columns)
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
        points["site_id"] = [_site_id(x, y) for x, y in zip(points["x"], points["y"], strict=True)]
        points["site_name"] = points["location"] + ", " + points["ward"]
        points = points[columns]
    if extra_sites is not None and len(extra_sites):
        extra = extra_sites[~extra_sites["site_id"].isin(points["site_id"])]
        points = pd.concat(
            [points, extra.assign(hotspot_ids=extra.get("hotspot_ids", ""))[columns]]
        )
    return points.sort_values("site_id", ignore_index=True)


def _cover_matrix(demand: gpd.GeoDataFrame, sites: pd.DataFrame) -> np.ndarray:
    """Distances (metres) from every demand point (rows) to every site (columns)."""
    dx = demand.geometry.x.to_numpy()[:, None] - sites["x"].to_numpy(dtype=float)[None, :]
    dy = demand.geometry.y.to_numpy()[:, None] - sites["y"].to_numpy(dtype=float)[None, :]
    return np.hypot(dx, dy)


def solve_mclp(
    distances: np.ndarray, weights: np.ndarray, *, radius_m: float, p: int, locked: np.ndarray
) -> np.ndarray:
    """
    Choose `p` sites covering the most weight, keeping the `locked` ones.

    Parameters
    ----------
    distances
        Demand points x candidate sites, metres.
    weights
        Demand weight per point (forecast harm).
    radius_m
        A point within this distance of a chosen site is covered.
    p
        Sites to choose (at least the number locked).
    locked
        Boolean per site: must be chosen.

    Returns
    -------
    numpy.ndarray
        Boolean per site: chosen.

    Notes
    -----
    Solved exactly with spopt's `MCLP` and PuLP's CBC. Deterministic: CBC is
    run single-threaded with a fixed seed, and candidates come in site-id order.

    Examples
    --------
    >>> d = np.array([[0, 500, 500], [50, 500, 500], [500, 0, 500], [500, 500, 0]], float)
    >>> solve_mclp(d, np.array([5, 5, 3, 1.0]), radius_m=100, p=2,
    ...            locked=np.array([False, False, True])).tolist()
    [True, False, True]
    """
    import pulp
    from spopt.locate import MCLP

    n_sites = distances.shape[1]
    p = min(p, n_sites)
    if p <= 0 or n_sites == 0:
        return np.zeros(n_sites, dtype=bool)
    with warnings.catch_warnings():
        # PuLP 3.3 warns that spopt 0.7 builds variables the PuLP 3 way; harmless here.
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="pulp")
        warnings.filterwarnings("ignore", message=".*deprecated.*", category=DeprecationWarning)
        model = MCLP.from_cost_matrix(
            distances,
            np.asarray(weights, dtype=float),
            service_radius=radius_m,
            p_facilities=p,
            predefined_facilities_arr=locked.astype(int) if locked.any() else None,
        )
        model.solve(
            pulp.PULP_CBC_CMD(msg=False, threads=1, options=["randomSeed 42"]), results=False
        )
    return np.array([(v.value() or 0) > 0.5 for v in model.fac_vars])


def _covered(
    distances: np.ndarray, weights: np.ndarray, chosen: np.ndarray, radius_m: float
) -> float:
    """Total weight within `radius_m` of any chosen site."""
    if not chosen.any():
        return 0.0
    return float(weights[(distances[:, chosen] <= radius_m).any(axis=1)].sum())


def _count_near(
    incidents: gpd.GeoDataFrame, x: float, y: float, radius_m: float, start: pd.Timestamp,
    end: pd.Timestamp, categories: tuple[str, ...] = CCTV_CATEGORIES,
) -> int:  # fmt: skip
    """Count incidents of `categories` within `radius_m` of (x, y) in [start, end)."""
    rows = incidents[
        incidents["category"].isin(categories)
        & (incidents["occurred"] >= start)
        & (incidents["occurred"] < end)
    ]
    d = np.hypot(rows.geometry.x.to_numpy() - x, rows.geometry.y.to_numpy() - y)
    return int((d <= radius_m).sum())


def _change_words(now: int, before: int) -> str:
    """Say how a count changed, e.g. 'up from 9'."""
    if now > before:
        return f"up from {before}"
    if now < before:
        return f"down from {before}"
    return "the same as before"


def _week_dates(week: dt.date) -> tuple[str, str]:
    return week.isoformat(), (week + dt.timedelta(days=6)).isoformat()


def _previous_rows(previous: pd.DataFrame | None, resource: str) -> pd.DataFrame:
    if previous is None or previous.empty:
        return pd.DataFrame(columns=list(DEPLOYMENT_COLUMNS))
    return previous[previous["resource"] == resource].reset_index(drop=True)


def _available(total: int, override: int | None) -> int:
    return total if override is None else max(0, min(override, total))


def plan_cctv(
    *,
    week: dt.date,
    incidents: gpd.GeoDataFrame,
    hotspots: gpd.GeoDataFrame,
    demand: gpd.GeoDataFrame,
    window: Window,
    previous: pd.DataFrame | None,
    resources: Resources,
    overrides: WeekOverrides,
) -> tuple[list[dict[str, object]], list[str]]:
    """
    Place the week's mobile CCTV cameras (see the module docstring for the rules).

    Returns
    -------
    tuple
        Deployment rows (dicts with `geo.store.DEPLOYMENT_COLUMNS`) and notes.
    """
    cfg = resources.cctv
    available = _available(cfg.cameras, overrides.cameras)
    prev = _previous_rows(previous, "cctv")
    sites = camera_candidates(incidents, hotspots, window=window, extra_sites=prev)
    sites = sites[~sites["site_id"].isin(overrides.excluded_sites)].reset_index(drop=True)
    notes = [f"{n} is off limits this week." for n in sorted(overrides.excluded_sites)]
    weeks_so_far = dict(zip(prev["site_id"], prev["weeks_on_site"].astype(int), strict=True))
    stay = sites["site_id"].map(weeks_so_far)
    expired = (stay >= cfg.max_weeks).to_numpy()
    sites, stay = sites[~expired].reset_index(drop=True), stay[~expired].reset_index(drop=True)
    pinned = sites["site_id"].isin(overrides.pinned_sites).to_numpy()
    unknown = sorted(set(overrides.pinned_sites) - set(sites["site_id"]))
    notes += [f"Pinned site {s} is not a known camera site; ignored." for s in unknown]
    locked = pinned | (stay < cfg.min_weeks).fillna(False).to_numpy()
    optional = ((stay >= cfg.min_weeks) & (stay < cfg.max_weeks)).fillna(False).to_numpy()

    distances = _cover_matrix(demand, sites)
    weights = demand["expected_harm"].to_numpy(dtype=float)
    if locked.sum() > available:
        notes.append(
            f"Only {available} camera(s) this week but {int(locked.sum())} are within their "
            "minimum stay or pinned: the ones covering least forecast harm are taken down."
        )
        locked = _keep_best(distances, weights, locked, available, cfg.view_radius_m)
    chosen = _choose_sites(distances, weights, locked, optional, available, cfg)
    chosen = _drop_redundant(distances, weights, chosen, locked, cfg.view_radius_m)
    rows = _camera_rows(
        sites[chosen], prev, week=week, incidents=incidents, demand=demand, window=window, cfg=cfg
    )
    n_target = int(np.ceil(cfg.target_deployed_share * cfg.cameras))
    if len(rows) < n_target:
        notes.append(
            f"{len(rows)} of {cfg.cameras} cameras deployed: below the partnership's target of "
            f"{cfg.target_deployed_share:.0%} ({n_target})"
            + ("; not enough hotspot sites." if available >= n_target else f"; {available} usable.")
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
        if _covered(distances, weights, without, radius_m) >= _covered(
            distances, weights, keep, radius_m
        ):
            keep = without
    return keep


def _keep_best(
    distances: np.ndarray, weights: np.ndarray, locked: np.ndarray, k: int, radius_m: float
) -> np.ndarray:
    """Keep the `k` locked sites that cover the most weight on their own."""
    solo = np.array([_covered(distances, weights, np.eye(len(locked), dtype=bool)[i], radius_m)
                     for i in range(len(locked))])  # fmt: skip
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
    cfg: object,
) -> np.ndarray:
    """Solve with the optional cameras kept and free; move them only for `move_gain` more."""
    free = solve_mclp(distances, weights, radius_m=cfg.view_radius_m, p=available, locked=locked)
    keep_all = locked | optional
    if not optional.any() or keep_all.sum() > available:
        return free
    kept = solve_mclp(distances, weights, radius_m=cfg.view_radius_m, p=available, locked=keep_all)
    gain = _covered(distances, weights, free, cfg.view_radius_m)
    base = _covered(distances, weights, kept, cfg.view_radius_m)
    return free if gain >= base * (1 + cfg.move_gain) and gain > base else kept


def _camera_rows(
    chosen: pd.DataFrame,
    prev: pd.DataFrame,
    *,
    week: dt.date,
    incidents: gpd.GeoDataFrame,
    demand: gpd.GeoDataFrame,
    window: Window,
    cfg: object,
) -> list[dict[str, object]]:
    """Return camera rows, numbered (staying cameras keep theirs), each with its reason."""
    prev_by_site = {r["site_id"]: r for r in prev.to_dict("records")}
    staying = chosen[chosen["site_id"].isin(prev_by_site)]
    arriving = chosen[~chosen["site_id"].isin(prev_by_site)]
    used_units = {prev_by_site[s]["unit"] for s in staying["site_id"]}
    leaving = [r for r in prev.to_dict("records") if r["site_id"] not in set(chosen["site_id"])]
    free_units = [u for u in (r["unit"] for r in leaving) if u not in used_units]
    spare = [f"Camera {i}" for i in range(1, cfg.cameras + 1)]
    free_units += [u for u in spare if u not in used_units and u not in free_units]
    old_site = {r["unit"]: r["site_name"] for r in leaving}
    start, end = _week_dates(week)
    rows = []
    for site in staying.to_dict("records"):
        before = prev_by_site[site["site_id"]]
        rows.append(_camera_row(site, before["unit"], int(before["weeks_on_site"]) + 1, "stays at",
                                "", incidents, demand, window, cfg, start, end))  # fmt: skip
    for site, unit in zip(arriving.to_dict("records"), free_units, strict=False):
        was = f" (moved from {old_site[unit]})" if unit in old_site else ""
        rows.append(_camera_row(site, unit, 1, "goes to", was, incidents, demand, window, cfg,
                                start, end))  # fmt: skip
    return sorted(rows, key=lambda r: int(str(r["unit"]).split()[-1]))


def _camera_row(
    site: dict[str, object], unit: str, weeks: int, verb: str, was: str,
    incidents: gpd.GeoDataFrame, demand: gpd.GeoDataFrame, window: Window, cfg: object,
    start: str, end: str,
) -> dict[str, object]:  # fmt: skip
    """One camera deployment with its numbers and its sentence."""
    x, y, r = float(site["x"]), float(site["y"]), cfg.view_radius_m
    recent = _count_near(incidents, x, y, r, window.start, window.end)
    prior = _count_near(incidents, x, y, r, window.prior_start, window.start)
    d = np.hypot(demand.geometry.x.to_numpy() - x, demand.geometry.y.to_numpy() - y) <= r
    expected = float(demand.loc[d, "expected"].sum())
    harm = float(demand.loc[d, "expected_harm"].sum())
    stay = (
        f"week {weeks} of at least {cfg.min_weeks}"
        if weeks <= cfg.min_weeks
        else (f"week {weeks}, may move after week {cfg.min_weeks}, must by week {cfg.max_weeks}")
    )
    reason = (
        f"{unit} {verb} {site['site_name']}{was} ({stay}): {recent} ASB and criminal damage "
        f"incidents within {r:.0f} m in {window.label}, {_change_words(recent, prior)}; "
        f"forecast {expected:.1f} more next month."
    )
    return {
        "resource": "cctv", "unit": unit, "site_id": site["site_id"],
        "site_name": site["site_name"], "x": x, "y": y, "hotspot_ids": site["hotspot_ids"] or "",
        "start": start, "end": end, "weeks_on_site": weeks, "reason": reason,
        "status": "suggested", "changed_by": "", "changed_at": "",
        "numbers": {"incidents_recent": recent, "incidents_prior": prior,
                    "forecast_incidents": round(expected, 2), "forecast_harm": round(harm, 2),
                    "view_radius_m": r},
    }  # fmt: skip


# --- speed indicator boards ----------------------------------------------------------------------


def _same_road(a: pd.Series, b: dict[str, object], within_m: float) -> bool:
    """Tell whether two sites are on the same road (same name, within `within_m`)."""
    return a["road"] == b["road"] and np.hypot(a["x"] - b["x"], a["y"] - b["y"]) <= within_m


def plan_speed_boards(
    *,
    week: dt.date,
    evidence: gpd.GeoDataFrame | None,
    previous: pd.DataFrame | None,
    history: pd.DataFrame | None,
    resources: Resources,
    overrides: WeekOverrides,
) -> tuple[list[dict[str, object]], list[str]]:
    """
    Place the week's speed indicator boards (see the module docstring for the rules).

    Returns
    -------
    tuple
        Deployment rows and notes.
    """
    cfg = resources.speed_boards
    available = _available(cfg.boards, overrides.boards)
    if evidence is None or evidence.empty:
        return [], ["No speeding evidence loaded: speed boards not planned."]
    since = pd.Timestamp(week) - pd.DateOffset(months=cfg.evidence_months)
    sites = speed_sites(evidence[evidence["occurred"] < pd.Timestamp(week)], since=since)
    sites = sites[~sites["site_id"].isin(overrides.excluded_sites)]
    too_fast = sites["speed_limit_mph"].isna() | (sites["speed_limit_mph"] > cfg.max_limit_mph)
    notes = [
        f"{s.road} ({s.ward_name}) scores {s.score:.1f} but its {s.speed_limit_mph:.0f} mph limit "
        f"is over {cfg.max_limit_mph:.0f} mph: refer it to Kent Police roads policing."
        for s in sites[too_fast & sites["speed_limit_mph"].notna()].head(3).itertuples()
    ]
    sites = sites[~too_fast].reset_index(drop=True)
    prev = _previous_rows(previous, "speed_board")
    resting = _resting_sites(history, week=week, rest_weeks=cfg.rest_weeks)
    rank = {s: i for i, s in enumerate(sites["site_id"])}
    placed: list[dict[str, object]] = []
    for before in prev.sort_values("unit").to_dict("records"):
        weeks = int(before["weeks_on_site"])
        score = sites["score"].iloc[rank[before["site_id"]]] if before["site_id"] in rank else 0
        fresh = sites[~sites["site_id"].isin(resting | set(prev["site_id"]))]
        still_top = int((fresh["score"] > score).sum()) < available  # no better free site
        if before["site_id"] in rank and (
            weeks < cfg.min_weeks or (weeks < cfg.max_weeks and still_top)
        ):
            site = sites.iloc[rank[before["site_id"]]]
            placed.append(_board_row(site, before["unit"], weeks + 1, "stays on", week, cfg))
    units = [f"Board {i}" for i in range(1, cfg.boards + 1)]
    free = [u for u in units if u not in {p["unit"] for p in placed}]
    just_left = set(prev["site_id"])
    for site in sites.itertuples(index=False):
        if len(placed) >= available or not free:
            break
        s = site._asdict()
        clash = any(_same_road(pd.Series(s), p["_site"], cfg.same_road_m) for p in placed)
        if (
            site.site_id in resting | just_left
            or clash
            or site.site_id in {p["site_id"] for p in placed}
        ):
            continue
        placed.append(_board_row(pd.Series(s), free.pop(0), 1, "goes to", week, cfg))
    if len(placed) < available:
        notes.append(f"{available - len(placed)} board(s) unused: no other eligible speeding site.")
    for p in placed:
        p.pop("_site")
    return sorted(placed, key=lambda r: int(str(r["unit"]).split()[-1])), notes


def _resting_sites(history: pd.DataFrame | None, *, week: dt.date, rest_weeks: int) -> set[str]:
    """Sites that had a board in the `rest_weeks` weeks before `week`."""
    if history is None or history.empty:
        return set()
    since = (week - dt.timedelta(weeks=rest_weeks)).isoformat()
    recent = history[(history["resource"] == "speed_board") & (history["start"] >= since)]
    return set(recent["site_id"])


def _board_row(
    site: pd.Series, unit: str, weeks: int, verb: str, week: dt.date, cfg: object
) -> dict[str, object]:
    """One board deployment with its numbers and sentence."""
    start, end = _week_dates(week)
    parts = [f"speeding score {site['score']:.1f}"]
    if site["latest_survey"]:
        parts.append(f"latest survey: {site['latest_survey']}")
    counts = [
        (site["n_speedwatch"], "Speedwatch session"), (site["n_complaints"], "complaint"),
        (site["n_collisions"], "collision"),
    ]  # fmt: skip
    parts += [f"{int(n)} {word}{'s' if n != 1 else ''}" for n, word in counts if n]
    reason = (
        f"{unit} {verb} {site['road']}, {site['ward_name']} (week {weeks} of "
        f"{cfg.min_weeks}-{cfg.max_weeks}, {site['speed_limit_mph']:.0f} mph limit): "
        + "; ".join(parts)
        + "."
    )
    return {
        "resource": "speed_board", "unit": unit, "site_id": site["site_id"],
        "site_name": f"{site['road']}, {site['ward_name']}", "x": float(site["x"]),
        "y": float(site["y"]), "hotspot_ids": "", "start": start, "end": end,
        "weeks_on_site": weeks, "reason": reason, "status": "suggested", "changed_by": "",
        "changed_at": "", "_site": {"road": site["road"], "x": site["x"], "y": site["y"]},
        "numbers": {
            "score": float(site["score"]),
            "speed_limit_mph": float(site["speed_limit_mph"]),
            "speedwatch_sessions": int(site["n_speedwatch"]),
            "complaints": int(site["n_complaints"]),
            "collisions": int(site["n_collisions"]),
        },
    }  # fmt: skip


# --- Environmental Visual Audits ----------------------------------------------------------------

EVA_CLASSES = ("persistent", "emerging", "intermittent")
"""Hotspot classes worth a walk-round: problems that have lasted or are growing."""

ENV_SIGNAL_CATEGORIES = ("criminal_damage", "public_order")
"""Crimes that say something about a place's environment (damage, graffiti, disorder)."""


def plan_eva(
    *,
    week: dt.date,
    incidents: gpd.GeoDataFrame,
    hotspots: gpd.GeoDataFrame,
    history: pd.DataFrame | None,
    window: Window,
    resources: Resources,
    overrides: WeekOverrides,
) -> tuple[list[dict[str, object]], list[str]]:
    """
    Suggest an Environmental Visual Audit if none was held in the last four weeks.

    Returns
    -------
    tuple
        At most one deployment row, and notes.
    """
    cfg = resources.eva
    past = (
        pd.DataFrame()
        if history is None or history.empty
        else history[history["resource"] == "eva"]
    )
    month_ago = (week - dt.timedelta(weeks=4)).isoformat()
    held = past[past["start"] >= month_ago] if len(past) else past
    if cfg.per_month <= 0 or len(held) >= cfg.per_month:
        last = held.sort_values("start").iloc[-1] if len(held) else None
        why = f" (last: {last['site_name']}, week of {last['start']})" if last is not None else ""
        return [], [f"EVA: {len(held)} held in the last four weeks{why}; none due this week."]
    audited_since = (week - dt.timedelta(days=30 * cfg.lookback_months)).isoformat()
    audited: set[str] = set()
    if not past.empty:
        ids = ";".join(past.loc[past["start"] >= audited_since, "hotspot_ids"])
        audited = set(ids.replace(" ", "").split(";"))
    scored = _eva_candidates(incidents, hotspots, window)
    scored = scored[~scored["hotspot_id"].isin(audited | set(overrides.excluded_sites))]
    if scored.empty:
        return [], ["EVA: no persistent or emerging hotspot with environmental signals is due."]
    best = scored.iloc[0]
    start, end = _week_dates(week)
    reason = (
        f"EVA at {best['place']} ({best['ward_names']}): {best['trend_class']} hotspot "
        f"{best['hotspot_id']}, {int(best['n_incidents'])} incidents in {window.label} "
        f"({best['trend']}), of which {int(best['signals'])} criminal damage or public order; "
        f"not audited in the last {cfg.lookback_months} months."
    )
    centre = best.geometry.centroid
    row = {
        "resource": "eva", "unit": "EVA", "site_id": best["hotspot_id"],
        "site_name": f"{best['place']}, {best['ward_names']}", "x": centre.x, "y": centre.y,
        "hotspot_ids": best["hotspot_id"], "start": start, "end": end, "weeks_on_site": 1,
        "reason": reason, "status": "suggested", "changed_by": "", "changed_at": "",
        "numbers": {"incidents": int(best["n_incidents"]), "signals": int(best["signals"]),
                    "prior": int(best["n_prior"])},
    }  # fmt: skip
    return [row], []


def _eva_candidates(
    incidents: gpd.GeoDataFrame, hotspots: gpd.GeoDataFrame, window: Window
) -> gpd.GeoDataFrame:
    """Hotspots of a lasting class, with their count of environmental-signal crimes."""
    if hotspots.empty:
        return hotspots.assign(signals=[], place=[])
    recent = incidents[
        incidents["category"].isin(ENV_SIGNAL_CATEGORIES)
        & (incidents["occurred"] >= window.start)
        & (incidents["occurred"] < window.end)
    ]
    inside = gpd.sjoin(
        recent[["geometry"]], hotspots[["hotspot_id", "geometry"]], predicate="within"
    )
    signals = inside.groupby("hotspot_id").size()
    out = hotspots.assign(
        signals=hotspots["hotspot_id"].map(signals).fillna(0).astype(int),
        place=hotspots["top_locations"].str.split(":").str[0],
    )
    out = out[out["trend_class"].isin(EVA_CLASSES) & (out["signals"] > 0)]
    return out.sort_values(["signals", "harm", "hotspot_id"], ascending=[False, False, True])


# --- PCSO hot-spot patrols ----------------------------------------------------------------------


def plan_patrols(
    *,
    week: dt.date,
    incidents: gpd.GeoDataFrame,
    hotspots: gpd.GeoDataFrame,
    demand: gpd.GeoDataFrame,
    window: Window,
    resources: Resources,
    overrides: WeekOverrides,
) -> tuple[list[dict[str, object]], list[str]]:
    """
    Spread the week's PCSO hours over the top hot spots by forecast harm, in 15-minute visits.

    Returns
    -------
    tuple
        One deployment row per hot spot, and notes.
    """
    cfg = resources.patrols
    hours = (
        cfg.hours_per_week if overrides.patrol_hours is None else max(0.0, overrides.patrol_hours)
    )
    visits = int(hours * 60 // cfg.visit_minutes)
    if visits == 0 or hotspots.empty:
        return [], ["No patrol hours or no hotspots this week: patrols not planned."]
    harm = _harm_inside(hotspots, demand)
    top = hotspots.assign(forecast_harm=harm)
    top = top[~top["hotspot_id"].isin(overrides.excluded_sites)]
    top = top.sort_values(["forecast_harm", "hotspot_id"], ascending=[False, True])
    top = top.head(min(cfg.max_hotspots, visits))
    share = _largest_remainder(top["forecast_harm"].to_numpy() + 1e-9, visits)
    start, end = _week_dates(week)
    rows, timed = [], False
    for i, (spot, n) in enumerate(zip(top.to_dict("records"), share, strict=True), start=1):
        when, has_times = _time_windows(incidents, spot["geometry"], window)
        timed |= has_times
        place = spot["top_locations"].split(":")[0]
        reason = (
            f"Patrol {i}: {n} visits of {cfg.visit_minutes} minutes at {place} "
            f"({spot['ward_names']}), hotspot {spot['hotspot_id']}: {int(spot['n_incidents'])} "
            f"incidents in {window.label} ({spot['trend']}); "
            f"forecast harm {spot['forecast_harm']:.1f} next month. {when}"
        ).strip()
        c = spot["geometry"].centroid
        rows.append({
            "resource": "patrol", "unit": f"Patrol {i}", "site_id": spot["hotspot_id"],
            "site_name": f"{place}, {spot['ward_names']}", "x": c.x, "y": c.y,
            "hotspot_ids": spot["hotspot_id"], "start": start, "end": end, "weeks_on_site": 1,
            "reason": reason, "status": "suggested", "changed_by": "", "changed_at": "",
            "numbers": {"visits": int(n), "minutes": int(n) * cfg.visit_minutes,
                        "forecast_harm": round(float(spot["forecast_harm"]), 2)},
        })  # fmt: skip
    notes = [] if timed else [
        "Patrol times: police.uk data gives months only, so no day or time pattern is known; "
        "vary the times and visit the spots in random order through each shift (Koper curve)."
    ]  # fmt: skip
    return rows, notes


def _harm_inside(hotspots: gpd.GeoDataFrame, demand: gpd.GeoDataFrame) -> np.ndarray:
    """Forecast harm of the demand points inside each hotspot outline."""
    joined = gpd.sjoin(demand[["expected_harm", "geometry"]], hotspots[["hotspot_id", "geometry"]],
                       predicate="within")  # fmt: skip
    per = joined.groupby("hotspot_id")["expected_harm"].sum()
    return hotspots["hotspot_id"].map(per).fillna(0.0).to_numpy()


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """
    Split `total` whole units in proportion to `weights` (Hamilton's method).

    Examples
    --------
    >>> _largest_remainder(np.array([3.0, 1.0]), 10).tolist()
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
        (incidents["date_precision"] == "minute")
        & (incidents["occurred"] >= window.start - pd.DateOffset(months=3))
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


# --- the week ----------------------------------------------------------------------------------


def plan_week(
    *,
    week: dt.date,
    incidents: gpd.GeoDataFrame,
    hotspots: gpd.GeoDataFrame,
    demand: gpd.GeoDataFrame,
    window: Window,
    resources: Resources,
    speed_evidence: gpd.GeoDataFrame | None = None,
    previous: pd.DataFrame | None = None,
    history: pd.DataFrame | None = None,
    overrides: WeekOverrides = WeekOverrides(),  # noqa: B008 (frozen, safe to share)
) -> Plan:
    """
    Suggest the week's deployments of every resource, each with its reason.

    Parameters
    ----------
    week
        The Monday the plan starts.
    incidents
        Crime and ASB incidents (EPSG:27700) known before the week.
    hotspots
        ASB and criminal damage hotspots for the evidence window
        (`geo.hotspots.find_hotspots`), with ``hotspot_id``, ``n_incidents``,
        ``n_prior``, ``trend``, ``trend_class``, ``harm``, ``ward_names``,
        ``top_locations`` and outlines.
    demand
        Forecast harm at map points for next month (`demand_points`).
    window
        The months the reasons count over (`evidence_window`).
    resources
        What the unit has (`geo.resources.read_resources`).
    speed_evidence
        Speeding evidence (category ``speeding``), or None.
    previous
        Last week's approved deployments (`geo.store`), or None for a fresh start.
    history
        Approved deployments of earlier weeks (for board rests and EVA recency).
    overrides
        The sergeant's changes for this week.

    Returns
    -------
    Plan
        The deployments, resources available and used, and notes.
    """
    if week.weekday() != 0:
        msg = f"week must be a Monday, got {week.isoformat()} ({week.strftime('%A')})"
        raise ValueError(msg)
    parts = [
        plan_cctv(week=week, incidents=incidents, hotspots=hotspots, demand=demand, window=window,
                  previous=previous, resources=resources, overrides=overrides),
        plan_speed_boards(week=week, evidence=speed_evidence, previous=previous, history=history,
                          resources=resources, overrides=overrides),
        plan_eva(week=week, incidents=incidents, hotspots=hotspots, history=history,
                 window=window, resources=resources, overrides=overrides),
        plan_patrols(week=week, incidents=incidents, hotspots=hotspots, demand=demand,
                     window=window, resources=resources, overrides=overrides),
    ]  # fmt: skip
    rows = [row for part, _ in parts for row in part]
    notes = tuple(note for _, part_notes in parts for note in part_notes)
    frame = pd.DataFrame(rows, columns=list(DEPLOYMENT_COLUMNS))
    deployments = gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["x"], frame["y"]), crs=BNG
    )
    return Plan(
        week=week,
        deployments=deployments,
        available=_available_counts(resources, overrides),
        used=_used_counts(deployments, resources),
        notes=notes,
    )


def _available_counts(resources: Resources, overrides: WeekOverrides) -> dict[str, float]:
    hours = (
        resources.patrols.hours_per_week
        if overrides.patrol_hours is None
        else overrides.patrol_hours
    )
    return {
        "cctv": _available(resources.cctv.cameras, overrides.cameras),
        "speed_board": _available(resources.speed_boards.boards, overrides.boards),
        "eva": resources.eva.per_month,
        "patrol_hours": float(hours),
    }


def _used_counts(deployments: pd.DataFrame, resources: Resources) -> dict[str, float]:
    kinds = deployments["resource"]
    visits = sum(n.get("visits", 0) for n in deployments.loc[kinds == "patrol", "numbers"])
    return {
        "cctv": int((kinds == "cctv").sum()),
        "speed_board": int((kinds == "speed_board").sum()),
        "eva": int((kinds == "eva").sum()),
        "patrol_hours": visits * resources.patrols.visit_minutes / 60,
    }


def harm_of(expected_by_category: dict[str, np.ndarray]) -> np.ndarray:
    """
    Weight expected counts per category by `geo.taxonomy.HARM_WEIGHTS` and add them up.

    Examples
    --------
    >>> harm_of({"asb": np.array([3.0]), "criminal_damage": np.array([2.0])}).tolist()
    [7.0]
    """
    return sum(
        HARM_WEIGHTS[c] * np.asarray(v, dtype=float) for c, v in expected_by_category.items()
    )
