"""The week's plan as files: XLSX or CSV with provenance, and a printable page.

Internal use only (plans name sites). Generic table writing, formula safety and the
"about" block come from `geo.export`.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import TYPE_CHECKING

from geo.crs import to_wgs84
from geo.export import about_block, write_table

if TYPE_CHECKING:
    from geo.pipeline import WeekRun
    from geo.store import StoredPlan


def write_plan(run: WeekRun, path: Path, *, saved: StoredPlan | None = None) -> list[Path]:
    """
    Write a week's plan to XLSX or CSV with its provenance ("about").

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    rows = run.plan.deployments
    lonlat = to_wgs84(rows) if len(rows) else rows
    table = rows.drop(columns="geometry").assign(
        longitude=lonlat.geometry.x.round(6).to_numpy() if len(rows) else [],
        latitude=lonlat.geometry.y.round(6).to_numpy() if len(rows) else [],
        numbers=rows["numbers"].map(json.dumps),
    )
    notes = list(run.plan.notes)
    if run.synthetic_sources:
        notes.append(
            "Speed evidence from SYNTHETIC sample files: " + ", ".join(run.synthetic_sources)
        )
    about = about_block(
        title=f"Deployment plan, week of {run.week.isoformat()}",
        period=f"{run.window.label} (data to {run.as_of})",
        sources=[f.source_file for f in run.loaded.files],
        extra={"notes": " | ".join(notes),
               "saved": f"version {saved.version} ({saved.status})" if saved else "not saved"},
    )  # fmt: skip
    return write_table(path, {"plan": table}, about=about)


RESOURCE_TITLES = {
    "cctv": "Mobile CCTV",
    "speed_board": "Speed indicator boards",
    "eva": "Environmental Visual Audit",
    "patrol": "PCSO hot-spot patrols",
}


def printable_plan(run: WeekRun) -> str:
    """
    Return the week's plan as a self-contained printable HTML page for the tasking meeting.

    Internal use only (it names sites); every text is HTML-escaped.
    """
    plan = run.plan
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>Deployment plan, week of {plan.week.isoformat()}</title>",
        "<style>body{font-family:sans-serif;margin:2em}td,th{border:1px solid #999;padding:4px 8px;"
        "vertical-align:top}table{border-collapse:collapse;width:100%}</style></head><body>",
        f"<h1>Deployment plan: week of {plan.week:%A %d %B %Y}</h1>",
        f"<p>Evidence: {html.escape(run.window.label)} (data to {html.escape(run.as_of)}). "
        "OFFICIAL-SENSITIVE: internal to the CSU and partners.</p>",
    ]
    for kind, title in RESOURCE_TITLES.items():
        rows = plan.deployments[plan.deployments["resource"] == kind]
        used, available = plan.used.get(kind, 0), plan.available.get(kind, 0)
        parts.append(f"<h2>{title}</h2>")
        if kind != "patrol":
            parts.append(f"<p>{used:g} of {available:g} in use.</p>")
        if rows.empty:
            parts.append("<p>None this week.</p>")
            continue
        parts.append("<table><tr><th>Unit</th><th>Site</th><th>Why</th><th>Status</th></tr>")
        for r in rows.itertuples():
            cells = (r.unit, r.site_name, r.reason, r.status)
            parts.append(
                "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>"
            )
        parts.append("</table>")
    notes = list(plan.notes) + (
        [f"SYNTHETIC inputs used: {', '.join(run.synthetic_sources)}"]
        if run.synthetic_sources
        else []
    )
    if notes:
        parts.append(
            "<h2>Notes</h2><ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>"
        )
    parts.append("</body></html>")
    return "\n".join(parts)
