"""Sign-in for the internal pages: local users kept in the plan store (`geo.users`).

`app.py` calls `require_sign_in` with its pages before it runs one, so no internal
page runs until it returns; while it refuses, the navigation is hidden. With at
least one user in the store every page shows only the sign-in form until someone
signs in. With no user set up, the app serves
the computer it runs on only (a connection from any other address, or through a
proxy, is refused) and says so in the sidebar. Public mode (``GEO_PUBLIC=1``)
never calls it.

Pages ask `current_user` who is signed in and `may` whether they may approve,
upload or export.
"""

from __future__ import annotations

import ipaddress
import sys
import time
from collections.abc import Sequence

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from app_pages._cache import plan_db
from geo._errors import GeoInputError
from geo.users import User, can, list_users, record, verify

_NAME = "geo-signed-in-name"
_USER = "geo-signed-in-user"
_OPEN = "geo-open-to-this-computer"
_FORWARDING_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-Ip", "X-Forwarded-Host")
_FAILED_SIGN_IN_DELAY_S = 1.0
NO_USERS_NOTE = "No users set up: open to this computer only. Add one with `geo users add`."
"""The sidebar note when the app runs without users."""


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
        if not _is_local():
            _refuse(pages)
            st.error(
                "This app has no users set up, so it only serves the computer it runs on. "
                "Ask whoever runs it to add users with `geo users add`."
            )
            st.stop()
        st.sidebar.info(NO_USERS_NOTE)
        return None
    st.session_state[_OPEN] = False
    user = users.get(st.session_state.get(_NAME, ""))
    if user is None:  # never signed in, signed out, or removed since
        st.session_state.pop(_USER, None)
        _refuse(pages)
        _sign_in_form()
        st.stop()
    st.session_state[_USER] = user
    with st.sidebar:
        st.text(f"Signed in as {user.name} ({user.role})")
        if st.button("Sign out", key="sign-out"):
            st.session_state.pop(_NAME, None)
            st.session_state.pop(_USER, None)
            st.rerun()
    return user


def _sign_in_form() -> None:
    st.title("Sevenoaks CSU planner")
    with st.form("sign-in"):
        name = st.text_input("Username", max_chars=64)
        password = st.text_input("Password", type="password", max_chars=256)
        submitted = st.form_submit_button("Sign in", type="primary")
    if not submitted:
        return
    user = verify(plan_db(), name, password)
    if user is None:
        time.sleep(_FAILED_SIGN_IN_DELAY_S)  # slows guessing; argon2 already costs ~0.1 s
        _try_record(name.strip()[:64] or "(blank)", "sign in failed")
        st.error("Wrong username or password.")
        return
    st.session_state[_NAME] = user.name
    _try_record(user, "sign in")
    st.rerun()


def _try_record(who: User | str, action: str) -> None:
    """Record a sign-in in the audit table; a read-only store must not stop the sign-in."""
    try:
        record(plan_db(), who, action)
    except GeoInputError as err:
        print(f"sign-in: audit not recorded: {err}", file=sys.stderr)
