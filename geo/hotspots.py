"""Hotspots of incidents: clusters, significance, trend, class, harm and stable identity.

Method
------
**Clusters.** DBSCAN (Ester et al. 1996, KDD-96, 226-231) on the distinct map
points of the window's incidents, each weighted by how many incidents share it
(scikit-learn's ``sample_weight``). police.uk snaps every incident to an
anonymised map point, so weighting the ~1,400 distinct points gives exactly the
clusters of clustering every row, at a fraction of the work, and lets one busy
point be a hotspot by itself. DBSCAN was chosen over HDBSCAN because its two
parameters mean something on the street (a radius in metres, a number of
incidents), it is fast (well under a second for Kent), and HDBSCAN's
scikit-learn version does not take sample weights.

**Significance.** Getis-Ord Gi* (Ord & Getis 1995, *Geographical Analysis*
27(4), 286-306) on a grid clipped to the district, with PySAL esda's
``G_Local(star=True)`` and conditional permutations. esda 2.9.0 (what pip
installs on Python 3.11) has no ``alternative=`` argument and returns a folded,
one-directional pseudo p-value, so the two-sided p-value is ``min(1, 2 p_sim)``
and the direction is the sign of the z-score. A Benjamini-Hochberg false
discovery rate correction is applied per confidence level (``esda.fdr``). Bins
follow ArcGIS: +3/+2/+1 for hot spots at 99/95/90 % confidence, -3/-2/-1 for
cold spots, 0 not significant. A hotspot carries the best (highest) bin of the
cells its outline touches.

**Trend** compares the window with the previous window of the same length:
``new`` (none before), ``up 40 %``, ``steady`` (within ±10 %), ``down 25 %``,
or ``no data`` when the previous window falls in a gap of the data.

**Class**, over the monthly counts of the window and the window before, in the
spirit of ArcGIS's emerging hot spot analysis and sfhotspot's classes:

- ``new``: no incidents in the previous window (which had data), some now;
- ``diminishing``: at most two thirds of the previous window's count;
- ``emerging``: at least 1.5 times the previous window's count;
- ``persistent``: incidents in every month with data of both windows;
- ``intermittent``: anything else (busy in some months, quiet in others).

**Harm** is the sum of `geo.taxonomy.HARM_WEIGHTS` over the hotspot's incidents.
Hotspots are ranked by harm (or by count), ties broken by id.

**Identity.** An id is the category code plus the 100 m grid reference of the
hotspot's centre (``ASB+CD-55250-15530``); given the previous run's hotspots, a
new hotspot overlapping a previous one of the same category keeps its id.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sklearn.cluster import DBSCAN

from geo._validate import check_gdf
from geo.boundaries import district_outline
from geo.crs import BNG
from geo.grid import count_in_cells, make_grid
from geo.settings import HotspotParams
from geo.taxonomy import HARM_WEIGHTS

NOISE = -1
"""Cluster label of incidents in no hotspot (as in scikit-learn)."""

HOTSPOT_COLUMNS: tuple[str, ...] = (
    "hotspot_id", "category", "rank", "n_incidents", "n_prior", "change_pct", "trend",
    "trend_class", "harm", "gi_bin", "ward_names", "top_locations", "centroid_x", "centroid_y",
    "geometry",
)  # fmt: skip
"""Columns of `find_hotspots`' result."""

_CODES = {"asb": "ASB", "burglary": "BUR", "criminal_damage": "CD", "speeding": "SPD",
          "vehicle_crime": "VEH", "violence": "VIO", "public_order": "PO"}  # fmt: skip

