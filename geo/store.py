"""Plan history in an embedded SQLite database: every saved plan, every version, kept.

One file, no server. Each save of a week's plan adds a new *version* of that week
in a single transaction, so a crash mid-save leaves the database exactly as it
was before the save (SQLite's journal rolls the half-written transaction back
when the file is next opened). Two people editing the same week are caught by
optimistic locking: a save names the version it started from (``base_version``),
and is refused with `PlanConflictError` if someone saved a newer version since,
so neither's changes are lost silently.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geo._errors import GeoInputError

PLAN_STATUSES = ("suggested", "approved", "changed")
"""A plan's and a deployment's status: suggested by the planner, approved, or changed by hand."""

DEPLOYMENT_COLUMNS: tuple[str, ...] = (
    "resource", "unit", "site_id", "site_name", "x", "y", "hotspot_ids", "start", "end",
    "weeks_on_site", "reason", "status", "changed_by", "changed_at", "numbers",
)  # fmt: skip
"""Columns of a plan's deployments table as stored (``numbers`` is a JSON object)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS plans (
    plan_id INTEGER PRIMARY KEY,
    week TEXT NOT NULL,
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    saved_by TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    UNIQUE (week, version)
);
CREATE TABLE IF NOT EXISTS deployments (
    plan_id INTEGER NOT NULL REFERENCES plans(plan_id),
    position INTEGER NOT NULL,
    resource TEXT NOT NULL, unit TEXT NOT NULL, site_id TEXT NOT NULL, site_name TEXT NOT NULL,
    x REAL, y REAL, hotspot_ids TEXT NOT NULL, start TEXT NOT NULL, "end" TEXT NOT NULL,
    weeks_on_site INTEGER NOT NULL, reason TEXT NOT NULL, status TEXT NOT NULL,
    changed_by TEXT NOT NULL, changed_at TEXT NOT NULL, numbers TEXT NOT NULL,
    PRIMARY KEY (plan_id, position)
);
"""


class PlanConflictError(GeoInputError):
    """The week was saved by someone else since this plan was loaded."""


@dataclass(frozen=True, slots=True, eq=False)
class StoredPlan:
    """
    One saved version of a week's plan.

    Attributes
    ----------
    week
        The Monday the plan starts.
    version
        1 for the first save of the week, then 2, 3, ...
    status
        ``suggested``, ``approved`` or ``changed``.
    saved_by, saved_at
        Who saved it and when (UTC, ISO 8601).
    deployments
        One row per deployment, `DEPLOYMENT_COLUMNS`.
    note
        Free text saved with the plan.
    """

    week: dt.date
    version: int
    status: str
    saved_by: str
    saved_at: str
    deployments: pd.DataFrame
    note: str = ""


@contextmanager
def _connect(path: Path) -> Iterator[sqlite3.Connection]:
    """Open the database (creating it and its tables if needed), closing it afterwards."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path, timeout=10, isolation_level=None)) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.executescript(_SCHEMA)
        yield conn


def save_plan(
    path: Path,
    *,
    week: dt.date,
    deployments: pd.DataFrame,
    status: str,
    saved_by: str,
    base_version: int | None,
    note: str = "",
    now: dt.datetime | None = None,
) -> StoredPlan:
    """
    Save a new version of a week's plan, atomically.

    Parameters
    ----------
    path
        The SQLite file (created if missing).
    week
        The Monday the plan starts.
    deployments
        One row per deployment with `DEPLOYMENT_COLUMNS` (``numbers`` may be a
        dict or a JSON string).
    status
        One of `PLAN_STATUSES`.
    saved_by
        Who is saving (a name or collar number).
    base_version
        The version this plan was started from: None for a week never saved,
        else the version loaded. Used to refuse saves over someone else's.
    note
        Free text.
    now
        The save time; defaults to the current UTC time.

    Returns
    -------
    StoredPlan
        What was saved, with its new version number.

    Raises
    ------
    PlanConflictError
        If the latest saved version of `week` is not `base_version`.
    GeoInputError
        If `status` is unknown or columns are missing.
    """
    if status not in PLAN_STATUSES:
        msg = f"status must be one of {PLAN_STATUSES}, got {status!r}"
        raise GeoInputError(msg)
    missing = [c for c in DEPLOYMENT_COLUMNS if c not in deployments.columns]
    if missing:
        msg = f"deployments are missing columns {missing}"
        raise GeoInputError(msg)
    saved_at = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    rows = _rows_for_db(deployments)
    with _connect(path) as conn:
        conn.execute("BEGIN IMMEDIATE")  # take the write lock before reading the version
        try:
            latest = _latest_version(conn, week)
            if latest != (base_version or 0):
                msg = (
                    f"week {week.isoformat()} was saved as version {latest} since you loaded "
                    f"version {base_version or 'none'}: reload it and apply your changes again"
                )
                raise PlanConflictError(msg)
            cur = conn.execute(
                "INSERT INTO plans (week, version, status, saved_by, saved_at, note) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (week.isoformat(), latest + 1, status, saved_by, saved_at, note),
            )
            marks = ", ".join("?" * (len(DEPLOYMENT_COLUMNS) + 2))
            conn.executemany(
                f"INSERT INTO deployments VALUES ({marks})",
                [(cur.lastrowid, i, *row) for i, row in enumerate(rows)],
            )
            _before_commit(conn)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return StoredPlan(week, latest + 1, status, saved_by, saved_at, deployments.copy(), note)


def _before_commit(conn: sqlite3.Connection) -> None:
    """Do nothing; tests replace it to simulate a crash between writing and committing."""


