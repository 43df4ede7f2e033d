"""Signed sign-in sessions that last a working day, kept in the plan store.

A sign-in (`geo.users.verify`) starts a session: a row of the ``sessions`` table
with who, when it started, when it ends (`SESSION_LENGTH` later) and whether it was
ended early (signed out, user removed, expired). The browser gets it in two steps,
so the session token never reaches page script:

1. the app's script starts the session and gets a one-time handover code, good for
   `HANDOVER_LENGTH` (`start_session`);
2. the page posts that code to the server's own route, which exchanges it
   (`exchange_handover`) for a fresh random token and sets it as an HttpOnly,
   SameSite=Strict cookie signed with an HMAC key kept in ``GEO_HOME/session.key``
   (mode 0600, `session_key`).

Each run of the app reads the cookie and asks `check_session`: a bad signature,
an unknown token, an ended or expired session or a user no longer in the store
means nobody is signed in. Only SHA-256 hashes of tokens and codes are stored.
Signing out ends every session of that user (`end_sessions`), so every tab and
device is signed out at its next run; `geo users remove` ends them too.

>>> unsign(sign("abc", b"k" * 32), b"k" * 32), unsign(sign("abc", b"k" * 32), b"x" * 32)
('abc', None)
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import secrets
import sqlite3
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from geo._errors import GeoInputError
from geo.home import geo_home
from geo.store import open_for_reading, write_retrying

SESSION_LENGTH = dt.timedelta(hours=10)
"""How long a sign-in lasts: a working day, counted from the sign-in (not renewed)."""
HANDOVER_LENGTH = dt.timedelta(seconds=60)
"""How long the one-time code that sets the cookie may wait to be exchanged."""
COOKIE_NAME = "geo_session"
"""The name of the sign-in cookie."""
KEY_FILE = "session.key"
"""The HMAC key's file name in ``GEO_HOME``."""
_KEY_BYTES = 32

_SESSIONS_TABLE = """CREATE TABLE IF NOT EXISTS sessions (
    session_id INTEGER PRIMARY KEY,
    token_hash TEXT UNIQUE,
    name TEXT NOT NULL,
    created TEXT NOT NULL,
    expires TEXT NOT NULL,
    ended TEXT NOT NULL DEFAULT '',
    handover_hash TEXT UNIQUE,
    handover_expires TEXT NOT NULL DEFAULT ''
)"""


@dataclass(frozen=True, slots=True)
class Session:
    """
    A live sign-in session.

    Attributes
    ----------
    session_id
        The row in the ``sessions`` table.
    name
        Who signed in.
    expires
        When it ends (UTC, aware).
    """

    session_id: int
    name: str
    expires: dt.datetime


@dataclass(frozen=True, slots=True)
class Started:
    """
    A session just started: its row and the one-time code that sets the cookie.

    Attributes
    ----------
    session
        The session.
    handover
        The code to post to the server's route (good for `HANDOVER_LENGTH`, once).
    """

    session: Session
    handover: str


@dataclass(frozen=True, slots=True)
class Cookie:
    """
    The cookie a handover sets.

    Attributes
    ----------
    value
        The signed token (``token.signature``).
    max_age
        Seconds until the session ends.
    name
        Who it signs in (for the server log only).
    """

    value: str
    max_age: int
    name: str


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(when: dt.datetime) -> str:
    return when.isoformat(timespec="seconds")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def session_key(home: Path | None = None) -> bytes:
    """
    Return the HMAC key that signs session cookies, making it on first use (mode 0600).

    Parameters
    ----------
    home
        The state folder that keeps it (`geo.home.geo_home`; the app passes ``GEO_HOME``).

    Returns
    -------
    bytes
        The key.

    Raises
    ------
    GeoInputError
        In one line, if the key file is readable by others, the wrong size or unreadable.
    """
    path = (home or geo_home()) / KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    except OSError as err:
        msg = f"the session key {path} cannot be made ({err.strerror or err})"
        raise GeoInputError(msg) from err
    else:
        with os.fdopen(fd, "wb") as out:
            out.write(secrets.token_bytes(_KEY_BYTES))
    try:
        mode = path.stat().st_mode
        key = path.read_bytes()
    except OSError as err:
        msg = f"the session key {path} cannot be read ({err.strerror or err})"
        raise GeoInputError(msg) from err
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        msg = f"the session key {path} is open to other users: delete it (everyone signs in again)"
        raise GeoInputError(msg)
    if len(key) != _KEY_BYTES:
        msg = f"the session key {path} is damaged: delete it (everyone signs in again)"
        raise GeoInputError(msg)
    return key