DEFAULT_PARAMS = HotspotParams()


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A window of time and the previous window of the same length."""

    start: pd.Timestamp
    end: pd.Timestamp
    prior_start: pd.Timestamp
    months: tuple[pd.Period, ...]
    prior_months: tuple[pd.Period, ...]


def time_window(as_of: str, *, months: int | None = 3, weeks: int | None = None) -> TimeWindow:
    """
    Return the window ending with `as_of` and the previous one of the same length.

    Parameters
    ----------
    as_of
        ``"YYYY-MM"`` (the last month of a month window) or ``"YYYY-MM-DD"`` (the
        last day of a week window).
    months, weeks
        Length of the window; give one.

    Examples
    --------
    >>> w = time_window("2025-09", months=3)
    >>> str(w.start.date()), str(w.end.date()), str(w.prior_start.date())
    ('2025-07-01', '2025-10-01', '2025-04-01')
    >>> w = time_window("2025-09-28", months=None, weeks=4)
    >>> str(w.start.date()), str(w.end.date())
    ('2025-09-01', '2025-09-29')
    """
    if weeks:
        end = pd.Timestamp(as_of).normalize() + pd.Timedelta(days=1)
        start = end - pd.Timedelta(weeks=weeks)
        prior = start - pd.Timedelta(weeks=weeks)
    else:
        n = months or 3
        last = pd.Period(as_of[:7], freq="M")
        start, end = (last - n + 1).to_timestamp(), (last + 1).to_timestamp()
        prior = (last - 2 * n + 1).to_timestamp()
    span = pd.period_range(start, end - pd.Timedelta(days=1), freq="M")
    prior_span = pd.period_range(prior, start - pd.Timedelta(days=1), freq="M")
    return TimeWindow(start, end, prior, tuple(span), tuple(prior_span))


def _as_tuple(categories: str | Sequence[str]) -> tuple[str, ...]:
    if isinstance(categories, str):
        return tuple(c for c in categories.split("+") if c)
    return tuple(categories)


def cluster_incidents(
    incidents: gpd.GeoDataFrame,
    *,
    params: HotspotParams = DEFAULT_PARAMS,
    min_incidents: int | None = None,
) -> np.ndarray:
    """
    Label each incident with its DBSCAN cluster (`NOISE` for none).

    Incidents sharing a map point are clustered once, weighted by their number.

    Examples
    --------
    >>> from geo.testing import make_incidents
    >>> pts = make_incidents([(0, 0)] * 3 + [(40, 0)] * 3 + [(900, 900)])
    >>> cluster_incidents(pts, params=HotspotParams(eps_m=50, min_incidents=5)).tolist()
    [0, 0, 0, 0, 0, 0, -1]
    """
    if len(incidents) == 0:
        return np.array([], dtype=int)
    xy = np.column_stack([incidents.geometry.x.round(1), incidents.geometry.y.round(1)])
    sites, inverse, weight = np.unique(xy, axis=0, return_inverse=True, return_counts=True)
    model = DBSCAN(eps=params.eps_m, min_samples=min_incidents or params.min_incidents)
    labels = model.fit(sites, sample_weight=weight).labels_
    return labels[inverse.ravel()]


def gi_star_bins(
    counts: np.ndarray,
    cells: gpd.GeoDataFrame,
    *,
    cell_m: float,
    permutations: int = 999,
    fdr: bool = True,
    seed: int = 12345,
) -> np.ndarray:
    """
    Return ArcGIS-style Gi* confidence bins (-3..3) for counts on grid cells.

    Parameters
    ----------
    counts
        Count per cell.
    cells
        The cells (EPSG:27700); neighbours are cells whose centres are within
        1.5 cells (the 8 around, the "queen" neighbours), and each cell is its own
        neighbour (Gi*, ``star=True``).
    cell_m
        Cell size, for the neighbour distance.
    permutations, seed
        Conditional permutations for the pseudo p-values, and their seed.
    fdr
        Apply a Benjamini-Hochberg false discovery rate correction.

    Returns
    -------
    numpy.ndarray
        One int per cell.
    """
    from esda import fdr as fdr_cutoff
    from esda.getisord import G_Local
    from libpysal.weights import DistanceBand

    n = len(cells)
    if n < 3 or not np.any(counts):
        return np.zeros(n, dtype=int)
    centres = np.column_stack([cells.geometry.centroid.x, cells.geometry.centroid.y])
    with warnings.catch_warnings():
        # esda 2.9 warns that its permutation alternative will change and uses np.row_stack;
        # the two-sided p-value is worked out below, so both warnings are moot here.
        warnings.simplefilter("ignore", DeprecationWarning)
        # a grid of mostly empty cells makes esda divide 0 by 0 for some cells: those get
        # NaN z-scores and are treated as not significant below.
        warnings.simplefilter("ignore", RuntimeWarning)
        w = DistanceBand(centres, threshold=1.5 * cell_m, binary=True, silence_warnings=True)
        g = G_Local(np.asarray(counts, dtype=float), w, transform="B", permutations=permutations,
                    star=True, seed=seed)  # fmt: skip
    z = np.nan_to_num(np.asarray(g.Zs, dtype=float), nan=0.0)
    p_two = np.minimum(1.0, 2.0 * np.asarray(g.p_sim, dtype=float))
    p_two[~np.isfinite(p_two) | (z == 0)] = 1.0
    bins = np.zeros(n, dtype=int)
    for level, alpha in ((1, 0.10), (2, 0.05), (3, 0.01)):
        cut = fdr_cutoff(p_two, alpha) if fdr else alpha
        significant = p_two <= cut
        bins[significant] = level * np.sign(z[significant]).astype(int)
    return bins


def _trend(now: int, before: int, *, prior_has_data: bool) -> tuple[float, str]:
    """Return the change in per cent and in words."""
    if not prior_has_data:
        return float("nan"), "no data"
    if before == 0:
        return float("nan"), "new" if now else "steady"
    pct = 100.0 * (now - before) / before
    if abs(pct) <= 10:
        return pct, "steady"
    return pct, f"{'up' if pct > 0 else 'down'} {abs(pct):.0f} %"


def _trend_class(now_by_month: list[int], prior_by_month: list[int | None]) -> str:
    """Classify a hotspot from its monthly counts (None: a month with no data)."""
    prior_known = [c for c in prior_by_month if c is not None]
    now, before = sum(now_by_month), sum(prior_known)
    if prior_known and before == 0 and now > 0:
        return "new"
    if prior_known and now <= before * 2 / 3:
        return "diminishing"
    if prior_known and now >= before * 1.5:
        return "emerging"
    if all(c > 0 for c in now_by_month + prior_known):
        return "persistent"
    return "intermittent"


def _top_locations(locations: pd.Series, n: int = 3) -> str:
    counts = locations.fillna("").replace("", "unnamed place").value_counts()
    counts = counts.sort_index().sort_values(ascending=False, kind="stable").head(n)
    return "; ".join(f"{loc}: {k}" for loc, k in counts.items())


def _code(categories: tuple[str, ...]) -> str:
    return "+".join(_CODES.get(c, c.upper()) for c in categories)


def find_hotspots(
    incidents: gpd.GeoDataFrame,
    *,
    categories: str | Sequence[str],
    as_of: str,
    months: int | None = 3,
    weeks: int | None = None,
    wards: gpd.GeoDataFrame,
    params: HotspotParams = DEFAULT_PARAMS,
    previous: gpd.GeoDataFrame | None = None,
    rank_by: str = "harm",
) -> gpd.GeoDataFrame:
    """
    Find the hotspots of `categories` in the window ending `as_of`.

    Parameters
    ----------
    incidents
        The incidents table (`geo.incidents`), EPSG:27700. Other categories are
        used only to tell which months have data.
    categories
        A category, a list of them, or ``"asb+criminal_damage"``.
    as_of
        The window's last month (``"YYYY-MM"``) or, with `weeks`, last day.
    months, weeks
        Window length. With `weeks`, only incidents dated to the day count
        (police.uk rows are months only).
    wards
        Ward polygons (EPSG:27700): the Gi* grid is clipped to them and each
        hotspot names its wards.
    params
        See `geo.settings.HotspotParams`.
    previous
        Last run's hotspots: a hotspot overlapping one of them keeps its id.
    rank_by
        ``"harm"`` (default) or ``"count"``.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per hotspot, `HOTSPOT_COLUMNS`, EPSG:27700, sorted by ``rank``.
        Empty (with those columns) when the window has no hotspot.

    Raises
    ------
    GeoInputError
        If `incidents` or `wards` break their contract.
    """
    check_gdf(incidents, name="incidents", columns=["category", "occurred", "location"],
              geom_types={"Point"})  # fmt: skip
    check_gdf(wards, name="wards", columns=["ward_code", "ward_name"])
    cats = _as_tuple(categories)
    window = time_window(as_of, months=None if weeks else months, weeks=weeks)
    pool = incidents[incidents["category"].isin(cats)]
    if weeks:
        pool = pool[pool["date_precision"] != "month"]
    now = pool[(pool["occurred"] >= window.start) & (pool["occurred"] < window.end)]
    prior = pool[(pool["occurred"] >= window.prior_start) & (pool["occurred"] < window.start)]
    labels = cluster_incidents(now, params=params, min_incidents=params.min_for(cats))
    members = now.assign(cluster=labels)
    members = members[members["cluster"] != NOISE]
    if members.empty:
        return _empty()
    data_months = set(incidents["occurred"].dt.to_period("M"))
    cells = make_grid(district_outline(wards), cell_m=params.cell_m)
    bins = gi_star_bins(
        count_in_cells(now, cells),
        cells,
        cell_m=params.cell_m,
        permutations=params.permutations,
        fdr=params.fdr,
        seed=params.seed,
    )
    rows = [
        _describe(group, prior, cats, window, data_months, params)
        for _, group in members.groupby("cluster", sort=True)
    ]
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=BNG)
    out["gi_bin"] = _best_bin(out, cells, bins)
    out["hotspot_id"] = _identify(out, cats, previous, params.match_overlap)
    key = "harm" if rank_by == "harm" else "n_incidents"
    out = out.sort_values([key, "n_incidents", "hotspot_id"], ascending=[False, False, True])
    out["rank"] = np.arange(1, len(out) + 1)
    return out[list(HOTSPOT_COLUMNS)].reset_index(drop=True)


def _empty() -> gpd.GeoDataFrame:
    data = {c: pd.Series(dtype=object) for c in HOTSPOT_COLUMNS if c != "geometry"}
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=BNG), crs=BNG)


def _describe(
    group: gpd.GeoDataFrame,
    prior: gpd.GeoDataFrame,
    cats: tuple[str, ...],
    window: TimeWindow,
    data_months: set[pd.Period],
    params: HotspotParams,
) -> dict[str, object]:
    """Outline, counts, trend, class, harm, wards and top locations of one cluster."""
    points = shapely.multipoints(group.geometry.to_numpy())
    outline = shapely.convex_hull(points).buffer(params.buffer_m)
    inside_prior = prior[prior.within(outline)]
    months_now = group["occurred"].dt.to_period("M").value_counts()
    months_before = inside_prior["occurred"].dt.to_period("M").value_counts()
    now_by_month = [int(months_now.get(m, 0)) for m in window.months]
    prior_by_month = [
        int(months_before.get(m, 0)) if m in data_months else None for m in window.prior_months
    ]
    has_prior = any(c is not None for c in prior_by_month)
    change, trend = _trend(len(group), len(inside_prior), prior_has_data=has_prior)
    wards = group["ward_name"].fillna("outside the district").value_counts()
    wards = wards.sort_index().sort_values(ascending=False, kind="stable")
    centre = outline.centroid
    return {
        "category": "+".join(cats),
        "n_incidents": len(group),
        "n_prior": len(inside_prior),
        "change_pct": round(change, 1) if np.isfinite(change) else np.nan,
        "trend": trend,
        "trend_class": _trend_class(now_by_month, prior_by_month),
        "harm": float(group["category"].map(HARM_WEIGHTS).fillna(1.0).sum()),
        "ward_names": "; ".join(wards.index),
        "top_locations": _top_locations(group["location"]),
        "centroid_x": round(centre.x, 1),
        "centroid_y": round(centre.y, 1),
        "geometry": outline,
    }


def _best_bin(hotspots: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, bins: np.ndarray) -> np.ndarray:
    """Return the highest Gi* bin among the cells each outline touches (0 if none)."""
    idx_h, idx_c = cells.sindex.query(hotspots.geometry, predicate="intersects")
    best = pd.Series(bins[idx_c]).groupby(idx_h).max()
    return best.reindex(range(len(hotspots)), fill_value=0).to_numpy().astype(int)


def _identify(
    hotspots: gpd.GeoDataFrame,
    cats: tuple[str, ...],
    previous: gpd.GeoDataFrame | None,
    min_overlap: float,
) -> list[str]:
    """Give each hotspot an id: a previous overlapping one's, else code + 100 m grid ref."""
    xy = zip(hotspots["centroid_x"], hotspots["centroid_y"], strict=True)
    fresh = [f"{_code(cats)}-{x / 10:.0f}-{y / 10:.0f}" for x, y in xy]
    ids = list(fresh)
    if previous is not None and len(previous):
        same = previous[previous["category"] == "+".join(cats)]
        taken: set[str] = set()
        for i, shape in enumerate(hotspots.geometry):
            overlap = same.geometry.intersection(shape).area / np.minimum(same.area, shape.area)
            for j in np.argsort(-overlap.to_numpy(), kind="stable"):
                pid = same["hotspot_id"].iloc[j]
                if overlap.iloc[j] >= min_overlap and pid not in taken:
                    ids[i] = pid
                    taken.add(pid)
                    break
    seen: dict[str, int] = {}
    for i, h in enumerate(ids):  # two hotspots in one 100 m square: suffix the later
        seen[h] = seen.get(h, 0) + 1
        if seen[h] > 1:
            ids[i] = f"{h}-{seen[h]}"
    return ids


