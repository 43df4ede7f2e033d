"""Plan history in an embedded SQLite database: every saved plan, every version, kept.

One file, no server. Each save of a week's plan adds a new *version* of that week
in a single transaction, so a crash mid-save leaves the database exactly as it
was before the save (SQLite's journal rolls the half-written transaction back
when the file is next opened). Two people editing the same week are caught by
optimistic locking: a save names the version it started from (``base_version``),
and is refused with `PlanConflictError` if the week's latest version is any other,
so neither's changes are lost silently.

The store defends itself. It carries its own ``PRAGMA application_id``
(`APPLICATION_ID`) and schema version (``PRAGMA user_version``,
`SCHEMA_VERSION`); a file that is not SQLite, another program's SQLite file or a
store from a newer version is refused with one line (`StoreError`) and never
written to: such files are only ever opened read-only to look at them. Older
schemas of our own migrate inside one transaction. Reads open the file read-only,
so a store on a read-only share still lists and loads; a lock is waited for a
bounded time (`lock_timeout`) and then reported with who holds it, if the system
says. A damaged row is left out or repaired and reported (``problems``, and a
`GeoDataWarning`), never a crash of the next week's plan.

The same file keeps the users and the audit trail (`geo.users`).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import sqlite3
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from geo._errors import GeoDataWarning, GeoInputError
from geo.safe_text import terminal_text
from geo.schema import DEPLOYMENT_COLUMNS

PLAN_STATUSES = ("suggested", "approved", "changed")
"""A plan's and a deployment's status: suggested by the planner, approved, or changed by hand."""


APPLICATION_ID = 0x47454F53
"""``PRAGMA application_id`` of a plan store: the bytes ``GEOS``."""

SCHEMA_VERSION = 3
"""``PRAGMA user_version`` this code writes. 1 was the unmarked schema of the first release;
2 added users and the audit trail; 3 added each deployment's ``note`` and ``outcome``."""

DEFAULT_LOCK_TIMEOUT_S = 5.0
"""How long to wait for another program's lock before giving up, unless the entry point
sets another (``GEO_LOCK_TIMEOUT``, `set_lock_timeout`)."""

_OPTIONAL_COLUMNS = frozenset({"change", "note", "outcome"})
_TEXT_COLUMNS = tuple(
    c for c in DEPLOYMENT_COLUMNS if c not in {"x", "y", "weeks_on_site", "numbers"}
)
_KEY_COLUMNS = ("resource", "unit", "site_id", "start", "end")

_TABLES = {
    "plans": """CREATE TABLE plans (
    plan_id INTEGER PRIMARY KEY,
    week TEXT NOT NULL,
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    saved_by TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    UNIQUE (week, version)
)""",
    "deployments": """CREATE TABLE deployments (
    plan_id INTEGER NOT NULL REFERENCES plans(plan_id),
    position INTEGER NOT NULL,
    resource TEXT NOT NULL, unit TEXT NOT NULL, site_id TEXT NOT NULL, site_name TEXT NOT NULL,
    x REAL, y REAL, hotspot_ids TEXT NOT NULL, start TEXT NOT NULL, "end" TEXT NOT NULL,
    weeks_on_site INTEGER NOT NULL, reason TEXT NOT NULL, status TEXT NOT NULL,
    changed_by TEXT NOT NULL, changed_at TEXT NOT NULL, numbers TEXT NOT NULL,
    change TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (plan_id, position)
)""",
    "users": """CREATE TABLE users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
)""",
    "audit": """CREATE TABLE audit (
    audit_id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
)""",
}

