"""Folium maps from small layer functions, drawn with no internet by default.

A map is `base_map` plus layers, each built by one function that takes a
GeoDataFrame in EPSG:27700 and returns a folium layer to ``.add_to(m)``:

- `ward_layer`: ward outlines with their names;
- `incident_heat_layer`, `incident_points_layer`: incidents (internal maps only);
- `hotspot_layer`: hotspot outlines coloured by Gi* significance (``gi_bin``);
- `deployment_layer`: suggested or approved deployments, one symbol per resource.

The maps built from them are one module each in this package:

- `geo.maps.internal`: the internal map (incidents, hotspots, the week's plan);
- `geo.maps.pact`: the public PACT map, counts only, with disclosure control;
- `geo.maps.outcomes`: the judged deployments of a quarter (the Results page);
- `geo.maps.places`: ward names and place names drawn on every map, and the local basemap.

Offline. folium's defaults load Leaflet, jQuery, Bootstrap and icon fonts from
CDNs, and the map stays blank with no internet. Here every map loads Leaflet
(and the heat-map plugin) from ``MapSettings.asset_url``, the app's ``static/``
folder, and nothing else: no jQuery (so no ``folium.Popup``, which needs it; the
popups are ``GeoJsonPopup``), no Bootstrap, no icon fonts (deployment symbols are
``DivIcon`` letters), no branca colour scales (they fetch d3; legends are drawn
by the app from `geo.maps.pact.count_legend`, `hotspot_legend` and `resource_styles`), and no
basemap unless ``MapSettings.basemap_url`` is set. `standalone_html` inlines the
same files from the installed packages into one page that opens from disk.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import xstatic.pkg.leaflet

from geo._errors import GeoInputError
from geo._validate import check_gdf
from geo.crs import BNG, to_wgs84
from geo.maps.places import pmtiles_basemap
from geo.plan.registry import resource_kinds
from geo.safe_text import html_text, script_json
from geo.settings import MapSettings
from geo.taxonomy import LABELS

_LEAFLET_DIR = Path(xstatic.pkg.leaflet.BASE_DIR)
_FOLIUM_TEMPLATES = Path(folium.__file__).parent / "templates"
_SHIPPED_JS = Path(__file__).parents[1] / "shipped" / "js"

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
"""OpenStreetMap's tile server, the ``basemap="online"`` default (its usage policy applies)."""

OSM_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
"""The attribution OpenStreetMap's tiles require."""

ASSET_FILES: Mapping[str, Path] = MappingProxyType(
    {
        "leaflet/leaflet.js": _LEAFLET_DIR / "leaflet.js",
        "leaflet/leaflet.css": _LEAFLET_DIR / "leaflet.css",
        **{f"leaflet/images/{p.name}": p for p in sorted((_LEAFLET_DIR / "images").glob("*.png"))},
        "leaflet-heat/leaflet_heat.min.js": _FOLIUM_TEMPLATES / "leaflet_heat.min.js",
        "protomaps-leaflet/protomaps-leaflet.js": _SHIPPED_JS
        / "protomaps-leaflet"
        / "protomaps-leaflet.js",
    }
)
"""Path under the app's ``static/`` folder -> the installed package file it copies."""

WARD_STYLE: Mapping[str, object] = MappingProxyType(
    {"color": "#3c3c3c", "weight": 1.5, "fillColor": "#9e9e9e", "fillOpacity": 0.05}
)
"""How ward outlines are drawn."""

COUNT_BREAKS: tuple[tuple[int, str], ...] = (
    (200, "#99000d"),
    (100, "#cb181d"),
    (50, "#ef3b2c"),
    (20, "#fb6a4a"),
    (10, "#fc9272"),
    (5, "#fcbba1"),
)
"""(lowest count, colour) classes for public counts, highest first."""

SUPPRESSED_COLOUR = "#e0e0e0"
"""Fill of a ward whose count is shown as "fewer than N"."""

