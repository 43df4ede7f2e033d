"""The offline PACT page (`geo pact --out`) in headless Chromium: names on the map, axe clean."""

import argparse
from pathlib import Path

import pytest

from geo.cli.pact import add_parser
from geo.testing import CHROMIUM, CHROMIUM_ARGS

DATA = Path(__file__).parents[1] / "data"
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SWANLEY_WARDS = (
    "Swanley St Mary's",
    "Swanley White Oak",
    "Swanley Christchurch and Swanley Village",
    "Hextable",
    "Crockenhill and Well Hill",
)

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian chromium at /usr/bin/chromium (apt-get install chromium)",
)


@pytest.fixture(scope="module")
def swanley_page(tmp_path_factory):
    """`geo pact data/ --area Swanley --period 2025-07..2025-09 --squares --out p.html`."""
    out = tmp_path_factory.mktemp("pact") / "p.html"
    parser = argparse.ArgumentParser(prog="geo")
    add_parser(parser.add_subparsers(dest="command", required=True))
    period = ["--period", "2025-07..2025-09", "--squares", "--out", str(out)]
    args = parser.parse_args(["pact", str(DATA), "--area", "Swanley", *period])
    assert args.run(args) == 0
    return out


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS)
        )
        yield chromium
        chromium.close()


def names_on_map(page) -> list[str]:
    """Ward names drawn inside the map's visible area, without hovering."""
    box = page.locator(".folium-map").bounding_box()
    found = []
    for label in page.locator(".geo-label-ward").all():
        where = label.bounding_box()
        if not label.is_visible() or where is None:
            continue
        cx, cy = where["x"] + where["width"] / 2, where["y"] + where["height"] / 2
        if box["x"] <= cx <= box["x"] + box["width"] and box["y"] <= cy <= box["y"] + box["height"]:
            found.append(label.inner_text().replace("\n", " "))
    return found


@pytest.mark.parametrize("size", [(1024, 768), (390, 844)])
def test_ward_names_show_on_the_map_without_hovering(swanley_page, browser, size):
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.goto(swanley_page.as_uri())
    page.locator(".geo-label-ward").first.wait_for(timeout=30_000)

    shown = names_on_map(page)

    assert page.locator(".leaflet-tooltip").count() == 0  # nothing hovered
    assert len(set(shown) & set(SWANLEY_WARDS)) >= 4, shown
    assert page.get_by_role("heading", level=1).count() == 1
    assert page.locator("table.pact-table th[scope=row]").count() >= 5  # the text alternative
    legend = page.locator(".geo-legend").first
    toggle = page.get_by_role("button", name="legend")
    if size[0] < 600:  # folded at first on a phone, opens on request
        assert not legend.is_visible()
        toggle.click()
    assert legend.is_visible()
    toggle.click()
    assert not legend.is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= size[0], width  # the tables fit or wrap: no sideways scrolling
    page.close()


@pytest.mark.parametrize("size", [(1024, 768), (390, 844)])
def test_axe_core_finds_no_serious_or_critical_violation(swanley_page, browser, size):
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.goto(swanley_page.as_uri())
    page.locator(".geo-label-ward").first.wait_for(timeout=30_000)
    page.add_script_tag(path=str(AXE))

    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")

    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert bad == []
    page.close()