_PLAN_COLUMNS = ("plan_id", "week", "version", "status", "saved_by", "saved_at", "note")
_LEGACY_COLUMNS = {  # schema 1: the first release, no application_id, no user_version
    "plans": set(_PLAN_COLUMNS),
    "deployments": {"plan_id", "position"} | (set(DEPLOYMENT_COLUMNS) - _OPTIONAL_COLUMNS),
}
_V2_COLUMNS = {  # schema 2: users, audit and each deployment's change
    **_LEGACY_COLUMNS,
    "deployments": _LEGACY_COLUMNS["deployments"] | {"change"},
    "users": {"name", "role", "password_hash", "created_at"},
    "audit": {"audit_id", "at", "who", "action", "detail"},
}
_CURRENT_COLUMNS = {
    **_V2_COLUMNS,
    "deployments": _V2_COLUMNS["deployments"] | {"note", "outcome"},
}
_EXPECTED = {1: _LEGACY_COLUMNS, 2: _V2_COLUMNS, SCHEMA_VERSION: _CURRENT_COLUMNS}


class StoreError(GeoInputError):
    """The plan store cannot be used: not ours, newer, damaged, busy or read-only.

    The message is one line naming the file.
    """


class PlanConflictError(GeoInputError):
    """The week's latest saved version is not the one this plan was started from.

    Attributes
    ----------
    week
        The week being saved.
    version
        The week's latest saved version.
    saved_by, saved_at
        Who saved that version and when (UTC, ISO 8601).
    base_version
        The version the refused save started from (None: no saved version shown).
    """

    def __init__(
        self,
        week: dt.date,
        version: int,
        saved_by: str,
        saved_at: str,
        base_version: int | None,
    ) -> None:
        self.week = week
        self.version = version
        self.saved_by = saved_by
        self.saved_at = saved_at
        self.base_version = base_version
        since = "" if not base_version else f" since you loaded version {base_version}"
        msg = (
            f"week {week.isoformat()} was saved as version {version} by "
            f"{terminal_text(saved_by) or 'someone'} at {_utc_minutes(saved_at)}{since}; "
            "reload it before saving"
        )
        if not version:
            msg = (
                f"week {week.isoformat()} has no saved version, but this plan started from "
                f"version {base_version}; reload it before saving"
            )
        super().__init__(msg)

    def __reduce__(self) -> tuple[object, ...]:
        """Pickle with the fields (the message is rebuilt from them)."""
        fields = (self.week, self.version, self.saved_by, self.saved_at, self.base_version)
        return (type(self), fields)


