"""Sign-in for the internal pages: local users kept in the plan store (`geo.users`).

`app.py` calls `require_sign_in` with its pages before it runs one, so no internal
page runs until it returns; while it refuses, the navigation is hidden. With at
least one user in the store every page shows only the sign-in form until someone
signs in. With no user set up, the app serves the computer it runs on only: the
server must listen on a loopback address (``server.address`` in
``.streamlit/config.toml`` is 127.0.0.1; a server bound to any other address refuses
its internal pages, because a TCP relay would make every client look local), and a
connection from any other address, or through a proxy, is refused too. Public mode
(``GEO_PUBLIC=1``) never calls it.

A failed sign-in is audited and counted before any delay (`geo.users.sign_in_failed`);
five in a row lock the account for 15 minutes, doubling with each further failure, and
a locked account is refused even with the right password.

A sign-in lasts a working day (`geo.sessions.SESSION_LENGTH`) across reloads and new
tabs: it starts a session in the plan store, and the page posts a one-time code to
the server's route (`app_pages._session_routes`), which sets a signed HttpOnly,
SameSite=Strict cookie. Each run reads that cookie (or this tab's own session) and
checks it against the store. Signing out ends every session of the user, so every
tab and device is signed out at its next run, and clears the cookie; the tab's
state goes too (uploads included). If the store cannot be written, a sign-in lasts
this tab only, and the sidebar says so.

Pages ask `current_user` who is signed in and `may` whether they may approve,
upload or export.
"""

from __future__ import annotations

import ipaddress
import sys
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from app_pages._cache import plan_db, switches
from geo._errors import GeoInputError
from geo.safe_text import markdown_text
from geo.sessions import (
    COOKIE_NAME,
    Session,
    check_session,
    end_sessions,
    session_key,
    session_of_cookie,
    start_session,
)
from geo.users import (
    LOCK_AFTER_FAILURES,
    Lock,
    User,
    can,
    list_users,
    local_time,
    lock_of,
    record,
    sign_in_failed,
    sign_in_while_locked,
    verify,
)

_TAB_ONLY = "geo-signed-in-this-tab-only"
_SESSION = "geo-session-id"
_HANDOVER = "geo-session-handover"
_CLEAR_COOKIE = "geo-session-clear-cookie"
_USER = "geo-signed-in-user"
_OPEN = "geo-open-to-this-computer"
_FORWARDING_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-Ip", "X-Forwarded-Host")
_FAILED_SIGN_IN_DELAY_S = 1.0
T = TypeVar("T")
NO_USERS_NOTE = "No users set up: open to this computer only. Add one with `geo users add`."
"""The sidebar note when the app runs without users."""
ADD_USERS = "geo users add NAME --role sergeant"
"""The command that sets up the first user (it asks for the password)."""


def current_user() -> User | None:
    """
    Return the signed-in user, or None (nobody, or no users set up).

    Returns
    -------
    geo.users.User or None
        The user.
    """
    user = st.session_state.get(_USER)
    return user if isinstance(user, User) else None


def open_to_this_computer() -> bool:
    """Tell whether the app runs without users, open to its own computer only."""
    return bool(st.session_state.get(_OPEN, False))


def may(action: str) -> bool:
    """
    Tell whether whoever is using the app may do `action`.

    With no users set up (open to this computer only) everything is allowed;
    otherwise the signed-in user's role decides (`geo.users.can`).

    Parameters
    ----------
    action
        ``approve``, ``upload``, ``export`` or ``view``.

    Returns
    -------
    bool
        True if allowed.
    """
    if open_to_this_computer():
        can(None, action)  # still refuses an unknown action
        return True
    return can(current_user(), action)


def audit(action: str, detail: str = "") -> None:
    """
    Record an action of the current user in the audit table (``geo audit``).

    Parameters
    ----------
    action
        What was done, e.g. ``approve`` or ``export``.
    detail
        Which week, version or file.
    """
    record(plan_db(), current_user(), action, detail)


def owner() -> str:
    """Return whose uploads this session uses: the signed-in user's, or this computer's."""
    user = current_user()
    return user.name if user else "(local, no sign-in)"


def export_data(detail: str, make: Callable[[], bytes]) -> Callable[[], bytes] | None:
    """
    Return a download's data for a user who may export, else None (no button at all).

    The file is made only when the button is pressed (Streamlit's deferred download),
    and recorded in the audit table then, with who made it.

    Parameters
    ----------
    detail
        The file, in words, for the audit line.
    make
        Makes the file's bytes.

    Returns
    -------
    callable or None
        The data for ``st.download_button``, or None if this user may not export.
    """
    if not may("export"):
        return None
    user, db = current_user(), plan_db()

    def made() -> bytes:
        data = make()
        record(db, user, "export", detail)  # no audit line, no file
        return data

    return made


