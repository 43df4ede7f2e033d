"""
Context on every map, offline: ward and place names, street names, legends, basemaps.

Every text here reaches the browser as data and is put on the page with ``textContent``
(never ``innerHTML``), so a ward, place or street name from a file cannot add markup or
run a script, whatever it holds:

- `label_layer`: permanent small labels (ward names, place names, street names), each
  shown only between a minimum and a maximum zoom;
- `ward_labels`, `place_labels`, `street_labels`: the three kinds of label;
- `legend_control`: a legend drawn inside the map, one per layer (heat included);
- `pmtiles_basemap`: a local PMTiles extract drawn by protomaps-leaflet (offline);
- `place_names`: the GeoNames places shipped in ``geo/shipped/context/`` (CC BY 4.0).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from importlib.resources import as_file, files
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
from branca.element import Element

from geo.crs import BNG, to_wgs84
from geo.safe_text import html_text, script_json

GEONAMES_CREDIT = "Place names: GeoNames (CC BY 4.0)"
"""The credit GeoNames' licence asks for, shown in the map's attribution."""

STREET_ZOOM = 15
"""Street names appear from this zoom level (about 1:17,000) inwards."""

PLACE_MAX_ZOOM = 16
"""Place names are hidden beyond this zoom, where street names take over."""

HEAT_GRADIENT: tuple[tuple[float, str], ...] = (
    (0.4, "#0000ff"),
    (0.6, "#00ffff"),
    (0.7, "#00ff00"),
    (0.8, "#ffff00"),
    (1.0, "#ff0000"),
)
"""Leaflet.heat's default gradient (fraction of the peak density, colour), for its legend."""

_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}")
_ON_OR_NEAR = re.compile(r"^\s*on or near\s+", re.IGNORECASE)

_LABEL_CSS = """
.geo-label{font:600 11px/1.2 system-ui,sans-serif;color:#222;white-space:nowrap;
 text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 2px #fff;transform:translate(-50%,-50%);
 pointer-events:none}
.geo-label-icon{background:none;border:none}
.geo-label-ward{font-size:11px;color:#444;font-style:italic}
.geo-label-place{font-size:12px;font-weight:700;color:#111}
.geo-label-street{font-size:10px;font-weight:500;color:#5a3d00}
.geo-label-hotspot{font-size:11px;font-weight:800;color:#fff;background:#b2182b;
 border-radius:9px;padding:1px 5px;text-shadow:none;box-shadow:0 0 2px #000}
.geo-legend{background:rgba(255,255,255,.92);padding:6px 8px;border-radius:4px;
 font:12px/1.4 system-ui,sans-serif;box-shadow:0 0 4px rgba(0,0,0,.3);max-width:240px}
.geo-legend b{display:block;margin-bottom:2px}
.geo-legend-swatch{display:inline-block;width:12px;height:12px;margin-right:6px;
 vertical-align:middle;border:1px solid #555}
.geo-legend-ramp{height:10px;border:1px solid #555;margin:2px 0}
"""


def place_names() -> gpd.GeoDataFrame:
    """
    Return the shipped GeoNames places in and around the district, in EPSG:27700.

    Returns
    -------
    geopandas.GeoDataFrame
        ``name``, ``population`` (None for names from the postal file), ``source``.

    Examples
    --------
    >>> places = place_names()
    >>> {"Sevenoaks", "Swanley", "Edenbridge", "Westerham"} <= set(places["name"])
    True
    """
    with as_file(files("geo") / "shipped" / "context" / "places_geonames.geojson") as path:
        return gpd.read_file(Path(path)).to_crs(BNG)


def street_name(location: object) -> str:
    """
    Return the street of a police.uk ``Location`` ("On or near High Street" -> "High Street").

    Examples
    --------
    >>> street_name("On or near High Street"), street_name("Bus Station"), street_name(None)
    ('High Street', 'Bus Station', '')
    >>> street_name("On or near Parking Area"), street_name("On or near ")
    ('Parking Area', '')
    """
    if not isinstance(location, str):
        return ""
    return _ON_OR_NEAR.sub("", location).strip()


def add_css(m: folium.Map) -> None:
    """Add the labels' and legends' stylesheet to `m` (once)."""
    header = m.get_root().header
    if "geo_label_css" not in header._children:
        header.add_child(Element(f"<style>{_LABEL_CSS}</style>"), name="geo_label_css")


