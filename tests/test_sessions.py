"""Sign-in sessions that last a working day (`geo.sessions`), the cookie routes, and the
Audit page. No browser: tests/test_browser_auth.py drives the same in Chromium."""

import asyncio
import datetime as dt
import os
import stat

import pytest

from geo._errors import GeoInputError
from geo.sessions import (
    COOKIE_NAME,
    SESSION_LENGTH,
    check_session,
    end_sessions,
    exchange_handover,
    session_key,
    session_of_cookie,
    sessions_table,
    start_session,
)
from geo.users import add_user, audit_log, local_time, remove_user

PASSWORD = "correct horse battery"
T0 = dt.datetime(2025, 10, 6, 7, 0, tzinfo=dt.UTC)


@pytest.fixture
def store(geo_home):
    db = geo_home / "plans.sqlite"
    add_user(db, "J Smith", "sergeant", PASSWORD)
    add_user(db, "PCSO Viewer", "viewer", PASSWORD)
    return db


def test_the_key_is_made_once_readable_by_its_owner_only(geo_home):
    key = session_key()
    path = geo_home / "session.key"
    assert len(key) == 32
    assert session_key() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    os.chmod(path, 0o644)
    with pytest.raises(GeoInputError, match="open to other users: delete it"):
        session_key()


def test_a_handover_code_works_once_and_the_cookie_lasts_the_working_day(store):
    key = session_key()
    started = start_session(store, "J Smith", now=T0)
    cookie = exchange_handover(store, started.handover, key, now=T0 + dt.timedelta(seconds=5))
    assert cookie is not None
    assert cookie.name == "J Smith"
    assert cookie.max_age == SESSION_LENGTH.total_seconds() - 5 == 10 * 3600 - 5
    assert exchange_handover(store, started.handover, key, now=T0) is None  # spent
    session = session_of_cookie(store, cookie.value, key, now=T0 + dt.timedelta(hours=9))
    assert session == started.session
    assert session_of_cookie(store, cookie.value[:-1] + "A", key, now=T0) is None  # forged
    assert session_of_cookie(store, cookie.value, b"k" * 32, now=T0) is None  # other key
    assert started.handover not in store.read_bytes().decode("latin-1")  # hashes only
    assert audit_log(store)[["who", "action"]].values.tolist()[-1] == ["J Smith", "sign in"]


def test_a_late_code_sets_no_cookie(store):
    started = start_session(store, "J Smith", now=T0)
    assert (
        exchange_handover(store, started.handover, session_key(), now=T0 + SESSION_LENGTH) is None
    )
    assert exchange_handover(store, "made-up", session_key(), now=T0) is None


def test_a_session_expires_after_ten_hours_and_the_expiry_is_audited_once(store):
    key = session_key()
    started = start_session(store, "J Smith", now=T0)
    cookie = exchange_handover(store, started.handover, key, now=T0)
    later = T0 + dt.timedelta(hours=10, seconds=1)
    assert check_session(store, started.session.session_id, now=later) is None
    assert session_of_cookie(store, cookie.value, key, now=later) is None
    actions = audit_log(store)["action"].tolist()
    assert actions.count("session expired") == 1
    assert sessions_table(store)[-1][3].startswith("expired")


def test_sign_out_ends_every_session_of_the_user_only(store):
    key = session_key()
    desk = start_session(store, "J Smith", now=T0)
    phone = start_session(store, "J Smith", now=T0)
    other = start_session(store, "PCSO Viewer", now=T0)
    cookie = exchange_handover(store, desk.handover, key, now=T0)
    assert end_sessions(store, "J Smith", "signed out", now=T0) == 2
    soon = T0 + dt.timedelta(minutes=1)
    assert session_of_cookie(store, cookie.value, key, now=soon) is None
    assert check_session(store, phone.session.session_id, now=soon) is None
    assert exchange_handover(store, phone.handover, key, now=soon) is None  # no cookie after
    assert check_session(store, other.session.session_id, now=soon) == other.session


def test_a_removed_user_loses_their_sessions(store):
    started = start_session(store, "PCSO Viewer", now=T0)
    remove_user(store, "PCSO Viewer")
    assert check_session(store, started.session.session_id, now=T0) is None
    assert sessions_table(store)[-1][3].startswith("user removed")
    add_user(store, "PCSO Viewer", "viewer", PASSWORD)  # a new account of the same name
    assert check_session(store, started.session.session_id, now=T0) is None


# --- the two routes, called as Starlette calls them ------------------------------------------