def _utc_minutes(stamp: str) -> str:
    """Format an ISO time as ``YYYY-MM-DD HH:MM UTC`` (unchanged if it does not parse)."""
    try:
        when = dt.datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return terminal_text(stamp)
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC)
    return f"{when:%Y-%m-%d %H:%M} UTC"


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
    problems
        Damaged rows found while loading it, one sentence each (rows with a
        missing key value are left out; unreadable ``numbers`` read as empty).
    """

    week: dt.date
    version: int
    status: str
    saved_by: str
    saved_at: str
    deployments: pd.DataFrame
    note: str = ""
    problems: tuple[str, ...] = field(default=())


# --- opening the file --------------------------------------------------------------------------


_lock_wait = [DEFAULT_LOCK_TIMEOUT_S]  # set once by the entry point (`set_lock_timeout`)


def set_lock_timeout(seconds: float) -> None:
    """
    Set how long writers wait for a lock when a call gives no ``timeout=``.

    The ``geo`` command and the app call this once at start with
    `geo.switches.Switches.lock_timeout` (``GEO_LOCK_TIMEOUT``), so every store call
    under them, however deep, waits that long.

    Parameters
    ----------
    seconds
        A finite number 0 or more (`geo.switches.Switches.from_environ` checks it).
    """
    _lock_wait[0] = seconds


def lock_timeout() -> float:
    """
    Return how long to wait for a lock, in seconds: as set by `set_lock_timeout`, else 5.

    Returns
    -------
    float
        Seconds.
    """
    return _lock_wait[0]


def _lock_holders(path: Path) -> list[str]:
    """Name the other processes holding a write lock on the store (Linux ``/proc/locks``)."""
    files = [path, Path(f"{path}-shm"), Path(f"{path}-wal")]
    ids = set()
    for p in files:
        try:
            st = p.stat()
        except OSError:
            continue
        ids.add(f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}")
    try:
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return []
    pids = []
    for line in lines:
        parts = line.split()
        if len(parts) < 6 or parts[1] == "->" or parts[3] != "WRITE" or parts[5] not in ids:
            continue
        if parts[4].isdigit() and int(parts[4]) != os.getpid() and parts[4] not in pids:
            pids.append(parts[4])
    out = []
    for pid in pids[:3]:
        try:
            name = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            name = ""
        out.append(f"pid {pid} {terminal_text(name)}".strip())
    return out


def _busy(path: Path, timeout: float) -> StoreError:
    holders = _lock_holders(path)
    who = f"another program: {', '.join(holders)}" if holders else "another program"
    msg = (
        f"the plan store {path} is busy (locked by {who}) and stayed locked for {timeout:g} s; "
        "try again in a moment"
    )
    return StoreError(msg)


def _translate(err: sqlite3.Error, path: Path, timeout: float) -> StoreError:
    """Turn an SQLite error into one line naming the file."""
    name = getattr(err, "sqlite_errorname", "") or ""
    text = str(err)
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text:
        return _busy(path, timeout)
    if name.startswith("SQLITE_READONLY") or "readonly" in text:
        return StoreError(
            f"cannot write to the plan store {path}: the file or its folder is read-only"
        )
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in text:
        return StoreError(f"{path} is damaged and cannot be read as a plan store ({text})")
    if name.startswith("SQLITE_FULL"):
        return StoreError(f"cannot write to the plan store {path}: the disk is full")
    if name.startswith(("SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
        return StoreError(f"cannot open the plan store {path} ({text})")
    return StoreError(f"the plan store {path} cannot be used ({text})")


def _is_new(path: Path) -> bool:
    """Tell whether there is no store yet: no file, or an empty one (which becomes ours)."""
    try:
        return path.stat().st_size == 0
    except FileNotFoundError:
        return True
    except OSError as err:
        msg = f"cannot open the plan store {path} ({err.strerror})"
        raise StoreError(msg) from err


def _check_magic(path: Path) -> None:
    try:
        with path.open("rb") as f:
            head = f.read(16)
    except IsADirectoryError as err:
        msg = f"{path} is a folder, not a plan store"
        raise StoreError(msg) from err
    except OSError as err:
        msg = f"cannot open the plan store {path} ({err.strerror})"
        raise StoreError(msg) from err
    if head != b"SQLite format 3\x00":
        msg = f"{path} is not a plan store (not an SQLite database); it was left unchanged"
        raise StoreError(msg)


def _open_ro(path: Path, timeout: float, *, look_only: bool = False) -> sqlite3.Connection:
    """
    Open the file read-only.

    With `look_only`, and no ``-wal`` file beside it (so the file holds every
    committed change), open it as immutable: SQLite then creates no ``-shm`` or
    ``-wal`` file, so a file that turns out not to be ours is not touched at all.
    In a read-only folder, where SQLite cannot make its WAL index, fall back to
    immutable as well.
    """
    uri = path.resolve().as_uri()
    queries = ["?mode=ro", "?mode=ro&immutable=1"]
    if look_only and not Path(f"{path}-wal").exists():
        queries = queries[1:]
    last: sqlite3.Error | None = None
    for query in queries:
        conn = sqlite3.connect(uri + query, uri=True, timeout=timeout, isolation_level=None)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError as err:
            conn.close()
            last = err
            name = getattr(err, "sqlite_errorname", "") or ""
            if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN")):
                continue
            raise
        except sqlite3.Error:
            conn.close()
            raise
        return conn
    assert last is not None  # the loop ran and failed every time
    raise last


def _columns(conn: sqlite3.Connection) -> dict[str, list[tuple[str, bool, bool]]]:
    """Return each user table's columns as (name, not null, has default)."""
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {
        t: [
            (str(c[1]), bool(c[3]), c[4] is not None)
            for c in conn.execute(f'PRAGMA table_info("{t.replace(chr(34), "")}")')
        ]
        for t in tables
    }


@dataclass(frozen=True, slots=True)
class _Kind:
    """What an existing file is: ``new`` (no tables), ``legacy`` (schema 1), ``v2`` or ``ours``."""

    state: str
    columns: dict[str, list[tuple[str, bool, bool]]]


