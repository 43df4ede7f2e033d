"""Coordinate reference systems: EPSG:27700 inside, EPSG:4326 at the edges.

This is the only module that reprojects. pyproj without the OSTN15 grid file
(not shipped, no network) converts WGS84 to British National Grid to about
2 m, which is far finer than police.uk's anonymised map points or the 150-250 m
cells used for hotspots and forecasts.
"""

from __future__ import annotations

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


_TO_BNG = Transformer.from_crs(WGS84, BNG, always_xy=True)