def call(handler, path: str, body: bytes = b"", headers: dict[str, str] | None = None):
    from starlette.requests import Request

    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "scheme": "http",
        "server": ("127.0.0.1", 8501),
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
    }

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    return asyncio.run(handler(Request(scope, receive)))


SAME = {"host": "127.0.0.1:8501", "origin": "http://127.0.0.1:8501"}


def test_the_start_route_sets_an_httponly_strict_cookie_for_this_origin_only(store):
    from app_pages._session_routes import end, start

    started = start_session(store, "J Smith")
    code = started.handover.encode()
    refused = call(start, "/geo-session/start", code, {**SAME, "origin": "http://evil.test"})
    assert refused.status_code == 403
    assert "set-cookie" not in refused.headers
    assert call(start, "/geo-session/start", code, {"host": SAME["host"]}).status_code == 403
    done = call(start, "/geo-session/start", code, SAME)
    assert done.status_code == 204
    cookie = done.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Path=/" in cookie
    max_age = int(cookie.split("Max-Age=")[1].split(";")[0])
    assert SESSION_LENGTH.total_seconds() - 60 < max_age <= SESSION_LENGTH.total_seconds()
    again = call(start, "/geo-session/start", code, SAME)
    assert again.status_code == 403
    assert "set-cookie" not in again.headers
    cleared = call(end, "/geo-session/end", b"", SAME)
    assert cleared.status_code == 204
    assert 'geo_session=""' in cleared.headers["set-cookie"]
    assert "Max-Age=0" in cleared.headers["set-cookie"]
    assert call(end, "/geo-session/end", b"", {"host": SAME["host"]}).status_code == 403


def test_app_py_is_served_with_the_routes_by_streamlit_run():
    from pathlib import Path

    from streamlit.web.server.app_discovery import discover_asgi_app

    found = discover_asgi_app(Path(__file__).parents[1] / "app.py")
    assert found.is_asgi_app
    assert found.import_string == "app:app"


# --- the Audit page (AppTest) ------------------------------------------------------------------


def _app(monkeypatch, home):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("GEO_HOME", str(home))
    monkeypatch.delenv("GEO_PLAN_DB", raising=False)
    monkeypatch.delenv("GEO_PUBLIC", raising=False)
    at = AppTest.from_file(str(Path(__file__).parents[1] / "app.py"), default_timeout=120)
    at.switch_page("app_pages/pact.py")
    at.run()
    return at


def _sign_in(at, name):
    at.text_input(key="sign-in-name").input(name)
    at.text_input(key="sign-in-password").input(PASSWORD)
    at.button(key="sign-in-submit").click()
    at.run()
    assert not at.exception


def test_the_audit_page_is_the_sergeants_with_london_times_and_guarded_text(
    store, geo_home, monkeypatch
):
    from geo.users import record

    record(store, '=HYPERLINK("http://x")', "export", "![x](http://127.0.0.1:9/a.png)")
    viewer = _app(monkeypatch, geo_home)
    _sign_in(viewer, "PCSO Viewer")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        viewer.switch_page("app_pages/audit.py")  # not registered for a viewer

    at = _app(monkeypatch, geo_home)
    _sign_in(at, "J Smith")
    at.switch_page("app_pages/audit.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table.columns) == ["When (Europe/London)", "who", "action", "detail"]
    newest = table[["who", "action"]].values.tolist()[:3]  # newest first
    assert newest == [
        ["J Smith", "sign in"],
        ["PCSO Viewer", "sign in"],
        ['\'=HYPERLINK("http://x")', "export"],
    ]
    assert table["detail"][2] == "![x](http://127.0.0.1:9/a.png)"  # text in a cell, not Markdown
    stored = dt.datetime.fromisoformat(audit_log(store)["when"].iloc[-1])  # UTC
    assert table["When (Europe/London)"][0] == local_time(stored, with_date=True)
    person = next(m for m in at.multiselect if m.label == "Person")
    person.select("J Smith").run()
    assert set(at.dataframe[0].value["who"]) == {"J Smith"}
    action = next(m for m in at.multiselect if m.label == "Action")
    action.select("export").run()
    assert at.dataframe[0].value.empty


def test_audit_times_are_london_wall_clock():
    from app_pages._audit_view import shown_time

    assert shown_time("2025-07-01T08:05:00+00:00") == "01 Jul 2025 09:05"
    assert shown_time("2025-12-01T08:05:00+00:00") == "01 Dec 2025 08:05"
    assert shown_time("=1+1") == "'=1+1"
