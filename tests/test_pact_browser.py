"""The public PACT page in headless Chromium: at /pact in public mode, on a 1024x768 projector."""

import itertools
import os
from pathlib import Path

import pytest

from geo.testing import CHROMIUM, CHROMIUM_ARGS, leaflet_frame, serve_app

REPO = Path(__file__).parents[1]
SHOTS = REPO / "docs" / "screenshots"


pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian chromium at /usr/bin/chromium (apt-get install chromium)",
)


@pytest.fixture(scope="module")
def public_url(tmp_path_factory):
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    env = {**os.environ, "GEO_PUBLIC": "1"}
    with serve_app(REPO / "app.py", env=env, log=log) as url:
        yield url


@pytest.mark.parametrize("path", ["/pact", "/"])
def test_public_pact_page_opens_cleanly_with_the_map_above_the_fold(public_url, path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS)
        )
        page = browser.new_page(viewport={"width": 1024, "height": 768})
        page.goto(public_url + path, wait_until="domcontentloaded")
        page.get_by_text("Swanley, July to September 2025").wait_for(timeout=90_000)
        frame, _ = leaflet_frame(page, min_shapes=5)  # Swanley's five wards
        page.wait_for_timeout(1000)
        assert page.get_by_text("Page not found").count() == 0
        assert frame.locator(".leaflet-marker-icon:not(.geo-label-icon)").count() == 0  # names only
        box = page.locator("iframe").first.bounding_box()
        assert box is not None
        assert box["y"] + box["height"] <= 768, box  # the whole map above the fold
        assert box["width"] >= 600, box
        assert frame.get_by_text("Incidents in the ward").count() == 1  # the legend, on the map
        if path == "/pact" and os.environ.get("GEO_SCREENSHOTS") == "1":  # only when asked
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "pact-1024x768.png"))
        page.get_by_text("500 m squares").click()
        frame, _ = leaflet_frame(page, min_shapes=10)
        assert frame.get_by_text("Incidents in the 500 m square").count() == 1  # its legend
        outlines = frame.locator('path.leaflet-interactive[stroke="#08306b"]').count()
        assert outlines >= 5  # the squares, outlined apart from the grey ward borders
        browser.close()


AXE = REPO / "tests" / "vendor" / "axe-core" / "axe.min.js"


def serious(target) -> list:
    """Run the vendored axe-core in a page or frame; its serious and critical violations."""
    target.add_script_tag(path=str(AXE))
    result = target.evaluate("axe.run(document, {resultTypes: ['violations'], iframes: false})")
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


@pytest.mark.parametrize("size", [(1024, 768), (390, 844)])
def test_axe_core_finds_no_serious_violation_on_the_app_page_or_in_its_map(public_url, size):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS)
        )
        page = browser.new_page(viewport={"width": size[0], "height": size[1]})
        page.goto(public_url + "/pact", wait_until="domcontentloaded")
        page.get_by_text("Swanley, July to September 2025").wait_for(timeout=90_000)
        frame, _ = leaflet_frame(page, min_shapes=5)
        page.get_by_text("You said, we did").first.wait_for(timeout=30_000)
        page.wait_for_timeout(1000)
        levels = page.evaluate(
            "[...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1])"
        )

        assert serious(page) == []
        assert serious(frame) == []  # the map's own document (the component frame)
        assert levels[0] == 1
        assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels
        assert page.locator("iframe[title*='Swanley PACT area']").count() == 1
        browser.close()
