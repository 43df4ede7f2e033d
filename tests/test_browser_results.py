"""The Results page in a real Chromium: a quarter's measures, the year before, verdicts, offline.

Served as tests/test_browser.py serves the app: a fresh ``GEO_HOME`` with no users, so
the app is open to this computer (the signed-in view). Needs Debian's chromium at
/usr/bin/chromium.
"""

import os
from pathlib import Path
from urllib.parse import urlparse

import pytest

from geo.testing import CHROMIUM, CHROMIUM_ARGS, serve_app

REPO = Path(__file__).parents[1]
LOCAL_HOSTS = {"localhost", "127.0.0.1"}
VERDICTS = {"met", "not met", "too few to tell", "no comparison data"}

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian chromium at /usr/bin/chromium (apt-get install chromium)",
)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    env = {k: v for k, v in os.environ.items() if k not in {"GEO_PUBLIC", "GEO_PLAN_DB"}}
    env["GEO_HOME"] = str(tmp_path_factory.mktemp("geo_home"))  # a fresh store, no users
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with serve_app(REPO / "app.py", env=env, log=log) as url:
        yield url


def _table_rows(page) -> list[list[str]]:
    """Return the first table's rows as text (its header first), from the grid's own table."""
    table = page.get_by_test_id("stDataFrame").first.locator("table")
    return [row.locator("th, td").all_text_contents() for row in table.locator("tr").all()]


def test_results_page_shows_2025_q1_measures_against_2024_with_verdicts(app_url):
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS)
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.on("request", lambda request: requests.append(request.url))
        page.goto(f"{app_url}/results", wait_until="domcontentloaded")
        page.get_by_role("heading", name="Success measures,").wait_for(timeout=120_000)
        page.get_by_test_id("stSelectbox").click()
        page.get_by_role("option", name="2025-Q1").click()
        page.get_by_role("heading", name="Success measures, January to March 2025").wait_for(
            timeout=60_000
        )
        page.locator("[role=columnheader]", has_text="January to March 2024").wait_for(
            state="attached", timeout=60_000
        )  # the grid's own table is hidden: it is there for screen readers
        rows = _table_rows(page)
        download = page.get_by_role("button", name="Download the report (Word)")
        download.wait_for(timeout=30_000)
        assert download.is_enabled()
        browser.close()

    header = rows[0]
    measures = [r for r in rows[1:] if r and r != header]  # the grid repeats its header
    assert header == [
        "Measure",
        "Target",
        "January to March 2025",
        "January to March 2024",
        "Change (95 % range)",
        "Verdict",
    ]
    verdicts = {row[0]: row[-1] for row in measures}
    assert set(verdicts) == {"All crime", "Burglary", "Vehicle crime", "Anti-social behaviour"}
    assert set(verdicts.values()) <= VERDICTS
    assert verdicts["All crime"] == "met"  # 1,645 against 1,822: down 10 %, beyond chance
    outside = {u for u in requests if urlparse(u).hostname not in LOCAL_HOSTS}
    assert requests
    assert {u for u in outside if urlparse(u).scheme in {"http", "https", "ws", "wss"}} == set()
