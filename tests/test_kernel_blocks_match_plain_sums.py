"""The memory- and time-saving paths of forecasts and backtests give the results of the plain ones.

Kernel sums are computed in blocks of cells, cell centres once per grid, rows are
selected from three columns only, and `flag_cells` takes cells with a cumulative
sum instead of a loop: each is checked against the straightforward computation.
"""

import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.spatial import cKDTree

import geo.forecast as forecast
from geo.datasets import get_path
from geo.evaluate import backtest, flag_cells, id_ranks, month_counts
from geo.forecast import _kernel, cell_centres, forecast_columns, risk_surface
from geo.grid import make_grid
from geo.incidents import load_incidents
from geo.testing import ORIGIN, make_incidents


def synthetic(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cell centres on a 150 m lattice, and weighted points, many on shared map points."""
    rng = np.random.default_rng(seed)
    gx, gy = np.meshgrid(np.arange(60) * 150.0 + 75, np.arange(40) * 150.0 + 75)
    centres = np.column_stack([gx.ravel(), gy.ravel()])
    map_points = rng.uniform([0, 0], [9000, 6000], size=(300, 2)).round(1)
    xy = map_points[rng.integers(0, len(map_points), size=3000)]
    return centres, xy, rng.uniform(0.1, 2.0, size=len(xy))


def unblocked_kernel(centres: np.ndarray, xy: np.ndarray, weights: np.ndarray, h: float):
    """The kernel sums as computed before blocks: every (cell, point) pair at once."""
    pairs = cKDTree(centres).sparse_distance_matrix(
        cKDTree(xy), max_distance=4 * h, output_type="coo_matrix"
    )
    values = np.exp(-(pairs.data**2) / (2 * h * h)) * weights[pairs.col]
    return np.bincount(pairs.row, weights=values, minlength=len(centres))


def flag_cells_loop(scores, areas, cell_ids, share):
    """`flag_cells` as it was: one cell at a time."""
    order = np.lexsort((np.asarray(cell_ids), -np.asarray(scores, dtype=float)))
    budget = share * areas.sum()
    flagged = np.zeros(len(scores), dtype=bool)
    used = 0.0
    for i in order:
        if used + areas[i] > budget + 1e-9 and flagged.any():
            break
        flagged[i] = True
        used += areas[i]
    return flagged


@pytest.mark.parametrize("h", [100.0, 200.0, 450.0])
def test_kernel_sums_do_not_depend_on_the_block_of_cells(h):
    centres, xy, weights = synthetic()
    whole = _kernel(centres, xy, weights, h, block=10**9)
    for block in (1, 7, 500, 2399, 2400, 4096):
        np.testing.assert_array_equal(_kernel(centres, xy, weights, h, block=block), whole)
    assert (whole > 0).sum() > len(centres) // 2  # the points reach most cells


def test_kernel_sums_equal_the_unblocked_sums_exactly_and_a_direct_sum():
    centres, xy, weights = synthetic(seed=1)
    blocked = _kernel(centres, xy, weights, 200.0, block=64)
    np.testing.assert_array_equal(blocked, unblocked_kernel(centres, xy, weights, 200.0))
    d2 = ((centres[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)
    direct = (np.exp(-d2 / (2 * 200.0**2)) * weights * (d2 <= 800.0**2)).sum(axis=1)
    np.testing.assert_allclose(blocked, direct, rtol=1e-12, atol=1e-300)


def test_kernel_without_points_is_zero_everywhere():
    centres, _, _ = synthetic()
    out = _kernel(centres, np.empty((0, 2)), np.empty(0), 200.0, block=3)
    assert out.shape == (len(centres),)
    assert not out.any()


def test_cell_centres_are_the_centroids_of_clipped_cells():
    x, y = ORIGIN
    grid = make_grid(shapely.Polygon([(x, y), (x + 300, y), (x, y + 300)]), cell_m=150)
    centroids = grid.geometry.centroid
    np.testing.assert_array_equal(cell_centres(grid)[:, 0], centroids.x.to_numpy())
    np.testing.assert_array_equal(cell_centres(grid)[:, 1], centroids.y.to_numpy())


@pytest.fixture(scope="module")
def sevenoaks(wards):
    """The shipped incidents and a 150 m grid over the district."""
    incidents = load_incidents([get_path("police_uk")], wards=wards).accepted
    return incidents, make_grid(wards, cell_m=150.0)


@pytest.mark.parametrize("method", ["kde", "prospective", "default"])
def test_shipped_risk_surfaces_do_not_depend_on_the_block_or_given_centres(
    sevenoaks, monkeypatch, method
):
    incidents, grid = sevenoaks
    kw = {"categories": "asb", "target": "2025-09", "grid": grid, "method": method}
    monkeypatch.setattr(forecast, "KERNEL_BLOCK_CELLS", 10**9)
    whole = risk_surface(incidents, **kw)
    monkeypatch.setattr(forecast, "KERNEL_BLOCK_CELLS", 37)
    blocked = risk_surface(incidents, **kw)
    given = risk_surface(incidents, centres=cell_centres(grid), **kw)
    narrow = risk_surface(forecast_columns(incidents), **kw)
    for other in (blocked, given, narrow):
        pd.testing.assert_frame_equal(other, whole)
    assert (whole["score"] > 0).sum() > 100


def test_shipped_kde_equals_the_unblocked_kernel_exactly(sevenoaks):
    incidents, grid = sevenoaks
    kde = risk_surface(incidents, categories="burglary", target="2025-08", grid=grid, method="kde")
    train = forecast.training_incidents(incidents, categories="burglary", target="2025-08")
    xy = np.column_stack([train.geometry.x, train.geometry.y])
    before = unblocked_kernel(cell_centres(grid), xy, np.ones(len(xy)), 200.0)
    np.testing.assert_array_equal(kde["score"].to_numpy(), before)


def test_learned_features_with_given_centres_are_unchanged():
    x, y = ORIGIN
    grid = make_grid(shapely.box(x, y, x + 600, y + 600), cell_m=100)
    inc = pd.concat(
        [
            make_incidents([(10 + 40 * m, 10 + 30 * m)] * m, occurred=f"2025-0{m}-01")
            for m in range(1, 8)
        ],
        ignore_index=True,
    )
    kw = {"categories": ["asb"], "target": "2025-08"}
    xs, ys, now = forecast.learned_features(inc, grid, **kw)
    xs2, ys2, now2 = forecast.learned_features(inc, grid, centres=cell_centres(grid), **kw)
    for a, b in zip([*xs, *ys, now], [*xs2, *ys2, now2], strict=True):
        np.testing.assert_array_equal(a, b)


def test_flag_cells_matches_the_one_cell_at_a_time_loop():
    rng = np.random.default_rng(3)
    n = 400
    scores = rng.integers(0, 5, size=n).astype(float)  # many ties
    areas = np.where(rng.random(n) < 0.2, rng.uniform(1, 22500, size=n), 22500.0).round(1)
    ids = [f"E{rng.integers(0, 10**6)}N{i}" for i in range(n)]
    for share in (0.0, 1e-6, 0.003, 0.01, 0.05, 0.37, 1.0, 2.0):
        expected = flag_cells_loop(scores, areas, ids, share)
        np.testing.assert_array_equal(flag_cells(scores, areas, ids, share), expected)
        np.testing.assert_array_equal(flag_cells(scores, areas, id_ranks(ids), share), expected)
    assert flag_cells(np.empty(0), np.empty(0), [], 0.5).tolist() == []


def test_id_ranks_order_cells_as_their_ids_do():
    ids = ["E300N0", "E150N150", "E0N0", "E150N150", "E1500N0"]
    ranks = id_ranks(ids)
    assert ranks.tolist() == [3, 2, 0, 2, 1]  # as strings sort: E1500N0 before E150N150
    assert np.array_equal(np.argsort(ranks, kind="stable"), np.argsort(ids, kind="stable"))


def test_shipped_backtest_matches_a_plain_loop(sevenoaks):
    incidents, grid = sevenoaks
    methods, months, covs = ["naive", "kde", "default"], ["2025-08", "2025-09"], [0.5, 5.0]
    out = backtest(
        incidents, grid, categories="asb", test_months=months, methods=methods, coverages_pct=covs
    )
    areas, ids = grid["area_m2"].to_numpy(dtype=float), grid["cell_id"].tolist()
    hits = []
    for month in months:
        actual = month_counts(incidents, grid, categories="asb", month=month)
        for method in methods:
            kw = {"categories": "asb", "target": month, "grid": grid, "method": method}
            scores = risk_surface(incidents, **kw)["score"].to_numpy()
            for cov in covs:
                flagged = flag_cells_loop(scores, areas, ids, cov / 100)
                hits.append(actual[flagged].sum() / actual.sum())
    got = out[out["method"] != "oracle"]["hit_rate"].tolist()
    assert got == hits