def is_loopback(ip: str | None) -> bool:
    """
    Tell whether a connection's address is this computer's (None: Streamlit saw loopback).

    A server listening on ``::`` sees an IPv4 client at 127.0.0.1 as ``::ffff:127.0.0.1``.

    Examples
    --------
    >>> [is_loopback(a) for a in (None, "::ffff:127.0.0.1", "::1", "192.0.2.2", "junk")]
    [True, True, True, False, False]
    """
    if ip is None:
        return True
    try:
        address = ipaddress.ip_address(ip.split("%")[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


def bound_to_loopback(address: str | None) -> bool:
    """
    Tell whether a server listening on `address` can be reached from this computer only.

    An empty address means every interface (Streamlit's default), so not loopback.

    Examples
    --------
    >>> [bound_to_loopback(a) for a in ("127.0.0.1", "::1", "localhost", "0.0.0.0", "", None)]
    [True, True, True, False, False, False]
    """
    if not address:
        return False
    if address.strip().lower() == "localhost":
        return True
    return is_loopback(address.strip("[]"))


def server_address() -> str | None:
    """Return the address the server was told to listen on (``server.address``)."""
    return st.get_option("server.address")


def _is_local() -> bool:
    """Tell whether this session comes from the computer the app runs on, not via a proxy."""
    if not is_loopback(st.context.ip_address):  # None means 127.0.0.1 or ::1
        return False
    headers = st.context.headers
    return not any(headers.get(h) for h in _FORWARDING_HEADERS)


def _refuse(pages: Sequence[StreamlitPage]) -> None:
    """Hide the navigation (keeping the address valid for after sign-in); show nothing else."""
    if pages:
        st.navigation(list(pages), position="hidden")


def require_sign_in(pages: Sequence[StreamlitPage] = ()) -> User | None:
    """
    Let the script go on only for a signed-in user, or locally when there are no users.

    Otherwise hides the navigation, shows the sign-in form, a refusal or an error,
    and stops the script, so no page runs.

    Parameters
    ----------
    pages
        The internal pages (their navigation is hidden while refused).

    Returns
    -------
    geo.users.User or None
        The signed-in user; None when no users are set up (local use).
    """
    try:
        users = {u.name: u for u in list_users(plan_db())}
    except GeoInputError as err:
        print(f"sign-in: {err}", file=sys.stderr)  # the server log names the file
        _refuse(pages)
        st.error("The list of users cannot be read, so nobody can sign in. See the server log.")
        st.stop()
    if not users:
        st.session_state[_OPEN] = True
        st.session_state.pop(_USER, None)
        address = server_address()
        if not bound_to_loopback(address):  # a relay would make every client look local
            print(f"sign-in: no users and the server listens on {address!r}", file=sys.stderr)
            _refuse(pages)
            st.error(
                "This app has no users set up and listens beyond this computer "
                f"(server.address is {markdown_text(address or 'every interface')}), so its "
                "internal pages are closed. Add a user on the server with "
                f"`{ADD_USERS}`, or serve it on 127.0.0.1 only."
            )
            st.stop()
        if not _is_local():
            _refuse(pages)
            st.error(
                "This app has no users set up, so it only serves the computer it runs on. "
                f"Ask whoever runs it to add users with `{ADD_USERS}`."
            )
            st.stop()
        st.sidebar.info(NO_USERS_NOTE)
        return None
    st.session_state[_OPEN] = False
    session = _live_session()
    name = session.name if session else st.session_state.get(_TAB_ONLY, "")
    user = users.get(name)
    if user is None:  # never signed in, signed out (anywhere), expired, or removed since
        for key in (_USER, _SESSION, _TAB_ONLY, "uploads", "reused", "mapped"):
            st.session_state.pop(key, None)  # nothing of a session outlives its user
        _refuse(pages)
        _clear_cookie_once()
        _sign_in_form()
        st.stop()
    if session is not None and st.session_state.get(_USER, user) != user:
        st.session_state.clear()  # a cookie of someone else (signed in in another tab)
    st.session_state[_USER] = user
    with st.sidebar:
        st.text(f"Signed in as {user.name} ({user.role})")
        if session is None:
            st.caption("Signed in for this tab only: the plan store cannot be written.")
        else:
            st.session_state[_SESSION] = session.session_id
            st.caption(f"Until {local_time(session.expires, with_date=True)} (Europe/London)")
            _hand_over_cookie()
        if st.button("Sign out", key="sign-out"):
            sign_out(user)
            st.rerun()
    return user


def _live_session() -> Session | None:
    """Return this tab's live session, or the one the browser's cookie carries, or None."""
    db = plan_db()
    own = st.session_state.get(_SESSION)
    if isinstance(own, int):
        session = _try(lambda: check_session(db, own))
        if session is not None:
            return session
    value = st.context.cookies.get(COOKIE_NAME)
    if not isinstance(value, str) or not value:  # AppTest has no real request
        return None
    return _try(lambda: session_of_cookie(db, value, session_key(switches().home)))


def _script(path: str, body: str = "") -> None:
    """Post `body` to one of this server's session routes from the page (no data in it)."""
    from streamlit import config

    from app_pages._session_routes import route_path

    url = route_path(config.get_option("server.baseUrlPath"), path)
    st.html(
        f"<script>fetch({url!r}, {{method: 'POST', credentials: 'same-origin', "
        f"headers: {{'Content-Type': 'text/plain'}}, body: {body!r}}});</script>",
        unsafe_allow_javascript=True,
    )


def _hand_over_cookie() -> None:
    """Once after a sign-in: have the page exchange the one-time code for the cookie."""
    from app_pages._session_routes import START_PATH

    code = st.session_state.pop(_HANDOVER, None)
    if isinstance(code, str) and code.replace("-", "").replace("_", "").isalnum():
        _script(START_PATH, code)


def _clear_cookie_once() -> None:
    """Once after a sign-out: have the page clear the (now useless) cookie."""
    from app_pages._session_routes import END_PATH

    if st.session_state.pop(_CLEAR_COOKIE, False):
        _script(END_PATH)


def sign_out(user: User) -> None:
    """
    Sign out everywhere: end every session of the user, clear the cookie and the tab's state.

    Every tab and device of the user shows the sign-in form at its next run; this
    tab's state goes (uploads and their mapped copies too).
    """
    db = plan_db()
    ended = _try(lambda: end_sessions(db, user.name, "signed out"))
    _try(lambda: record(db, user, "sign out", f"{ended or 0} session(s) ended"))
    st.session_state.clear()
    st.session_state[_CLEAR_COOKIE] = True


def _sign_in_form() -> None:
    st.title("Sevenoaks CSU planner")
    with st.form("sign-in"):
        name = st.text_input("Username", max_chars=64, key="sign-in-name")
        password = st.text_input("Password", type="password", max_chars=256, key="sign-in-password")
        submitted = st.form_submit_button("Sign in", type="primary", key="sign-in-submit")
    if not submitted:
        return
    db = plan_db()
    lock = _try(lambda: lock_of(db, name))
    user = verify(db, name, password)  # checked during a lock too, for the audit only
    if lock is not None:
        right = user is not None
        _try(lambda: sign_in_while_locked(db, name, lock, right_password=right))
        st.error(
            markdown_text(
                f"This account is {lock.words()}. Try again then, or ask whoever runs the app."
            )
        )
        return
    if user is None:
        failed = _try(lambda: sign_in_failed(db, name))  # audited before any delay
        time.sleep(_FAILED_SIGN_IN_DELAY_S)  # slows guessing; argon2 already costs ~0.1 s
        st.error(markdown_text(_failure_words(failed)))
        return
    started = _try(lambda: start_session(db, user.name))  # audits the sign-in
    for key in (_USER, "uploads", "reused", "mapped"):  # nothing of another user's session
        st.session_state.pop(key, None)
    if started is None:  # the store cannot be written: this tab only
        st.session_state[_TAB_ONLY] = user.name
    else:
        st.session_state[_SESSION] = started.session.session_id
        st.session_state[_HANDOVER] = started.handover
    st.rerun()


def _failure_words(failed: tuple[int, Lock | None] | None) -> str:
    """
    Say a failed sign-in in words: how many tries are left, or the lock it started.

    Examples
    --------
    >>> _failure_words((2, None))
    'Wrong username or password (2 of 5 tries before this account is locked).'
    >>> _failure_words(None)
    'Wrong username or password.'
    """
    if failed is None:  # the store could not count it (read-only): say no more
        return "Wrong username or password."
    failures, lock = failed
    if lock is not None:
        return f"Wrong username or password: this account is now {lock.words()}."
    return (
        f"Wrong username or password ({failures} of {LOCK_AFTER_FAILURES} tries before this "
        "account is locked)."
    )


def _try(work: Callable[[], T]) -> T | None:
    """Run a store read or write; a read-only or unusable store must not stop the page."""
    try:
        return work()
    except GeoInputError as err:
        print(f"sign-in: audit not recorded: {err}", file=sys.stderr)
        return None