def sign(token: str, key: bytes) -> str:
    """Return ``token.signature``: the token with its HMAC-SHA256 under `key`."""
    mac = hmac.new(key, token.encode("ascii"), hashlib.sha256).digest()
    return f"{token}.{base64.urlsafe_b64encode(mac).decode('ascii').rstrip('=')}"


def unsign(value: str, key: bytes) -> str | None:
    """
    Return the token of a signed cookie value, or None if the signature is wrong.

    Examples
    --------
    >>> [unsign(v, b"k" * 32) for v in ("", "abc", "abc.", ".x", "é.x")]
    [None, None, None, None, None]
    """
    if not isinstance(value, str):
        return None
    token, dot, _ = value.rpartition(".")
    if not dot or not token or not token.isascii():
        return None
    return token if hmac.compare_digest(sign(token, key), value) else None


def _write(path: Path, work: Callable[[sqlite3.Connection], object]) -> object:
    """Run ``work(conn)`` in one write transaction (`geo.store.write_retrying`)."""
    return write_retrying(path, work, setup=_SESSIONS_TABLE)


def _audit(conn: object, when: dt.datetime, who: str, action: str, detail: str) -> None:
    conn.execute(
        "INSERT INTO audit (at, who, action, detail) VALUES (?, ?, ?, ?)",
        (_iso(when), who, action, detail),
    )


def start_session(path: Path, name: str, now: dt.datetime | None = None) -> Started:
    """
    Start a session for a user who has just signed in, and audit the sign-in.

    Parameters
    ----------
    path
        The plan store file.
    name
        The user's name (already verified).
    now
        The time of the sign-in (default: now).

    Returns
    -------
    Started
        The session and its one-time handover code.
    """
    from geo.users import _FAILURES_TABLE, local_time

    now = now or _now()
    expires = now + SESSION_LENGTH
    code = secrets.token_urlsafe(32)

    def work(conn: object) -> int:
        conn.execute(_FAILURES_TABLE)
        conn.execute("DELETE FROM sign_in_failures WHERE name = ?", (name,))
        cursor = conn.execute(
            "INSERT INTO sessions (name, created, expires, handover_hash, handover_expires) "
            "VALUES (?, ?, ?, ?, ?)",
            (name, _iso(now), _iso(expires), _hash(code), _iso(now + HANDOVER_LENGTH)),
        )
        _audit(conn, now, name, "sign in", f"session until {local_time(expires, with_date=True)}")
        return int(cursor.lastrowid)

    session_id = _write(path, work)
    return Started(Session(session_id, name, expires), code)


def exchange_handover(
    path: Path, code: str, key: bytes, now: dt.datetime | None = None
) -> Cookie | None:
    """
    Exchange a one-time handover code for the session's signed cookie value.

    The code works once, within `HANDOVER_LENGTH`, for a session still live; the
    token made here is stored only as its hash.

    Parameters
    ----------
    path
        The plan store file.
    code
        The code the page posted.
    key
        The HMAC key (`session_key`).
    now
        The time of the exchange (default: now).

    Returns
    -------
    Cookie or None
        The cookie to set, or None if the code is unknown, used, late or its session ended.
    """
    now = now or _now()
    if not code or len(code) > 128:
        return None
    token = secrets.token_urlsafe(32)

    def work(conn: object) -> Cookie | None:
        row = conn.execute(
            "SELECT session_id, name, expires, handover_expires, ended FROM sessions "
            "WHERE handover_hash = ?",
            (_hash(code),),
        ).fetchone()
        if row is None:
            return None
        expires = dt.datetime.fromisoformat(str(row[2]))
        live = not row[4] and dt.datetime.fromisoformat(str(row[3])) > now and expires > now
        conn.execute(  # the code is spent whatever happens next
            "UPDATE sessions SET handover_hash = NULL, token_hash = ? WHERE session_id = ?",
            (_hash(token) if live else None, row[0]),
        )
        if not live:
            return None
        return Cookie(sign(token, key), int((expires - now).total_seconds()), str(row[1]))

    return _write(path, work)


