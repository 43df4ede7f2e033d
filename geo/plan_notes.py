"""Notes on deployments and what was done: kept with the plan version, read by the evaluation.

A **note** is free text on one deployment (why the sergeant changed it, what the
officer found); notes add up, each signed ``NAME: text``. A **mark** says whether a
patrol visit or a stay (a camera, board or EVA for its week) was ``done``, ``not
done`` or ``cut short``, with the minutes actually spent (visits) or days actually
in place (stays). Marks live in a deployment's ``outcome`` column as a JSON object,
``{"visit 3": {"status": "cut short", "minutes": 8, "by": ..., "at": ...},
"stay": {...}}``.

A **publish mark** says the sergeant chose to tell the public about a deployment
("you said, we did", `geo.pact_actions`): ``{"publish": {"status": "published", "by":
..., "at": ...}}`` in the same ``outcome`` object (`add_publish`). Nothing is
published unless marked.

`amend_week` saves notes and marks as a new version of the week's saved plan (the
old version is kept) and records who did it in the audit trail. `dose_given` turns
the marks into the dose actually given, for the outcome evaluation.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from geo._errors import GeoInputError
from geo.plan.registry import visit_kinds

if TYPE_CHECKING:
    from geo.store import StoredPlan

MARK_STATUSES = ("done", "not done", "cut short")
"""What a visit or stay can be marked."""

PUBLISH = "publish"
"""The key of a publish mark in a deployment's ``outcome`` (`add_publish`)."""