def _classify(conn: sqlite3.Connection, path: Path) -> _Kind:
    app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    columns = _columns(conn)
    names = {t: {c[0] for c in cols} for t, cols in columns.items()}
    if app_id == APPLICATION_ID:
        if version > SCHEMA_VERSION:
            msg = (
                f"{path} is a plan store from a newer version of this program (schema "
                f"{version}, this one reads up to {SCHEMA_VERSION}); upgrade geo to open it"
            )
            raise StoreError(msg)
        expected = _EXPECTED.get(version, _LEGACY_COLUMNS)
        for table, needed in expected.items():
            missing = sorted(needed - names.get(table, set()))
            if missing:
                msg = f"{path} is a damaged plan store: table {table} lacks {', '.join(missing)}"
                raise StoreError(msg)
        state = {SCHEMA_VERSION: "ours", 2: "v2"}.get(version, "legacy")
        return _Kind(state, columns)
    if app_id == 0 and not columns:
        return _Kind("new", columns)
    if app_id == 0 and names == _LEGACY_COLUMNS:
        return _Kind("legacy", columns)
    owner = f"application id {app_id:#010x}" if app_id else f"tables {', '.join(sorted(names))}"
    msg = f"{path} is not a plan store (another program's SQLite database, {owner}); left unchanged"
    raise StoreError(msg)


def _inspect(path: Path, timeout: float) -> _Kind | None:
    """Look at an existing file read-only; None if there is no store yet."""
    if _is_new(path):
        return None
    _check_magic(path)
    try:
        with closing(_open_ro(path, timeout, look_only=True)) as conn:
            return _classify(conn, path)
    except sqlite3.Error as err:
        raise _translate(err, path, timeout) from err


@contextmanager
def open_for_reading(path: Path, *, timeout: float | None = None) -> Iterator[_Reader | None]:
    """
    Open the store read-only, or yield None if there is no store yet.

    Parameters
    ----------
    path
        The SQLite file.
    timeout
        Seconds to wait for a lock; default `lock_timeout`.

    Yields
    ------
    _Reader or None
        The connection and the tables' columns.

    Raises
    ------
    StoreError
        If the file is not a plan store, is newer, damaged or stays locked.
    """
    wait = lock_timeout() if timeout is None else timeout
    if _inspect(path, wait) is None:
        yield None
        return
    try:
        with closing(_open_ro(path, wait)) as conn:
            kind = _classify(conn, path)  # again: the file may have changed meanwhile
            if kind.state == "new":
                yield None
                return
            yield _Reader(conn, {t: {c[0] for c in cols} for t, cols in kind.columns.items()})
    except sqlite3.Error as err:
        raise _translate(err, path, wait) from err


@dataclass(frozen=True, slots=True)
class _Reader:
    """A read-only connection and the columns each table has."""

    conn: sqlite3.Connection
    columns: dict[str, set[str]]


@contextmanager
def open_for_writing(path: Path, *, timeout: float | None = None) -> Iterator[sqlite3.Connection]:
    """
    Open the store inside one write transaction, creating or migrating it first.

    The transaction (``BEGIN IMMEDIATE``) commits when the block ends and rolls
    back if it raises. A new or empty file becomes a store; a schema-1 store is
    migrated in the same transaction.

    Parameters
    ----------
    path
        The SQLite file.
    timeout
        Seconds to wait for a lock; default `lock_timeout`.

    Yields
    ------
    sqlite3.Connection
        The connection, in the transaction.

    Raises
    ------
    StoreError
        If the file is not a plan store, is newer, damaged, stays locked, or
        cannot be written.
    """
    wait = lock_timeout() if timeout is None else timeout
    before = _inspect(path, wait)  # refuses foreign files before opening them for writing
    if before is not None:
        _refuse_unknown_required(path, before)
    _check_writable(path, exists=before is not None)
    try:
        conn = sqlite3.connect(path, timeout=wait, isolation_level=None)
    except sqlite3.Error as err:
        raise _translate(err, path, wait) from err
    with closing(conn):
        try:
            if before is None:
                _set_wal(conn)
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as err:
            raise _translate(err, path, wait) from err
        try:
            kind = _classify(conn, path)
            _bring_up_to_date(conn, kind)
            _refuse_unknown_required(path, kind)
            yield conn
            _before_commit(conn)
            conn.execute("COMMIT")
        except BaseException as err:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(err, sqlite3.Error):
                raise _translate(err, path, wait) from err
            raise