class _Labels(folium.MacroElement):
    """Text labels put on the map with textContent, shown only between two zoom levels."""

    _template = folium.template.Template(
        """
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var group = L.layerGroup();
  var rows = {{ this.rows_json }};
  rows.forEach(function (r) {
    var el = document.createElement("div");
    el.className = "geo-label " + {{ this.css_class_json }};
    el.textContent = r[2];
    L.marker([r[0], r[1]], {
      icon: L.divIcon({html: el, className: "geo-label-icon", iconSize: null}),
      interactive: false, keyboard: false
    }).addTo(group);
  });
  function sync() {
    var z = map.getZoom();
    var on = z >= {{ this.min_zoom }} && z <= {{ this.max_zoom }};
    if (on && !map.hasLayer(group)) { group.addTo(map); }
    if (!on && map.hasLayer(group)) { map.removeLayer(group); }
  }
  map.on("zoomend", sync);
  map.whenReady(sync);
})();
{% endmacro %}
"""
    )

    def __init__(
        self, rows: list[list[object]], *, css_class: str, min_zoom: int, max_zoom: int
    ) -> None:
        super().__init__()
        self._name = "GeoLabels"
        self.rows = rows
        self.css_class = css_class
        self.rows_json = script_json(rows)
        self.css_class_json = script_json(css_class)
        self.min_zoom = int(min_zoom)
        self.max_zoom = int(max_zoom)


def label_layer(
    points: gpd.GeoDataFrame,
    text: Sequence[object],
    *,
    kind: str,
    min_zoom: int = 0,
    max_zoom: int = 22,
) -> folium.MacroElement:
    """
    Return permanent text labels at `points`, put in with ``textContent`` (no markup runs).

    Parameters
    ----------
    points
        Points in EPSG:27700, one per label.
    text
        The labels, in the order of `points`; empty ones are dropped.
    kind
        ``"ward"``, ``"place"``, ``"street"`` or ``"hotspot"`` (a rank badge): the style.
    min_zoom, max_zoom
        The zoom levels between which the labels show.

    Returns
    -------
    folium.MacroElement
        To ``.add_to(m)``; call `add_css` on the map too.

    Examples
    --------
    >>> from geo.testing import make_incidents
    >>> layer = label_layer(make_incidents([(0, 0)]), ["<b>x</b>"], kind="street")
    >>> layer.rows[0][2]
    '<b>x</b>'
    """
    if kind not in {"ward", "place", "street", "hotspot"}:
        msg = f"kind must be ward, place, street or hotspot, got {kind!r}"
        raise ValueError(msg)
    wgs = to_wgs84(gpd.GeoDataFrame(geometry=points.geometry.values, crs=points.crs))
    rows = [
        [round(float(p.y), 6), round(float(p.x), 6), str(t)]
        for p, t in zip(wgs.geometry, text, strict=True)
        if t is not None and str(t).strip() and p is not None and not p.is_empty
    ]
    return _Labels(rows, css_class=f"geo-label-{kind}", min_zoom=min_zoom, max_zoom=max_zoom)


def ward_labels(wards: gpd.GeoDataFrame, *, min_zoom: int = 11) -> folium.MacroElement:
    """
    Return ward names as small labels inside each ward (from zoom `min_zoom`).

    Parameters
    ----------
    wards
        ``ward_name`` and polygons, EPSG:27700.
    min_zoom
        The zoom from which the names show (the district fills the frame at about 11).

    Returns
    -------
    folium.MacroElement
    """
    inside = wards.geometry.representative_point()
    return label_layer(
        gpd.GeoDataFrame(geometry=inside, crs=wards.crs),
        wards["ward_name"].tolist(),
        kind="ward",
        min_zoom=min_zoom,
    )


