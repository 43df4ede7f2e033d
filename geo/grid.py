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
    gx, gy = np.meshgrid(xs, ys)
    boxes = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + cell_m, gy.ravel() + cell_m)
    shapely.prepare(area)
    keep = shapely.intersects(area, boxes)
    clipped = boxes[keep].copy()
    edge = ~shapely.contains_properly(area, clipped)  # only cells on the boundary need clipping
    clipped[edge] = shapely.intersection(clipped[edge], area)
    cells = gpd.GeoDataFrame(
        {
            "cell_id": [
                f"E{x:.0f}N{y:.0f}" for x, y in zip(gx.ravel()[keep], gy.ravel()[keep], strict=True)
            ],
            "col": ((gx.ravel()[keep] - x0) / cell_m).round().astype(int),
            "row": ((gy.ravel()[keep] - y0) / cell_m).round().astype(int),
        },
        geometry=clipped,
        crs=BNG,
    )
    cells["area_m2"] = cells.area.round(1)
    cells = cells[cells["area_m2"] > 0]
    return cells.sort_values(["row", "col"], ignore_index=True)


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
