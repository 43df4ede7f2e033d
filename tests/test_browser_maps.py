"""Every map opened in Chromium with hostile data: no script runs, nothing is fetched.

Each map is built from data whose locations, ward names, hotspot top locations and
deployment sites carry HTML and script (`tests/fixtures/hostile_html/`). Every tooltip and
popup is opened the way a user would (mouseover and click on each feature), and:

- no dialog opens (alert, confirm, prompt);
- no request leaves the page (the file is opened from disk; anything else is aborted);
- no element from the data is added to the DOM (no img, script, iframe, svg or link in
  a tooltip, popup or label; no ``on*`` attribute anywhere);
- the payloads are shown as text, so the tooltips really did open.

Needs Debian's chromium at /usr/bin/chromium; skipped otherwise.
"""

import argparse
import contextlib
import time
from pathlib import Path

import pytest
import shapely

from geo.boundaries import read_wards
from geo.cli import map as cli_map
from geo.datasets import get_path
from geo.maps import standalone_html
from geo.maps.internal import internal_map
from geo.testing import OPEN_ALL, ORIGIN, make_incidents

CHROMIUM = Path("/usr/bin/chromium")
HOSTILE_CSV = Path(__file__).parent / "fixtures" / "hostile_html" / "hostile_police.csv"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")

PAYLOADS = [
    "<img src=x onerror=\"alert('img')\">",
    "<script>alert('script')</script>",
    "<a href=\"javascript:alert('link')\">High Street</a>",
    "\"><svg onload=alert('svg')>",
    "</script><script>alert('breakout')</script>",
    '<iframe src="https://evil.example/frame"></iframe>',
    '<img src="https://evil.example/beacon.png">',
    "{{7*7}} ${alert('template')}",
    "{{ lipsum.__globals__.os.mkdir(lipsum.__globals__.os.environ.GEO_TEMPLATE_CANARY) }}",
    "{{ lipsum.__name__ }} {% for i in range(3) %}Z{% endfor %}{# hidden #}",
    "![x](http://127.0.0.1:9/md.png) [click](http://127.0.0.1:9/)",
    '=HYPERLINK("http://127.0.0.1:9/","y")',
]


@pytest.fixture(autouse=True)
def canary(tmp_path, monkeypatch):
    """A directory the template payload above would create if Jinja ever ran it."""
    path = tmp_path / "template-ran"
    monkeypatch.setenv("GEO_TEMPLATE_CANARY", str(path))
    yield path
    assert not path.exists(), "a template payload from data ran on the server"


def open_in_chromium(page_file: Path) -> dict:
    from playwright.sync_api import sync_playwright

    dialogs, requests = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})

            def dialog(d):
                dialogs.append(d.message)
                with contextlib.suppress(Exception):  # one dialog may already close another
                    d.dismiss()

            page.on("dialog", dialog)

            def route(r):
                url = r.request.url
                if url.startswith(("file://", "data:", "about:")):
                    r.continue_()
                else:
                    requests.append(url)
                    r.abort()

            page.route("**/*", route)
            start = time.perf_counter()
            page.goto(page_file.as_uri())
            page.wait_for_selector(".leaflet-overlay-pane path", state="attached")
            drawn = time.perf_counter() - start
            result = page.evaluate(OPEN_ALL)
            page.wait_for_timeout(300)  # let any injected script or image fire
        finally:
            browser.close()
    result.update(dialogs=dialogs, requests=requests, drawn_s=drawn)
    return result


def assert_inert(result: dict, expected_text: list[str]) -> None:
    assert result["dialogs"] == [], result["dialogs"]
    assert result["requests"] == []
    assert result["bad"] == []
    assert result["leaves"] > 0
    text = "\n".join(result["shown"])
    for payload in expected_text:
        assert payload in text, payload  # shown as text: the tooltip or popup did open


def test_geo_map_output_is_inert_in_chromium(tmp_path):
    out = tmp_path / "hostile.html"
    parser = argparse.ArgumentParser()
    cli_map.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["map", str(HOSTILE_CSV), "--week", "2025-10-06", "--out", str(out)])

    assert args.run(args) == 0

    result = open_in_chromium(out)
    print(f"\ngeo map page (hostile fixture): drawn in {result['drawn_s']:.2f} s cold")
    assert_inert(result, PAYLOADS)
    assert result["labels"] > 20  # ward, place and street names are on the map


def test_every_layer_with_hostile_names_is_inert(tmp_path):
    wards = read_wards(get_path("wards"))
    wards.loc[wards.index[:3], "ward_name"] = PAYLOADS[:3]
    x0, y0 = ORIGIN
    incidents = make_incidents([(10 * i, 5 * i) for i in range(len(PAYLOADS))])
    incidents["location"] = ["On or near " + p for p in PAYLOADS]
    incidents.loc[incidents.index[::2], "source"] = "csu_log"
    hotspots = make_hotspots(x0, y0)
    deployments = make_deployments(x0, y0)

    m = internal_map(wards, incidents, hotspots=hotspots, deployments=deployments)
    page_file = tmp_path / "layers.html"
    page_file.write_text(standalone_html(m, title=PAYLOADS[0]), encoding="utf-8")

    result = open_in_chromium(page_file)
    assert_inert(result, PAYLOADS)


def make_hotspots(x0, y0):
    import geopandas as gpd

    return gpd.GeoDataFrame(
        {
            "hotspot_id": ["asb-1"],
            "category": ["asb"],
            "rank": [1],
            "n_incidents": [12],
            "n_prior": [4],
            "trend": [2.0],
            "trend_class": [PAYLOADS[3]],
            "harm": [12.0],
            "gi_bin": [3],
            "ward_names": [[PAYLOADS[0], PAYLOADS[1]]],
            "top_locations": [PAYLOADS[4:]],
        },
        geometry=[shapely.box(x0 - 50, y0 - 50, x0 + 150, y0 + 150)],
        crs="EPSG:27700",
    )


