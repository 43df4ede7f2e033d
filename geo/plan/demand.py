"""Where next month's harm is expected: the forecast spread over the map points."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.crs import BNG
from geo.taxonomy import HARM_WEIGHTS

CCTV_CATEGORIES: tuple[str, ...] = ("asb", "criminal_damage")
"""Categories mobile CCTV (and hot-spot patrols) are deployed against."""


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
