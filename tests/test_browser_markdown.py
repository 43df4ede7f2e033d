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


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium")
def test_markdown_in_names_and_headers_fetches_nothing_and_links_nothing(tmp_path):
    from playwright.sync_api import sync_playwright

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    hits = []

    def accept():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            hits.append(conn.recv(200))
            conn.close()

    threading.Thread(target=accept, daemon=True).start()
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
        page.get_by_text("wrong columns").first.wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        assert page.get_by_text(image, exact=False).count() >= 1  # shown as text
        assert page.locator(f"img[src*='{port}']").count() == 0
        links = page.locator(f"a[href*='{port}']")
        assert links.count() == 0, links.first.evaluate("e => e.parentElement.outerHTML")
        browser.close()
    listener.close()
    assert hits == []