def _rows_for_db(deployments: pd.DataFrame) -> list[tuple[object, ...]]:
    out = []
    for rec in deployments[list(DEPLOYMENT_COLUMNS)].to_dict("records"):
        numbers = rec["numbers"]
        rec["numbers"] = numbers if isinstance(numbers, str) else json.dumps(numbers or {})
        for key in ("start", "end", "changed_at"):
            rec[key] = str(rec[key]) if rec[key] is not None else ""
        rec["x"] = None if pd.isna(rec["x"]) else float(rec["x"])
        rec["y"] = None if pd.isna(rec["y"]) else float(rec["y"])
        rec["weeks_on_site"] = int(rec["weeks_on_site"])
        out.append(tuple(rec[c] for c in DEPLOYMENT_COLUMNS))
    return out


def _latest_version(conn: sqlite3.Connection, week: dt.date) -> int:
    row = conn.execute(
        "SELECT MAX(version) FROM plans WHERE week = ?", (week.isoformat(),)
    ).fetchone()
    return int(row[0] or 0)


def load_plan(path: Path, *, week: dt.date, version: int | None = None) -> StoredPlan | None:
    """
    Load one version (default: the latest) of a week's plan, or None if never saved.

    Parameters
    ----------
    path
        The SQLite file.
    week
        The Monday the plan starts.
    version
        The version to load; None for the latest.

    Returns
    -------
    StoredPlan or None
        The plan.
    """
    if not path.exists():
        return None
    with _connect(path) as conn:
        query = (
            "SELECT plan_id, version, status, saved_by, saved_at, note FROM plans WHERE week = ?"
        )
        args: tuple[object, ...] = (week.isoformat(),)
        if version is not None:
            query += " AND version = ?"
            args += (version,)
        row = conn.execute(query + " ORDER BY version DESC LIMIT 1", args).fetchone()
        if row is None:
            return None
        return _stored(conn, week, row)


def _stored(conn: sqlite3.Connection, week: dt.date, row: tuple[object, ...]) -> StoredPlan:
    plan_id, version, status, saved_by, saved_at, note = row
    cols = ", ".join(f'"{c}"' for c in DEPLOYMENT_COLUMNS)
    deployments = pd.read_sql_query(
        f"SELECT {cols} FROM deployments WHERE plan_id = ? ORDER BY position",
        conn,
        params=(plan_id,),
    )
    deployments["numbers"] = deployments["numbers"].map(json.loads)
    return StoredPlan(
        week, int(version), str(status), str(saved_by), str(saved_at), deployments, str(note)
    )


def last_approved_before(path: Path, *, week: dt.date) -> StoredPlan | None:
    """
    Return the latest approved plan of the latest week before `week`, or None.

    Parameters
    ----------
    path
        The SQLite file.
    week
        The week being planned.

    Returns
    -------
    StoredPlan or None
        Next week's starting point.
    """
    if not path.exists():
        return None
    with _connect(path) as conn:
        row = conn.execute(
            "SELECT plan_id, version, status, saved_by, saved_at, note, week FROM plans "
            "WHERE week < ? AND status = 'approved' ORDER BY week DESC, version DESC LIMIT 1",
            (week.isoformat(),),
        ).fetchone()
        if row is None:
            return None
        return _stored(conn, dt.date.fromisoformat(row[6]), row[:6])


def plan_history(path: Path) -> pd.DataFrame:
    """
    List every saved plan version, newest week first.

    Parameters
    ----------
    path
        The SQLite file.

    Returns
    -------
    pandas.DataFrame
        ``week``, ``version``, ``status``, ``saved_by``, ``saved_at``, ``note``,
        ``deployments`` (how many).
    """
    columns = ["week", "version", "status", "saved_by", "saved_at", "note", "deployments"]
    if not path.exists():
        return pd.DataFrame(columns=columns)
    with _connect(path) as conn:
        return pd.read_sql_query(
            "SELECT p.week, p.version, p.status, p.saved_by, p.saved_at, p.note, "
            "COUNT(d.position) AS deployments FROM plans p "
            "LEFT JOIN deployments d ON d.plan_id = p.plan_id "
            "GROUP BY p.plan_id ORDER BY p.week DESC, p.version DESC",
            conn,
        )[columns]


def deployments_since(path: Path, *, since: dt.date, before: dt.date) -> pd.DataFrame:
    """
    Return the deployments of every week's latest approved plan in [since, before).

    Parameters
    ----------
    path
        The SQLite file.
    since, before
        The range of weeks (Mondays).

    Returns
    -------
    pandas.DataFrame
        `DEPLOYMENT_COLUMNS` plus ``week``; empty if none.
    """
    empty = pd.DataFrame(columns=["week", *DEPLOYMENT_COLUMNS])
    if not path.exists():
        return empty
    frames = []
    with _connect(path) as conn:
        weeks = conn.execute(
            "SELECT week, MAX(version) FROM plans WHERE status = 'approved' AND week >= ? "
            "AND week < ? GROUP BY week ORDER BY week",
            (since.isoformat(), before.isoformat()),
        ).fetchall()
        for week, version in weeks:
            row = conn.execute(
                "SELECT plan_id, version, status, saved_by, saved_at, note FROM plans "
                "WHERE week = ? AND version = ?",
                (week, version),
            ).fetchone()
            plan = _stored(conn, dt.date.fromisoformat(week), row)
            frames.append(plan.deployments.assign(week=week))
    return pd.concat(frames, ignore_index=True) if frames else empty
