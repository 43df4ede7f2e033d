"""A printable task sheet per officer: their visits of the week in time order, with a small map.

Each sheet is one self-contained HTML page (the map is a PNG drawn offline with
matplotlib and embedded), for printing at the start of a shift: day, time, minutes,
place, why, a box to tick done / not done / cut short, and the sergeant's notes.
Every value from data is escaped with `geo.safe_text.html_text` where it is written;
map labels are drawn as plain text by matplotlib (never parsed as mathtext).
Internal use only (it names sites).
"""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from geo.plan_calendar import visit_rows
from geo.safe_text import html_text

if TYPE_CHECKING:
    from geo.plan_export import PlanSheet

MAP_MARGIN_M = 800.0
"""Metres of context drawn around an officer's visits."""


def _slug(name: str) -> str:
    """
    Return a file name for an officer.

    Examples
    --------
    >>> _slug("PCSO 4567 Jones")
    'pcso-4567-jones'
    >>> _slug("../../etc")
    'etc'
    """
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-") or "officer"


def _places(x: pd.Series, y: pd.Series) -> pd.DataFrame:
    """Return the shipped place names (GeoNames) inside the map's extent, BNG metres."""
    from geo.maps.places import place_names

    places = place_names()
    xmin, xmax = x.min() - MAP_MARGIN_M, x.max() + MAP_MARGIN_M
    ymin, ymax = y.min() - MAP_MARGIN_M, y.max() + MAP_MARGIN_M
    inside = places.cx[xmin:xmax, ymin:ymax]
    return pd.DataFrame(
        {"name": inside["name"], "x": inside.geometry.x, "y": inside.geometry.y}
    ).drop_duplicates("name")


def visit_map(visits: pd.DataFrame) -> bytes:
    """
    Draw an officer's visit places, numbered, with the place names around them, as a PNG.

    Parameters
    ----------
    visits
        `geo.plan_calendar.visit_rows` for one officer (``x``, ``y``, ``unit``).

    Returns
    -------
    bytes
        The PNG.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    spots = visits.drop_duplicates("unit")
    fig, ax = plt.subplots(figsize=(6, 4.5), dpi=110)
    try:
        for p in _places(spots["x"], spots["y"]).itertuples():
            ax.plot(p.x, p.y, marker="s", markersize=3, color="#777777")
            ax.text(
                p.x, p.y, f" {p.name}", fontsize=8, color="#555555", usetex=False, parse_math=False
            )
        ax.scatter(spots["x"], spots["y"], s=160, color="#1f78b4", zorder=3)
        for s in spots.itertuples():
            number = str(s.unit).rsplit(" ", 1)[-1]
            ax.text(
                s.x,
                s.y,
                number,
                ha="center",
                va="center",
                color="white",
                fontsize=8,
                fontweight="bold",
                zorder=4,
                parse_math=False,
            )
        ax.set_xlim(spots["x"].min() - MAP_MARGIN_M, spots["x"].max() + MAP_MARGIN_M)
        ax.set_ylim(spots["y"].min() - MAP_MARGIN_M, spots["y"].max() + MAP_MARGIN_M)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title("Visit places (numbers: patrol), British National Grid", fontsize=9)
        ax.text(
            0.99,
            0.01,
            "Place names: GeoNames (CC BY 4.0)",
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontsize=6,
            color="#777777",
        )
        buf = io.BytesIO()
        fig.savefig(buf, format="png", bbox_inches="tight", metadata={"Software": None})
    finally:
        plt.close(fig)
    return buf.getvalue()


def task_sheet(sheet: PlanSheet, officer: str, visits: pd.DataFrame) -> str:
    """
    Return one officer's printable task sheet as an HTML page.

    Parameters
    ----------
    sheet
        The week's plan (for its headline and week).
    officer
        The officer's name.
    visits
        That officer's rows of `geo.plan_calendar.visit_rows`.
    """
    esc = html_text
    png = base64.b64encode(visit_map(visits)).decode("ascii")
    visits = visits.sort_values(["date", "start", "unit"])
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>Task sheet: {esc(officer)}, week of {sheet.week.isoformat()}</title>",
        "<style>body{font-family:sans-serif;margin:1.5em}td,th{border:1px solid #999;"
        "padding:4px 6px;vertical-align:top;font-size:11pt}table{border-collapse:collapse;"
        "width:100%}img{max-width:100%}@media print{h1{font-size:16pt}}</style></head><body>",
        f"<h1>Task sheet: {esc(officer)}</h1>",
        f"<p>Hot-spot visits, week of {sheet.week:%A %d %B %Y}. {esc(sheet.headline())}. "
        "Stay 10-16 minutes at each place, visible and on foot; do not follow a fixed route. "
        "OFFICIAL-SENSITIVE: internal to the CSU.</p>",
        f"<img alt='Map of the visit places' src='data:image/png;base64,{png}'>",
        "<table><tr><th>Day</th><th>Time</th><th>Minutes</th><th>Patrol</th><th>Place</th>"
        "<th>Why</th><th>Note</th><th>Done / not done / cut short (minutes)</th></tr>",
    ]
    for v in visits.to_dict("records"):
        day = pd.Timestamp(v["date"]).strftime("%a %d %b")
        cells = (
            day,
            v["start"],
            v["minutes"],
            f"{v['unit']} visit {v['visit']}",
            v["site_name"],
            v["reason"].split(" Visits: ")[0],
            v["note"],
            v["outcome"],
        )
        parts.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>")
    parts.append("</table></body></html>")
    return "\n".join(parts)


def write_task_sheets(sheet: PlanSheet, folder: Path) -> list[Path]:
    """
    Write one task sheet per officer with visits into `folder` (created if missing).

    Returns
    -------
    list of pathlib.Path
        The pages written, one per officer, named after the officer.
    """
    visits = visit_rows(sheet)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for officer, rows in visits.groupby("officer", sort=True):
        path = folder / f"{_slug(str(officer))}.html"
        if path in written:  # two names that differ only in punctuation
            path = folder / f"{_slug(str(officer))}-{len(written) + 1}.html"
        path.write_text(task_sheet(sheet, str(officer), rows), encoding="utf-8")
        written.append(path)
    return written
