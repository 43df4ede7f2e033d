"""The week's plan as files and as JSON: one `PlanSheet`, from a fresh run or a saved plan.

A plan shown, exported or printed always says what it is: suggested (not yet a
decision) or approved, which version, by whom and when, and for each row its
status and what the sergeant changed. Internal use only (plans name sites).
Generic table writing, formula safety and the "about" block come from `geo.export`;
every value from data is escaped for HTML where the page is written.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from geo.crs import to_wgs84
from geo.export import about_block, write_table
from geo.plan.registry import resource_kinds
from geo.plan_notes import marks_of, outcome_words
from geo.safe_text import html_text
from geo.schema import COLUMN_HEADINGS, deployments_frame

if TYPE_CHECKING:
    from geo.pipeline import WeekRun
    from geo.resources import Resources
    from geo.store import StoredPlan


@dataclass(frozen=True, slots=True, eq=False, kw_only=True)
class PlanSheet:
    """
    A week's plan as it is shown: suggested or approved, with its provenance.

    Attributes
    ----------
    week
        The Monday the plan starts.
    deployments
        Rows with `geo.schema.DEPLOYMENT_COLUMNS` and Point geometry (EPSG:27700).
    status
        ``suggested`` (not saved) or the saved version's status (``approved``).
    version, saved_by, saved_at
        The saved version, who saved it and when (UTC), or None/"" if not saved.
    data_until, evidence
        The last month of data, and the evidence window in words.
    available, used
        Per resource kind (`ResourceKind.budget`).
    notes
        What the sergeant should know.
    sources, synthetic
        Input files, and those marked SYNTHETIC.
    out_of_service
        The units the plan was made without (a camera in repair, a board lent out).
    """

    week: dt.date
    deployments: gpd.GeoDataFrame
    status: str
    version: int | None
    saved_by: str
    saved_at: str
    data_until: str
    evidence: str
    available: Mapping[str, float]
    used: Mapping[str, float]
    notes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    synthetic: tuple[str, ...] = field(default_factory=tuple)
    out_of_service: tuple[str, ...] = ()

    def headline(self) -> str:
        """
        Say what the plan is in one line.

        Examples
        --------
        >>> import geopandas as gpd
        >>> s = PlanSheet(week=dt.date(2025, 10, 6), deployments=gpd.GeoDataFrame(),
        ...               status="approved", version=2, saved_by="Sgt A Khan",
        ...               saved_at="2025-10-03T09:12:00+00:00", data_until="2025-09",
        ...               evidence="Jul-Sep 2025", available={}, used={})
        >>> s.headline()
        'Approved plan, version 2, by Sgt A Khan on 03 Oct 2025 09:12 UTC'
        """
        if self.version is None:
            return "Suggested plan: not approved (not saved)" + self._stale()
        when = pd.Timestamp(self.saved_at).strftime("%d %b %Y %H:%M UTC") if self.saved_at else ""
        status = self.status.capitalize()
        return f"{status} plan, version {self.version}, by {self.saved_by} on {when}" + (
            self._stale()
        )

    def _stale(self) -> str:
        """Say, after the headline, when the data end more than a month before the week."""
        if not self.data_until:
            return ""
        gap = (pd.Period(self.week, freq="M") - pd.Period(self.data_until, freq="M")).n
        if gap <= 1:
            return ""
        return f"; the data end in {self.data_until}, {gap} months before this week"


def provenance(run: WeekRun) -> dict[str, object]:
    """Return what a saved plan keeps about how it was made (its ``note``, as JSON)."""
    return {
        "data_until": run.as_of,
        "evidence": run.window.words(),
        "available": dict(run.plan.available),
        "notes": list(run.plan.notes),
        "sources": [f.source_file for f in run.loaded.files],
        "synthetic": list(run.synthetic_sources),
        "overrides": {
            "out_of_service": sorted(run.overrides.out_of_service),
            "excluded_sites": sorted(run.overrides.excluded_sites),
            "pinned_sites": list(run.overrides.pinned_sites),
        },
    }


def sheet_of_run(run: WeekRun, saved: StoredPlan | None = None) -> PlanSheet:
    """Return a fresh run's plan as a sheet (approved if `saved` is its saved version)."""
    if saved is not None:
        return sheet_of_stored(saved, run.context.resources if run.context else None)
    return PlanSheet(
        week=run.week,
        deployments=run.plan.deployments,
        status="suggested",
        version=None,
        saved_by="",
        saved_at="",
        data_until=run.as_of,
        evidence=run.window.words(),
        available=run.plan.available,
        used=run.plan.used,
        notes=run.plan.notes,
        sources=tuple(f.source_file for f in run.loaded.files),
        synthetic=tuple(run.synthetic_sources),
        out_of_service=tuple(sorted(run.overrides.out_of_service)),
    )