def place_labels(
    places: gpd.GeoDataFrame | None = None,
    *,
    bounds: tuple[float, float, float, float] | None = None,
) -> folium.MacroElement:
    """
    Return place names (GeoNames) as labels, hidden at street zoom.

    Parameters
    ----------
    places
        ``name`` and points in EPSG:27700; the shipped `place_names` by default.
    bounds
        Keep only places inside ``(minx, miny, maxx, maxy)`` (BNG) grown by 2 km.

    Returns
    -------
    folium.MacroElement
    """
    places = place_names() if places is None else places
    if bounds is not None:
        minx, miny, maxx, maxy = bounds
        pad = 2_000
        places = places.cx[minx - pad : maxx + pad, miny - pad : maxy + pad]
    return label_layer(places, places["name"].tolist(), kind="place", max_zoom=PLACE_MAX_ZOOM)


def street_labels(
    incidents: gpd.GeoDataFrame, *, min_zoom: int = STREET_ZOOM, limit: int = 5_000
) -> folium.MacroElement:
    """
    Return street names from police.uk ``location`` at their map points, at street zoom.

    police.uk moves each crime to an anonymised map point on its street and says
    "On or near High Street"; one label per distinct (point, street) names the street
    where the hotspots and incidents are.

    Parameters
    ----------
    incidents
        Incidents with ``location`` and points, EPSG:27700.
    min_zoom
        The zoom from which street names show.
    limit
        At most this many labels (the commonest points first), to keep the page light.

    Returns
    -------
    folium.MacroElement
    """
    names = incidents["location"].map(street_name)
    keyed = pd.DataFrame(
        {
            "name": names,
            "x": incidents.geometry.x.round(0),
            "y": incidents.geometry.y.round(0),
        }
    )
    keyed = keyed[keyed["name"] != ""]
    counts = keyed.value_counts(["x", "y", "name"]).head(limit).reset_index()
    points = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(counts["x"], counts["y"]), crs=incidents.crs
    )
    return label_layer(points, counts["name"].tolist(), kind="street", min_zoom=min_zoom)


class _Legend(folium.MacroElement):
    """A legend control built with createElement and textContent."""

    _template = folium.template.Template(
        """
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var spec = {{ this.spec_json }};
  var control = L.control({position: spec.position});
  control.onAdd = function () {
    var box = L.DomUtil.create("div", "geo-legend");
    var title = document.createElement("b");
    title.textContent = spec.title;
    box.appendChild(title);
    if (spec.ramp.length) {
      var ramp = document.createElement("div");
      ramp.className = "geo-legend-ramp";
      ramp.style.background = "linear-gradient(to right," + spec.ramp.join(",") + ")";
      box.appendChild(ramp);
    }
    spec.entries.forEach(function (e) {
      var row = document.createElement("div");
      var swatch = document.createElement("span");
      swatch.className = "geo-legend-swatch";
      swatch.style.background = e[0];
      if (e[2] === "circle") { swatch.style.borderRadius = "50%"; }
      if (e[2] === "line") { swatch.style.background = "none"; swatch.style.borderColor = e[0];
        swatch.style.borderWidth = "3px"; }
      if (e[2] === "ring" || e[2] === "dashed") { swatch.style.background = "#fff";
        swatch.style.borderRadius = "50%"; swatch.style.borderColor = e[0];
        swatch.style.borderWidth = "2px";
        if (e[2] === "dashed") { swatch.style.borderStyle = "dashed"; } }
      row.appendChild(swatch);
      row.appendChild(document.createTextNode(e[1]));
      box.appendChild(row);
    });
    L.DomEvent.disableClickPropagation(box);
    return box;
  };
  control.addTo(map);
})();
{% endmacro %}
"""
    )

    def __init__(self, spec: dict[str, object]) -> None:
        super().__init__()
        self._name = "GeoLegend"
        self.spec = spec
        self.spec_json = script_json(spec)


def legend_control(
    title: str,
    entries: Sequence[tuple[str, str] | tuple[str, str, str]],
    *,
    ramp: Sequence[str] = (),
    position: str = "bottomright",
) -> folium.MacroElement:
    """
    Return a legend drawn inside the map; its text is set with ``textContent``.

    Parameters
    ----------
    title
        The legend's heading.
    entries
        ``(colour, meaning)`` or ``(colour, meaning, shape)`` with shape ``"square"``,
        ``"circle"``, ``"line"``, ``"ring"`` (a hollow circle) or ``"dashed"`` (a hollow
        circle, dashed); colours must be ``#rgb``/``#rrggbb``.
    ramp
        Colours of a continuous scale (the heat layer), drawn as a bar above the entries.
    position
        A Leaflet control corner.

    Returns
    -------
    folium.MacroElement
        To ``.add_to(m)``; call `add_css` on the map too.

    Raises
    ------
    ValueError
        If a colour is not a hex colour (nothing but a colour may reach the style).

    Examples
    --------
    >>> legend_control("Heat", [("#ff0000", "most incidents")]).spec["entries"]
    [['#ff0000', 'most incidents', 'square']]
    """
    rows = []
    for entry in entries:
        colour, meaning, *shape = entry
        _check_colour(colour)
        rows.append([colour, str(meaning), shape[0] if shape else "square"])
    for colour in ramp:
        _check_colour(colour)
    spec = {"title": str(title), "entries": rows, "ramp": list(ramp), "position": position}
    return _Legend(spec)


