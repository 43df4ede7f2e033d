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
    ``0.5 ** ((age_months - 1) / half_life) * exp(-d^2 / 2 h^2)`` (age 1 = the
    month before the target);
``learned``
    a pooled gradient-boosted model (scikit-learn's ``HistGradientBoostingRegressor``
    with Poisson loss) trained on every cell of the grid, one row per cell and
    earlier month with data: it learns a month's count in a cell from features
    built only from the months before that month (`LEARNED_FEATURES`), then
    predicts the target month from the months before it. With fewer than
    ``min_origins`` earlier months to learn from it falls back to ``default``;
``default``
    the project's method, in three parts: (1) a blend of the long-run monthly rate
    and the rate of the last ``recent_months`` months *with data* (so a data gap
    does not erase the recent signal); (2) a light spatial smoothing that spreads
    risk to the neighbouring cells of busy map points; (3) a place prior: the
    cell's share of incidents of *every* category, counted as ``prior_months``
    months of the category's own data (a Poisson-gamma posterior mean), which
    fills in places the category has not reached yet and fades as its own
    history grows. How much each part adds, on validation and test months, and by
    how much the method beats or falls short of ``naive``, is in
    ``docs/forecast.md`` (written by ``benchmarks/bench_forecast.py``).

The data gap
------------
police.uk downloads can miss months (the shipped data has none for 2024-05 to
2024-12). Months are calendar months throughout: ``recent`` counts the last
``recent_months`` calendar months before the target, which may hold nothing;
``prospective`` ages incidents by calendar months, so old data weighs little;
``default`` and the calibration of ``expected`` use the months that hold data
(of any category), so a gap neither empties the recent rate nor dilutes the
long-run rate with months that were never recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from geo.grid import cell_centres, count_in_cells, make_grid
from geo.settings import ForecastParams

METHODS: tuple[str, ...] = ("naive", "recent", "kde", "prospective", "learned", "default")
"""Forecast methods `risk_surface` knows."""

DEFAULT_PARAMS = ForecastParams()

