"""Drive the real app in headless Chromium: maps draw, downloads work, nothing leaves the machine.

Needs Debian's chromium at /usr/bin/chromium (`apt-get install -y chromium`; .ci/run
installs it). Playwright's own browser download is not needed. Prints how long the cold
Map page and a later interaction took (figures, not assertions). Screenshots of each
page go to a temporary folder, or to docs/screenshots/ when ``GEO_SCREENSHOTS=1``
(the README's pictures are refreshed only when asked).
"""

import os
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from geo.testing import CHROMIUM, CHROMIUM_ARGS, leaflet_frame, serve_app

REPO = Path(__file__).parents[1]
SHOTS = REPO / "docs" / "screenshots"
WEEK = "2025-10-06"
LOCAL_HOSTS = {"localhost", "127.0.0.1"}

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian chromium at /usr/bin/chromium (apt-get install chromium)",
)


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    """Where screenshots go: docs/screenshots/ only when GEO_SCREENSHOTS=1."""
    if os.environ.get("GEO_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        return SHOTS
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    env = {k: v for k, v in os.environ.items() if k not in {"GEO_PUBLIC", "GEO_PLAN_DB"}}
    env["GEO_HOME"] = str(tmp_path_factory.mktemp("geo_home"))  # a fresh store, no users
    # the hostile fixture's template payload would create this directory if Jinja ran it
    canary = tmp_path_factory.mktemp("canary") / "template-ran"
    env["GEO_TEMPLATE_CANARY"] = str(canary)
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with serve_app(REPO / "app.py", env=env, log=log) as url:
        yield url
    assert not canary.exists(), "a template payload from data ran in the app's server"


def browser_page(p, requests: list[str]):
    browser = p.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS)
    )
    context = browser.new_context(viewport={"width": 1400, "height": 1100}, accept_downloads=True)
    page = context.new_page()
    page.on("request", lambda request: requests.append(request.url))
    return browser, page


def assert_stayed_local(requests: list[str]) -> None:
    outside = sorted(
        {u for u in requests if urlparse(u).scheme in {"http", "https", "ws", "wss"}}
        - {u for u in requests if urlparse(u).hostname in LOCAL_HOSTS}
    )
    assert requests
    assert outside == []


def test_pages_draw_offline_with_context_and_the_pact_page_downloads(app_url, tmp_path, shots):
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    with sync_playwright() as p:
        browser, page = browser_page(p, requests)
        start = time.monotonic()
        page.goto(app_url, wait_until="domcontentloaded")
        frame, _ = leaflet_frame(page, min_shapes=26)  # the 26 wards at least
        cold = time.monotonic() - start
        assert frame.locator(".leaflet-heatmap-layer").count() == 1
        places = {t.strip() for t in frame.locator(".geo-label-place").all_inner_texts()}
        wards = frame.locator(".geo-label-ward").count()
        print(
            f"\ncold Map page drawn in {cold:.1f} s; {len(places)} place names, "
            f"{wards} ward names on the map"
        )
        assert len(places) >= 6, places
        assert {"Sevenoaks", "Swanley", "Edenbridge"} <= places
        page.wait_for_timeout(1500)
        page.screenshot(path=str(shots / "map.png"))
        # a later interaction: choose one ward
        start = time.monotonic()
        page.get_by_text("Wards (none chosen = all)").click()
        page.keyboard.type("Edenbridge North")
        page.keyboard.press("Enter")
        page.wait_for_timeout(300)
        leaflet_frame(page, min_shapes=1)
        print(f"choosing a ward redrew the map in {time.monotonic() - start:.1f} s")

        page.get_by_role("link", name="Hotspots").click()
        page.get_by_text("Hotspots to export").wait_for(timeout=90_000)
        leaflet_frame(page, min_shapes=26)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(shots / "hotspots.png"))

        page.get_by_role("link", name="PACT map").click()
        page.get_by_text("Swanley, July to September 2025").wait_for(timeout=60_000)
        frame, _ = leaflet_frame(page, min_shapes=5)  # Swanley's five wards
        assert frame.locator(".leaflet-marker-icon:not(.geo-label-icon)").count() == 0
        page.wait_for_timeout(1500)
        page.screenshot(path=str(shots / "pact.png"))
        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("button", name="Download this map as a web page").click()
        saved = tmp_path / info.value.suggested_filename
        info.value.save_as(saved)

        page.get_by_role("link", name="Data").click()
        page.get_by_text("Every file the app is running on").wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(shots / "data.png"))
        browser.close()

    page_html = saved.read_text(encoding="utf-8")
    assert saved.name == "pact-swanley-2025-07-to-2025-09.html"
    assert "<title>Swanley PACT area: recorded crime and ASB, July to September 2025</title>" in (
        page_html
    )
    assert "<script src=" not in page_html
    assert "Swanley St Mary" in page_html
    assert_stayed_local(requests)
    assert any(u.endswith("/app/static/leaflet/leaflet.js") for u in requests)