def sheet_of_stored(stored: StoredPlan, resources: Resources | None = None) -> PlanSheet:
    """Return a saved plan as a sheet, with the provenance saved in its note.

    `resources` (what the unit has, for the use counts) defaults to `read_resources()`;
    the ``geo`` command and the app pass the unit's own, from ``GEO_HOME``.
    """
    from geo.plan import usage
    from geo.plan.registry import read_resources

    try:
        made = json.loads(stored.note) if stored.note.startswith("{") else {}
    except json.JSONDecodeError:
        made = {}
    rows = deployments_frame(stored.deployments)
    kinds = resource_kinds()
    return PlanSheet(
        week=stored.week,
        deployments=rows,
        status=stored.status,
        version=stored.version,
        saved_by=stored.saved_by,
        saved_at=stored.saved_at,
        data_until=str(made.get("data_until", "")),
        evidence=str(made.get("evidence", "")),
        available=made.get("available", {}),
        used=usage(kinds, rows, resources or read_resources()),
        notes=tuple(made.get("notes", [])),
        sources=tuple(made.get("sources", [])),
        synthetic=tuple(made.get("synthetic", [])),
        out_of_service=tuple(made.get("overrides", {}).get("out_of_service", [])),
    )


def plan_table(sheet: PlanSheet) -> pd.DataFrame:
    """
    Return the plan's rows for a spreadsheet: words for kinds, lon/lat, no raw ids.

    Each approved row says by whom (the plan's approver); a changed row also says who
    changed it and what changed.
    """
    rows = sheet.deployments
    labels = {k.key: k.label for k in resource_kinds()}
    lonlat = to_wgs84(rows) if len(rows) else rows
    return pd.DataFrame(
        {
            "Resource": rows["resource"].map(lambda k: labels.get(k, k)),
            "Unit": rows["unit"],
            "Site": rows["site_name"],
            "Why": rows["reason"],
            "Week starting": pd.to_datetime(rows["start"]).dt.date,
            "Week ending": pd.to_datetime(rows["end"]).dt.date,
            "Weeks on site": rows["weeks_on_site"].astype("Int64"),
            "Status": rows["status"],
            "Approved by": rows["status"].map(
                lambda st: sheet.saved_by if st != "suggested" else ""
            ),
            "Changed by": rows["changed_by"],
            "What changed": rows["change"],
            "Note": rows["note"],
            "Done": [outcome_words(r) for r in rows.to_dict("records")],
            "Longitude": lonlat.geometry.x.round(6).to_numpy() if len(rows) else [],
            "Latitude": lonlat.geometry.y.round(6).to_numpy() if len(rows) else [],
        }
    )


def _about(sheet: PlanSheet) -> dict[str, str]:
    notes = list(sheet.notes)
    if sheet.synthetic:
        notes.append("Speed evidence from SYNTHETIC sample files: " + ", ".join(sheet.synthetic))
    return about_block(
        title=f"Deployment plan, week of {sheet.week.isoformat()}",
        period=f"{sheet.evidence} (data to {sheet.data_until})",
        sources=list(sheet.sources),
        extra={
            "status": sheet.headline(),
            "version": "" if sheet.version is None else str(sheet.version),
            "approved by": sheet.saved_by,
            "approved at": sheet.saved_at,
            "notes": " | ".join(notes),
        },
    )