_TARGET = re.compile(r"(?P<unit>.+?)\s+visit\s+(?P<visit>\d+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Mark:
    """
    One done / not done / cut short mark.

    Attributes
    ----------
    target
        The unit, and for a patrol visit ``visit N`` ("Patrol 1 visit 3", "Camera 2").
    status
        One of `MARK_STATUSES`.
    amount
        Minutes actually spent (a visit) or days actually in place (a stay) when
        cut short; None otherwise.
    """

    target: str
    status: str
    amount: float | None = None


def split_target(target: str) -> tuple[str, str]:
    """
    Split ``"Patrol 1 visit 3"`` into the unit and the part marked (``visit 3`` or ``stay``).

    Examples
    --------
    >>> split_target("Patrol 1 visit 3"), split_target(" Camera 2 ")
    (('Patrol 1', 'visit 3'), ('Camera 2', 'stay'))
    """
    text = " ".join(str(target).split())
    match = _TARGET.fullmatch(text)
    if match:
        return match["unit"], f"visit {int(match['visit'])}"
    return text, "stay"


def marks_of(row: Mapping[str, object]) -> dict[str, dict[str, object]]:
    """
    Return a deployment row's marks (an unreadable ``outcome`` reads as none).

    Examples
    --------
    >>> marks_of({"outcome": '{"stay": {"status": "done"}}'})
    {'stay': {'status': 'done'}}
    >>> marks_of({"outcome": "not json"}), marks_of({})
    ({}, {})
    """
    raw = row.get("outcome")
    if isinstance(raw, dict):
        return raw
    try:
        data = json.loads(str(raw)) if raw else {}
    except ValueError:
        return {}
    return (
        {str(k): v for k, v in data.items() if isinstance(v, dict)}
        if isinstance(data, dict)
        else {}
    )


def mark_words(mark: Mapping[str, object] | None) -> str:
    """
    Say a mark in words (empty when there is none).

    Examples
    --------
    >>> mark_words({"status": "cut short", "minutes": 8, "by": "PCSO 4567 Jones"})
    'cut short (8 minutes), by PCSO 4567 Jones'
    >>> mark_words({"status": "done"}), mark_words(None)
    ('done', '')
    """
    if not mark:
        return ""
    words = str(mark.get("status", ""))
    for unit in ("minutes", "days"):
        if mark.get(unit) is not None:
            words += f" ({float(mark[unit]):g} {unit})"  # type: ignore[arg-type]
    return words + (f", by {mark['by']}" if mark.get("by") else "")


def outcome_words(row: Mapping[str, object]) -> str:
    """Say every mark of a row in words, ``; ``-separated (``visit 3: done; ...``)."""
    return "; ".join(f"{part}: {mark_words(m)}" for part, m in sorted(marks_of(row).items()))


def _row_of(rows: pd.DataFrame, unit: str) -> int:
    hits = rows.index[rows["unit"].str.casefold() == unit.casefold()]
    if len(hits) == 0:
        msg = f"no deployment called {unit!r} this week; units: {', '.join(rows['unit'])}"
        raise GeoInputError(msg)
    return int(hits[0])


def add_notes(rows: pd.DataFrame, notes: Mapping[str, str], *, by: str) -> pd.DataFrame:
    """
    Add a note to deployments, each signed ``by``; earlier notes are kept.

    Parameters
    ----------
    rows
        The plan's rows (`geo.schema.DEPLOYMENT_COLUMNS`).
    notes
        Unit -> note text.
    by
        Who writes.

    Raises
    ------
    GeoInputError
        For an unknown unit or an empty note.
    """
    out = rows.copy()
    if "note" not in out:
        out["note"] = ""
    for unit, text in notes.items():
        text = " ".join(str(text).split())
        if not text:
            msg = f"the note for {unit!r} is empty"
            raise GeoInputError(msg)
        pos = out.index[_row_of(out.reset_index(drop=True), unit)]
        old = str(out.at[pos, "note"] or "")
        out.at[pos, "note"] = (old + " | " if old else "") + f"{by}: {text}"
    return out


def add_marks(rows: pd.DataFrame, marks: Sequence[Mark], *, by: str, at: str) -> pd.DataFrame:
    """
    Mark visits and stays done, not done or cut short (a later mark replaces an earlier one).

    Raises
    ------
    GeoInputError
        For an unknown unit or visit, a visit of a unit with no visits, an unknown
        status, or a cut-short amount that is not between 0 and what was planned.
    """
    out = rows.copy().reset_index(drop=True)
    if "outcome" not in out:
        out["outcome"] = ""
    for m in marks:
        unit, part = split_target(m.target)
        pos = _row_of(out, unit)
        row = out.loc[pos]
        if m.status not in MARK_STATUSES:
            msg = f"{m.target}: mark must be one of {', '.join(MARK_STATUSES)}, got {m.status!r}"
            raise GeoInputError(msg)
        planned, unit_word = _planned(row, part, m.target)
        mark: dict[str, object] = {"status": m.status, "by": by, "at": at}
        if m.status == "cut short":
            if m.amount is None or not 0 <= m.amount < planned:
                msg = (
                    f"{m.target}: cut short needs the {unit_word} actually given, from 0 to "
                    f"less than the {planned:g} planned"
                )
                raise GeoInputError(msg)
            mark[unit_word] = float(m.amount)
        current = marks_of(row)
        current[part] = mark
        out.at[pos, "outcome"] = json.dumps(current, sort_keys=True)
    return out


def add_publish(rows: pd.DataFrame, units: Sequence[str], *, by: str, at: str) -> pd.DataFrame:
    """
    Mark deployments as publishable on the public PACT page (`geo.pact_actions`).

    Parameters
    ----------
    rows
        The plan's rows (`geo.schema.DEPLOYMENT_COLUMNS`).
    units
        The units to publish ("EVA 1", "Board 2", "Patrol 1").
    by, at
        Who marks and when (kept with the mark).

    Raises
    ------
    GeoInputError
        For an unknown unit.

    Examples
    --------
    >>> rows = pd.DataFrame({"unit": ["EVA 1", "Camera 1"], "outcome": ["", ""]})
    >>> out = add_publish(rows, ["eva 1"], by="Sgt A Khan", at="2025-08-04T09:00:00+00:00")
    >>> [is_published(r) for r in out.to_dict("records")]
    [True, False]
    """
    out = rows.copy().reset_index(drop=True)
    if "outcome" not in out:
        out["outcome"] = ""
    for unit in units:
        pos = _row_of(out, " ".join(str(unit).split()))
        current = marks_of(out.loc[pos])
        current[PUBLISH] = {"status": "published", "by": by, "at": at}
        out.at[pos, "outcome"] = json.dumps(current, sort_keys=True)
    return out


def is_published(row: Mapping[str, object]) -> bool:
    """
    Tell whether a deployment row carries a publish mark (`add_publish`).

    Examples
    --------
    >>> is_published({"outcome": '{"publish": {"status": "published"}}'})
    True
    >>> is_published({"outcome": '{"stay": {"status": "done"}}'}), is_published({})
    (False, False)
    """
    return marks_of(row).get(PUBLISH, {}).get("status") == "published"


def parts_of(row: Mapping[str, object]) -> tuple[dict[str, float], str]:
    """
    Return the parts of a deployment marked one by one, each with what was planned.

    A visit kind's row (`geo.plan.registry.visit_kinds`) has its scheduled visits
    (``visit 1``, ... in minutes); any other row has one stay (in days).

    Examples
    --------
    >>> parts_of({"resource": "cctv", "start": "2025-10-06", "end": "2025-10-12"})
    ({'stay': 7.0}, 'days')
    >>> parts_of({"resource": "patrol", "numbers": {"schedule": [{"visit": 1, "minutes": 15}]}})
    ({'visit 1': 15.0}, 'minutes')
    """
    if row["resource"] in visit_kinds():
        numbers = row.get("numbers")
        schedule = numbers.get("schedule", []) if isinstance(numbers, dict) else []
        return {f"visit {int(v['visit'])}": float(v["minutes"]) for v in schedule}, "minutes"
    return {"stay": float(_stay_days(row))}, "days"


def mark_targets(rows: pd.DataFrame) -> list[str]:
    """
    Return what can be marked in a plan: each visit ("Patrol 1 visit 3"), each stay ("Camera 2").

    Examples
    --------
    >>> rows = pd.DataFrame([{"resource": "cctv", "unit": "Camera 2", "start": "2025-10-06",
    ...                       "end": "2025-10-12", "numbers": {}}])
    >>> mark_targets(rows)
    ['Camera 2']
    """
    out = []
    for row in rows.to_dict("records"):
        parts, _ = parts_of(row)
        out += [str(row["unit"]) if part == "stay" else f"{row['unit']} {part}" for part in parts]
    return out


def _planned(row: pd.Series, part: str, target: str) -> tuple[float, str]:
    """Return what was planned for a part (minutes of a visit, days of a stay) and its unit."""
    parts, unit_word = parts_of(row)
    if part in parts:
        return parts[part], unit_word
    if part == "stay":
        msg = f"{target}: mark a patrol's visits ('{row['unit']} visit 1'), not the patrol"
        raise GeoInputError(msg)
    visits = [p for p in parts if p != "stay"]
    have = f"visits 1-{len(visits)}" if visits else "no scheduled visits"
    msg = f"{target}: {row['unit']} has {have}"
    raise GeoInputError(msg)


def _stay_days(row: Mapping[str, object]) -> int:
    start = dt.date.fromisoformat(str(row["start"])[:10])
    end = dt.date.fromisoformat(str(row["end"])[:10])
    return (end - start).days + 1


def dose_given(deployments: pd.DataFrame) -> pd.DataFrame:
    """
    Return the dose each deployment actually gave, from its marks: what the evaluation needs.

    A visit marked done gave its planned minutes, cut short the minutes said,
    not done none; a stay likewise in days. Unmarked visits and stays are counted
    apart (``unmarked``), never taken as done.

    Parameters
    ----------
    deployments
        A plan's rows (`geo.schema.DEPLOYMENT_COLUMNS`).

    Returns
    -------
    pandas.DataFrame
        ``resource``, ``unit``, ``site_id``, ``hotspot_ids``, ``unit_of_dose``
        (``minutes`` or ``days``), ``planned``, ``given`` (from marked parts only),
        ``marked``, ``unmarked`` (parts).
    """
    out = []
    for row in deployments.to_dict("records"):
        marks = marks_of(row)
        numbers = row["numbers"] if isinstance(row["numbers"], dict) else {}
        parts, unit_word = parts_of(row)
        planned = (  # visits with no schedule (no officers listed): the minutes planned
            sum(parts.values()) or float(numbers.get("minutes", 0))
            if unit_word == "minutes"
            else parts["stay"]
        )
        given, marked = 0.0, 0
        for part, full in parts.items():
            m = marks.get(part)
            if not m:
                continue
            marked += 1
            status = m.get("status")
            if status == "done":
                given += full
            elif status == "cut short":
                given += float(m.get(unit_word) or 0)
        out.append(
            {
                "resource": row["resource"],
                "unit": row["unit"],
                "site_id": row["site_id"],
                "hotspot_ids": row["hotspot_ids"],
                "unit_of_dose": unit_word,
                "planned": planned,
                "given": given,
                "marked": marked,
                "unmarked": len(parts) - marked,
            }
        )
    columns = ["resource", "unit", "site_id", "hotspot_ids", "unit_of_dose", "planned", "given"]
    return pd.DataFrame(out, columns=[*columns, "marked", "unmarked"])


def amend_week(
    db: Path,
    *,
    week: dt.date,
    notes: Mapping[str, str],
    marks: Sequence[Mark],
    by: str,
    now: dt.datetime | None = None,
    publish: Sequence[str] = (),
) -> StoredPlan:
    """
    Save notes and marks as a new version of the week's latest saved plan, and audit it.

    Parameters
    ----------
    db
        The plan store.
    week
        The Monday of the week.
    notes, marks
        Unit -> note, and marks (see `add_notes`, `add_marks`).
    publish
        Units to mark publishable on the public PACT page (`add_publish`).
    by
        Who writes (recorded with each note and mark, and in the audit trail).
    now
        When (default now, UTC).

    Returns
    -------
    geo.store.StoredPlan
        The new version (same status as the one it amends).

    Raises
    ------
    GeoInputError
        If the week has no saved plan, or a note or mark is not valid.
    """
    from geo.store import load_plan, save_plan
    from geo.users import record

    if not by.strip():
        msg = "say who writes the notes or marks (a name or collar number)"
        raise GeoInputError(msg)
    latest = load_plan(db, week=week)
    if latest is None:
        msg = f"week {week.isoformat()} has no saved plan: approve it first (--approve)"
        raise GeoInputError(msg)
    at = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    rows = add_marks(
        add_notes(latest.deployments, notes, by=by.strip()), marks, by=by.strip(), at=at
    )
    rows = add_publish(rows, publish, by=by.strip(), at=at) if publish else rows
    saved = save_plan(
        db,
        week=week,
        deployments=rows,
        status=latest.status,
        saved_by=latest.saved_by,  # still the approver's plan; who marked it is in each mark
        base_version=latest.version,
        note=latest.note,
        now=now,
    )
    said = [f"note on {u}" for u in notes] + [f"{m.target} {m.status}" for m in marks]
    said += [f"{u} published" for u in publish]
    record(
        db,
        by.strip(),
        "mark",
        f"week {week.isoformat()} version {saved.version}: {'; '.join(said)}",
    )
    return saved
