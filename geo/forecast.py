"""Risk surfaces for next month on a grid, behind one interface, with honest baselines.

Every method scores every cell of a grid clipped to the district for a target
month, using only incidents from months strictly before it (no look-ahead), and
says how many incidents it expects there (``expected``, calibrated so that the
district total equals the mean monthly count of the last three months that have
data). Methods (`METHODS`):

``naive``
    the count over all history (the long-run count the field finds hard to beat);
``recent``
    the count over the last ``recent_months`` calendar months (months in a gap of
    the data count as nothing: the method says what a sergeant's "last quarter"
    list would say);
``kde``
    a fixed-bandwidth Gaussian kernel density of all history;
``prospective``
    space-time decaying weights in the manner of Bowers, Johnson & Pease (2004),
    "Prospective hot-spotting: the future of crime mapping?", *British Journal
    of Criminology* 44(5), 641-658: each past incident adds
    ``0.5 ** (age_months / half_life) * exp(-d^2 / 2 h^2)``;
``default``
    the project's method: a blend of the long-run monthly rate and the rate of the
    last ``recent_months`` months *with data* (so a data gap does not erase the
    recent signal), plus a light spatial smoothing that spreads risk to the
    neighbouring cells of busy map points. What was kept and dropped, and by how
    much it beats ``naive``, is in ``docs/forecast.md`` (made by
    ``benchmarks/bench_forecast.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from geo.grid import count_in_cells, make_grid
from geo.settings import ForecastParams

METHODS: tuple[str, ...] = ("naive", "recent", "kde", "prospective", "default")
"""Forecast methods `risk_surface` knows."""

DEFAULT_PARAMS = ForecastParams()

__all__ = ["METHODS", "make_grid", "risk_surface", "training_incidents"]


def training_incidents(
    incidents: gpd.GeoDataFrame, *, categories: str | Sequence[str], target: str
) -> gpd.GeoDataFrame:
    """
    Return the incidents of `categories` from months strictly before `target`.

    Examples
    --------
    >>> from geo.testing import make_incidents
    >>> inc = make_incidents([(0, 0), (0, 0)]).assign(
    ...     occurred=pd.to_datetime(["2025-08-01", "2025-09-01"]))
    >>> len(training_incidents(inc, categories="asb", target="2025-09"))
    1
    """
    cats = [categories] if isinstance(categories, str) else list(categories)
    cats = [c for part in cats for c in part.split("+")]
    start = pd.Period(target, freq="M").to_timestamp()
    return incidents[incidents["category"].isin(cats) & (incidents["occurred"] < start)]


def _months_before(target: str, past: pd.Series) -> np.ndarray:
    """Age in months of each timestamp relative to the target month (1 = the month before)."""
    t = pd.Period(target, freq="M")
    return np.array([(t - p).n for p in past.dt.to_period("M")], dtype=float)


def _kernel(
    cells: gpd.GeoDataFrame, points: gpd.GeoDataFrame, weights: np.ndarray, h: float
) -> np.ndarray:
    """Sum Gaussian kernels of bandwidth `h` (metres) from weighted points at cell centres."""
    if len(points) == 0:
        return np.zeros(len(cells))
    centres = np.column_stack([cells.geometry.centroid.x, cells.geometry.centroid.y])
    xy = np.column_stack([points.geometry.x, points.geometry.y])
    pairs = cKDTree(centres).sparse_distance_matrix(
        cKDTree(xy), max_distance=4 * h, output_type="coo_matrix"
    )
    values = np.exp(-(pairs.data**2) / (2 * h * h)) * weights[pairs.col]
    return np.bincount(pairs.row, weights=values, minlength=len(cells))


def _scores(method: str, train: gpd.GeoDataFrame, grid: gpd.GeoDataFrame, target: str,
            p: ForecastParams) -> np.ndarray:  # fmt: skip
    """Raw scores of one method (higher = riskier)."""
    age = _months_before(target, train["occurred"])
    ones = np.ones(len(train))
    if method == "naive":
        return count_in_cells(train, grid)
    if method == "recent":
        return count_in_cells(train[age <= p.recent_months], grid)
    if method == "kde":
        return _kernel(grid, train, ones, p.kde_bandwidth_m)
    if method == "prospective":
        decay = 0.5 ** ((age - 1) / p.prospective_half_life_months)
        return _kernel(grid, train, decay, p.prospective_bandwidth_m)
    if method == "default":
        return _default_scores(train, grid, age, p)
    msg = f"unknown forecast method {method!r}; expected one of {METHODS}"
    raise ValueError(msg)


def _default_scores(train: gpd.GeoDataFrame, grid: gpd.GeoDataFrame, age: np.ndarray,
                    p: ForecastParams) -> np.ndarray:  # fmt: skip
    """Blend long-run and recent monthly rates, then smooth a little in space."""
    months_with_data = np.unique(age)
    if len(months_with_data) == 0:
        return np.zeros(len(grid))
    recent_months = months_with_data[: p.recent_months]  # the latest months that hold data
    long_run = count_in_cells(train, grid) / len(months_with_data)
    recent = count_in_cells(train[np.isin(age, recent_months)], grid) / len(recent_months)
    rate = (1 - p.blend_recent) * long_run + p.blend_recent * recent
    if p.smooth_weight <= 0:
        return rate
    weights = np.where(np.isin(age, recent_months), p.blend_recent / len(recent_months), 0.0)
    weights = weights + (1 - p.blend_recent) / len(months_with_data)
    smooth = _kernel(grid, train, weights, p.smooth_m)
    smooth = smooth * (rate.sum() / smooth.sum()) if smooth.sum() > 0 else smooth
    return (1 - p.smooth_weight) * rate + p.smooth_weight * smooth


def risk_surface(
    incidents: gpd.GeoDataFrame,
    *,
    categories: str | Sequence[str],
    target: str,
    grid: gpd.GeoDataFrame,
    method: str = "default",
    params: ForecastParams = DEFAULT_PARAMS,
) -> gpd.GeoDataFrame:
    """
    Score every cell of `grid` for the month `target`, from earlier months only.

    Parameters
    ----------
    incidents
        The incidents table (EPSG:27700); only `categories` before `target` are used.
    categories
        A category, a list, or ``"asb+criminal_damage"``.
    target
        The month forecast, ``"YYYY-MM"``.
    grid
        Cells from `make_grid`.
    method
        One of `METHODS`.
    params
        See `geo.settings.ForecastParams`.

    Returns
    -------
    geopandas.GeoDataFrame
        `grid` plus ``score`` (for ranking cells) and ``expected`` (incidents
        expected in the target month; the planner weights it by harm itself).

    Examples
    --------
    >>> import shapely
    >>> from geo.testing import make_incidents, ORIGIN
    >>> x, y = ORIGIN
    >>> grid = make_grid(shapely.box(x, y, x + 200, y + 100), cell_m=100)
    >>> inc = make_incidents([(10, 10)] * 3 + [(150, 10)], occurred="2025-08-01")
    >>> risk_surface(inc, categories="asb", target="2025-09", grid=grid, method="naive")[
    ...     ["score", "expected"]].values.tolist()
    [[3.0, 3.0], [1.0, 1.0]]
    """
    train = training_incidents(incidents, categories=categories, target=target)
    scores = _scores(method, train, grid, target, params)
    return grid.assign(score=scores, expected=_calibrate(scores, train, target))


def _calibrate(scores: np.ndarray, train: gpd.GeoDataFrame, target: str) -> np.ndarray:
    """Scale scores so they sum to the mean monthly count of the last three months with data."""
    if scores.sum() <= 0 or train.empty:
        return np.zeros_like(scores, dtype=float)
    per_month = train["occurred"].dt.to_period("M").value_counts().sort_index()
    per_month = per_month[per_month.index < pd.Period(target, freq="M")]
    total = float(per_month.tail(3).mean())
    return scores / scores.sum() * total
