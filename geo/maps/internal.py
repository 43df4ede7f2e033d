"""
The internal map, built once for the app's Map page and for ``geo map``.

`internal_map` puts together `geo.maps` layers and `geo.maps.places` context: wards with
their names, GeoNames places, street names at street zoom, incidents (a heat layer, and
points when there are few enough), hotspots, the week's deployments, and a legend for
every layer shown. It opens fitted to what matters: the week's sites when a plan is
shown, else the chosen wards (the whole district by default).
"""

from __future__ import annotations

import folium
import geopandas as gpd

from geo import maps
from geo.maps import places
from geo.settings import MapSettings

FIT_PAD_M = 400.0
"""Margin around the week's sites when the map opens on them, in metres."""


def internal_map(
    wards: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    *,
    heat: bool = True,
    points: bool = True,
    hotspots: gpd.GeoDataFrame | None = None,
    deployments: gpd.GeoDataFrame | None = None,
    fit_to_sites: bool = False,
    settings: MapSettings = maps.DEFAULT_MAP_SETTINGS,
    point_cap: int | None = None,
) -> folium.Map:
    """
    Build the internal map: context, incidents, hotspots and deployments, with legends.

    Parameters
    ----------
    wards
        The wards shown (``ward_name``, polygons, EPSG:27700); the map is fitted to them.
    incidents
        The incidents shown (EPSG:27700); their police.uk ``location`` names streets.
    heat, points
        Draw incidents as a heat layer, as points. Above `point_cap` incidents, points
        are not drawn (a heat layer is drawn instead): never thousands of SVG dots.
    hotspots
        The hotspot engine's output, or None.
    deployments
        The week's plan (`geo.maps.DEPLOYMENT_COLUMNS`), or None.
    fit_to_sites
        Open on the week's sites (with a margin) rather than on `wards`.
    settings
        Basemap and where the browser finds Leaflet.
    point_cap
        The most incidents drawn one by one; default `MapSettings.point_cap`.

    Returns
    -------
    folium.Map
    """
    bounds: tuple[float, float, float, float] = tuple(wards.total_bounds)
    if fit_to_sites and deployments is not None and len(deployments):
        minx, miny, maxx, maxy = deployments.total_bounds
        bounds = (minx - FIT_PAD_M, miny - FIT_PAD_M, maxx + FIT_PAD_M, maxy + FIT_PAD_M)
    m = maps.base_map(bounds, settings=settings)
    maps.ward_layer(wards).add_to(m)
    places.add_context(m, wards, incidents=incidents)
    too_many = len(incidents) > (settings.point_cap if point_cap is None else point_cap)
    if (heat or (points and too_many)) and len(incidents):
        maps.incident_heat_layer(incidents, settings=settings, name="Incidents (heat)").add_to(m)
        places.heat_legend().add_to(m)
    if points and len(incidents) and not too_many:
        maps.incident_points_layer(incidents, name="Incidents (points)").add_to(m)
        places.legend_control("Incidents", _point_legend(incidents)).add_to(m)
    if hotspots is not None and len(hotspots):
        maps.hotspot_layer(hotspots).add_to(m)
        # a rank badge at each hotspot, so hotspots read at district zoom, not as specks
        centres = gpd.GeoDataFrame(geometry=hotspots.geometry.centroid.values, crs=hotspots.crs)
        ranks = hotspots["rank"] if "rank" in hotspots else range(1, len(hotspots) + 1)
        places.label_layer(centres, [str(r) for r in ranks], kind="hotspot").add_to(m)
        places.legend_control(
            "Hotspot significance (Getis-Ord Gi*)",
            [(c, w, "line") for c, w in maps.hotspot_legend(hotspots.get("gi_bin"))],
            position="bottomleft",
        ).add_to(m)
    if deployments is not None and len(deployments):
        maps.deployment_layer(deployments).add_to(m)
        present = set(deployments["resource"])
        styles = maps.resource_styles()
        places.legend_control(
            "This week's deployments",
            [
                (c, f"{letter}: {w}", "circle")
                for k, (c, letter, w) in styles.items()
                if k in present
            ],
            position="bottomleft",
        ).add_to(m)
    places.legend_control(
        "Wards",
        [(maps.WARD_STYLE["color"], "ward outline and name", "line")],  # type: ignore[list-item]
    ).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return m


def _point_legend(incidents: gpd.GeoDataFrame) -> list[tuple[str, str, str]]:
    sources = set(incidents["source"]) if "source" in incidents else {"police.uk"}
    rows = []
    for source, (fill, _ring, words) in maps.POINT_STYLES.items():
        if source in sources or (source == "police.uk" and sources - {"csu_log"}):
            rows.append((fill, words, "circle"))
    return rows
