"""The week's plan as an iCalendar file (RFC 5545), for the officers' and unit's calendars.

One event per scheduled patrol visit (its officer named in the summary, the place in
words as LOCATION, its GEO coordinates, the reason as DESCRIPTION), timed in
Europe/London with the zone's VTIMEZONE; one all-day event over its dates for each
camera stay, speed-board placement and EVA. Written with the ``icalendar`` package,
which escapes every text value (commas, semicolons, backslashes, new lines) and folds
long lines, so a place name from a file cannot add a property or an event.
Internal use only (it names sites).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import icalendar
import pandas as pd

from geo.crs import to_wgs84
from geo.plan.registry import resource_kinds, visit_kinds

if TYPE_CHECKING:
    from geo.plan_export import PlanSheet

LONDON = ZoneInfo("Europe/London")
"""The zone every time in the plan is in (the officers' wall-clock time)."""

PRODID = "-//Sevenoaks CSU//geo deployment planner//EN"


def _uid(week: dt.date, *parts: object) -> str:
    """Return a stable UID: the same visit of the same week keeps its UID in every export."""
    key = "-".join(str(p).replace(" ", "_") for p in parts)
    return f"{week.isoformat()}-{key}@geo.sevenoaks-csu"


def visit_rows(sheet: PlanSheet) -> pd.DataFrame:
    """
    Return one row per scheduled patrol visit of the plan.

    Returns
    -------
    pandas.DataFrame
        ``unit``, ``visit``, ``date``, ``start``, ``minutes``, ``officer``,
        ``site_name``, ``longitude``, ``latitude``, ``x``, ``y``, ``reason``, and
        the row's ``note`` and the visit's ``outcome`` (words, empty if unmarked).
    """
    from geo.plan_notes import mark_words, marks_of

    rows = sheet.deployments
    lonlat = to_wgs84(rows) if len(rows) else rows
    out = []
    for r, p in zip(rows.to_dict("records"), lonlat.geometry, strict=True):
        numbers = r["numbers"] if isinstance(r["numbers"], dict) else {}
        marks = marks_of(r)
        for v in numbers.get("schedule", []):
            out.append(
                {
                    "unit": r["unit"],
                    "visit": int(v["visit"]),
                    "date": str(v["date"]),
                    "start": str(v["start"]),
                    "minutes": int(v["minutes"]),
                    "officer": str(v["officer"]),
                    "site_name": r["site_name"],
                    "longitude": round(p.x, 6),
                    "latitude": round(p.y, 6),
                    "x": float(r["x"]),
                    "y": float(r["y"]),
                    "reason": r["reason"],
                    "note": str(r.get("note", "") or ""),
                    "outcome": mark_words(marks.get(f"visit {int(v['visit'])}")),
                }
            )
    columns = ["unit", "visit", "date", "start", "minutes", "officer", "site_name"]
    columns += ["longitude", "latitude", "x", "y", "reason", "note", "outcome"]
    return pd.DataFrame(out, columns=columns)


def _description(reason: str, note: str, outcome: str) -> str:
    parts = [reason]
    if note:
        parts.append(f"Note: {note}")
    if outcome:
        parts.append(f"Outcome: {outcome}")
    return "\n".join(parts)


def plan_calendar(sheet: PlanSheet, *, now: dt.datetime | None = None) -> icalendar.Calendar:
    """
    Build the week's calendar: patrol visits timed, other deployments all-day.

    Parameters
    ----------
    sheet
        The plan (suggested or approved).
    now
        The DTSTAMP of every event (default: now, UTC).

    Returns
    -------
    icalendar.Calendar
        With a VTIMEZONE for Europe/London.
    """
    from geo.plan_notes import mark_words, marks_of

    stamp = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"Deployment plan, week of {sheet.week.isoformat()}")
    for v in visit_rows(sheet).to_dict("records"):
        start = dt.datetime.combine(
            dt.date.fromisoformat(v["date"]), dt.time.fromisoformat(v["start"]), LONDON
        )
        event = icalendar.Event()
        event.add("uid", _uid(sheet.week, v["unit"], "visit", v["visit"]))
        event.add("dtstamp", stamp)
        event.add("dtstart", start)
        event.add("dtend", start + dt.timedelta(minutes=v["minutes"]))
        event.add("summary", f"{v['unit']} visit {v['visit']}: {v['officer']} at {v['site_name']}")
        event.add("location", v["site_name"])
        event.add("geo", (v["latitude"], v["longitude"]))
        event.add("description", _description(v["reason"], v["note"], v["outcome"]))
        event.add("categories", ["PCSO hot-spot patrol"])
        cal.add_component(event)
    labels = {k.key: k.label for k in resource_kinds()}
    rows = sheet.deployments[~sheet.deployments["resource"].isin(visit_kinds())]
    lonlat = to_wgs84(rows) if len(rows) else rows
    for r, p in zip(rows.to_dict("records"), lonlat.geometry, strict=True):
        event = icalendar.Event()
        event.add("uid", _uid(sheet.week, r["resource"], r["unit"]))
        event.add("dtstamp", stamp)
        event.add("dtstart", dt.date.fromisoformat(str(r["start"])[:10]))
        event.add("dtend", dt.date.fromisoformat(str(r["end"])[:10]) + dt.timedelta(days=1))
        event.add("summary", f"{r['unit']} at {r['site_name']}")
        event.add("location", r["site_name"])
        event.add("geo", (round(p.y, 6), round(p.x, 6)))
        outcome = mark_words(marks_of(r).get("stay"))
        event.add("description", _description(r["reason"], str(r.get("note", "") or ""), outcome))
        event.add("categories", [labels.get(r["resource"], r["resource"])])
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    year = dt.timedelta(days=366)  # the zone's rules around the week, not since 1970
    cal.add_missing_timezones(first_date=sheet.week - year, last_date=sheet.week + year)
    return cal


def write_calendar(sheet: PlanSheet, path: Path) -> Path:
    """
    Write the week's calendar to `path` (``.ics``).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    path.write_bytes(plan_calendar(sheet).to_ical())
    return path
