"""Users, roles and the audit trail, kept in the plan store (`geo.store`).

Passwords are stored only as argon2id hashes (``argon2-cffi``), never as text.
Three roles decide what a signed-in user may do:

========  ===============================================================
role      may
========  ===============================================================
sergeant  view, upload, export, mark, approve the week's plan, read the audit trail
analyst   view, upload, export, mark (notes and done marks on a saved plan)
viewer    view
========  ===============================================================

The audit table records who did what and when (sign-ins, approvals, exports,
user changes); `geo audit` prints it.

>>> can(User("J Smith", "sergeant", ""), "approve"), can(User("A N Other", "viewer", ""), "approve")
(True, False)
"""

from __future__ import annotations

import datetime as dt
import functools
import sqlite3
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from geo._errors import GeoInputError
from geo.store import StoreError, open_for_reading, open_for_writing, write_retrying

ROLES = ("sergeant", "analyst", "viewer")
"""The roles a user can have, most rights first."""

ACTIONS: dict[str, frozenset[str]] = {
    "approve": frozenset({"sergeant"}),
    "upload": frozenset({"sergeant", "analyst"}),
    "export": frozenset({"sergeant", "analyst"}),
    "mark": frozenset({"sergeant", "analyst"}),
    "view": frozenset(ROLES),
    "audit": frozenset({"sergeant"}),
}
"""Which roles may do each action."""

MIN_PASSWORD_LENGTH = 10
"""The shortest password accepted."""

MAX_NAME_LENGTH = 64
"""The longest user name accepted."""