def test_an_approved_plan_is_shown_after_a_reload_and_its_downloads_say_so(
    app_url, tmp_path, shots
):
    import openpyxl
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    with sync_playwright() as p:
        browser, page = browser_page(p, requests)
        page.goto(f"{app_url}/week", wait_until="domcontentloaded")
        page.get_by_text("Suggested plan: not approved").wait_for(timeout=120_000)
        leaflet_frame(page, min_shapes=26)
        page.wait_for_timeout(1000)
        page.screenshot(path=str(shots / "week.png"))
        page.get_by_label("Your name or collar number").fill("PS 1234")
        page.get_by_label("Your name or collar number").press("Enter")
        page.get_by_role("button", name="Approve and save").click()
        page.get_by_text("Approved and saved as version 1 by PS 1234").wait_for(timeout=60_000)
        page.reload(wait_until="domcontentloaded")
        page.get_by_text("Approved plan, version 1, by PS 1234").wait_for(timeout=120_000)
        assert page.get_by_role("button", name="Approve and save").count() == 0
        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("button", name="Plan (XLSX)").click()
        xlsx = tmp_path / info.value.suggested_filename
        info.value.save_as(xlsx)
        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("button", name="Printable page (HTML)").click()
        printable = tmp_path / info.value.suggested_filename
        info.value.save_as(printable)
        browser.close()

    book = openpyxl.load_workbook(xlsx)
    plan = book[book.sheetnames[0]]
    header = [c.value for c in plan[1]]
    statuses = {row[header.index("Status")] for row in plan.iter_rows(min_row=2, values_only=True)}
    assert statuses == {"approved"}
    about = " ".join(
        str(c.value) for row in book[book.sheetnames[-1]].iter_rows() for c in row if c.value
    )
    assert "Approved plan, version 1, by PS 1234 on" in about
    assert "Approved plan, version 1, by PS 1234 on" in printable.read_text(encoding="utf-8")
    assert_stayed_local(requests)


HOSTILE_CSV = Path(__file__).parent / "fixtures" / "hostile_html" / "hostile_police.csv"


def test_a_hostile_upload_runs_no_script_on_any_internal_page(app_url):
    """Upload Locations carrying <img onerror>, <script>, javascript: links; open every popup."""
    from playwright.sync_api import sync_playwright

    from geo.testing import OPEN_ALL

    requests: list[str] = []
    dialogs: list[str] = []
    opened = {}
    with sync_playwright() as p:
        browser, page = browser_page(p, requests)
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(f"{app_url}/data", wait_until="domcontentloaded")
        page.get_by_text("Every file the app is running on").wait_for(timeout=90_000)
        page.locator("input[type=file]").set_input_files(str(HOSTILE_CSV))
        page.get_by_text("Your uploads").wait_for(timeout=90_000)
        for link, shapes in [("Map", 26), ("Hotspots", 26), ("This week", 26)]:
            page.get_by_role("link", name=link, exact=True).click()
            page.wait_for_timeout(1500)
            frame, _ = leaflet_frame(page, min_shapes=shapes, timeout_s=120)
            page.wait_for_timeout(1000)
            opened[link] = frame.evaluate(OPEN_ALL)
            page.wait_for_timeout(300)  # let any injected script or image fire
        browser.close()
    assert dialogs == []
    assert_stayed_local(requests)
    for link, result in opened.items():
        assert result["bad"] == [], (link, result["bad"][:5])
        assert result["leaves"] > 0, link
    shown = " ".join(" ".join(r["shown"]) for r in opened.values())
    assert "<img src=x onerror=" in shown  # the payload is shown as text: the popups did open
