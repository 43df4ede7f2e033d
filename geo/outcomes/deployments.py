"""The deployments to judge: approved weeks from the plan store, and past ones from a CSV.

A unit judges what it did before the tool with a CSV of past deployments, one row
per deployment, with at least this header (names matched ignoring case, spaces
and hyphens)::

    resource,unit,site,longitude,latitude,start,end

- ``resource``: the kind's key (``cctv``, ``speed_board``, ``eva``, ``patrol``) or
  the users' words ("Mobile CCTV", "camera", "speed indicator board", "SID",
  "Environmental Visual Audit", "PCSO patrol", ...).
- ``start``, ``end``: ISO dates (``2025-07-01``) or dd/mm/yyyy (``01/07/2025``).
- the place: ``longitude`` + ``latitude``; or ``easting`` + ``northing`` (British
  National Grid metres); or ``postcode`` (the shipped gazetteer), tried in that
  order per row.

Every data row is accepted or rejected with its line and one reason, so rows in =
accepted + rejected. Consecutive approved weeks of one unit at one site are one
deployment (a camera kept on a site for six weeks is judged once, over six weeks).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geo._errors import InputFileError
from geo._tables import read_table
from geo.crs import lonlat_to_bng
from geo.gazetteer import load_gazetteer
from geo.plan.registry import resource_kinds
from geo.plan_notes import dose_given
from geo.store import deployments_since

DEPLOYMENT_FIELDS: tuple[str, ...] = ("kind", "unit", "site", "x", "y", "start", "end")
"""Columns of a deployments table (``x``/``y`` British National Grid; dates as `datetime.date`)."""

_SYNONYMS: dict[str, str] = {
    "camera": "cctv",
    "cctv camera": "cctv",
    "mobile camera": "cctv",
    "mobile cctv": "cctv",
    "redeployable cctv": "cctv",
    "board": "speed_board",
    "speed board": "speed_board",
    "speed sign": "speed_board",
    "sid": "speed_board",
    "vas": "speed_board",
    "speed indicator device": "speed_board",
    "environmental visual audit": "eva",
    "environmental audit": "eva",
    "patrol": "patrol",
    "pcso patrol": "patrol",
    "hot spot patrol": "patrol",
    "hotspot patrol": "patrol",
}

_HEADERS: dict[str, tuple[str, ...]] = {
    "resource": ("resource", "kind", "type", "resourcetype"),
    "unit": ("unit", "name", "unitname"),
    "site": ("site", "sitename", "location", "place"),
    "longitude": ("longitude", "lon", "lng", "long"),
    "latitude": ("latitude", "lat"),
    "easting": ("easting", "eastings", "x"),
    "northing": ("northing", "northings", "y"),
    "postcode": ("postcode", "postalcode"),
    "start": ("start", "from", "startdate", "datefrom"),
    "end": ("end", "to", "enddate", "dateto"),
}

_EARLIEST, _LATEST = dt.date(1990, 1, 1), dt.date(2100, 12, 31)


@dataclass(frozen=True, slots=True, eq=False)
class DeploymentRows:
    """
    Deployments read from a file, with every rejected row and its reason.

    Attributes
    ----------
    accepted
        One row per deployment, `DEPLOYMENT_FIELDS`.
    rejected
        ``line``, ``reason`` of every row not used.
    rows_in
        Data rows read (accepted + rejected).
    """

    accepted: pd.DataFrame
    rejected: pd.DataFrame
    rows_in: int


def _fold(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.casefold()).strip()


def kind_for(words: str) -> str | None:
    """
    Return the kind's key for a resource named in the users' words, or None.

    Examples
    --------
    >>> kind_for("Mobile CCTV"), kind_for("speed indicator boards"), kind_for("PCSO Patrol")
    ('cctv', 'speed_board', 'patrol')
    >>> kind_for("EVA"), kind_for("helicopter") is None
    ('eva', True)
    """
    folded = _fold(words)
    names: dict[str, str] = dict(_SYNONYMS)
    for k in resource_kinds():
        for text in (k.key, k.label, k.title, k.metric):
            names[_fold(text)] = k.key
    if folded in names:
        return names[folded]
    singular = folded[:-1] if folded.endswith("s") else folded
    return names.get(singular)


def parse_date(text: str) -> dt.date | None:
    """
    Read an ISO date or dd/mm/yyyy (also dd-mm-yyyy, dd.mm.yyyy); None if neither.

    Examples
    --------
    >>> parse_date("2025-07-01"), parse_date("01/07/2025"), parse_date("31/02/2025")
    (datetime.date(2025, 7, 1), datetime.date(2025, 7, 1), None)
    """
    text = text.strip()
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    dmy = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", text)
    try:
        if iso:
            return dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
        if dmy:
            return dt.date(int(dmy[3]), int(dmy[2]), int(dmy[1]))
    except ValueError:
        return None
    return None


def _columns(header: list[str]) -> dict[str, str]:
    folded = {re.sub(r"[\s_\-]+", "", h.casefold()): h for h in header}
    found = {}
    for field, names in _HEADERS.items():
        for name in names:
            if name in folded:
                found[field] = folded[name]
                break
    return found


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        return float("nan")
    return value if np.isfinite(value) else float("nan")


def _place(rec: dict[str, str]) -> tuple[float, float] | str:
    """Return (x, y) in BNG for one row, or the reason it has no usable place."""
    lon, lat = _number(rec.get("longitude", "")), _number(rec.get("latitude", ""))
    if np.isfinite(lon) and np.isfinite(lat):
        if not (-9.0 <= lon <= 2.5 and 49.0 <= lat <= 61.5):
            return "coordinates out of range"
        x, y = lonlat_to_bng(np.array([lon]), np.array([lat]))
        return float(x[0]), float(y[0])
    east, north = _number(rec.get("easting", "")), _number(rec.get("northing", ""))
    if np.isfinite(east) and np.isfinite(north):
        if not (0 <= east <= 700_000 and 0 <= north <= 1_300_000):
            return "coordinates out of range"
        return east, north
    postcode = rec.get("postcode", "").strip()
    if postcode:
        x, y = load_gazetteer().lookup(pd.Series([postcode]))
        if np.isfinite(x[0]):
            return float(x[0]), float(y[0])
        return "unknown postcode"
    return "no location"


def _judge_row(rec: dict[str, str], today: dt.date) -> dict[str, object] | str:
    """Return one deployment from a row, or the first reason it cannot be used."""
    words = rec.get("resource", "").strip()
    if not words:
        return "no resource"
    kind = kind_for(words)
    if kind is None:
        return "unknown resource"
    start_text, end_text = rec.get("start", "").strip(), rec.get("end", "").strip()
    if not start_text or not end_text:
        return "no date"
    start, end = parse_date(start_text), parse_date(end_text)
    if start is None or end is None:
        return "unparseable date"
    if not (_EARLIEST <= start <= _LATEST and _EARLIEST <= end <= _LATEST):
        return "date out of range"
    if end < start:
        return "end before start"
    if start > today:
        return "date in the future"
    place = _place(rec)
    if isinstance(place, str):
        return place
    unit = rec.get("unit", "").strip()
    site = rec.get("site", "").strip()
    return {
        "kind": kind,
        "unit": unit or kind,
        "site": site or f"{place[0]:.0f}, {place[1]:.0f}",
        "x": place[0],
        "y": place[1],
        "start": start,
        "end": end,
    }


def read_deployments_file(path: Path, *, today: dt.date | None = None) -> DeploymentRows:
    """
    Read past deployments from a CSV or XLSX file, rejecting bad rows with reasons.

    Parameters
    ----------
    path
        The file.
    today
        Rows starting after this day are rejected (default: today).

    Returns
    -------
    DeploymentRows
        Accepted deployments and rejected rows (``line``, ``reason``).

    Raises
    ------
    InputFileError
        If the file cannot be read or lacks a resource, dates or a place column.
    """
    table = read_table(path)
    cols = _columns(table.header)
    missing = [f for f in ("resource", "start", "end") if f not in cols]
    has_place = {"longitude", "latitude"} <= cols.keys() or {"easting", "northing"} <= cols.keys()
    if missing or not (has_place or "postcode" in cols):
        need = ", ".join(missing + ([] if has_place or "postcode" in cols else ["a place"]))
        msg = (
            f"{path.name}: not a deployments file: no {need} column "
            "(header needed: resource,unit,site,longitude,latitude,start,end)"
        )
        raise InputFileError(msg)
    today = today or dt.date.today()
    accepted, rejected = [], []
    for row in table.rows.to_dict("records"):
        rec = {f: ("" if pd.isna(row[c]) else str(row[c])) for f, c in cols.items()}
        judged = _judge_row(rec, today)
        if isinstance(judged, str):
            rejected.append({"line": int(row["line"]), "reason": judged})
        else:
            accepted.append(judged)
    for row in table.malformed.to_dict("records"):
        rejected.append({"line": int(row["line"]), "reason": str(row["reason"])})
    rejected.sort(key=lambda r: r["line"])
    return DeploymentRows(
        accepted=pd.DataFrame(accepted, columns=list(DEPLOYMENT_FIELDS)),
        rejected=pd.DataFrame(rejected, columns=["line", "reason"]),
        rows_in=len(accepted) + len(rejected),
    )


def approved_deployments(path: Path) -> pd.DataFrame:
    """
    Return every approved week's deployments in the plan store, runs of weeks merged.

    Where done marks exist (`geo.plan_notes.dose_given`), a deployment marked not
    done in every part is left out (nothing was deployed to judge), and one cut
    short says so in ``dose`` ("Camera 1 cut short: 3 of 7 days given"), which the
    evaluation puts into its words. Unmarked weeks are judged as planned.

    Parameters
    ----------
    path
        The plan store (SQLite); a missing file holds no weeks.

    Returns
    -------
    pandas.DataFrame
        `DEPLOYMENT_FIELDS` and ``dose``, one row per unit's unbroken stay at one site.

    Raises
    ------
    geo.store.StoreError
        If the file is not a plan store, is newer, damaged or stays locked.
    """
    if not Path(path).exists():
        return pd.DataFrame(columns=list(DEPLOYMENT_FIELDS))
    rows = deployments_since(path, since=dt.date(1900, 1, 1), before=dt.date(9999, 12, 31))
    if rows.empty:
        return pd.DataFrame(columns=list(DEPLOYMENT_FIELDS))
    doses = dose_given(rows)
    kept = ~((doses["marked"] > 0) & (doses["given"] == 0) & (doses["unmarked"] == 0)).to_numpy()
    rows, doses = rows[kept].reset_index(drop=True), doses[kept].reset_index(drop=True)
    if rows.empty:
        return pd.DataFrame(columns=[*DEPLOYMENT_FIELDS, "dose"])
    frame = pd.DataFrame(
        {
            "dose": [_dose_words(d) for d in doses.to_dict("records")],
            "kind": rows["resource"].astype(str),
            "unit": rows["unit"].astype(str),
            "site": rows["site_name"].astype(str),
            "site_id": rows["site_id"].astype(str),
            "x": pd.to_numeric(rows["x"], errors="coerce"),
            "y": pd.to_numeric(rows["y"], errors="coerce"),
            "start": [parse_date(str(s)) for s in rows["start"]],
            "end": [parse_date(str(s)) for s in rows["end"]],
        }
    )
    frame = frame.dropna(subset=["x", "y", "start", "end"])
    return merge_runs(frame)


def _dose_words(dose: dict[str, object]) -> str:
    """
    Say a deployment's dose when it was cut short ('' when done in full or unmarked).

    Examples
    --------
    >>> _dose_words({"unit": "Camera 1", "planned": 7.0, "given": 3.0, "marked": 1,
    ...              "unmarked": 0, "unit_of_dose": "days"})
    'Camera 1 cut short: 3 of 7 days given'
    >>> _dose_words({"unit": "Camera 1", "planned": 7.0, "given": 7.0, "marked": 1,
    ...              "unmarked": 0, "unit_of_dose": "days"})
    ''
    """
    if not dose["marked"] or dose["given"] >= dose["planned"]:
        return ""
    return (
        f"{dose['unit']} cut short: {dose['given']:g} of {dose['planned']:g} "
        f"{dose['unit_of_dose']} given"
    )


def merge_runs(frame: pd.DataFrame) -> pd.DataFrame:
    """
    Merge one unit's back-to-back stays at one site into one deployment.

    Examples
    --------
    >>> d = dt.date
    >>> weeks = pd.DataFrame({"kind": ["cctv"] * 3, "unit": ["Camera 1"] * 3,
    ...     "site": ["High St"] * 3, "x": [1.0] * 3, "y": [2.0] * 3,
    ...     "start": [d(2025, 7, 7), d(2025, 7, 14), d(2025, 8, 4)],
    ...     "end": [d(2025, 7, 13), d(2025, 7, 20), d(2025, 8, 10)]})
    >>> merge_runs(weeks)[["start", "end"]].astype(str).values.tolist()
    [['2025-07-07', '2025-07-20'], ['2025-08-04', '2025-08-10']]
    """
    if frame.empty:
        return pd.DataFrame(columns=[*DEPLOYMENT_FIELDS, "dose"])
    key = frame["site_id"] if "site_id" in frame else frame["site"]
    frame = frame.assign(_key=key).sort_values(["kind", "unit", "_key", "start"])
    out: list[dict[str, object]] = []
    for _, group in frame.groupby(["kind", "unit", "_key"], sort=True):
        current: dict[str, object] | None = None
        for rec in group.to_dict("records"):
            if current is not None and rec["start"] <= current["end"] + dt.timedelta(days=1):
                current["end"] = max(current["end"], rec["end"])
                current["dose"] = "; ".join(x for x in (current["dose"], rec.get("dose")) if x)
                continue
            if current is not None:
                out.append(current)
            current = {f: rec[f] for f in DEPLOYMENT_FIELDS}
            current["dose"] = str(rec.get("dose") or "")
        out.append(current)
    merged = pd.DataFrame(out, columns=[*DEPLOYMENT_FIELDS, "dose"])
    return merged.sort_values(["start", "kind", "unit"], kind="stable").reset_index(drop=True)