__all__ = [
    "KERNEL_BLOCK_CELLS",
    "LEARNED_FEATURES",
    "METHODS",
    "LearnedParams",
    "cell_centres",
    "fit_learned",
    "forecast_columns",
    "learned_features",
    "make_grid",
    "risk_surface",
    "training_incidents",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class LearnedParams:
    """
    Settings of the ``learned`` method.

    Attributes
    ----------
    min_history
        Months with data a training month needs before it (its features' history).
    min_origins
        Training months needed; with fewer, ``learned`` falls back to ``default``.
    max_rows
        Most training rows (cell-months); beyond it, rows of cells with no past
        incident of any kind are dropped first, then rows are sampled at random
        (seed 0). Keeps the county-wide fit affordable.
    max_iter, learning_rate, max_leaf_nodes, min_samples_leaf
        Passed to ``HistGradientBoostingRegressor`` (Poisson loss, no early stopping).
    """

    min_history: int = 3
    min_origins: int = 3
    max_rows: int = 300_000
    max_iter: int = 200
    learning_rate: float = 0.05
    max_leaf_nodes: int = 7
    min_samples_leaf: int = 100


LEARNED = LearnedParams()

OTHER_CATEGORIES: tuple[str, ...] = ("criminal_damage", "public_order", "violence", "shoplifting")
"""Categories whose counts are features of the ``learned`` method."""

LEARNED_FEATURES: tuple[str, ...] = (
    "long_run",
    "recent",
    "last_month",
    "months_with_any",
    "near_long_run",
    "far_long_run",
    "near_recent",
    "every_long_run",
    *(f"{c}_long_run" for c in OTHER_CATEGORIES),
    "month_of_year",
    "busiest_point",
)
"""Features of the ``learned`` method, per cell, from the months before the one predicted:
the cell's monthly rate over all months with data, over the last three, last month's
count, the share of months with any; the long-run rate of the cells within 1.5 cells
(``near``) and 3.5 cells (``far``) of it, and their recent rate; the rate of every
category and of each of `OTHER_CATEGORIES`; the calendar month predicted; the
long-run rate at the cell's busiest map point."""


def forecast_columns(incidents: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """
    Keep only the columns forecasts read: ``category``, ``occurred`` and the geometry.

    Selecting rows of this narrow table copies three columns, not every text
    column of the incidents table, which saves time and memory on every month.

    Examples
    --------
    >>> from geo.testing import make_incidents
    >>> list(forecast_columns(make_incidents([(0, 0)])).columns)
    ['category', 'occurred', 'geometry']
    """
    return incidents[["category", "occurred", incidents.geometry.name]]


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
    months = past.dt.year.to_numpy() * 12 + past.dt.month.to_numpy()
    return (t.year * 12 + t.month - months).astype(float)


KERNEL_BLOCK_CELLS = 2048
"""Cells whose kernel sums `_kernel` computes at a time; it bounds the (cell, point) pair arrays."""


def _xy(points: gpd.GeoDataFrame) -> np.ndarray:
    """Return the coordinates of point geometries as an ``(n, 2)`` array of x, y."""
    return np.column_stack([points.geometry.x.to_numpy(), points.geometry.y.to_numpy()])


def _kernel(
    centres: np.ndarray,
    xy: np.ndarray,
    weights: np.ndarray,
    h: float,
    *,
    block: int | None = None,
) -> np.ndarray:
    """
    Sum Gaussian kernels of bandwidth `h` (metres) from weighted points at cell centres.

    Parameters
    ----------
    centres
        Cell centres, ``(n_cells, 2)``, from `cell_centres`.
    xy
        Point coordinates, ``(n_points, 2)``.
    weights
        One weight per point.
    h
        Bandwidth in metres; points farther than ``4 h`` from a centre add nothing.
    block
        Cells handled at a time (`KERNEL_BLOCK_CELLS` when None): the (cell, point)
        pairs of only one block are held, so memory stays bounded on a county-wide
        grid. The result does not depend on it (see `_kernel_block`).

    Returns
    -------
    numpy.ndarray
        ``sum_j weights[j] * exp(-d_ij^2 / 2 h^2)`` for each cell ``i``.

    Examples
    --------
    >>> centres = np.array([[0.0, 0.0], [1000.0, 0.0]])
    >>> _kernel(centres, np.array([[0.0, 0.0], [0.0, 0.0]]), np.array([1.0, 2.0]), 100.0).tolist()
    [3.0, 0.0]
    """
    block = KERNEL_BLOCK_CELLS if block is None else block
    out = np.zeros(len(centres))
    if len(xy) == 0:
        return out
    tree = cKDTree(xy)
    for start in range(0, len(centres), block):
        stop = min(start + block, len(centres))
        out[start:stop] = _kernel_block(centres[start:stop], tree, weights, h)
    return out


def _kernel_block(centres: np.ndarray, tree: cKDTree, weights: np.ndarray, h: float) -> np.ndarray:
    """
    Kernel sums of `_kernel` for one block of cells, from the points in `tree`.

    `cKDTree.sparse_distance_matrix` pairs a cell with the points of `tree` in the
    depth-first order of that tree, whatever tree holds the cells, and `numpy.bincount`
    adds each cell's terms in that order: so a cell's sum is the same bit for bit
    in any block, and the same as with every cell at once (tested).
    """
    pairs = cKDTree(centres).sparse_distance_matrix(
        tree, max_distance=4 * h, output_type="coo_matrix"
    )
    values = np.exp(-(pairs.data**2) / (2 * h * h)) * weights[pairs.col]
    return np.bincount(pairs.row, weights=values, minlength=len(centres))


def _scores(
    method: str,
    train: gpd.GeoDataFrame,
    context: gpd.GeoDataFrame,
    grid: gpd.GeoDataFrame,
    centres: np.ndarray,
    target: str,
    p: ForecastParams,
) -> np.ndarray:
    """
    Raw scores of one method (higher = riskier).

    `context` is every category before `target`; `centres` are the cell centres of `grid`.
    """
    age = _months_before(target, train["occurred"])
    data_ages = _data_ages(context, target)
    ones = np.ones(len(train))
    if method == "naive":
        return count_in_cells(train, grid)
    if method == "recent":
        return count_in_cells(train[age <= p.recent_months], grid)
    if method == "kde":
        return _kernel(centres, _xy(train), ones, p.kde_bandwidth_m)
    if method == "prospective":
        decay = 0.5 ** ((age - 1) / p.prospective_half_life_months)
        return _kernel(centres, _xy(train), decay, p.prospective_bandwidth_m)
    if method == "learned":
        learned = _learned_scores(train, context, grid, centres, target)
        if learned is not None:
            return learned
        method = "default"  # too little history to learn from
    if method == "default":
        rate = _blended_rate(train, grid, centres, age, data_ages, p)
        return _with_place_prior(rate, context, grid, months=len(data_ages), p=p)
    msg = f"unknown forecast method {method!r}; expected one of {METHODS}"
    raise ValueError(msg)


def _data_ages(context: gpd.GeoDataFrame, target: str) -> np.ndarray:
    """Ages (1 = the month before `target`) of the months that hold data of any category."""
    return np.unique(_months_before(target, context["occurred"]))


def _blended_rate(
    train: gpd.GeoDataFrame,
    grid: gpd.GeoDataFrame,
    centres: np.ndarray,
    age: np.ndarray,
    months_with_data: np.ndarray,
    p: ForecastParams,
) -> np.ndarray:
    """Blend long-run and recent monthly rates, then smooth a little in space."""
    if len(months_with_data) == 0 or train.empty:
        return np.zeros(len(grid))
    recent_months = months_with_data[: p.recent_months]  # the latest months that hold data
    long_run = count_in_cells(train, grid) / len(months_with_data)
    recent = count_in_cells(train[np.isin(age, recent_months)], grid) / len(recent_months)
    rate = (1 - p.blend_recent) * long_run + p.blend_recent * recent
    if p.smooth_weight <= 0:
        return rate
    weights = np.where(np.isin(age, recent_months), p.blend_recent / len(recent_months), 0.0)
    weights = weights + (1 - p.blend_recent) / len(months_with_data)
    smooth = _kernel(centres, _xy(train), weights, p.smooth_m)
    smooth = smooth * (rate.sum() / smooth.sum()) if smooth.sum() > 0 else smooth
    return (1 - p.smooth_weight) * rate + p.smooth_weight * smooth


def _with_place_prior(
    rate: np.ndarray,
    context: gpd.GeoDataFrame,
    grid: gpd.GeoDataFrame,
    *,
    months: int,
    p: ForecastParams,
) -> np.ndarray:
    """
    Shrink a monthly rate towards where crime of every kind happens.

    The place prior is each cell's share of all incidents (every category) before
    the target, scaled to the category's monthly total and counted as if it were
    ``prior_months`` months of data (a Poisson-gamma posterior mean): it fills in
    cells the category has not reached yet, breaks ties among the many cells with
    one or two past incidents, and fades as the category's own history grows.

    Examples
    --------
    >>> import shapely
    >>> from geo.testing import make_incidents, ORIGIN
    >>> grid = make_grid(shapely.box(*ORIGIN, ORIGIN[0] + 200, ORIGIN[1] + 100), cell_m=100)
    >>> others = make_incidents([(150, 10)] * 3, category="violence")
    >>> p = ForecastParams(prior_months=2.0)
    >>> _with_place_prior(np.array([2.0, 0.0]), others, grid, months=2, p=p).tolist()
    [1.0, 1.0]
    """
    place = count_in_cells(context, grid)
    if p.prior_months <= 0 or place.sum() <= 0 or months == 0:
        return rate
    prior = rate.sum() * place / place.sum()
    return (rate * months + p.prior_months * prior) / (months + p.prior_months)


def risk_surface(
    incidents: gpd.GeoDataFrame,
    *,
    categories: str | Sequence[str],
    target: str,
    grid: gpd.GeoDataFrame,
    method: str = "default",
    params: ForecastParams = DEFAULT_PARAMS,
    centres: np.ndarray | None = None,
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
    centres
        The cell centres of `grid` from `cell_centres`, computed here when None;
        pass them when scoring many months or methods on one grid.

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
    incidents = forecast_columns(incidents)
    train = training_incidents(incidents, categories=categories, target=target)
    context = incidents[incidents["occurred"] < pd.Period(target, freq="M").to_timestamp()]
    centres = cell_centres(grid) if centres is None else centres
    scores = _scores(method, train, context, grid, centres, target, params)
    last3 = _data_ages(context, target)[:3]
    return grid.assign(score=scores, expected=_calibrate(scores, train, target, last3))


def _calibrate(
    scores: np.ndarray, train: gpd.GeoDataFrame, target: str, months: np.ndarray
) -> np.ndarray:
    """Scale scores so they sum to the category's mean count over `months` (ages, 1 = latest)."""
    if scores.sum() <= 0 or train.empty or len(months) == 0:
        return np.zeros_like(scores, dtype=float)
    total = np.isin(_months_before(target, train["occurred"]), months).sum() / len(months)
    return scores / scores.sum() * float(total)


# --- the learned method --------------------------------------------------------------------------


def _cell_index(points: gpd.GeoDataFrame, grid: gpd.GeoDataFrame) -> np.ndarray:
    """Index of the cell holding each point (-1 outside every cell; shared edges: lowest)."""
    out = np.full(len(points), -1, dtype=np.int64)
    if len(points) == 0:
        return out
    idx_pts, idx_cells = grid.sindex.query(points.geometry, predicate="intersects")
    first = pd.Series(idx_cells).groupby(idx_pts).min()
    out[first.index.to_numpy()] = first.to_numpy()
    return out


def learned_features(
    context: gpd.GeoDataFrame,
    grid: gpd.GeoDataFrame,
    *,
    categories: Sequence[str],
    target: str,
    centres: np.ndarray | None = None,
) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
    """
    Build the ``learned`` method's training rows and the rows to predict.

    Parameters
    ----------
    context
        Incidents of every category before `target`.
    grid
        Cells from `make_grid`.
    categories
        The categories forecast (their counts are summed).
    target
        The month predicted, ``"YYYY-MM"``.
    centres
        The cell centres of `grid` from `cell_centres` (computed here when None).

    Returns
    -------
    tuple
        Training feature blocks and count blocks (one per training month, cells in
        grid order), and the features of the target month. Every block is built from
        the months with data strictly before the month it describes.

    Examples
    --------
    >>> import shapely
    >>> from geo.testing import make_incidents, ORIGIN
    >>> grid = make_grid(shapely.box(*ORIGIN, ORIGIN[0] + 200, ORIGIN[1] + 100), cell_m=100)
    >>> inc = pd.concat([make_incidents([(10, 10)], occurred=f"2025-0{m}-01") for m in range(1, 6)])
    >>> xs, ys, now = learned_features(inc, grid, categories=["asb"], target="2025-06")
    >>> len(xs), now.shape, ys[0].tolist()
    (2, (2, 14), [1.0, 0.0])
    """
    periods = context["occurred"].dt.to_period("M")
    months = sorted(periods.unique())
    m_idx = np.searchsorted(np.array([p.ordinal for p in months]), periods.map(lambda p: p.ordinal))
    cell = _cell_index(context, grid)
    n_m, n_c = len(months), len(grid)
    inside = cell >= 0

    def counts(mask: np.ndarray) -> np.ndarray:
        keep = mask & inside
        flat = np.bincount(m_idx[keep] * n_c + cell[keep], minlength=n_m * n_c)
        return flat.reshape(n_m, n_c).astype(float)

    cat = context["category"].to_numpy()
    own = counts(np.isin(cat, list(categories)))
    every = counts(np.ones(len(context), dtype=bool))
    others = [counts(cat == c) for c in OTHER_CATEGORIES]
    centres = cell_centres(grid) if centres is None else centres
    near, far = _neighbours(grid, centres, 1.5), _neighbours(grid, centres, 3.5)
    best_point = _busiest_point(context, cell, m_idx, np.isin(cat, list(categories)), n_m, n_c)
    target_p = pd.Period(target, freq="M")

    def block(u: int, month_of_year: int) -> np.ndarray:
        long_run, recent = own[:u].mean(0), own[max(0, u - 3) : u].mean(0)
        cols = [
            long_run,
            recent,
            own[u - 1],
            (own[:u] > 0).mean(0),
            near @ long_run,
            far @ long_run,
            near @ recent,
            every[:u].mean(0),
            *(o[:u].mean(0) for o in others),
            np.full(n_c, float(month_of_year)),
            best_point[u] / u,
        ]
        return np.column_stack(cols)

    start = LEARNED.min_history
    xs = [block(u, months[u].month) for u in range(start, n_m)]
    ys = [own[u] for u in range(start, n_m)]
    return xs, ys, block(n_m, target_p.month) if n_m else np.zeros((n_c, len(LEARNED_FEATURES)))


def _neighbours(grid: gpd.GeoDataFrame, centres: np.ndarray, cells: float) -> object:
    """Sparse 0/1 matrix of the cells whose `centres` are within `cells` cell widths (not self)."""
    from scipy import sparse

    width = float(np.sqrt(grid["area_m2"].max())) if "area_m2" in grid else 150.0
    tree = cKDTree(centres)
    pairs = tree.query_pairs(cells * width, output_type="ndarray")
    rows = np.concatenate([pairs[:, 0], pairs[:, 1]])
    cols = np.concatenate([pairs[:, 1], pairs[:, 0]])
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(grid), len(grid)))


def _busiest_point(
    context: gpd.GeoDataFrame,
    cell: np.ndarray,
    m_idx: np.ndarray,
    own: np.ndarray,
    n_m: int,
    n_c: int,
) -> np.ndarray:
    """For each month index u (0..n_m), the count before u at each cell's busiest map point."""
    keep = own & (cell >= 0)
    xy = np.column_stack([context.geometry.x.to_numpy()[keep], context.geometry.y.to_numpy()[keep]])
    out = np.zeros((n_m + 1, n_c))
    if len(xy) == 0:
        return out
    _, pid = np.unique(np.round(xy, 1), axis=0, return_inverse=True)
    pid = pid.ravel()
    n_p = int(pid.max()) + 1
    per = np.bincount(m_idx[keep] * n_p + pid, minlength=n_m * n_p).reshape(n_m, n_p)
    cum = np.vstack([np.zeros(n_p), np.cumsum(per, axis=0)])
    p_cell = np.zeros(n_p, dtype=np.int64)
    p_cell[pid] = cell[keep]
    for u in range(1, n_m + 1):
        np.maximum.at(out[u], p_cell, cum[u])
    return out


def _learned_scores(
    train: gpd.GeoDataFrame,
    context: gpd.GeoDataFrame,
    grid: gpd.GeoDataFrame,
    centres: np.ndarray,
    target: str,
) -> np.ndarray | None:
    """Fit the pooled Poisson model on earlier months and predict `target` (None: too little)."""
    categories = sorted(train["category"].unique()) if len(train) else []
    if not categories or context.empty:
        return None
    xs, ys, now = learned_features(
        context, grid, categories=categories, target=target, centres=centres
    )
    if len(xs) < LEARNED.min_origins:
        return None
    return fit_learned(xs, ys).predict(now)


def fit_learned(xs: list[np.ndarray], ys: list[np.ndarray]) -> object:
    """
    Fit the ``learned`` method's model on the blocks of `learned_features`.

    Parameters
    ----------
    xs, ys
        Feature and count blocks, one per training month.

    Returns
    -------
    sklearn.ensemble.HistGradientBoostingRegressor
        Poisson loss, settings from `LearnedParams`, fitted on at most ``max_rows`` rows.
    """
    from sklearn.ensemble import HistGradientBoostingRegressor

    x, y = np.vstack(xs), np.concatenate(ys)
    keep = _training_rows(x, LEARNED.max_rows)
    model = HistGradientBoostingRegressor(
        loss="poisson",
        max_iter=LEARNED.max_iter,
        learning_rate=LEARNED.learning_rate,
        max_leaf_nodes=LEARNED.max_leaf_nodes,
        min_samples_leaf=LEARNED.min_samples_leaf,
        early_stopping=False,
        random_state=0,
    )
    return model.fit(x[keep], y[keep])


def _training_rows(x: np.ndarray, max_rows: int) -> np.ndarray:
    """Return the indices of the training rows kept (see `LearnedParams.max_rows`)."""
    rows = np.arange(len(x))
    if len(rows) <= max_rows:
        return rows
    active = rows[x[:, LEARNED_FEATURES.index("every_long_run")] > 0]
    rng = np.random.default_rng(0)
    if len(active) >= max_rows:
        return np.sort(rng.choice(active, size=max_rows, replace=False))
    idle = np.setdiff1d(rows, active)
    return np.sort(
        np.concatenate([active, rng.choice(idle, max_rows - len(active), replace=False)])
    )