def write_plan(sheet: PlanSheet, path: Path) -> list[Path]:
    """
    Write a week's plan to XLSX or CSV with its provenance and status ("about").

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    return write_table(path, {"plan": plan_table(sheet)}, about=_about(sheet))


def kit_words(sheet: PlanSheet, resources: Resources) -> dict[str, str]:
    """
    Say each kind's kit in use, with what is out of service: "4 of 5 cameras, 1 out of service".

    Parameters
    ----------
    sheet
        The plan shown.
    resources
        What the unit owns (its named units).

    Returns
    -------
    dict
        Per kind's budget key, its words.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from geo.plan.registry import read_resources
    >>> s = PlanSheet(week=dt.date(2025, 10, 6), deployments=gpd.GeoDataFrame(),
    ...               status="suggested", version=None, saved_by="", saved_at="",
    ...               data_until="2025-09", evidence="Jul-Sep 2025",
    ...               available={"cctv": 4.0, "patrol_hours": 30.0},
    ...               used={"cctv": 4.0, "patrol_hours": 29.75}, out_of_service=("Camera 3",))
    >>> words = kit_words(s, read_resources())
    >>> words["cctv"], words["patrol_hours"], words["eva"]
    ('4 of 5 cameras, 1 out of service', '29.75 of 30 patrol hours', '0 of 0 EVAs')
    """
    out = {}
    for k in resource_kinds():
        noun = k.metric[0].lower() + k.metric[1:] if k.metric[1:2].islower() else k.metric
        used, available = sheet.used.get(k.budget, 0), sheet.available.get(k.budget, 0)
        units = k.units(resources)
        if not units:
            out[k.budget] = f"{float(used):g} of {float(available):g} {noun}"
            continue
        down = sum(1 for u in units if u in set(sheet.out_of_service))
        words = f"{float(used):g} of {len(units)} {noun}"
        if down:
            words += f", {down} out of service"
        if float(available) < len(units) - down:
            words += f", at most {float(available):g} this week"
        out[k.budget] = words
    return out


def plan_summary(sheet: PlanSheet) -> dict[str, object]:
    """
    Return the plan as the ``geo plan --json`` object.

    Keys: ``week``, ``data_until``, ``status``, ``version``, ``approved_by``,
    ``approved_at``, ``resources`` (per kind ``used`` and ``available``),
    ``deployments`` (``resource``, ``unit``, ``site_id``, ``site_name``,
    ``longitude``, ``latitude``, ``hotspot_ids``, ``weeks_on_site``, ``reason``,
    ``status``, ``changed_by``, ``changed_at``, ``change``, ``note``, ``outcome`` (marks
    by part, `geo.plan_notes`), ``visits`` (scheduled patrol visits)), ``notes``,
    ``synthetic_sources`` and ``saved`` (version and status, or null).
    """
    rows = sheet.deployments
    lonlat = to_wgs84(rows) if len(rows) else rows
    saved = sheet.version is not None
    return {
        "week": sheet.week.isoformat(),
        "data_until": sheet.data_until,
        "status": sheet.status,
        "version": sheet.version,
        "approved_by": sheet.saved_by if saved else None,
        "approved_at": sheet.saved_at if saved else None,
        "resources": {
            k: {"used": sheet.used.get(k, 0), "available": v} for k, v in sheet.available.items()
        },
        "deployments": [
            {
                "resource": r["resource"],
                "unit": r["unit"],
                "site_id": r["site_id"],
                "site_name": r["site_name"],
                "longitude": round(p.x, 6),
                "latitude": round(p.y, 6),
                "hotspot_ids": [h for h in str(r["hotspot_ids"]).split("; ") if h],
                "weeks_on_site": int(r["weeks_on_site"]),
                "reason": r["reason"],
                "status": r["status"],
                "changed_by": r["changed_by"],
                "changed_at": r["changed_at"],
                "change": r["change"],
                "note": r["note"],
                "outcome": marks_of(r),
                "visits": list(r["numbers"].get("schedule", []))
                if isinstance(r["numbers"], dict)
                else [],
            }
            for r, p in zip(rows.to_dict("records"), lonlat.geometry, strict=True)
        ],
        "notes": list(sheet.notes),
        "synthetic_sources": list(sheet.synthetic),
        "saved": {"version": sheet.version, "status": sheet.status} if saved else None,
    }


def cell_words(row: dict[str, object], column: str) -> str:
    """
    Say one plan cell in words for a printed table (status with its change, marks in words).

    Examples
    --------
    >>> cell_words({"status": "changed", "change": "site: A -> B"}, "status")
    'changed (site: A -> B)'
    >>> cell_words({"weeks_on_site": 3}, "weeks_on_site")
    '3'
    """
    if column == "status":
        return str(row["status"]) + (f" ({row['change']})" if row.get("change") else "")
    if column == "outcome":
        return outcome_words(row)
    value = row.get(column)
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def printable_plan(sheet: PlanSheet) -> str:
    """
    Return the week's plan as a self-contained printable HTML page for the tasking meeting.

    Internal use only (it names sites); every value is HTML-escaped where it is written.
    """
    esc = html_text
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>Deployment plan, week of {sheet.week.isoformat()}</title>",
        "<style>body{font-family:sans-serif;margin:2em}td,th{border:1px solid #999;padding:4px 8px;"
        "vertical-align:top}table{border-collapse:collapse;width:100%}"
        ".status{font-weight:bold}</style></head><body>",
        f"<h1>Deployment plan: week of {sheet.week:%A %d %B %Y}</h1>",
        f"<p class='status'>{esc(sheet.headline())}</p>",
        f"<p>Evidence: {esc(sheet.evidence)} (data to {esc(sheet.data_until)}). "
        "OFFICIAL-SENSITIVE: internal to the CSU and partners.</p>",
    ]
    for kind in resource_kinds():
        rows = sheet.deployments[sheet.deployments["resource"] == kind.key]
        used, available = sheet.used.get(kind.budget, 0), sheet.available.get(kind.budget, 0)
        parts.append(f"<h2>{esc(kind.title)}</h2>")
        parts.append(
            f"<p>{float(used):g} of {float(available):g} {esc(kind.metric.lower())} in use.</p>"
        )
        if rows.empty:
            parts.append("<p>None this week.</p>")
            continue
        columns = kind.export_columns  # each kind's own columns, in its order
        parts.append(
            "<table><tr>"
            + "".join(f"<th>{esc(COLUMN_HEADINGS[c])}</th>" for c in columns)
            + "</tr>"
        )
        for r in rows.to_dict("records"):
            cells = (cell_words(r, c) for c in columns)
            parts.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>")
        parts.append("</table>")
    notes = list(sheet.notes) + (
        [f"SYNTHETIC inputs used: {', '.join(sheet.synthetic)}"] if sheet.synthetic else []
    )
    if notes:
        parts.append("<h2>Notes</h2><ul>" + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)
