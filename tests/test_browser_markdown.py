"""Markdown from data renders as text in Chromium: no image fetched, no link made.

A user named with image markdown signs in and uploads a file whose name and header carry
image and link markdown pointing at a local listener; the listener must get no request and
the page no ``<img>``/``<a>`` to it. (Unit and road names reach the same `markdown_text`
sinks on This week; this test covers the Data page and the frame.)
"""

import socket
import threading
from pathlib import Path

import pytest

from geo.testing import CHROMIUM, CHROMIUM_ARGS, serve_app
from geo.users import add_user

REPO = Path(__file__).parents[1]
PASSWORD = "correct horse battery"


def _listener() -> tuple[socket.socket, int, list[bytes]]:
    """Listen on a free local port, keeping the start of every request it gets."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    hits: list[bytes] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            hits.append(conn.recv(200))
            conn.close()

    threading.Thread(target=accept, daemon=True).start()
    return listener, listener.getsockname()[1], hits


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium")
def test_markdown_in_names_and_headers_fetches_nothing_and_links_nothing(tmp_path):
    from playwright.sync_api import sync_playwright

    listener, port, hits = _listener()
    image = f"![x](http://127.0.0.1:{port}/a.png)"
    link = f"[click](http://127.0.0.1:{port}/b)"
    home = tmp_path / "home"
    add_user(home / "plans.sqlite", image, "sergeant", PASSWORD)
    upload = {  # a file name cannot hold "/": the link's target has none
        "name": f"[click](http:127.0.0.1:{port}).csv",
        "mimeType": "text/csv",
        "buffer": f"{image},{link}\n1,2\n".encode(),
    }
    env = {"GEO_HOME": str(home), "PATH": "/usr/bin:/bin"}
    with (
        serve_app(REPO / "app.py", env=env, log=tmp_path / "server.log") as url,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS)
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url + "/data", wait_until="domcontentloaded")
        page.get_by_label("Username", exact=True).fill(image)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_text("Signed in as").wait_for(timeout=60_000)
        page.locator("input[type=file]").set_input_files(upload)
        # the error message, not the same words in the table's hidden grid cells
        page.get_by_test_id("stAlert").filter(has_text="wrong columns").first.wait_for(
            timeout=60_000
        )
        page.wait_for_timeout(1500)
        assert page.get_by_text(image, exact=False).count() >= 1  # shown as text
        assert page.locator(f"img[src*='{port}']").count() == 0
        links = page.locator(f"a[href*='{port}']")
        assert links.count() == 0, links.first.evaluate("e => e.parentElement.outerHTML")
        browser.close()
    listener.close()
    assert hits == []


def _hostile_plans(db: Path, image: str, link: str, bare: str) -> None:
    """Approve two real weeks, then save each again with markdown in its names and notes.

    The approver (``--by``), every camera's unit name, every site (road) name, the camera
    notes and a plan note carry the payloads: a store written by another tool, or names
    from a data file, reach the pages exactly so. 2025-10-06 is the week This week and
    Weeks ahead open on (the Monday after the shipped data's last month); 2025-07-07 lies
    in 2025-Q3, the quarter the Results page opens on.
    """
    import datetime as dt
    import json

    from geo import pipeline
    from geo.plan.registry import read_resources
    from geo.store import save_plan

    loaded = pipeline.load()
    for week in (dt.date(2025, 10, 6), dt.date(2025, 7, 7)):
        run = pipeline.run_week(loaded, week=week, resources=read_resources(), db=db)
        first = pipeline.approve_week(run, None, None, by=image, db=db)
        rows = first.deployments.copy()
        cameras = rows["resource"] == "cctv"
        rows.loc[cameras, "unit"] = rows.loc[cameras, "unit"] + " " + link
        rows.loc[cameras, "note"] = f"moved {link} {bare}"
        rows["site_name"] = rows["site_name"] + f" {image} {bare}"
        made = json.loads(first.note)
        made["notes"] = [*made.get("notes", []), f"Road {image} {link} {bare}"]
        save_plan(
            db,
            week=week,
            deployments=rows,
            status="approved",
            saved_by=f"{image} {link} {bare}",
            base_version=first.version,
            note=json.dumps(made),
        )


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium")
def test_markdown_in_an_approved_plan_fetches_nothing_and_links_nothing(tmp_path):
    """Approver, unit and road names with markdown on This week, Map, Weeks ahead, Results."""
    from playwright.sync_api import sync_playwright

    listener, port, hits = _listener()
    image = f"![x](http://127.0.0.1:{port}/a.png)"
    link = f"[click](http://127.0.0.1:{port}/)"
    bare = f"http://127.0.0.1:{port}/x"
    home = tmp_path / "home"
    home.mkdir()
    _hostile_plans(home / "plans.sqlite", image, link, bare)
    env = {"GEO_HOME": str(home), "PATH": "/usr/bin:/bin"}  # no users: open to this computer
    requests: list[str] = []
    seen: dict[str, int] = {}

    def no_markup(page, where: str) -> None:
        """Assert the Streamlit page (not the map's iframe) has no image or link to the port."""
        page.wait_for_timeout(1500)
        seen[where] = page.get_by_text(f"127.0.0.1:{port}", exact=False).count()
        assert page.locator(f"img[src*='{port}'], [srcset*='{port}']").count() == 0, where
        links = page.locator(f"a[href*='{port}']")
        assert links.count() == 0, (where, links.first.evaluate("e => e.parentElement.outerHTML"))

    with (
        serve_app(REPO / "app.py", env=env, log=tmp_path / "server.log") as url,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS)
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.on("request", lambda request: requests.append(request.url))

        page.goto(url + "/week", wait_until="domcontentloaded")
        page.get_by_text("Approved plan, version 2, by").wait_for(timeout=120_000)
        page.get_by_text(f"Road {image}", exact=False).wait_for(timeout=30_000)  # as text
        page.get_by_test_id("stSelectbox").filter(has_text="Deployment to note").wait_for()
        no_markup(page, "This week, approved")
        page.get_by_role("button", name="Re-plan this week").click()
        page.get_by_text("re-planning from version 2").wait_for(timeout=120_000)
        page.get_by_role("heading", name="Last approved plan").wait_for(timeout=60_000)
        no_markup(page, "This week, re-planning")

        page.goto(url + "/map", wait_until="domcontentloaded")
        page.get_by_role("heading", name="By month").wait_for(timeout=120_000)
        no_markup(page, "Map")  # its plan toggle is not driven here (see the report of #18)

        page.goto(url + "/timeline", wait_until="domcontentloaded")
        page.get_by_role("heading", name="Moves").wait_for(timeout=120_000)
        no_markup(page, "Weeks ahead")

        page.goto(url + "/results", wait_until="domcontentloaded")
        page.get_by_role("heading", name="Outcomes of deployments").wait_for(timeout=120_000)
        no_markup(page, "Results")
        browser.close()
    listener.close()
    assert [u for u in requests if f":{port}" in u] == []
    assert hits == []
    assert seen["This week, approved"] >= 3, seen  # the payloads are there, shown as text
