import re
from dataclasses import replace
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo._errors import GeoInputError
from geo.crs import BNG
from geo.maps import (
    ASSET_FILES,
    DEFAULT_MAP_SETTINGS,
    GI_BIN_STYLES,
    POINT_STYLES,
    base_map,
    deployment_layer,
    hotspot_layer,
    incident_heat_layer,
    incident_points_layer,
    resource_styles,
    spread_offsets,
    standalone_html,
    ward_layer,
)
from geo.maps.internal import internal_map
from geo.maps.places import (
    HEAT_GRADIENT,
    STREET_ZOOM,
    add_context,
    heat_legend,
    legend_control,
)
from geo.settings import MapSettings
from geo.testing import ORIGIN, make_incidents

STATIC = Path(__file__).parents[1] / "static"
ASSET_LINK = re.compile(r'(?:src|href)="([^"]+)"')


def render(m: folium.Map) -> str:
    return m.get_root().render()


def layers_of(m: folium.Map, kind: type) -> list:
    return [c for c in m._children.values() if isinstance(c, kind)]


@pytest.fixture
def hotspots():
    """Two hotspots shaped like the hotspot engine's output."""
    x0, y0 = ORIGIN
    return gpd.GeoDataFrame(
        {
            "hotspot_id": ["asb-5525-1553", "burglary-5530-1558"],
            "category": ["asb", "burglary"],
            "rank": [1, 2],
            "n_incidents": [42, 9],
            "n_prior": [30, 11],
            "trend": [0.4, -0.18],
            "trend_class": ["rising", "steady"],
            "harm": [42.0, 2466.0],
            "gi_bin": [3, -1],
            "ward_names": [["Swanley St Mary's"], ["Sevenoaks Town and St John's"]],
            "top_locations": [
                ["On or near High Street", "On or near Bus Station"],
                ["On or near London Road"],
            ],
        },
        geometry=[
            shapely.box(x0, y0, x0 + 300, y0 + 200),
            shapely.box(x0 + 500, y0 + 500, x0 + 700, y0 + 650),
        ],
        crs=BNG,
    )


@pytest.fixture
def deployments():
    x0, y0 = ORIGIN
    return gpd.GeoDataFrame(
        {
            "resource": ["cctv", "speed_board", "eva", "patrol"],
            "unit": ["camera 3", "board 1", "EVA", "PCSO team A"],
            "site_name": ["Swanley bus station", "London Road", "Bevan Place", "High Street"],
            "reason": ["ASB hotspot 1, rising", "speeding complaints", "damage", "hotspot 1"],
        },
        geometry=[shapely.Point(x0 + 10 * i, y0) for i in range(4)],
        crs=BNG,
    )


def test_base_map_links_only_local_leaflet_and_no_tiles(wards):
    html = render(base_map(tuple(wards.total_bounds)))

    assert ASSET_LINK.findall(html) == [
        "/app/static/leaflet/leaflet.js",
        "/app/static/leaflet/leaflet.css",
    ]
    assert "http://" not in html
    assert "https://" not in html
    assert "tileLayer" not in html
    assert 'L.Icon.Default.imagePath = "/app/static/leaflet/images/"' in html


def test_base_map_fits_the_district_in_lon_lat(wards):
    m = base_map(tuple(wards.total_bounds))

    (south, west), (north, east) = layers_of(m, folium.map.FitBounds)[0].bounds
    assert 51.1 < south < north < 51.5  # Sevenoaks District, latitude
    assert 0.0 < west < east < 0.35


def test_online_basemap_is_a_setting(wards):
    online = replace(
        DEFAULT_MAP_SETTINGS,
        basemap_url="https://tiles.example/{z}/{x}/{y}.png",
        basemap_attribution="Example tiles",
    )

    html = render(base_map(tuple(wards.total_bounds), settings=online))

    assert "https://tiles.example/{z}/{x}/{y}.png" in html
    with pytest.raises(ValueError, match="attribution"):
        replace(DEFAULT_MAP_SETTINGS, basemap_url="https://tiles.example/{z}/{x}/{y}.png")


def test_internal_map_layers_are_drawn_offline(wards, hotspots, deployments):
    incidents = make_incidents([(10, 20), (30, 40), (50, 60)], occurred="2025-03-01")
    m = base_map(tuple(wards.total_bounds))
    for layer in [
        ward_layer(wards),
        incident_heat_layer(incidents),
        incident_points_layer(incidents),
        hotspot_layer(hotspots),
        deployment_layer(deployments),
    ]:
        layer.add_to(m)
    folium.LayerControl().add_to(m)

    html = render(m)

    assert sorted(ASSET_LINK.findall(html)) == [
        "/app/static/leaflet-heat/leaflet_heat.min.js",
        "/app/static/leaflet/leaflet.css",
        "/app/static/leaflet/leaflet.js",
    ]
    assert "https://" not in html
    assert "$(" not in html  # no jQuery call: jQuery is not loaded
    assert "Swanley St Mary's" not in html or "Sevenoaks Town and St John" in html
    assert "Anti-social behaviour" in html
    assert "March 2025" in html
    assert "hot spot, 99% confidence" in html