WRITE_ATTEMPTS = 4
"""How many times a small write is tried while the store is busy (`write_retrying`)."""


def write_retrying(
    path: Path, work: Callable[[sqlite3.Connection], object], *, setup: str = ""
) -> object:
    """
    Run ``work(conn)`` in one write transaction, trying again while the store is busy.

    For small writes that must not be lost to a busy store (a failed sign-in, a session):
    `WRITE_ATTEMPTS` tries, waiting a little longer each time.

    Parameters
    ----------
    path
        The plan store.
    work
        What to do inside the transaction; its result is returned.
    setup
        SQL run first in the same transaction (``CREATE TABLE IF NOT EXISTS ...``).

    Raises
    ------
    StoreError
        If the store stays busy, or cannot be written.
    """
    for attempt in range(WRITE_ATTEMPTS):
        try:
            with open_for_writing(path) as conn:
                if setup:
                    conn.execute(setup)
                return work(conn)
        except StoreError as err:
            if "busy" not in str(err) or attempt == WRITE_ATTEMPTS - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
    msg = f"{path}: the store stayed busy"  # pragma: no cover - the loop returns or raises
    raise StoreError(msg)


def _check_writable(path: Path, *, exists: bool) -> None:
    folder = path.parent
    if not exists:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            msg = f"cannot create the plan store {path} ({err.strerror})"
            raise StoreError(msg) from err
    blocked = (exists and not os.access(path, os.W_OK)) or not os.access(folder, os.W_OK)
    if blocked:
        msg = f"cannot write to the plan store {path}: the file or its folder is read-only"
        raise StoreError(msg)


def _set_wal(conn: sqlite3.Connection) -> None:
    """Make a new store WAL once; another process doing the same at once is fine."""
    for attempt in range(20):
        try:
            conn.execute("PRAGMA journal_mode=WAL").fetchone()
            return
        except sqlite3.OperationalError as err:
            name = getattr(err, "sqlite_errorname", "") or ""
            if not name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
                raise
            time.sleep(0.05 * (attempt + 1))
    # still busy: the other creator will set it; the store works in either journal mode


def _bring_up_to_date(conn: sqlite3.Connection, kind: _Kind) -> None:
    """Create the tables of a new store or migrate a schema-1 or -2 store, in the transaction."""
    if kind.state == "ours":
        return
    if kind.state == "new":
        for ddl in _TABLES.values():
            conn.execute(ddl)
    if kind.state == "legacy":  # schema 1 -> 2
        conn.execute("ALTER TABLE deployments ADD COLUMN change TEXT NOT NULL DEFAULT ''")
        conn.execute(_TABLES["users"])
        conn.execute(_TABLES["audit"])
    if kind.state in {"legacy", "v2"}:  # 2 -> 3
        conn.execute("ALTER TABLE deployments ADD COLUMN note TEXT NOT NULL DEFAULT ''")
        conn.execute("ALTER TABLE deployments ADD COLUMN outcome TEXT NOT NULL DEFAULT ''")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _refuse_unknown_required(path: Path, kind: _Kind) -> None:
    """Refuse to write a store with a required column this version cannot fill."""
    for table, cols in kind.columns.items():
        known = _CURRENT_COLUMNS.get(table)
        if known is None:
            continue
        for name, not_null, has_default in cols:
            if name not in known and not_null and not has_default:
                msg = (
                    f"the plan store {path} has a required column {table}.{name} this version "
                    "does not know (written by a newer program?); nothing was saved"
                )
                raise StoreError(msg)


def _before_commit(conn: sqlite3.Connection) -> None:
    """Do nothing; tests replace it to simulate a crash between writing and committing."""