def heat_legend(title: str = "Incident density (heat)") -> folium.MacroElement:
    """Return the heat layer's legend: Leaflet.heat's colour ramp from few to many."""
    return legend_control(
        title,
        [("#0000ff", "few incidents nearby"), ("#ff0000", "most incidents nearby")],
        ramp=[c for _, c in HEAT_GRADIENT],
    )


def _check_colour(colour: str) -> None:
    if not _COLOUR.fullmatch(colour):
        msg = f"a legend colour must be a hex colour, got {colour!r}"
        raise ValueError(msg)


class _PmtilesLayer(folium.MacroElement):
    """A protomaps-leaflet basemap reading a local PMTiles file."""

    _template = folium.template.Template(
        """
{% macro script(this, kwargs) %}
protomapsL.leafletLayer({
  url: {{ this.url_json }}, flavor: "light", lang: "en",
  attribution: {{ this.attribution_json }}
}).addTo({{ this._parent.get_name() }});
{% endmacro %}
"""
    )

    def __init__(self, url: str, attribution: str) -> None:
        super().__init__()
        self._name = "PmtilesBasemap"
        self.url = url
        self.attribution = attribution
        self.url_json = script_json(url)
        self.attribution_json = script_json(attribution)


PMTILES_ATTRIBUTION = (
    '<a href="https://protomaps.com">Protomaps</a> '
    '© <a href="https://openstreetmap.org/copyright">OpenStreetMap</a>'
)
"""The attribution of a Protomaps extract of OpenStreetMap."""


def pmtiles_basemap(url: str) -> folium.MacroElement:
    """
    Return a basemap layer drawn by protomaps-leaflet from the PMTiles file at `url`.

    The page must load ``protomaps-leaflet.js`` (`geo.maps.base_map` does with
    ``basemap="pmtiles"``).

    Examples
    --------
    >>> pmtiles_basemap("/app/static/basemap/sevenoaks.pmtiles").url
    '/app/static/basemap/sevenoaks.pmtiles'
    """
    return _PmtilesLayer(url, PMTILES_ATTRIBUTION)


class _Attribution(folium.MacroElement):
    """A credit added to the map's attribution control (escaped: it is set as HTML)."""

    _template = folium.template.Template(
        "{% macro script(this, kwargs) %}"
        "{{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.html_json }});"
        "{% endmacro %}"
    )

    def __init__(self, html: str) -> None:
        super().__init__()
        self._name = "GeoAttribution"
        self.html = html
        self.html_json = script_json(html)


def add_context(
    m: folium.Map,
    wards: gpd.GeoDataFrame,
    *,
    incidents: gpd.GeoDataFrame | None = None,
    places: gpd.GeoDataFrame | None = None,
) -> folium.Map:
    """
    Add the map's context: ward names, GeoNames place names (credited), street names.

    Parameters
    ----------
    m
        The map.
    wards
        ``ward_name`` and polygons, EPSG:27700 (the wards shown).
    incidents
        Incidents with police.uk ``location`` text: their streets are named at street zoom.
    places
        Places to name (``name``, points, BNG); the shipped GeoNames places by default.

    Returns
    -------
    folium.Map
        `m`, for chaining.
    """
    add_css(m)
    ward_labels(wards).add_to(m)
    place_labels(places, bounds=tuple(wards.total_bounds)).add_to(m)
    if incidents is not None and len(incidents) and "location" in incidents:
        street_labels(incidents).add_to(m)
    _Attribution(html_text(GEONAMES_CREDIT)).add_to(m)
    return m
