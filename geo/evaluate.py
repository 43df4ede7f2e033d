"""Rolling-origin backtests of forecasts: hit rate, PAI and PEI at fixed area coverages.

For each test month, every method is fitted on earlier months only
(`geo.forecast.risk_surface` never sees the test month) and its cells are ranked
by score, ties broken by cell id. Flagging the top cells until they cover a share
``a`` of the district's area, the measures are (Chainey, Tompson & Uhlig 2008,
"The utility of hotspot mapping for predicting spatial patterns of crime",
*Security Journal* 21, 4-28; Hunt 2016 for PEI):

- hit rate ``H = n_flagged / N``: the share of the test month's incidents in the
  flagged cells;
- PAI ``= H / a_flagged``: hit rate per share of area actually flagged;
- PEI ``= H / H_oracle``: the hit rate over that of the ``oracle``, which ranks
  cells by the test month's own counts (the best any method could do with the
  same area).
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.forecast import METHODS, cell_centres, forecast_columns, risk_surface, training_incidents
from geo.grid import count_in_cells
from geo.settings import ForecastParams

COVERAGES_PCT: tuple[float, ...] = (0.5, 1.0, 2.0, 5.0)
"""Shares of the district's area flagged, in per cent."""


def flag_cells(
    scores: np.ndarray, areas: np.ndarray, cell_ids: Sequence[str] | np.ndarray, share: float
) -> np.ndarray:
    """
    Flag the highest-scoring cells until they cover `share` of the total area.

    Cells are taken in order of score (highest first, ties by cell id) while the
    flagged area stays within the target; the first cell that would overshoot is
    taken only if nothing has been flagged yet.

    Parameters
    ----------
    scores
        One score per cell.
    areas
        One area per cell.
    cell_ids
        Cell ids, or any keys that sort as they do (such as `id_ranks` of them).
    share
        Share of the total area to flag, 0 to 1.

    Returns
    -------
    numpy.ndarray
        True for the flagged cells.

    Examples
    --------
    >>> flag_cells(np.array([1.0, 3.0, 3.0, 0.0]), np.ones(4), ["d", "c", "b", "a"], 0.5).tolist()
    [False, True, True, False]
    """
    order = np.lexsort((np.asarray(cell_ids), -np.asarray(scores, dtype=float)))
    used = np.cumsum(areas[order])  # the area flagged once each cell is taken, summed in turn
    over = used > share * areas.sum() + 1e-9
    over[:1] = False  # the first cell is taken whatever its area
    n_flagged = int(np.argmax(over)) if over.any() else len(order)
    flagged = np.zeros(len(scores), dtype=bool)
    flagged[order[:n_flagged]] = True
    return flagged


def id_ranks(cell_ids: Sequence[str]) -> np.ndarray:
    """
    Rank cell ids (equal ids share a rank), so `flag_cells` breaks ties on integers.

    Examples
    --------
    >>> id_ranks(["E150N0", "E0N0", "E150N0"]).tolist()
    [1, 0, 1]
    """
    return np.unique(np.asarray(cell_ids), return_inverse=True)[1].ravel()


def measures(flagged: np.ndarray, actual: np.ndarray, areas: np.ndarray) -> tuple[float, float]:
    """
    Return (hit rate, PAI) of flagged cells against the actual counts.

    Examples
    --------
    >>> measures(np.array([True, False]), np.array([3.0, 1.0]), np.array([1.0, 1.0]))
    (0.75, 1.5)
    """
    total = actual.sum()
    if total == 0:
        return float("nan"), float("nan")
    hit = float(actual[flagged].sum() / total)
    return hit, hit / float(areas[flagged].sum() / areas.sum())


def month_counts(
    incidents: gpd.GeoDataFrame,
    grid: gpd.GeoDataFrame,
    *,
    categories: str | Sequence[str],
    month: str,
) -> np.ndarray:
    """
    Count the incidents of `categories` in each cell during `month` (what a forecast is scored on).

    Examples
    --------
    >>> import shapely
    >>> from geo.grid import make_grid
    >>> from geo.testing import make_incidents, ORIGIN
    >>> grid = make_grid(shapely.box(*ORIGIN, ORIGIN[0] + 200, ORIGIN[1] + 100), cell_m=100)
    >>> inc = make_incidents([(10, 10), (150, 10)], occurred="2025-08-01")
    >>> month_counts(inc, grid, categories="asb", month="2025-08").tolist()
    [1.0, 1.0]
    """
    period = pd.Period(month, freq="M")
    rows = training_incidents(incidents, categories=categories, target=str(period + 1))
    return count_in_cells(rows[rows["occurred"].dt.to_period("M") == period], grid)


def backtest(
    incidents: gpd.GeoDataFrame,
    grid: gpd.GeoDataFrame,
    *,
    categories: str | Sequence[str],
    test_months: Sequence[str],
    methods: Sequence[str] = METHODS,
    coverages_pct: Sequence[float] = COVERAGES_PCT,
    params: ForecastParams = ForecastParams(),  # noqa: B008 (frozen)
) -> pd.DataFrame:
    """
    Run the rolling-origin backtest.

    Returns
    -------
    pandas.DataFrame
        One row per method (``oracle`` included), test month and coverage:
        ``method``, ``month``, ``coverage_pct``, ``hit_rate``, ``pai``, ``pei``,
        ``n_test``.
    """
    incidents = forecast_columns(incidents)  # row selections then copy three columns, not all
    areas = grid["area_m2"].to_numpy(dtype=float)
    ids = id_ranks(grid["cell_id"].tolist())
    centres = cell_centres(grid)  # once for every month and method
    rows = []
    for month in test_months:
        actual = month_counts(incidents, grid, categories=categories, month=month)
        oracle_hits = {}
        for cov in coverages_pct:
            oracle_hits[cov] = measures(flag_cells(actual, areas, ids, cov / 100), actual, areas)
        for method in [*methods, "oracle"]:
            scores = (
                actual
                if method == "oracle"
                else risk_surface(
                    incidents,
                    categories=categories,
                    target=month,
                    grid=grid,
                    method=method,
                    params=params,
                    centres=centres,
                )["score"].to_numpy()
            )
            for cov in coverages_pct:
                hit, pai = measures(flag_cells(scores, areas, ids, cov / 100), actual, areas)
                best = oracle_hits[cov][0]
                rows.append(
                    {
                        "method": method,
                        "month": month,
                        "coverage_pct": cov,
                        "hit_rate": hit,
                        "pai": pai,
                        "pei": hit / best if best and best > 0 else float("nan"),
                        "n_test": int(actual.sum()),
                    }
                )
    return pd.DataFrame(rows)