def hotspot_incidents(
    incidents: gpd.GeoDataFrame,
    hotspots: gpd.GeoDataFrame,
    *,
    as_of: str,
    months: int | None = 3,
    weeks: int | None = None,
) -> gpd.GeoDataFrame:
    """
    Return the window's incidents of each hotspot's categories inside its outline.

    Returns
    -------
    geopandas.GeoDataFrame
        The incidents with a ``hotspot_id`` column (one row per incident and hotspot).
    """
    window = time_window(as_of, months=None if weeks else months, weeks=weeks)
    now = incidents[(incidents["occurred"] >= window.start) & (incidents["occurred"] < window.end)]
    frames = []
    for spot in hotspots.itertuples():
        cats = _as_tuple(spot.category)
        rows = now[now["category"].isin(cats)]
        frames.append(rows[rows.within(spot.geometry)].assign(hotspot_id=spot.hotspot_id))
    if not frames:
        return incidents.iloc[:0].assign(hotspot_id=pd.Series(dtype=object))
    return pd.concat(frames, ignore_index=True)


def ward_table(
    incidents: gpd.GeoDataFrame,
    wards: gpd.GeoDataFrame,
    *,
    categories: Sequence[str],
    as_of: str,
    months: int = 3,
) -> pd.DataFrame:
    """
    Rank wards per category by harm, with counts and trend ("priority wards").

    Returns
    -------
    pandas.DataFrame
        ``category``, ``ward_code``, ``ward_name``, ``n_incidents``, ``n_prior``,
        ``trend``, ``harm``, ``rank`` (1 = most harm in that category).
    """
    window = time_window(as_of, months=months)
    data_months = set(incidents["occurred"].dt.to_period("M"))
    has_prior = any(m in data_months for m in window.prior_months)
    rows = []
    for cat in categories:
        pool = incidents[incidents["category"] == cat]
        now = pool[(pool["occurred"] >= window.start) & (pool["occurred"] < window.end)]
        before = pool[(pool["occurred"] >= window.prior_start) & (pool["occurred"] < window.start)]
        n_now, n_before = now["ward_code"].value_counts(), before["ward_code"].value_counts()
        for ward in wards.itertuples():
            a, b = int(n_now.get(ward.ward_code, 0)), int(n_before.get(ward.ward_code, 0))
            rows.append({"category": cat, "ward_code": ward.ward_code, "ward_name": ward.ward_name,
                         "n_incidents": a, "n_prior": b,
                         "trend": _trend(a, b, prior_has_data=has_prior)[1],
                         "harm": a * HARM_WEIGHTS.get(cat, 1.0)})  # fmt: skip
    table = pd.DataFrame(rows)
    table = table.sort_values(["category", "harm", "ward_name"], ascending=[True, False, True])
    table["rank"] = table.groupby("category").cumcount() + 1
    return table.reset_index(drop=True)