# --- saving ------------------------------------------------------------------------------------


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
    timeout: float | None = None,
) -> StoredPlan:
    """
    Save a new version of a week's plan, atomically.

    Parameters
    ----------
    path
        The SQLite file (created if missing or empty).
    week
        The Monday the plan starts.
    deployments
        One row per deployment with `DEPLOYMENT_COLUMNS` (``numbers`` may be a
        dict or a JSON string; ``change`` may be left out).
    status
        One of `PLAN_STATUSES`.
    saved_by
        Who is saving (a name or collar number).
    base_version
        The version the user was shown: None (or 0) if they were shown no saved
        version, else the version loaded. The save is refused unless it is the
        week's latest version.
    note
        Free text.
    now
        The save time; defaults to the current UTC time.
    timeout
        Seconds to wait for another writer; default `lock_timeout`.

    Returns
    -------
    StoredPlan
        What was saved, with its new version number.

    Raises
    ------
    PlanConflictError
        If the latest saved version of `week` is not `base_version`.
    StoreError
        If the file is not a plan store, is newer or damaged, stays locked or
        cannot be written.
    GeoInputError
        If `status` is unknown or columns are missing.
    """
    if status not in PLAN_STATUSES:
        msg = f"status must be one of {PLAN_STATUSES}, got {status!r}"
        raise GeoInputError(msg)
    missing = [
        c for c in DEPLOYMENT_COLUMNS if c not in deployments.columns and c not in _OPTIONAL_COLUMNS
    ]
    if missing:
        msg = f"deployments are missing columns {missing}"
        raise GeoInputError(msg)
    saved_at = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    rows = _rows_for_db(deployments)
    names = ", ".join(f'"{c}"' for c in ("plan_id", "position", *DEPLOYMENT_COLUMNS))
    marks = ", ".join("?" * (len(DEPLOYMENT_COLUMNS) + 2))
    with open_for_writing(path, timeout=timeout) as conn:
        latest = conn.execute(
            "SELECT version, saved_by, saved_at FROM plans WHERE week = ? "
            "ORDER BY version DESC LIMIT 1",
            (week.isoformat(),),
        ).fetchone()
        version = int(latest[0]) if latest else 0
        if version != (base_version or 0):
            by, at = (_text(latest[1]), _text(latest[2])) if latest else ("", "")
            raise PlanConflictError(week, version, by, at, base_version)
        cur = conn.execute(
            "INSERT INTO plans (week, version, status, saved_by, saved_at, note) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (week.isoformat(), version + 1, status, saved_by, saved_at, note or ""),
        )
        conn.executemany(
            f"INSERT INTO deployments ({names}) VALUES ({marks})",
            [(cur.lastrowid, i, *row) for i, row in enumerate(rows)],
        )
    stored = deployments.copy()
    for col in _OPTIONAL_COLUMNS - set(stored.columns):
        stored[col] = ""
    return StoredPlan(week, version + 1, status, saved_by, saved_at, stored, note)


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if value is pd.NaT or value is pd.NA:
        return ""
    return str(value)