GI_BIN_STYLES: Mapping[int, tuple[str, str]] = MappingProxyType(
    {
        3: ("#b2182b", "hot spot, 99% confidence"),
        2: ("#ef8a62", "hot spot, 95% confidence"),
        1: ("#fddbc7", "hot spot, 90% confidence"),
        0: ("#7f7f7f", "not significant"),
        -1: ("#d1e5f0", "cold spot, 90% confidence"),
        -2: ("#67a9cf", "cold spot, 95% confidence"),
        -3: ("#2166ac", "cold spot, 99% confidence"),
    }
)
"""Gi* significance bin -> (outline colour, meaning in words)."""

HOTSPOT_COLUMNS: tuple[str, ...] = (
    "hotspot_id",
    "category",
    "rank",
    "n_incidents",
    "n_prior",
    "trend",
    "trend_class",
    "harm",
    "gi_bin",
    "ward_names",
    "top_locations",
    "geometry",
)
"""Columns `hotspot_layer` needs (the hotspot engine's output)."""

POINT_STYLES: Mapping[str, tuple[str, str, str]] = MappingProxyType(
    {
        "police.uk": ("#08306b", "#08306b", "police.uk map point (anonymised)"),
        "csu_log": ("#ff7f00", "#3f1f00", "CSU log location"),
    }
)
"""Incident source -> (fill colour, ring colour, meaning in words)."""

POINT_FIELDS: tuple[str, ...] = ("what", "when", "location", "source_words")
"""The incident fields a point's tooltip shows."""

DEFAULT_MAP_SETTINGS = MapSettings()
"""Map settings used when none are given: no basemap, Leaflet from ``/app/static``."""

DEPLOYMENT_COLUMNS: tuple[str, ...] = ("resource", "unit", "site_name", "reason", "geometry")
"""Columns `deployment_layer` needs (the planner's output)."""


# --- the base map ------------------------------------------------------------------------------


def base_map(
    bounds: tuple[float, float, float, float], *, settings: MapSettings = DEFAULT_MAP_SETTINGS
) -> folium.Map:
    """
    Return an empty map fitted to `bounds`, loading Leaflet from local files only.

    Parameters
    ----------
    bounds
        ``(minx, miny, maxx, maxy)`` in EPSG:27700 metres, e.g. ``wards.total_bounds``.
    settings
        Basemap (none by default) and where the Leaflet files are served.

    Returns
    -------
    folium.Map
        With no tiles unless ``settings.basemap`` asks for them (``"online"``: a tile
        server, OpenStreetMap's by default; ``"pmtiles"``: a local PMTiles file drawn by
        protomaps-leaflet), and no asset link other than Leaflet's JS and CSS (and
        protomaps-leaflet for a PMTiles basemap) under ``settings.asset_url``.

    Examples
    --------
    >>> m = base_map((540_000, 140_000, 565_000, 172_000))
    >>> html = m.get_root().render()
    >>> "/app/static/leaflet/leaflet.js" in html, "cdn." in html, "jquery" in html
    (True, False, False)
    """
    # fractional zoom: the view fits the district (or the chosen wards) instead of snapping
    # out to the next whole zoom level and leaving it a quarter of the frame
    m = folium.Map(
        tiles=None, control_scale=True, prefer_canvas=False, zoom_snap=0.25, zoom_delta=0.5
    )
    m.default_js = [("leaflet", _asset(settings, "leaflet/leaflet.js"))]
    m.default_css = [("leaflet_css", _asset(settings, "leaflet/leaflet.css"))]
    _IconPath(_asset(settings, "leaflet/images/")).add_to(m)
    kind = settings.basemap_kind
    if kind == "online":
        url = settings.basemap_url or OSM_TILES
        attribution = settings.basemap_attribution or OSM_ATTRIBUTION
        folium.TileLayer(url, attr=attribution, name="Basemap", max_zoom=19).add_to(m)
    elif kind == "pmtiles":
        m.default_js.append(
            ("protomaps_leaflet", _asset(settings, "protomaps-leaflet/protomaps-leaflet.js"))
        )
        pmtiles_basemap(str(settings.pmtiles_url)).add_to(m)
    m.fit_bounds(_latlon_bounds(bounds), padding=(10, 10))
    return m