def test_hotspot_outlines_are_coloured_by_significance(hotspots):
    layer = hotspot_layer(hotspots)
    features = layer.data["features"]

    colours = [layer.style_function(f)["color"] for f in features]
    assert colours == [GI_BIN_STYLES[3][0], GI_BIN_STYLES[-1][0]]
    props = features[0]["properties"]
    assert props["top_locations"] == "On or near High Street; On or near Bus Station"
    assert props["n_incidents"] == 42
    assert props["significance"] == "hot spot, 99% confidence"


def test_hotspot_layer_names_missing_columns(hotspots):
    with pytest.raises(GeoInputError, match=r"missing columns \['gi_bin'\]"):
        hotspot_layer(hotspots.drop(columns="gi_bin"))


def test_each_resource_has_its_own_symbol(deployments):
    group = deployment_layer(deployments)
    html = render(folium.Map(tiles=None).add_child(group))

    sublayers = [c for c in group._children.values() if isinstance(c, folium.GeoJson)]
    assert len(sublayers) == 4
    for colour, letter, _words in resource_styles().values():
        assert f"background:{colour}" in html
        assert f"\\u003e{letter}\\u003c/div\\u003e" in html  # the letter, JSON-escaped
    assert "Swanley bus station" in html


def test_unknown_resource_is_refused(deployments):
    with pytest.raises(GeoInputError, match=r"unknown resource types \['drone'\]"):
        deployment_layer(deployments.assign(resource=["cctv", "drone", "eva", "patrol"]))


def test_standalone_page_needs_no_server_and_no_internet(wards):
    m = base_map(tuple(wards.total_bounds))
    ward_layer(wards).add_to(m)

    page = standalone_html(m, title="Swanley PACT")

    assert "<script src=" not in page
    assert '<link rel="stylesheet"' not in page
    assert "<title>Swanley PACT</title>" in page
    assert "Leaflet 1.9.3" in page
    assert "url(data:image/png;base64," in page
    assert "url(images/" not in page


def test_standalone_page_refuses_a_cdn_asset():
    m = folium.Map(tiles=None)  # folium's defaults: CDN links

    with pytest.raises(GeoInputError, match="not a shipped asset"):
        standalone_html(m)


def test_static_folder_is_the_packaged_files():
    for relative, source in ASSET_FILES.items():
        assert (STATIC / relative).read_bytes() == source.read_bytes(), relative


# --- escaping, context, basemaps, spreading, caps (#10, #12) ----------------------------------

HOSTILE = '<img src=x onerror="alert(1)">'


def test_every_text_value_is_escaped_before_the_browser(wards, hotspots, deployments):
    incidents = make_incidents([(0, 0)]).assign(location=[HOSTILE])
    layers = [
        incident_points_layer(incidents),
        hotspot_layer(hotspots.assign(top_locations=[[HOSTILE], ["x"]])),
        deployment_layer(deployments.assign(site_name=[HOSTILE] * 4)),
        ward_layer(wards.assign(ward_name=[HOSTILE] * len(wards))),
    ]
    m = folium.Map(tiles=None)
    for layer in layers:
        layer.add_to(m)

    html = render(m)

    assert "<img" not in html
    assert "\\u003cimg" not in html  # not even JSON-escaped raw markup
    assert "\\u0026lt;img src=x onerror=\\u0026#34;alert(1)\\u0026#34;\\u0026gt;" in html


def test_layer_names_are_escaped(wards):
    m = base_map(tuple(wards.total_bounds))
    ward_layer(wards, name="<b>Wards</b>").add_to(m)
    folium.LayerControl().add_to(m)

    html = render(m)

    assert "<b>Wards</b>" not in html
    assert "\\u0026lt;b\\u0026gt;Wards" in html  # escaped, then JSON-escaped


