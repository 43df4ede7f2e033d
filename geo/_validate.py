"""One helper that checks a GeoDataFrame's contract and reports every problem at once."""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd

from geo._errors import GeoInputError
from geo.crs import BNG


def check_gdf(
    gdf: object,
    *,
    name: str,
    columns: Iterable[str] = (),
    geom_types: Iterable[str] = (),
    crs: str | None = BNG,
) -> None:
    """
    Raise one `GeoInputError` listing every way `gdf` breaks its contract.

    Parameters
    ----------
    gdf
        The object to check.
    name
        The argument's name, used in the message.
    columns
        Columns that must be present.
    geom_types
        Allowed geometry types (e.g. ``{"Point"}``); empty allows any.
    crs
        The CRS the frame must be in, or None to skip the check.

    Raises
    ------
    GeoInputError
        If `gdf` is not a GeoDataFrame, or lacks columns, or has the wrong CRS,
        geometry types, or missing/empty geometries.
    """
    if not isinstance(gdf, gpd.GeoDataFrame):
        msg = f"`{name}` must be a GeoDataFrame, got {type(gdf).__name__}"
        raise GeoInputError(msg)

    problems = []
    missing = [c for c in columns if c not in gdf.columns]
    if missing:
        problems.append(f"missing columns {missing}")
    if crs is not None and gdf.crs is None:
        problems.append(f"has no CRS (expected {crs})")
    elif crs is not None and not gdf.crs.equals(crs):
        problems.append(f"is in {gdf.crs.to_string()}, expected {crs}: reproject with .to_crs()")
    allowed = set(geom_types)
    if allowed and len(gdf):
        wrong = sorted(set(gdf.geom_type.dropna()) - allowed)
        if wrong:
            problems.append(f"has {wrong} geometries, expected only {sorted(allowed)}")
    if len(gdf) and (gdf.geometry.isna().any() or gdf.geometry.is_empty.any()):
        problems.append("has missing or empty geometries")

    if problems:
        msg = f"`{name}` " + "; ".join(problems)
        raise GeoInputError(msg)