def session_of_cookie(
    path: Path, value: str, key: bytes, now: dt.datetime | None = None
) -> Session | None:
    """
    Return the live session a cookie value carries, or None.

    Parameters
    ----------
    path
        The plan store file.
    value
        The cookie's value as the browser sent it.
    key
        The HMAC key (`session_key`).
    now
        The time to check at (default: now).

    Returns
    -------
    Session or None
        The session, if the signature is right and the session live (`check_session`).
    """
    token = unsign(value, key)
    if token is None:
        return None
    with open_for_reading(path) as reader:
        if reader is None or "sessions" not in reader.columns:
            return None
        row = reader.conn.execute(
            "SELECT session_id FROM sessions WHERE token_hash = ?", (_hash(token),)
        ).fetchone()
    return None if row is None else check_session(path, int(row[0]), now)


def check_session(path: Path, session_id: int, now: dt.datetime | None = None) -> Session | None:
    """
    Return the session if it is live: not ended, not expired, its user still in the store.

    The first check that finds it expired ends it and audits ``session expired``.

    Parameters
    ----------
    path
        The plan store file.
    session_id
        The session's row.
    now
        The time to check at (default: now).

    Returns
    -------
    Session or None
        The live session, or None.
    """
    now = now or _now()
    with open_for_reading(path) as reader:
        if reader is None or "sessions" not in reader.columns:
            return None
        row = reader.conn.execute(
            "SELECT s.name, s.expires, s.ended, u.name FROM sessions AS s "
            "LEFT JOIN users AS u ON u.name = s.name WHERE s.session_id = ?",
            (session_id,),
        ).fetchone()
    if row is None or row[2] or row[3] is None:
        return None
    expires = dt.datetime.fromisoformat(str(row[1]))
    if expires <= now:
        _end(path, "session", session_id, "expired", str(row[0]), now)
        return None
    return Session(session_id, str(row[0]), expires)


_END_WHERE = {
    "session": "UPDATE sessions SET ended = ?, token_hash = NULL, handover_hash = NULL "
    "WHERE ended = '' AND session_id = ?",
    "user": "UPDATE sessions SET ended = ?, token_hash = NULL, handover_hash = NULL "
    "WHERE ended = '' AND name = ?",
}


def _end(path: Path, which: str, key: object, why: str, who: str, now: dt.datetime) -> int:
    """End one session (`which` ``session``) or a user's (``user``); audit an expiry."""

    def work(conn: object) -> int:
        ended = conn.execute(_END_WHERE[which], (f"{why} {_iso(now)}", key)).rowcount
        if why == "expired" and ended:
            _audit(conn, now, who, "session expired", f"after {SESSION_LENGTH} signed in")
        return int(ended)

    return int(_write(path, work))


def end_sessions(path: Path, name: str, why: str, now: dt.datetime | None = None) -> int:
    """
    End every live session of a user (sign-out, user removed).

    Parameters
    ----------
    path
        The plan store file.
    name
        The user.
    why
        ``signed out`` or ``user removed``, kept on the rows.
    now
        When (default: now).

    Returns
    -------
    int
        How many sessions were ended.
    """
    return _end(path, "user", name, why, name, now or _now())


def sessions_table(path: Path) -> list[tuple[str, str, str, str]]:
    """
    List every session: who, started, ends, and how it ended ('' while live).

    Parameters
    ----------
    path
        The plan store file.

    Returns
    -------
    list of tuple
        One row per session, oldest first (no token or code hashes).
    """
    with open_for_reading(path) as reader:
        if reader is None or "sessions" not in reader.columns:
            return []
        rows = reader.conn.execute(
            "SELECT name, created, expires, ended FROM sessions ORDER BY session_id"
        ).fetchall()
    return [tuple(str(v) for v in row) for row in rows]
