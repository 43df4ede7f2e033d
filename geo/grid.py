"""Square grids over the district, shared by Gi* significance and the forecasts."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import BNG


def make_grid(
    area: shapely.Geometry | gpd.GeoDataFrame, *, cell_m: float = 150.0
) -> gpd.GeoDataFrame:
    """
    Cover `area` with square cells aligned to the British National Grid, clipped to it.

    Parameters
    ----------
    area
        A polygon in EPSG:27700, or a GeoDataFrame whose union is used.
    cell_m
        Side of a cell in metres.

    Returns
    -------
    geopandas.GeoDataFrame
        ``cell_id`` (``"E{easting}N{northing}"`` of the lower-left corner), ``col``,
        ``row``, ``area_m2`` and the clipped cell polygons, in EPSG:27700, ordered
        by ``cell_id``.

    Examples
    --------
    >>> g = make_grid(shapely.box(0, 0, 300, 150), cell_m=150)
    >>> g["cell_id"].tolist(), g["area_m2"].tolist()
    (['E0N0', 'E150N0'], [22500.0, 22500.0])
    """
    if isinstance(area, gpd.GeoDataFrame):
        area = shapely.union_all(area.geometry.to_numpy())
    minx, miny, maxx, maxy = area.bounds
    x0, y0 = np.floor(minx / cell_m) * cell_m, np.floor(miny / cell_m) * cell_m
    xs = np.arange(x0, maxx, cell_m)
    ys = np.arange(y0, maxy, cell_m)
    shapely.prepare(area)
    col, row = _cells_near(area, xs, ys, cell_m)
    x, y = xs[col], ys[row]
    boxes = shapely.box(x, y, x + cell_m, y + cell_m)
    keep = shapely.intersects(area, boxes)
    clipped = boxes[keep].copy()
    edge = ~shapely.contains_properly(area, clipped)  # only cells on the boundary need clipping
    clipped[edge] = shapely.intersection(clipped[edge], area)
    cells = gpd.GeoDataFrame(
        {
            "cell_id": [f"E{a:.0f}N{b:.0f}" for a, b in zip(x[keep], y[keep], strict=True)],
            "col": col[keep],
            "row": row[keep],
        },
        geometry=clipped,
        crs=BNG,
    )
    cells["area_m2"] = cells.area.round(1)
    cells = cells[cells["area_m2"] > 0]
    return cells.sort_values(["row", "col"], ignore_index=True)


_BLOCK = 16
"""Cells per side of the blocks `make_grid` first tests against the area."""


def _cells_near(
    area: shapely.Geometry, xs: np.ndarray, ys: np.ndarray, cell_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """
    Return the column and row of every cell in a block of cells that touches `area`.

    An area of scattered parts (a county's incidents reach far beyond it) has a bounding
    box hundreds of times its size; testing blocks of ``_BLOCK`` x ``_BLOCK`` cells first
    builds only the cells near the area. Ordered by row, then column.
    """
    bcols, brows = np.arange(0, len(xs), _BLOCK), np.arange(0, len(ys), _BLOCK)
    bc, br = (a.ravel() for a in np.meshgrid(bcols, brows))
    side = _BLOCK * cell_m
    blocks = shapely.box(xs[bc], ys[br], xs[bc] + side, ys[br] + side)
    near = shapely.intersects(area, blocks)
    offsets = np.arange(_BLOCK)
    col = (bc[near][:, None, None] + offsets[None, None, :]).repeat(_BLOCK, axis=1)
    row = (br[near][:, None, None] + offsets[None, :, None]).repeat(_BLOCK, axis=2)
    col, row = col.ravel(), row.ravel()
    inside = (col < len(xs)) & (row < len(ys))
    col, row = col[inside], row[inside]
    order = np.lexsort((col, row))
    return col[order], row[order]


def count_in_cells(
    points: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, weights: pd.Series | None = None
) -> np.ndarray:
    """
    Count (or sum `weights` of) points in each cell; points outside every cell are ignored.

    Examples
    --------
    >>> cells = make_grid(shapely.box(0, 0, 300, 150), cell_m=150)
    >>> pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([10, 20, 200], [10, 10, 10]), crs=BNG)
    >>> count_in_cells(pts, cells).tolist()
    [2.0, 1.0]
    """
    if len(points) == 0:
        return np.zeros(len(cells))
    idx_pts, idx_cells = cells.sindex.query(points.geometry, predicate="intersects")
    first = pd.Series(idx_cells).groupby(idx_pts).min()  # a point on a shared edge counts once
    w = np.ones(len(points)) if weights is None else np.asarray(weights, dtype=float)
    return np.bincount(
        first.to_numpy(), weights=w[first.index.to_numpy()], minlength=len(cells)
    ).astype(float)


def cell_centres(grid: gpd.GeoDataFrame) -> np.ndarray:
    """
    Return the centroids of the cells of `grid` as an ``(n, 2)`` array of x, y.

    Computing them takes about 0.1 s per 100,000 cells, so `geo.evaluate.backtest`
    computes them once per grid and passes them to every `geo.forecast.risk_surface`
    call; Gi* (`geo.hotspots.gi_star_bins`) uses them as its neighbours' positions.

    Examples
    --------
    >>> import shapely
    >>> cell_centres(make_grid(shapely.box(0, 0, 300, 150), cell_m=150)).tolist()
    [[75.0, 75.0], [225.0, 75.0]]
    """
    centroids = grid.geometry.centroid
    return np.column_stack([centroids.x.to_numpy(), centroids.y.to_numpy()])
