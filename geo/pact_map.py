"""The public PACT map: ward and square counts from `geo.pact.public_view`, never a point.

Moved out of `geo.maps` (which `geo.pact` must not import, and which this
module builds on): `public_map` draws only frames that pass
`geo.pact.check_public`, and `count_legend` gives the app the legend of the
colours `count_colour` uses.
"""

from __future__ import annotations

from collections.abc import Callable

import folium
import geopandas as gpd
import pandas as pd

from geo._validate import check_gdf
from geo.maps import (
    COUNT_BREAKS,
    DEFAULT_MAP_SETTINGS,
    SUPPRESSED_COLOUR,
    _geojson_frame,
    base_map,
)
from geo.pact import check_public
from geo.settings import MapSettings


def count_colour(count: object) -> str:
    """
    Return the fill colour of a public count (missing = suppressed).

    Examples
    --------
    >>> count_colour(7), count_colour(250), count_colour(None)
    ('#fcbba1', '#99000d', '#e0e0e0')
    """
    if count is None or pd.isna(count):
        return SUPPRESSED_COLOUR
    return next((colour for low, colour in COUNT_BREAKS if count >= low), SUPPRESSED_COLOUR)


def public_map(
    wards: gpd.GeoDataFrame,
    cells: gpd.GeoDataFrame | None = None,
    *,
    settings: MapSettings = DEFAULT_MAP_SETTINGS,
) -> folium.Map:
    """
    Draw a PACT map from public-safe ward (and cell) counts only.

    Parameters
    ----------
    wards
        ``ward_name``, ``count`` (missing when suppressed), ``shown``,
        ``change`` and polygons in EPSG:27700, as `geo.pact.public_view` gives.
    cells
        Optional cell counts (``cell_id``, ``count``, ``shown``, polygons).
    settings
        Basemap, asset location and the public rules the frames must obey.

    Returns
    -------
    folium.Map
        Wards shaded by count with tooltips in words, cells on top; only the
        listed columns reach the page.

    Raises
    ------
    GeoInputError
        If a frame has point geometries or a count below the threshold
        (`geo.pact.check_public`), or lacks the columns.
    """
    rules = settings.public
    check_gdf(wards, name="wards", columns=["ward_name", "count", "shown", "change"])
    check_public(wards, rules, name="wards")
    m = base_map(tuple(wards.total_bounds), settings=settings)
    folium.GeoJson(
        _geojson_frame(wards, ["ward_name", "count", "shown", "change"]),
        name="Wards",
        style_function=_count_fill("#3c3c3c", weight=1.5, opacity=0.6),
        tooltip=folium.GeoJsonTooltip(
            fields=["ward_name", "shown", "change"], aliases=["Ward", "Incidents", "Change"]
        ),
    ).add_to(m)
    if cells is not None and len(cells):
        check_gdf(cells, name="cells", columns=["count", "shown"])
        check_public(cells, rules, name="cells")
        _public_cell_layer(cells, rules.cell_m).add_to(m)
    return m


def _count_fill(outline: str, *, weight: float, opacity: float) -> Callable[[dict], dict]:
    """Return a style function filling each area by its public ``count``."""

    def style(feature: dict) -> dict:
        fill = count_colour(feature["properties"]["count"])
        return {"color": outline, "weight": weight, "fillColor": fill, "fillOpacity": opacity}

    return style


def _public_cell_layer(cells: gpd.GeoDataFrame, cell_m: float) -> folium.GeoJson:
    return folium.GeoJson(
        _geojson_frame(cells, ["count", "shown"]),
        name=f"{cell_m:.0f} m squares",
        style_function=_count_fill("#67000d", weight=0.5, opacity=0.7),
        tooltip=folium.GeoJsonTooltip(
            fields=["shown"], aliases=[f"Incidents in this {cell_m:.0f} m square"]
        ),
    )


def count_legend(min_count: int) -> list[tuple[str, str]]:
    """
    Return (colour, label) pairs for public counts, lowest first.

    Examples
    --------
    >>> count_legend(5)[:2]
    [('#e0e0e0', 'fewer than 5'), ('#fcbba1', '5 to 9')]
    """
    lows = [low for low, _ in reversed(COUNT_BREAKS)]
    highs = [*(h - 1 for h in lows[1:]), None]
    pairs = [(SUPPRESSED_COLOUR, f"fewer than {min_count}")]
    for (low, colour), high in zip(reversed(COUNT_BREAKS), highs, strict=True):
        pairs.append((colour, f"{low} to {high}" if high is not None else f"{low} or more"))
    return pairs
