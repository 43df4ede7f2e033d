"""Users, roles and the audit trail, kept in the plan store (`geo.store`).

Passwords are stored only as argon2id hashes (``argon2-cffi``), never as text.
Three roles decide what a signed-in user may do:

========  ===================================================
role      may
========  ===================================================
sergeant  view, upload, export, approve the week's plan
analyst   view, upload, export
viewer    view
========  ===================================================

The audit table records who did what and when (sign-ins, approvals, exports,
user changes); `geo audit` prints it.

>>> can(User("J Smith", "sergeant", ""), "approve"), can(User("A N Other", "viewer", ""), "approve")
(True, False)
"""

from __future__ import annotations

import datetime as dt
import functools
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from geo._errors import GeoInputError
from geo.store import StoreError, open_for_reading, open_for_writing

ROLES = ("sergeant", "analyst", "viewer")
"""The roles a user can have, most rights first."""

ACTIONS: dict[str, frozenset[str]] = {
    "approve": frozenset({"sergeant"}),
    "upload": frozenset({"sergeant", "analyst"}),
    "export": frozenset({"sergeant", "analyst"}),
    "view": frozenset(ROLES),
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
    Remove a user; their entries in the audit table stay.

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
        One of `ACTIONS`: ``approve``, ``upload``, ``export``, ``view``.

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