def make_deployments(x0, y0):
    import geopandas as gpd

    return gpd.GeoDataFrame(
        {
            "resource": ["cctv", "patrol"],
            "unit": [PAYLOADS[2], "Patrol 1"],
            "site_name": [PAYLOADS[0], PAYLOADS[5]],
            "reason": [PAYLOADS[6], PAYLOADS[1]],
        },
        geometry=[shapely.Point(x0, y0), shapely.Point(x0, y0)],  # one place: spread apart
        crs="EPSG:27700",
    )


# --- a local PMTiles basemap, drawn by the vendored protomaps-leaflet (#12) -------------------


def build_pmtiles(path: Path, *, zooms=range(6, 13)) -> None:
    """A tiny vector archive over the district: earth everywhere, one road across each tile."""
    import gzip
    import math

    mapbox_vector_tile = pytest.importorskip("mapbox_vector_tile")
    pmtiles_tile = pytest.importorskip("pmtiles.tile")
    from pmtiles.writer import Writer

    west, south, east, north = 0.03, 51.13, 0.35, 51.45

    def tile_xy(lon, lat, z):
        n = 2**z
        x = int((lon + 180) / 360 * n)
        y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
        return x, y

    layers = [
        {
            "name": "earth",
            "features": [
                {
                    "geometry": "POLYGON ((0 0, 4096 0, 4096 4096, 0 4096, 0 0))",
                    "properties": {"kind": "earth"},
                }
            ],
        },
        {
            "name": "roads",
            "features": [
                {
                    "geometry": "LINESTRING (0 2048, 4096 2048)",
                    "properties": {"kind": "major_road", "name": "Test Road"},
                }
            ],
        },
    ]
    data = gzip.compress(mapbox_vector_tile.encode(layers), mtime=0)
    with path.open("wb") as f:
        writer = Writer(f)
        ids = []
        for z in zooms:
            x0, y0 = tile_xy(west, north, z)
            x1, y1 = tile_xy(east, south, z)
            ids += [
                pmtiles_tile.zxy_to_tileid(z, x, y)
                for x in range(x0, x1 + 1)
                for y in range(y0, y1 + 1)
            ]
        for tile_id in sorted(ids):
            writer.write_tile(tile_id, data)
        writer.finalize(
            {
                "tile_type": pmtiles_tile.TileType.MVT,
                "tile_compression": pmtiles_tile.Compression.GZIP,
                "min_lon_e7": int(west * 1e7),
                "min_lat_e7": int(south * 1e7),
                "max_lon_e7": int(east * 1e7),
                "max_lat_e7": int(north * 1e7),
                "center_zoom": 10,
                "center_lon_e7": int(0.19e7),
                "center_lat_e7": int(51.29e7),
            },
            {"vector_layers": [{"id": "earth", "fields": {}}, {"id": "roads", "fields": {}}]},
        )


# Colours down the middle column of each basemap tile: earth and the road across it give
# two or more; a tile with no features (an unreadable archive) gives only the background.
COUNT_PAINTED = """
() => {
  let canvases = 0, mixed = 0;
  document.querySelectorAll(".leaflet-tile-pane canvas").forEach(c => {
    canvases += 1;
    const x = Math.floor(c.width / 2);
    const d = c.getContext("2d").getImageData(x, 0, 1, c.height).data;
    const colours = new Set();
    for (let i = 0; i < d.length; i += 4) { colours.add(d.slice(i, i + 4).join(",")); }
    if (colours.size >= 2) { mixed += 1; }
  });
  return {canvases, mixed};
}
"""


def test_pmtiles_basemap_draws_from_a_local_archive(tmp_path):
    from dataclasses import replace

    from playwright.sync_api import sync_playwright

    from geo.maps import DEFAULT_MAP_SETTINGS, base_map, ward_layer

    archive = tmp_path / "sevenoaks.pmtiles"
    build_pmtiles(archive)
    wards = read_wards(get_path("wards"))
    settings = replace(DEFAULT_MAP_SETTINGS, basemap="pmtiles", pmtiles_url="sevenoaks.pmtiles")
    m = base_map(tuple(wards.total_bounds), settings=settings)
    ward_layer(wards).add_to(m)
    page_html = standalone_html(m, title="PMTiles")
    blob = archive.read_bytes()
    served, outside = [], []

    def serve(route):  # an HTTP server in the page's own origin, with byte ranges
        url = route.request.url
        if url == "http://geo.test/map.html":
            route.fulfill(status=200, body=page_html, content_type="text/html")
        elif url == "http://geo.test/sevenoaks.pmtiles":
            first, last = route.request.headers["range"].removeprefix("bytes=").split("-")
            first, last = int(first), min(int(last), len(blob) - 1)
            served.append((first, last))
            route.fulfill(
                status=206,
                body=blob[first : last + 1],
                headers={
                    "Content-Range": f"bytes {first}-{last}/{len(blob)}",
                    "Content-Type": "application/octet-stream",
                },
            )
        else:
            outside.append(url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1024, "height": 768})
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.route("**/*", serve)
            page.goto("http://geo.test/map.html")
            page.wait_for_function(
                "document.querySelectorAll('.leaflet-tile-pane canvas').length > 0"
            )
            page.wait_for_timeout(1500)
            drawn = page.evaluate(COUNT_PAINTED)
        finally:
            browser.close()

    assert errors == []
    assert outside == []
    assert served  # the archive was read with byte-range requests
    assert drawn["canvases"] > 0
    assert drawn["mixed"] > 0  # the tiles were painted from the archive's features