_HASHER = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Return a hash to check an unknown name against: equal work, so names cannot be probed.

    Made on first use, not at import: every `geo` command imports this module.
    """
    return _HASHER.hash("not a password anyone has")


@dataclass(frozen=True, slots=True)
class User:
    """
    A person who may sign in.

    Attributes
    ----------
    name
        The name they sign in with (a name or collar number).
    role
        One of `ROLES`.
    created_at
        When they were added (UTC, ISO 8601).
    """

    name: str
    role: str
    created_at: str


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _check_name(name: str) -> str:
    clean = name.strip()
    if not clean or len(clean) > MAX_NAME_LENGTH:
        msg = f"a user name must be 1 to {MAX_NAME_LENGTH} characters"
        raise GeoInputError(msg)
    if any(unicodedata.category(ch)[0] in {"C", "Z"} and ch != " " for ch in clean):
        msg = "a user name may not contain control characters or unusual spaces"
        raise GeoInputError(msg)
    return clean


def add_user(path: Path, name: str, role: str, password: str) -> User:
    """
    Add a user with an argon2 hash of their password.

    Parameters
    ----------
    path
        The plan store file (created if missing).
    name
        The sign-in name (spaces at either end are dropped).
    role
        One of `ROLES`.
    password
        At least `MIN_PASSWORD_LENGTH` characters.

    Returns
    -------
    User
        The user added.

    Raises
    ------
    GeoInputError
        If the name is taken or invalid, the role unknown or the password short.
    StoreError
        If the store cannot be written.
    """
    clean = _check_name(name)
    if role not in ROLES:
        msg = f"role must be one of {', '.join(ROLES)}, got {role!r}"
        raise GeoInputError(msg)
    if len(password) < MIN_PASSWORD_LENGTH:
        msg = f"the password must be at least {MIN_PASSWORD_LENGTH} characters"
        raise GeoInputError(msg)
    user = User(clean, role, _now())
    hashed = _HASHER.hash(password)
    with open_for_writing(path) as conn:
        if conn.execute("SELECT 1 FROM users WHERE name = ?", (clean,)).fetchone():
            msg = f"a user named {clean!r} already exists"
            raise GeoInputError(msg)
        conn.execute(
            "INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
            (user.name, user.role, hashed, user.created_at),
        )
    return user


def remove_user(path: Path, name: str) -> None:
    """
    Remove a user and end their sign-in sessions; their entries in the audit table stay.

    Parameters
    ----------
    path
        The plan store file.
    name
        The sign-in name.

    Raises
    ------
    GeoInputError
        If there is no such user.
    """
    with open_for_writing(path) as conn:
        gone = conn.execute("DELETE FROM users WHERE name = ?", (name.strip(),)).rowcount
        if not gone:
            msg = f"no user named {name.strip()!r}"
            raise GeoInputError(msg)
        has_sessions = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sessions'"
        ).fetchone()
        if has_sessions:  # signed out everywhere, in the same transaction (`geo.sessions`)
            conn.execute(
                "UPDATE sessions SET ended = ?, token_hash = NULL, handover_hash = NULL "
                "WHERE name = ? AND ended = ''",
                (f"user removed {_now()}", name.strip()),
            )


def _has_users_table(reader: object) -> bool:
    return "users" in getattr(reader, "columns", {})


def list_users(path: Path) -> list[User]:
    """
    List the users, by name (no password hashes).

    Parameters
    ----------
    path
        The plan store file (a missing file has no users).

    Returns
    -------
    list of User
        The users.
    """
    with open_for_reading(path) as reader:
        if reader is None or not _has_users_table(reader):
            return []
        rows = reader.conn.execute(
            "SELECT name, role, created_at FROM users ORDER BY name"
        ).fetchall()
    return [User(str(n), str(r), str(c)) for n, r, c in rows if n is not None and r in ROLES]


def get_user(path: Path, name: str) -> User | None:
    """
    Return one user, or None if there is no such user.

    Parameters
    ----------
    path
        The plan store file.
    name
        The sign-in name.

    Returns
    -------
    User or None
        The user.
    """
    return next((u for u in list_users(path) if u.name == name), None)


def verify(path: Path, name: str, password: str) -> User | None:
    """
    Check a sign-in; return the user if the password is theirs, else None.

    An unknown name costs the same hashing work as a wrong password, so the
    time taken does not say which names exist.

    Parameters
    ----------
    path
        The plan store file.
    name
        The sign-in name.
    password
        The password typed.

    Returns
    -------
    User or None
        The user signed in, or None.
    """
    with open_for_reading(path) as reader:
        row = None
        if reader is not None and _has_users_table(reader):
            row = reader.conn.execute(
                "SELECT name, role, created_at, password_hash FROM users WHERE name = ?",
                (name.strip(),),
            ).fetchone()
    stored = str(row[3]) if row is not None and row[3] is not None else _dummy_hash()
    try:
        _HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if row is None or row[1] not in ROLES:
        return None
    user = User(str(row[0]), str(row[1]), str(row[2]))
    if _HASHER.check_needs_rehash(stored):
        _rehash(path, user.name, password)
    return user


def _rehash(path: Path, name: str, password: str) -> None:
    """Store a fresh hash after the hashing parameters changed (skipped if read-only)."""
    try:
        with open_for_writing(path) as conn:
            conn.execute(
                "UPDATE users SET password_hash = ? WHERE name = ?",
                (_HASHER.hash(password), name),
            )
    except StoreError:
        pass


def can(user: User | None, action: str) -> bool:
    """
    Tell whether a user may do an action.

    Parameters
    ----------
    user
        The signed-in user; None for nobody.
    action
        One of `ACTIONS`: ``approve``, ``upload``, ``export``, ``mark``, ``view``.

    Returns
    -------
    bool
        True if the user's role allows it.

    Raises
    ------
    GeoInputError
        If the action is unknown.
    """
    if action not in ACTIONS:
        msg = f"unknown action {action!r}; one of {', '.join(ACTIONS)}"
        raise GeoInputError(msg)
    return user is not None and user.role in ACTIONS[action]


def record(path: Path, user: User | str | None, action: str, detail: str = "") -> None:
    """
    Add a line to the audit table.

    Parameters
    ----------
    path
        The plan store file.
    user
        Who did it: a `User`, a name, or None (nobody signed in; recorded as
        ``(local, no sign-in)``).
    action
        What they did, e.g. ``approve``, ``export``, ``sign in``.
    detail
        Which plan, file or week, in words.
    """
    who = user.name if isinstance(user, User) else (user or "(local, no sign-in)")
    with open_for_writing(path) as conn:
        conn.execute(
            "INSERT INTO audit (at, who, action, detail) VALUES (?, ?, ?, ?)",
            (_now(), who, action, detail),
        )


def audit_log(path: Path) -> pd.DataFrame:
    """
    Return the audit table, oldest first.

    Parameters
    ----------
    path
        The plan store file.

    Returns
    -------
    pandas.DataFrame
        ``when`` (UTC, ISO 8601), ``who``, ``action``, ``detail``.
    """
    columns = ["when", "who", "action", "detail"]
    with open_for_reading(path) as reader:
        if reader is None or "audit" not in reader.columns:
            return pd.DataFrame(columns=columns)
        rows = reader.conn.execute(
            "SELECT at, who, action, detail FROM audit ORDER BY audit_id"
        ).fetchall()
    return pd.DataFrame(
        [["" if v is None else str(v) for v in row] for row in rows], columns=columns
    )


# --- lockout: failed sign-ins per account, kept in the store -----------------------------------

LOCK_AFTER_FAILURES = 5
"""Failed sign-ins in a row that lock an account."""
FIRST_LOCK = dt.timedelta(minutes=15)
"""How long the first lock lasts; each further failure after it doubles the lock."""
LONGEST_LOCK = dt.timedelta(days=1)
"""The longest a lock lasts, however many failures."""
SHOWN_ZONE = "Europe/London"
"""The time zone every time is shown in."""

_FAILURES_TABLE = """CREATE TABLE IF NOT EXISTS sign_in_failures (
    name TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    locked_until TEXT NOT NULL DEFAULT ''
)"""


@dataclass(frozen=True, slots=True)
class Lock:
    """
    An account locked after failed sign-ins.

    Attributes
    ----------
    until
        When the lock ends (UTC, aware).
    failures
        The failed sign-ins in a row that caused it.
    """

    until: dt.datetime
    failures: int

    def words(self) -> str:
        """
        Say the lock in words, the time in Europe/London.

        Examples
        --------
        >>> Lock(dt.datetime(2025, 10, 6, 13, 32, tzinfo=dt.UTC), 5).words()
        'locked until 14:32 after 5 failed sign-ins'
        >>> Lock(dt.datetime(2025, 12, 6, 13, 32, tzinfo=dt.UTC), 6).words()
        'locked until 13:32 after 6 failed sign-ins'
        """
        return f"locked until {local_time(self.until)} after {self.failures} failed sign-ins"


def local_time(when: dt.datetime, with_date: bool = False) -> str:
    """
    Show a UTC time as Europe/London wall-clock time.

    Examples
    --------
    >>> local_time(dt.datetime(2025, 7, 1, 8, 5, tzinfo=dt.UTC), with_date=True)
    '01 Jul 2025 09:05'
    """
    from zoneinfo import ZoneInfo

    shown = when.astimezone(ZoneInfo(SHOWN_ZONE))
    return shown.strftime("%d %b %Y %H:%M" if with_date else "%H:%M")


def lock_length(failures: int) -> dt.timedelta:
    """
    Return how long `failures` failed sign-ins in a row lock an account (zero below the limit).

    Examples
    --------
    >>> [lock_length(n).total_seconds() / 60 for n in (4, 5, 6, 7)]
    [0.0, 15.0, 30.0, 60.0]
    >>> lock_length(40) == LONGEST_LOCK
    True
    """
    if failures < LOCK_AFTER_FAILURES:
        return dt.timedelta(0)
    doublings = min(failures - LOCK_AFTER_FAILURES, 16)
    return min(FIRST_LOCK * 2**doublings, LONGEST_LOCK)


def _account(name: str) -> str:
    """Return the key of a typed name (unknown names lock too, so a lock reveals no name)."""
    return name.strip()[:MAX_NAME_LENGTH] or "(blank)"


def lock_of(path: Path, name: str, now: dt.datetime | None = None) -> Lock | None:
    """
    Return the account's lock if it is locked now, else None.

    Parameters
    ----------
    path
        The plan store file.
    name
        The name typed at sign-in.
    now
        The time to check at (default: now).

    Returns
    -------
    Lock or None
        The lock in force.
    """
    now = now or dt.datetime.now(dt.UTC)
    with open_for_reading(path) as reader:
        if reader is None or "sign_in_failures" not in reader.columns:
            return None
        row = reader.conn.execute(
            "SELECT failures, locked_until FROM sign_in_failures WHERE name = ?",
            (_account(name),),
        ).fetchone()
    if row is None or not row[1]:
        return None
    until = dt.datetime.fromisoformat(str(row[1]))
    return Lock(until, int(row[0])) if until > now else None


def _write(path: Path, work: Callable[[sqlite3.Connection], object]) -> object:
    """Run ``work(conn)`` in one write transaction (`geo.store.write_retrying`)."""
    return write_retrying(path, work, setup=_FAILURES_TABLE)


def sign_in_failed(
    path: Path, name: str, now: dt.datetime | None = None
) -> tuple[int, Lock | None]:
    """
    Record a failed sign-in: one audit line and the account's count, in one transaction.

    Call it before any delay, so a guess interrupted later is still counted. A store
    that stays busy is tried again a few times (`StoreError` if it never frees).

    Parameters
    ----------
    path
        The plan store file.
    name
        The name typed.
    now
        The time of the failure (default: now).

    Returns
    -------
    tuple of int and Lock or None
        The failures in a row so far, and the lock this failure started, if any.
    """
    now = now or dt.datetime.now(dt.UTC)
    account = _account(name)

    def work(conn: object) -> tuple[int, Lock | None]:
        row = conn.execute(
            "SELECT failures FROM sign_in_failures WHERE name = ?", (account,)
        ).fetchone()
        failures = (int(row[0]) if row else 0) + 1
        length = lock_length(failures)
        until = now + length if length else None
        conn.execute(
            "INSERT INTO sign_in_failures (name, failures, locked_until) VALUES (?, ?, ?) "
            "ON CONFLICT(name) DO UPDATE SET failures = excluded.failures, "
            "locked_until = excluded.locked_until",
            (account, failures, until.isoformat(timespec="seconds") if until else ""),
        )
        detail = f"failure {failures}" + (f"; {Lock(until, failures).words()}" if until else "")
        conn.execute(
            "INSERT INTO audit (at, who, action, detail) VALUES (?, ?, ?, ?)",
            (now.isoformat(timespec="seconds"), account, "sign in failed", detail),
        )
        return failures, (Lock(until, failures) if until else None)

    return _write(path, work)


def sign_in_while_locked(path: Path, name: str, lock: Lock, *, right_password: bool) -> None:
    """
    Record a sign-in tried while the account is locked; it is refused either way.

    A wrong password is audited as ``sign in failed`` (it does not lengthen the lock),
    the right one as ``sign in refused``; the person is told the same in both cases.

    Parameters
    ----------
    path
        The plan store file.
    name
        The name typed.
    lock
        The lock in force.
    right_password
        Whether the password was the account's.
    """
    action = "sign in refused" if right_password else "sign in failed"

    def work(conn: object) -> None:
        conn.execute(
            "INSERT INTO audit (at, who, action, detail) VALUES (?, ?, ?, ?)",
            (_now(), _account(name), action, f"while {lock.words()}"),
        )

    _write(path, work)
