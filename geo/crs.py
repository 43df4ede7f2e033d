"""Coordinate reference systems: EPSG:27700 inside, EPSG:4326 at the edges.

This is the only module that reprojects. pyproj without the OSTN15 grid file
(not shipped, no network) converts WGS84 to British National Grid to about
2 m, which is far finer than police.uk's anonymised map points or the 150-250 m
cells used for hotspots and forecasts.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np
from pyproj import Transformer

if TYPE_CHECKING:
    import geopandas as gpd

BNG = "EPSG:27700"
"""British National Grid: the only CRS used inside the library (metres)."""

WGS84 = "EPSG:4326"
"""Longitude/latitude in degrees, as police.uk, GeoJSON and web maps use."""


def to_bng(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """
    Return `gdf` in British National Grid.

    Parameters
    ----------
    gdf
        Any GeoDataFrame with a CRS.

    Returns
    -------
    geopandas.GeoDataFrame
        `gdf` itself if already in EPSG:27700, otherwise a reprojected copy.
    """
    if gdf.crs is not None and gdf.crs.equals(BNG):
        return gdf
    return gdf.to_crs(BNG)


def to_wgs84(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """
    Return `gdf` in longitude/latitude, for maps and GeoJSON exports.

    Parameters
    ----------
    gdf
        Any GeoDataFrame with a CRS.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of `gdf` in EPSG:4326.
    """
    return gdf.to_crs(WGS84)


def lonlat_to_bng(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """
    Convert longitude/latitude arrays (degrees) to eastings/northings (metres).

    Parameters
    ----------
    lon, lat
        Arrays of equal length; NaN in gives NaN out.

    Returns
    -------
    tuple of numpy.ndarray
        Eastings and northings in EPSG:27700.

    Examples
    --------
    >>> x, y = lonlat_to_bng(np.array([0.1905]), np.array([51.272]))
    >>> round(float(x[0]), -1), round(float(y[0]), -1)
    (552900.0, 154820.0)
    """
    return _TO_BNG.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))


def bng_box_to_lonlat(
    bounds: tuple[float, float, float, float], *, steps: int = 64
) -> tuple[float, float, float, float]:
    """
    Return a longitude/latitude box that holds a British National Grid box.

    The box's edges are walked in `steps` and projected, so the curved outline of the
    grid box in degrees is inside the box returned (widened by 1e-4 degrees, about 7 m).

    Parameters
    ----------
    bounds
        ``(minx, miny, maxx, maxy)`` in EPSG:27700 metres.
    steps
        Points per edge.

    Returns
    -------
    tuple of float
        ``(min_lon, min_lat, max_lon, max_lat)``.

    Examples
    --------
    >>> box = bng_box_to_lonlat((552000.0, 154000.0, 554000.0, 156000.0))
    >>> box[0] < 0.1905 < box[2] and box[1] < 51.272 < box[3]
    True
    """
    minx, miny, maxx, maxy = bounds
    t = np.linspace(0.0, 1.0, steps)
    xs = np.concatenate(
        [
            minx + t * (maxx - minx),
            np.full(steps, maxx),
            maxx - t * (maxx - minx),
            np.full(steps, minx),
        ]
    )
    ys = np.concatenate(
        [
            np.full(steps, miny),
            miny + t * (maxy - miny),
            np.full(steps, maxy),
            maxy - t * (maxy - miny),
        ]
    )
    lon, lat = _TO_BNG.transform(xs, ys, direction="INVERSE")
    pad = 1e-4
    return (
        float(lon.min()) - pad,
        float(lat.min()) - pad,
        float(lon.max()) + pad,
        float(lat.max()) + pad,
    )


def points_to_bng(crs: str, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """
    Convert coordinates in any CRS (``"EPSG:3857"``, ``"EPSG:29903"``, ...) to BNG.

    Parameters
    ----------
    crs
        The CRS `x` and `y` are in (x first: longitude, easting).
    x, y
        Arrays of equal length; NaN in gives NaN (or inf) out.

    Returns
    -------
    tuple of numpy.ndarray
        Eastings and northings in EPSG:27700.

    Examples
    --------
    >>> x, y = points_to_bng("EPSG:3857", np.array([19302.8]), np.array([6691892.5]))
    >>> round(float(x[0]), -2), round(float(y[0]), -2)
    (551300.0, 168700.0)
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if crs == BNG:
        return x, y
    return _transformer(crs).transform(x, y, errcheck=False)


@functools.cache
def _transformer(crs: str) -> Transformer:
    return Transformer.from_crs(crs, BNG, always_xy=True)


_TO_BNG = Transformer.from_crs(WGS84, BNG, always_xy=True)
