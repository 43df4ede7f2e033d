"""The public PACT page in headless Chromium: at /pact in public mode, on a 1024x768 projector.

The server helpers are copies of tests/test_browser.py's (tests import in importlib mode).
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).parents[1]
SHOTS = REPO / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, log: Path, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"streamlit exited with {process.returncode}: {log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"streamlit did not become healthy at {url}")


def leaflet_frame(page, *, min_shapes: int, timeout_s: float = 90):
    """Wait for a frame whose Leaflet map has drawn at least `min_shapes` vector shapes."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for frame in page.frames:
            try:
                shapes = frame.locator(".leaflet-container path.leaflet-interactive").count()
            except Exception:  # a frame may detach while Streamlit reruns
                continue
            if shapes >= min_shapes:
                return frame, shapes
        page.wait_for_timeout(500)
    pytest.fail(f"no Leaflet map with {min_shapes} shapes drew within {timeout_s} s")


pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian chromium at /usr/bin/chromium (apt-get install chromium)",
)


@pytest.fixture(scope="module")
def public_url(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    out = log.open("w")
    command = [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py")]
    command += ["--server.headless", "true", "--server.port", str(port)]
    command += ["--browser.gatherUsageStats", "false"]
    env = {**os.environ, "GEO_PUBLIC": "1"}
    process = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, text=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(f"{url}/_stcore/health", process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        out.close()


@pytest.mark.parametrize("path", ["/pact", "/"])
def test_public_pact_page_opens_cleanly_with_the_map_above_the_fold(public_url, path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1024, "height": 768})
        page.goto(public_url + path, wait_until="domcontentloaded")
        page.get_by_text("Swanley, July to September 2025").wait_for(timeout=90_000)
        frame, _ = leaflet_frame(page, min_shapes=5)  # Swanley's five wards
        page.wait_for_timeout(1000)
        assert page.get_by_text("Page not found").count() == 0
        assert frame.locator(".leaflet-marker-icon").count() == 0
        box = page.locator("iframe").first.bounding_box()
        assert box is not None
        assert box["y"] + box["height"] <= 768, box  # the whole map above the fold
        assert box["width"] >= 600, box
        assert frame.get_by_text("Incidents in the ward").count() == 1  # the legend, on the map
        if path == "/pact":
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "pact-1024x768.png"))
        page.get_by_text("500 m squares").click()
        frame, _ = leaflet_frame(page, min_shapes=10)
        assert frame.get_by_text("Incidents in the 500 m square").count() == 1  # its legend
        outlines = frame.locator('path.leaflet-interactive[stroke="#08306b"]').count()
        assert outlines >= 5  # the squares, outlined apart from the grey ward borders
        browser.close()