def _coordinate(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _rows_for_db(deployments: pd.DataFrame) -> list[tuple[object, ...]]:
    frame = deployments.copy()
    for col in _OPTIONAL_COLUMNS - set(frame.columns):
        frame[col] = ""
    out = []
    for rec in frame[list(DEPLOYMENT_COLUMNS)].to_dict("records"):
        numbers = rec["numbers"]
        if not isinstance(numbers, str):
            numbers = json.dumps(numbers if isinstance(numbers, dict) else {}, default=str)
        rec["numbers"] = numbers
        for key in _TEXT_COLUMNS:
            rec[key] = _text(rec[key])
        rec["x"] = _coordinate(rec["x"])
        rec["y"] = _coordinate(rec["y"])
        try:
            rec["weeks_on_site"] = int(rec["weeks_on_site"])
        except (TypeError, ValueError) as err:
            msg = f"weeks_on_site must be a whole number, got {rec['weeks_on_site']!r}"
            raise GeoInputError(msg) from err
        out.append(tuple(rec[c] for c in DEPLOYMENT_COLUMNS))
    return out


# --- loading -----------------------------------------------------------------------------------


def _warn(problems: list[str]) -> None:
    for problem in problems:
        warnings.warn(problem, GeoDataWarning, stacklevel=3)


def _plan_row(
    row: tuple[object, ...], problems: list[str]
) -> tuple[int, int, str, str, str, str] | None:
    """Check a plans row (plan_id, version, status, saved_by, saved_at, note), repairing blanks."""
    plan_id, version, status, saved_by, saved_at, note = row
    try:
        ids = int(plan_id), int(version)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        problems.append(f"plan {terminal_text(plan_id)}: version unreadable (left out)")
        return None
    fixed = []
    for name, value in (("status", status), ("saved_by", saved_by), ("saved_at", saved_at)):
        if value is None:
            problems.append(f"plan {ids[0]}: {name} is missing (read as empty)")
        fixed.append(_text(value))
    return (*ids, *fixed, _text(note))  # type: ignore[return-value]


def _stored(reader: _Reader, week: dt.date, row: tuple[object, ...]) -> StoredPlan | None:
    """Read one plan and its deployments; None if the plan row itself is unreadable."""
    problems: list[str] = []
    checked = _plan_row(row, problems)
    if checked is None:
        _warn(problems)
        return None
    plan_id, version, status, saved_by, saved_at, note = checked
    present = [c for c in DEPLOYMENT_COLUMNS if c in reader.columns["deployments"]]
    cols = ", ".join(f'"{c}"' for c in ("position", *present))
    records = []
    for values in reader.conn.execute(
        f"SELECT {cols} FROM deployments WHERE plan_id = ? ORDER BY position", (plan_id,)
    ):
        rec = dict(zip(("position", *present), values, strict=True))
        good = _deployment(rec, f"week {week.isoformat()} version {version}", problems)
        if good is not None:
            records.append(good)
    deployments = pd.DataFrame(records, columns=list(DEPLOYMENT_COLUMNS))
    deployments["x"] = deployments["x"].astype(float)
    deployments["y"] = deployments["y"].astype(float)
    if records:
        deployments["weeks_on_site"] = deployments["weeks_on_site"].astype("int64")
    _warn(problems)
    return StoredPlan(week, version, status, saved_by, saved_at, deployments, note, tuple(problems))


def _deployment(rec: dict[str, object], where: str, problems: list[str]) -> dict | None:
    """Check one stored deployment; None (with a problem noted) if it cannot be used."""
    at = f"{where}, deployment {int(rec.pop('position') or 0) + 1}"  # type: ignore[call-overload]
    missing = [c for c in _KEY_COLUMNS if rec.get(c) is None]
    try:
        weeks = int(rec.get("weeks_on_site"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        missing.append("weeks_on_site")
    if missing:
        problems.append(f"{at}: {', '.join(missing)} missing or unreadable (row left out)")
        return None
    out: dict[str, object] = {c: _text(rec.get(c)) for c in _TEXT_COLUMNS}
    out["x"], out["y"] = _coordinate(rec.get("x")), _coordinate(rec.get("y"))
    out["weeks_on_site"] = weeks
    try:
        numbers = json.loads(rec.get("numbers"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        numbers = None
    if not isinstance(numbers, dict):
        problems.append(f"{at}: numbers are not a readable JSON object (read as empty)")
        numbers = {}
    out["numbers"] = numbers
    return out


def load_plan(path: Path, *, week: dt.date, version: int | None = None) -> StoredPlan | None:
    """
    Load one version (default: the latest) of a week's plan, or None if never saved.

    The file is opened read-only. Damaged rows are reported in ``problems`` and
    as a `GeoDataWarning`.

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

    Raises
    ------
    StoreError
        If the file is not a plan store, is newer, damaged or stays locked.
    """
    with open_for_reading(path) as reader:
        if reader is None:
            return None
        query = (
            "SELECT plan_id, version, status, saved_by, saved_at, note FROM plans "
            "WHERE week = ? AND version IS NOT NULL"
        )
        args: tuple[object, ...] = (week.isoformat(),)
        if version is not None:
            query += " AND version = ?"
            args += (version,)
        row = reader.conn.execute(query + " ORDER BY version DESC LIMIT 1", args).fetchone()
        if row is None:
            return None
        return _stored(reader, week, row)


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

    Raises
    ------
    StoreError
        If the file is not a plan store, is newer, damaged or stays locked.
    """
    with open_for_reading(path) as reader:
        if reader is None:
            return None
        problems: list[str] = []
        plan = None
        for row in reader.conn.execute(
            "SELECT plan_id, version, status, saved_by, saved_at, note, week FROM plans "
            "WHERE week < ? AND status = 'approved' AND version IS NOT NULL "
            "ORDER BY week DESC, version DESC",
            (week.isoformat(),),
        ).fetchall():
            when = _week_of(row[6], f"plan {row[0]}", problems)
            plan = None if when is None else _stored(reader, when, row[:6])
            if plan is not None:
                break
    _warn(problems)
    return plan


def _week_of(value: object, where: str, problems: list[str]) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        problems.append(f"{where}: week {terminal_text(value)!r} is not a date (left out)")
        return None


def plan_history(path: Path) -> pd.DataFrame:
    """
    List every saved plan version, newest week first.

    The file is opened read-only, so a store on a read-only share lists too.

    Parameters
    ----------
    path
        The SQLite file.

    Returns
    -------
    pandas.DataFrame
        ``week``, ``version``, ``status``, ``saved_by``, ``saved_at``, ``note``,
        ``deployments`` (how many). Damaged rows are listed in ``attrs["problems"]``
        (and warned about).

    Raises
    ------
    StoreError
        If the file is not a plan store, is newer, damaged or stays locked.
    """
    columns = ["week", "version", "status", "saved_by", "saved_at", "note", "deployments"]
    problems: list[str] = []
    with open_for_reading(path) as reader:
        if reader is None:
            table = pd.DataFrame(columns=columns)
        else:
            rows = []
            for row in reader.conn.execute(
                "SELECT p.plan_id, p.week, p.version, p.status, p.saved_by, p.saved_at, p.note, "
                "COUNT(d.position) FROM plans p LEFT JOIN deployments d ON d.plan_id = p.plan_id "
                "GROUP BY p.plan_id ORDER BY p.week DESC, p.version DESC"
            ):
                if row[1] is None or row[2] is None:
                    problems.append(f"plan {row[0]}: week or version missing (left out)")
                    continue
                checked = _plan_row((row[0], row[2], *row[3:7]), problems)
                if checked is not None:
                    rows.append([_text(row[1]), *checked[1:], row[7]])
            table = pd.DataFrame(rows, columns=columns)
    table.attrs["problems"] = problems
    _warn(problems)
    return table


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
        `DEPLOYMENT_COLUMNS` plus ``week``; empty if none. Damaged rows are left
        out or repaired and listed in ``attrs["problems"]`` (and warned about).

    Raises
    ------
    StoreError
        If the file is not a plan store, is newer, damaged or stays locked.
    """
    empty = pd.DataFrame(columns=["week", *DEPLOYMENT_COLUMNS])
    frames = []
    problems: list[str] = []
    with open_for_reading(path) as reader:
        if reader is not None:
            weeks = reader.conn.execute(
                "SELECT week, MAX(version) FROM plans WHERE status = 'approved' AND week >= ? "
                "AND week < ? AND version IS NOT NULL GROUP BY week ORDER BY week",
                (since.isoformat(), before.isoformat()),
            ).fetchall()
            for week, version in weeks:
                when = _week_of(week, f"week {week}", problems)
                if when is None:
                    continue
                row = reader.conn.execute(
                    "SELECT plan_id, version, status, saved_by, saved_at, note FROM plans "
                    "WHERE week = ? AND version = ?",
                    (week, version),
                ).fetchone()
                plan = _stored(reader, when, row)
                if plan is not None:
                    problems.extend(plan.problems)
                    frames.append(plan.deployments.assign(week=week))
    out = pd.concat(frames, ignore_index=True) if frames else empty
    out.attrs["problems"] = problems
    _warn(problems)
    return out