def test_labels_name_wards_places_and_streets_as_text(wards):
    incidents = make_incidents([(0, 0), (0, 0), (300, 0)]).assign(
        location=["On or near High Street", "On or near High Street", "On or near <b>x</b>"]
    )
    m = base_map(tuple(wards.total_bounds))
    add_context(m, wards, incidents=incidents)

    html = render(m)

    labels = [c for c in m._children.values() if type(c).__name__ == "_Labels"]
    kinds = {c.css_class: c for c in labels}
    assert set(kinds) == {"geo-label-ward", "geo-label-place", "geo-label-street"}
    assert {r[2] for r in kinds["geo-label-ward"].rows} == set(wards["ward_name"])
    places = {r[2] for r in kinds["geo-label-place"].rows}
    assert {"Sevenoaks", "Swanley", "Edenbridge", "Westerham", "Otford", "Kemsing"} <= places
    assert [r[2] for r in kinds["geo-label-street"].rows] == ["High Street", "<b>x</b>"]
    assert kinds["geo-label-street"].min_zoom == STREET_ZOOM
    assert "el.textContent = r[2]" in html  # never innerHTML
    assert "\\u003cb\\u003ex" in html  # the raw name travels as JSON-escaped data only
    assert "GeoNames (CC BY 4.0)" in html


def test_legend_refuses_anything_but_a_colour():
    with pytest.raises(ValueError, match="hex colour"):
        legend_control("x", [("red;background:url(https://evil)", "x")])
    assert heat_legend().spec["ramp"] == [c for _, c in HEAT_GRADIENT]


def test_online_basemap_defaults_to_openstreetmap_with_its_credit(wards):
    html = render(base_map(tuple(wards.total_bounds), settings=MapSettings(basemap="online")))

    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in html
    assert "OpenStreetMap" in html


def test_pmtiles_basemap_is_drawn_by_the_local_protomaps_script(wards):
    settings = MapSettings(basemap="pmtiles", pmtiles_url="/app/static/basemap/kent.pmtiles")

    html = render(base_map(tuple(wards.total_bounds), settings=settings))

    assert ASSET_LINK.findall(html) == [
        "/app/static/leaflet/leaflet.js",
        "/app/static/protomaps-leaflet/protomaps-leaflet.js",
        "/app/static/leaflet/leaflet.css",
    ]
    assert 'protomapsL.leafletLayer({\n  url: "/app/static/basemap/kent.pmtiles"' in html
    assert "https://tile" not in html
    page = standalone_html(base_map(tuple(wards.total_bounds), settings=settings))
    assert "<script src=" not in page
    assert "var protomapsL=" in page
    with pytest.raises(ValueError, match="pmtiles_url"):
        MapSettings(basemap="pmtiles")
    with pytest.raises(ValueError, match="basemap must be one of"):
        MapSettings(basemap="google")


def test_symbols_sharing_a_place_are_spread_on_a_ring(deployments):
    same_place = deployments.assign(geometry=[deployments.geometry.iloc[0]] * 4)

    offsets = spread_offsets(same_place)

    assert len({tuple(o) for o in offsets}) == 4
    assert all(abs(float(np.hypot(*o)) - 14) <= 1 for o in offsets)
    assert spread_offsets(deployments.iloc[:1]).tolist() == [[0, 0]]
    html = render(folium.Map(tiles=None).add_child(deployment_layer(same_place)))
    anchors = set(re.findall(r'"iconAnchor": \[(-?\d+), (-?\d+)\]', html))
    assert len(anchors) == 4


def test_csu_points_are_marked_apart_from_police_uk():
    incidents = make_incidents([(0, 0), (50, 0)])
    incidents["source"] = ["police.uk", "csu_log"]

    html = render(folium.Map(tiles=None).add_child(incident_points_layer(incidents)))

    assert POINT_STYLES["csu_log"][2] in html
    assert POINT_STYLES["police.uk"][2] in html
    assert f'"fillColor": "{POINT_STYLES["csu_log"][0]}"' in html


def test_internal_map_draws_heat_not_thousands_of_points(wards):
    offsets = [(i % 100 * 20, i // 100 * 20) for i in range(500)]
    incidents = make_incidents(offsets)

    capped = render(internal_map(wards, incidents, point_cap=100))
    drawn = render(internal_map(wards, incidents, heat=False, point_cap=1000))

    assert "L.CircleMarker" not in capped
    assert "heatLayer" in capped
    assert "Incident density (heat)" in capped
    assert "L.CircleMarker" in drawn
    assert "heatLayer" not in drawn


def test_internal_map_opens_on_the_chosen_wards_or_the_weeks_sites(wards, deployments):
    chosen = wards.iloc[:2]
    incidents = make_incidents([(0, 0)])

    def fitted(m):
        return layers_of(m, folium.map.FitBounds)[0].bounds

    on_wards = fitted(internal_map(chosen, incidents))
    on_sites = fitted(internal_map(wards, incidents, deployments=deployments, fit_to_sites=True))

    assert (
        on_wards == layers_of(base_map(tuple(chosen.total_bounds)), folium.map.FitBounds)[0].bounds
    )
    (south, _west), (north, _east) = on_sites
    assert north - south < 0.02  # the sites, not the district (about 0.35 degrees tall)
