"""Builders of tiny synthetic worlds for tests, with answers you can derive by hand.

Everything is placed relative to `ORIGIN`, a point near Sevenoaks town centre in
EPSG:27700, so fixtures look like the real district.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geo.crs import BNG

ORIGIN = (552_500.0, 155_300.0)
"""A point near Sevenoaks town centre in EPSG:27700 (metres)."""

POLICE_UK_HEADER: tuple[str, ...] = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)
"""The exact column order of a police.uk street-level file."""


def make_incidents(
    offsets_m: Sequence[tuple[float, float]],
    *,
    category: str = "asb",
    occurred: str = "2025-09-01",
    crs: str | None = BNG,
) -> gpd.GeoDataFrame:
    """
    Build point incidents at (dx, dy) metres from `ORIGIN`.

    Parameters
    ----------
    offsets_m
        One (dx, dy) per incident.
    category
        The category of every incident.
    occurred
        The date of every incident (month precision).
    crs
        The CRS to declare (None for a frame with no CRS).

    Returns
    -------
    geopandas.GeoDataFrame
        Incidents with the contract's columns (wards "T01", locations "Test street").

    Examples
    --------
    >>> make_incidents([(0, 0), (10, 0)])[["incident_id", "category"]].to_dict("list")
    {'incident_id': ['t0', 't1'], 'category': ['asb', 'asb']}
    """
    x0, y0 = ORIGIN
    points = [shapely.Point(x0 + dx, y0 + dy) for dx, dy in offsets_m]
    n = len(points)
    return gpd.GeoDataFrame(
        {
            "incident_id": [f"t{i}" for i in range(n)],
            "category": [category] * n,
            "source_category": [category] * n,
            "source": ["test"] * n,
            "occurred": pd.to_datetime([occurred] * n),
            "date_precision": ["month"] * n,
            "location": ["On or near Test Street"] * n,
            "ward_code": ["T01"] * n,
            "ward_name": ["Test ward T01"] * n,
        },
        geometry=gpd.GeoSeries(points, crs=crs),
        crs=crs,
    )


def make_ward_grid(n_cols: int, n_rows: int, *, size_m: float = 1000.0) -> gpd.GeoDataFrame:
    """
    Build square "wards" in a grid whose lower-left corner is `ORIGIN`.

    Parameters
    ----------
    n_cols, n_rows
        Grid size.
    size_m
        Side of each square ward in metres.

    Returns
    -------
    geopandas.GeoDataFrame
        ``ward_code`` T01, T02, ... (row by row from the bottom), ``ward_name``
        "Test ward T01", ..., in EPSG:27700.

    Examples
    --------
    >>> make_ward_grid(2, 1)["ward_code"].tolist()
    ['T01', 'T02']
    """
    x0, y0 = ORIGIN
    boxes = [
        shapely.box(x0 + c * size_m, y0 + r * size_m, x0 + (c + 1) * size_m, y0 + (r + 1) * size_m)
        for r in range(n_rows)
        for c in range(n_cols)
    ]
    codes = [f"T{i + 1:02d}" for i in range(len(boxes))]
    return gpd.GeoDataFrame(
        {"ward_code": codes, "ward_name": [f"Test ward {c}" for c in codes]},
        geometry=boxes,
        crs=BNG,
    )


def police_uk_csv(rows: Sequence[dict[str, str]]) -> str:
    r"""
    Render rows as the text of a police.uk street-level file.

    Parameters
    ----------
    rows
        Each maps some of `POLICE_UK_HEADER` to values; the rest are empty.

    Returns
    -------
    str
        CSV text with the police.uk header, ``\\n`` line endings.
    """
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=POLICE_UK_HEADER, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: row.get(k, "") for k in POLICE_UK_HEADER})
    return out.getvalue()


def write_text(path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    """Write `text` to `path` in `encoding` and return the path."""
    path.write_bytes(text.encode(encoding))
    return path


def make_hotspots(
    centres_m: Sequence[tuple[float, float]],
    *,
    radius_m: float = 80.0,
    n_incidents: Sequence[int] | None = None,
    trend_class: str = "persistent",
    category: str = "asb+criminal_damage",
) -> gpd.GeoDataFrame:
    """
    Build round hotspots at (dx, dy) metres from `ORIGIN`, with the engine's columns.

    Parameters
    ----------
    centres_m
        One (dx, dy) per hotspot; ids are H0, H1, ...
    radius_m
        Radius of each outline.
    n_incidents
        Count per hotspot (default 10 each); the prior count is half of it.
    trend_class
        The class of every hotspot.
    category
        The category (set) of every hotspot.

    Returns
    -------
    geopandas.GeoDataFrame
        ``hotspot_id``, ``category``, ``rank``, ``n_incidents``, ``n_prior``, ``change_pct``,
        ``trend``, ``trend_class``, ``harm``, ``gi_bin``, ``ward_names``,
        ``top_locations``, ``centroid_x``, ``centroid_y`` and Polygon outlines (EPSG:27700).

    Examples
    --------
    >>> make_hotspots([(0, 0), (500, 0)])["hotspot_id"].tolist()
    ['H0', 'H1']
    """
    x0, y0 = ORIGIN
    counts = list(n_incidents) if n_incidents is not None else [10] * len(centres_m)
    rows = []
    for i, ((dx, dy), n) in enumerate(zip(centres_m, counts, strict=True)):
        rows.append(
            {
                "hotspot_id": f"H{i}",
                "category": category,
                "rank": i + 1,
                "n_incidents": n,
                "n_prior": n // 2,
                "change_pct": 100.0 if n else float("nan"),
                "trend": "up 100 %",
                "trend_class": trend_class,
                "harm": float(n),
                "gi_bin": 3,
                "ward_names": "Test ward T01",
                "top_locations": f"On or near Street {i}: {n}",
                "centroid_x": x0 + dx,
                "centroid_y": y0 + dy,
                "geometry": shapely.Point(x0 + dx, y0 + dy).buffer(radius_m),
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=BNG)


# --- the app in a real browser -----------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
"""Debian's Chromium, which the browser tests drive (Playwright's own download is not needed)."""

CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--no-proxy-server",
)
"""Chromium switches for a headless run on a machine with no network but loopback."""


def make_plan_rows(
    sites: Sequence[tuple[float, float]],
    week: dt.date,
    *,
    resource: str = "cctv",
    unit: str = "Camera",
    weeks_on_site: int = 1,
) -> pd.DataFrame:
    """
    Build one week's approved plan rows, one unit per site, as the store keeps them.

    Parameters
    ----------
    sites
        ``(x, y)`` in EPSG:27700, one per unit.
    week
        The Monday the rows start.
    resource, unit
        The kind's key, and the units' name before their number ("Camera 1", ...).
    weeks_on_site
        The week of the stay each row is.

    Examples
    --------
    >>> import datetime
    >>> rows = make_plan_rows([(552_500, 155_300)], datetime.date(2025, 10, 6))
    >>> rows[["unit", "start", "end", "status"]].values.tolist()
    [['Camera 1', '2025-10-06', '2025-10-12', 'approved']]
    """
    from geo.schema import DEPLOYMENT_COLUMNS

    end = week + dt.timedelta(days=6)
    return pd.DataFrame(
        [
            {
                "resource": resource,
                "unit": f"{unit} {i + 1}",
                "site_id": f"{x:.0f}:{y:.0f}",
                "site_name": f"Site {i + 1}",
                "x": x,
                "y": y,
                "hotspot_ids": "",
                "start": week.isoformat(),
                "end": end.isoformat(),
                "weeks_on_site": weeks_on_site,
                "reason": "test",
                "status": "approved",
                "changed_by": "",
                "changed_at": "",
                "change": "",
                "numbers": {},
                "note": "",
                "outcome": "",
            }
            for i, (x, y) in enumerate(sites)
        ],
        columns=list(DEPLOYMENT_COLUMNS),
    )


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve_app(
    app: Path,
    *,
    env: Mapping[str, str],
    log: Path,
    address: str | None = "127.0.0.1",
    timeout_s: float = 90,
) -> Iterator[str]:
    """
    Run ``streamlit run app`` on a free port until the block ends; yield its local URL.

    Parameters
    ----------
    app
        The app's entry script (``app.py`` of a checkout).
    env
        The server's environment (``GEO_HOME``, ``GEO_PUBLIC``, ...).
    log
        Where the server's output goes (shown if it fails to start).
    address
        The address the server listens on; None leaves it to ``.streamlit/config.toml``.
    timeout_s
        How long to wait for ``/_stcore/health`` to answer ``ok``.

    Raises
    ------
    RuntimeError
        If the server exits or does not answer in time.
    """
    import subprocess
    import sys
    import time
    import urllib.request

    port = free_port()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
    ]
    if address is not None:
        command += ["--server.address", address]
    url = f"http://127.0.0.1:{port}"
    with log.open("w") as out:
        process = subprocess.Popen(
            command, cwd=app.parent, env=dict(env), stdout=out, stderr=subprocess.STDOUT, text=True
        )
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                if process.poll() is not None:
                    msg = f"streamlit exited with {process.returncode}: {log.read_text()}"
                    raise RuntimeError(msg)
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                        if answer.read().strip() == b"ok":
                            break
                except OSError:
                    if time.monotonic() > deadline:
                        msg = f"streamlit did not answer at {url}: {log.read_text()}"
                        raise RuntimeError(msg) from None
                    time.sleep(0.5)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def leaflet_frame(page: object, *, min_shapes: int, timeout_s: float = 90) -> tuple[object, int]:
    """
    Wait for a frame whose Leaflet map has drawn at least `min_shapes` vector shapes.

    Parameters
    ----------
    page
        A Playwright page.
    min_shapes
        Shapes (wards, hotspots, squares) the map must have drawn.
    timeout_s
        How long to wait.

    Returns
    -------
    tuple
        The frame and its number of shapes.

    Raises
    ------
    AssertionError
        If no such map drew in time.
    """
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for frame in page.frames:
            try:
                shapes = frame.locator(".leaflet-container path.leaflet-interactive").count()
            except Exception:
                continue
            if shapes >= min_shapes:
                return frame, shapes
        page.wait_for_timeout(500)
    msg = f"no Leaflet map with {min_shapes} shapes drew within {timeout_s} s"
    raise AssertionError(msg)


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
"""JavaScript for Playwright: open every feature's tooltip and popup on a folium map, and
return what they showed (``shown``), elements or handlers from data (``bad``) and counts."""