class _IconPath(folium.MacroElement):
    """Tell Leaflet where the default marker images are (it guesses from a CDN URL)."""

    _template = folium.template.Template(
        "{% macro script(this, kwargs) %}"
        "L.Icon.Default.imagePath = {{ this.path_json }};"
        "{% endmacro %}"
    )

    def __init__(self, path: str) -> None:
        super().__init__()
        self._name = "IconPath"
        self.path = path
        self.path_json = script_json(path)


def _asset(settings: MapSettings, relative: str) -> str:
    return f"{settings.asset_url.rstrip('/')}/{relative}"


def _latlon_bounds(bounds: tuple[float, float, float, float]) -> list[list[float]]:
    box = gpd.GeoDataFrame(geometry=[shapely.box(*bounds)], crs=BNG)
    west, south, east, north = to_wgs84(box).total_bounds
    return [[float(south), float(west)], [float(north), float(east)]]


DISPLAY_DECIMALS = 6
"""Decimal places of longitude and latitude on map pages (1e-6 degrees is about 0.1 m)."""


def _geojson_frame(gdf: gpd.GeoDataFrame, columns: list[str]) -> gpd.GeoDataFrame:
    """
    Keep `columns` as numbers or HTML-escaped text, in WGS84: what the browser receives.

    folium's GeoJsonTooltip and GeoJsonPopup put property values into the page with
    ``innerHTML``, so every text value is escaped here, where it is written. Coordinates
    are rounded to `DISPLAY_DECIMALS` (about 0.1 m): a map page carries 9 digits a
    coordinate instead of 17, a third less to send and parse, and nothing a screen shows.
    """
    out = gdf[[*columns, "geometry"]].copy()
    for column in columns:
        values = out[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            out[column] = values.astype("Float64").astype(object).where(values.notna(), None)
        else:
            out[column] = values.map(lambda v: html_text(_as_text(v)))
    out = to_wgs84(out)
    return out.set_geometry(
        shapely.transform(out.geometry.to_numpy(), lambda xy: np.round(xy, DISPLAY_DECIMALS)),
        crs=out.crs,
    )


def _as_text(value: object) -> str:
    if isinstance(value, list | tuple | np.ndarray):
        return "; ".join(str(v) for v in value)
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%B %Y")
    return str(value)


# --- layers ------------------------------------------------------------------------------------


def ward_layer(wards: gpd.GeoDataFrame, *, name: str = "Wards") -> folium.GeoJson:
    """
    Return ward outlines with their names as tooltips.

    Parameters
    ----------
    wards
        ``ward_name`` and polygons, EPSG:27700.
    name
        The layer's name in the layer control.

    Returns
    -------
    folium.GeoJson
    """
    check_gdf(wards, name="wards", columns=["ward_name"], geom_types={"Polygon", "MultiPolygon"})
    return folium.GeoJson(
        _geojson_frame(wards, ["ward_name"]),
        name=html_text(name),
        style_function=lambda _feature: dict(WARD_STYLE),
        tooltip=folium.GeoJsonTooltip(fields=["ward_name"], aliases=["Ward"]),
    )


def incident_heat_layer(
    incidents: gpd.GeoDataFrame, *, settings: MapSettings = DEFAULT_MAP_SETTINGS, name: str = "Heat"
) -> folium.plugins.HeatMap:
    """
    Return a heat layer of incident points (internal maps only).

    Parameters
    ----------
    incidents
        Points in EPSG:27700.
    settings
        Where the heat-map script is served from.
    name
        The layer's name.

    Returns
    -------
    folium.plugins.HeatMap
        Loading Leaflet.heat from ``settings.asset_url``, not from a CDN.
    """
    check_gdf(incidents, name="incidents", geom_types={"Point"})
    points = to_wgs84(incidents[["geometry"]])
    latlon = np.column_stack([points.geometry.y, points.geometry.x]).tolist()
    heat = folium.plugins.HeatMap(latlon, name=html_text(name), radius=12, blur=15, min_opacity=0.3)
    heat.default_js = [("leaflet_heat", _asset(settings, "leaflet-heat/leaflet_heat.min.js"))]
    return heat


def incident_points_layer(
    incidents: gpd.GeoDataFrame, *, name: str = "Incidents", show: bool = True
) -> folium.FeatureGroup:
    """
    Return incidents as small circle markers with what, when and where (internal only).

    police.uk map points are dark blue dots; CSU log locations are orange dots with a
    dark ring (`POINT_STYLES`), in two sub-layers, so the two sources read apart.

    Parameters
    ----------
    incidents
        The incidents table (``category``, ``occurred``, ``location``; ``source`` of
        ``"csu_log"`` marks the CSU's rows), EPSG:27700.
    name
        The layer's name.
    show
        Whether the layer is switched on when the map opens.

    Returns
    -------
    folium.FeatureGroup
    """
    check_gdf(
        incidents,
        name="incidents",
        columns=["category", "occurred", "location"],
        geom_types={"Point"},
    )
    shown = incidents.assign(
        what=incidents["category"].map(lambda c: LABELS.get(c, c)),
        when=pd.to_datetime(incidents["occurred"]).dt.strftime("%B %Y"),
    )
    csu = (
        shown["source"].eq("csu_log") if "source" in shown else pd.Series(False, index=shown.index)
    )
    group = folium.FeatureGroup(name=html_text(name), show=show)
    for is_csu, rows in shown.groupby(csu, sort=True):
        colour, ring, words = POINT_STYLES["csu_log" if is_csu else "police.uk"]
        folium.GeoJson(
            _geojson_frame(rows.assign(source_words=words), list(POINT_FIELDS)),
            marker=folium.CircleMarker(
                radius=4 if is_csu else 3,
                weight=2 if is_csu else 1,
                color=ring,
                fill=True,
                fill_color=colour,
                fill_opacity=0.8,
            ),
            tooltip=folium.GeoJsonTooltip(
                fields=list(POINT_FIELDS), aliases=[""] * len(POINT_FIELDS)
            ),
        ).add_to(group)
    return group


def hotspot_layer(hotspots: gpd.GeoDataFrame, *, name: str = "Hotspots") -> folium.GeoJson:
    """
    Return hotspot outlines coloured by significance, with their figures in a popup.

    Parameters
    ----------
    hotspots
        The hotspot engine's output (`HOTSPOT_COLUMNS`), polygons in EPSG:27700;
        ``gi_bin`` from -3 (cold, 99%) to 3 (hot, 99%).
    name
        The layer's name.

    Returns
    -------
    folium.GeoJson
        Outlines coloured by `GI_BIN_STYLES`; the popup gives rank, category,
        counts now and before, trend, harm, significance, wards and top locations.
    """
    check_gdf(
        hotspots, name="hotspots", columns=HOTSPOT_COLUMNS, geom_types={"Polygon", "MultiPolygon"}
    )
    shown = hotspots.assign(
        what=hotspots["category"].map(lambda c: LABELS.get(c, c)),
        significance=hotspots["gi_bin"].map(lambda b: GI_BIN_STYLES[int(b)][1]),
        colour=hotspots["gi_bin"].map(lambda b: GI_BIN_STYLES[int(b)][0]),
        harm=hotspots["harm"].round(1),
    )
    fields = [
        "rank",
        "what",
        "n_incidents",
        "n_prior",
        "trend_class",
        "harm",
        "significance",
        "ward_names",
        "top_locations",
    ]
    aliases = [
        "Rank",
        "Category",
        "Incidents",
        "Before",
        "Trend",
        "Harm",
        "Significance",
        "Wards",
        "Top locations",
    ]
    return folium.GeoJson(
        _geojson_frame(shown, [*fields, "hotspot_id", "colour"]),
        name=html_text(name),
        style_function=lambda f: {
            "color": f["properties"]["colour"],
            "weight": 3,
            "fillOpacity": 0.15,
        },
        popup=folium.GeoJsonPopup(fields=fields, aliases=aliases),
        tooltip=folium.GeoJsonTooltip(fields=["rank", "what"], aliases=["Hotspot", ""]),
    )


def deployment_layer(
    deployments: gpd.GeoDataFrame, *, name: str = "Deployments"
) -> folium.FeatureGroup:
    """
    Return deployments as lettered symbols, one colour per resource type.

    Symbols that share a place (a camera and a patrol at one hotspot) are spread on a
    small ring around it, so each stays visible and clickable at every zoom.

    Parameters
    ----------
    deployments
        The planner's rows (`DEPLOYMENT_COLUMNS`), points in EPSG:27700;
        ``resource`` is a registered resource kind (`resource_styles`).
    name
        The layer's name.

    Returns
    -------
    folium.FeatureGroup
        GeoJson sub-layers (one per resource type and ring position), with the unit,
        site and reason in a popup and the kind and unit in a tooltip.

    Raises
    ------
    GeoInputError
        If a resource type is not a known kind.
    """
    check_gdf(deployments, name="deployments", columns=DEPLOYMENT_COLUMNS, geom_types={"Point"})
    styles = resource_styles()
    unknown = sorted(set(deployments["resource"]) - set(styles))
    if unknown:
        msg = f"`deployments` has unknown resource types {unknown}; expected {list(styles)}"
        raise GeoInputError(msg)
    offsets = spread_offsets(deployments)
    group = folium.FeatureGroup(name=html_text(name))
    keyed = deployments.assign(_dx=offsets[:, 0], _dy=offsets[:, 1])
    for (resource, dx, dy), rows in keyed.groupby(["resource", "_dx", "_dy"], sort=False):
        colour, letter, words = styles[str(resource)]
        folium.GeoJson(
            _geojson_frame(rows.assign(kind=words), ["kind", "unit", "site_name", "reason"]),
            marker=folium.Marker(icon=_symbol(colour, letter, offset=(int(dx), int(dy)))),
            popup=folium.GeoJsonPopup(
                fields=["kind", "unit", "site_name", "reason"],
                aliases=["", "Unit", "Site", "Why"],
            ),
            tooltip=folium.GeoJsonTooltip(fields=["kind", "unit"], aliases=["", ""]),
        ).add_to(group)
    return group


def resource_styles() -> dict[str, tuple[str, str, str]]:
    """
    Return resource kind -> (colour, letter, name in words), from the kind registry.

    Examples
    --------
    >>> resource_styles()["cctv"][1]
    'C'
    """
    return {
        k.key: (k.colour, k.letter, k.label[:1].upper() + k.label[1:]) for k in resource_kinds()
    }


def spread_offsets(points: gpd.GeoDataFrame, *, radius_px: int = 14) -> np.ndarray:
    """
    Return a pixel offset per point, spreading points that share a place on a ring.

    Parameters
    ----------
    points
        Points in EPSG:27700; those within 1 m of each other share a place.
    radius_px
        The ring's radius in screen pixels.

    Returns
    -------
    numpy.ndarray
        ``(n, 2)`` integer offsets (x right, y down); ``(0, 0)`` for a point alone.

    Examples
    --------
    >>> from geo.testing import make_incidents
    >>> spread_offsets(make_incidents([(0, 0), (0, 0), (500, 0)])).tolist()
    [[0, -14], [0, 14], [0, 0]]
    """
    key = pd.Series(
        list(zip(points.geometry.x.round(0), points.geometry.y.round(0), strict=True)),
        index=points.index,
    )
    slot = key.groupby(key).cumcount().to_numpy()
    size = key.map(key.value_counts()).to_numpy()
    angle = 2 * np.pi * slot / np.maximum(size, 1) - np.pi / 2
    out = np.column_stack([np.cos(angle), np.sin(angle)]) * radius_px
    out[size == 1] = 0
    return np.rint(out).astype(int) + 0


def _symbol(colour: str, letter: str, *, offset: tuple[int, int] = (0, 0)) -> folium.DivIcon:
    if not re.fullmatch(r"#[0-9a-fA-F]{3,8}", colour):
        msg = f"a symbol colour must be a hex colour, got {colour!r}"
        raise GeoInputError(msg)
    html = (
        f'<div style="background:{colour};color:#fff;border:2px solid #fff;border-radius:50%;'
        "width:22px;height:22px;line-height:20px;text-align:center;font:bold 13px sans-serif;"
        f'box-shadow:0 0 3px #000">{html_text(letter)}</div>'
    )
    dx, dy = offset
    return folium.DivIcon(
        html=html, icon_size=(22, 22), icon_anchor=(11 - dx, 11 - dy), class_name="geo-symbol"
    )


# --- legends for the app, and the standalone page ----------------------------------------------


def hotspot_legend(bins: Iterable[int] | None = None) -> list[tuple[str, str]]:
    """
    Return (colour, meaning) pairs for hotspot outlines, hottest first.

    Parameters
    ----------
    bins
        Only these significance bins (the ones on the map); None for all seven.

    Examples
    --------
    >>> [w for _, w in hotspot_legend([3, 0, 3])]
    ['hot spot, 99% confidence', 'not significant']
    """
    wanted = set(GI_BIN_STYLES) if bins is None else {int(b) for b in bins}
    return [GI_BIN_STYLES[b] for b in sorted(GI_BIN_STYLES, reverse=True) if b in wanted]


_SCRIPT_LINK = re.compile(r'<script src="([^"]+)"></script>')
_CSS_LINK = re.compile(r'<link rel="stylesheet" href="([^"]+)"/>')
_CSS_IMAGE = re.compile(r"url\((images/[^)]+\.png)\)")


def standalone_html(m: folium.Map, *, title: str = "Map") -> str:
    """
    Render `m` as one HTML page with Leaflet inlined, that opens from disk offline.

    Parameters
    ----------
    m
        A map built by this module (its assets are local files).
    title
        The page title.

    Returns
    -------
    str
        The page, with every script and stylesheet inline and the stylesheet's
        images as data URIs: it makes no request at all when opened.

    Raises
    ------
    GeoInputError
        If the map links an asset this module does not ship (a CDN link).

    Examples
    --------
    >>> page = standalone_html(base_map((540_000, 140_000, 565_000, 172_000)))
    >>> "<script src=" in page, "Leaflet 1.9.3" in page
    (False, True)
    """
    m.get_root().title = html_text(title)
    html = m.get_root().render()
    html = _SCRIPT_LINK.sub(lambda g: f"<script>{_read_asset(g.group(1))}</script>", html)
    return _CSS_LINK.sub(
        lambda g: f"<style>{_inline_images(_read_asset(g.group(1)))}</style>", html
    )


def _read_asset(url: str) -> str:
    for relative, path in ASSET_FILES.items():
        if url.endswith("/" + relative):
            return path.read_text(encoding="utf-8")
    msg = f"the map links {url!r}, which is not a shipped asset: it would need the internet"
    raise GeoInputError(msg)


def _inline_images(css: str) -> str:
    def data_uri(match: re.Match[str]) -> str:
        data = ASSET_FILES[f"leaflet/{match.group(1)}"].read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(data).decode('ascii')})"

    return _CSS_IMAGE.sub(data_uri, css)
