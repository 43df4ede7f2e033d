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

from geo import cli_map
from geo.boundaries import read_wards
from geo.datasets import get_path
from geo.internal_map import internal_map
from geo.maps import standalone_html
from geo.testing import ORIGIN, make_incidents

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
]

# Open every feature's tooltip and popup; return what they showed and what they contain.
OPEN_ALL = """
async () => {
  const name = Object.keys(window).find(k => k.startsWith("map_") && window[k].eachLayer);
  const map = window[name];
  const leaves = [];
  map.eachLayer(l => { if (l.feature && (l.getLatLng || l.getBounds)) leaves.push(l); });
  const shown = [];
  const bad = [];
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  const inspect = (selector) => {
    document.querySelectorAll(selector).forEach(el => {
      shown.push(el.innerText);
      el.querySelectorAll("img,script,iframe,svg,a,object,embed,style,link").forEach(
        x => bad.push(selector + " holds <" + x.tagName.toLowerCase() + ">"));
    });
  };
  for (const leaf of leaves) {
    const at = leaf.getLatLng ? leaf.getLatLng() : leaf.getBounds().getCenter();
    leaf.fire("mouseover", {latlng: at, target: leaf}, true);
    await sleep(0);
    inspect(".leaflet-tooltip");
    leaf.fire("mouseout", {latlng: at, target: leaf}, true);
    leaf.fire("click", {latlng: at, target: leaf}, true);
    await sleep(0);
    inspect(".leaflet-popup-content");
    map.closePopup();
  }
  inspect(".geo-label");
  inspect(".geo-legend");
  document.querySelectorAll("*").forEach(el => {
    for (const a of el.attributes) {
      if (a.name.startsWith("on")) bad.push(el.tagName + " has " + a.name);
      if (/^\\s*javascript:/i.test(a.value)) bad.push(el.tagName + " links javascript:");
    }
  });
  return {leaves: leaves.length, shown: shown, bad: bad,
          labels: document.querySelectorAll(".geo-label").length};
}
"""


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
            page.wait_for_selector(".leaflet-overlay-pane path")
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
