"""Sign-in that holds: per-account lockout with backoff kept in the store, every failure audited.

The store-level rules are checked directly; the app's form with AppTest (no browser), and
`geo audit` lists every wrong attempt.
"""

import datetime as dt
import json
import subprocess
import sys

import pytest

from geo.sessions import start_session
from geo.users import (
    FIRST_LOCK,
    add_user,
    audit_log,
    lock_of,
    sign_in_failed,
    verify,
)

PASSWORD = "correct horse battery"
T0 = dt.datetime(2025, 10, 6, 13, 17, tzinfo=dt.UTC)  # 14:17 in London (BST)


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "plans.sqlite"
    add_user(path, "J Smith", "sergeant", PASSWORD)
    return path


def test_five_failures_lock_for_15_minutes_then_each_further_failure_doubles(store):
    for n in range(1, 5):
        assert sign_in_failed(store, "J Smith", T0) == (n, None)
    failures, lock = sign_in_failed(store, "J Smith", T0)
    assert (failures, lock.until - T0) == (5, FIRST_LOCK)
    assert lock.words() == "locked until 14:32 after 5 failed sign-ins"
    assert lock_of(store, " J Smith ", T0 + dt.timedelta(minutes=14)) == lock
    assert lock_of(store, "J Smith", T0 + dt.timedelta(minutes=15)) is None  # lock over
    later = T0 + dt.timedelta(minutes=20)
    _, again = sign_in_failed(store, "J Smith", later)  # one more failure: twice as long
    assert again.until - later == 2 * FIRST_LOCK
    assert lock_of(store, "J Smith", later + dt.timedelta(minutes=29)) == again
    actions = audit_log(store)[["who", "action"]].values.tolist()
    assert actions == [["J Smith", "sign in failed"]] * 6


def test_unknown_names_lock_too_and_a_success_clears_the_count(store):
    for _ in range(5):
        sign_in_failed(store, "Nobody", T0)
    assert lock_of(store, "Nobody", T0) is not None  # a lock says nothing of who exists
    for _ in range(4):
        sign_in_failed(store, "J Smith", T0)
    start_session(store, verify(store, "J Smith", PASSWORD).name)  # what the app does
    assert sign_in_failed(store, "J Smith", T0) == (1, None)


def test_a_failure_is_recorded_when_the_store_is_busy_at_first(store, monkeypatch):
    from geo import store as plan_store

    real, tries = plan_store.open_for_writing, []

    def busy_twice(path, **kwargs):
        tries.append(path)
        if len(tries) <= 2:  # as another writer holding the store past the lock timeout
            msg = f"the plan store {path} is busy (locked by pid 1)"
            raise plan_store.StoreError(msg)
        return real(path, **kwargs)

    # the retry lives in geo.store.write_retrying, which users and sessions both use
    monkeypatch.setattr(plan_store, "open_for_writing", busy_twice)
    assert sign_in_failed(store, "J Smith", T0) == (1, None)
    assert len(tries) == 3
    assert audit_log(store)["action"].tolist() == ["sign in failed"]


def _sign_in_script():
    from app_pages._auth import require_sign_in

    require_sign_in()
    import streamlit as st

    st.write("signed in")


def test_six_wrong_passwords_lock_the_account_the_right_one_is_refused_and_audit_lists_six(
    tmp_path, monkeypatch
):
    from streamlit.testing.v1 import AppTest

    from app_pages import _auth

    add_user(tmp_path / "plans.sqlite", "J Smith", "sergeant", PASSWORD)
    monkeypatch.setenv("GEO_HOME", str(tmp_path))
    monkeypatch.delenv("GEO_PLAN_DB", raising=False)
    monkeypatch.setattr(_auth, "_FAILED_SIGN_IN_DELAY_S", 0.0)
    at = AppTest.from_function(_sign_in_script, default_timeout=60).run()
    shown = []
    for password in [f"wrong {n}" for n in range(6)] + [PASSWORD]:
        at.text_input(key="sign-in-name").input("J Smith")
        at.text_input(key="sign-in-password").input(password)
        at.button(key="sign-in-submit").click().run()
        assert not at.exception
        shown.append(at.error[0].value.replace("\\", ""))
    assert shown[0] == "Wrong username or password (1 of 5 tries before this account is locked)."
    assert shown[4].startswith("Wrong username or password: this account is now locked until ")
    assert shown[4].endswith(" after 5 failed sign-ins.")
    assert shown[5] == shown[6]  # the right password says no more than a wrong one
    assert shown[6].startswith("This account is locked until ")
    assert "signed in" not in [m.value for m in at.markdown]

    audit = subprocess.run(
        [sys.executable, "-m", "geo", "audit", "--json", "--db", str(tmp_path / "plans.sqlite")],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = [(r["who"], r["action"]) for r in json.loads(audit.stdout)]
    assert rows == [("J Smith", "sign in failed")] * 6 + [("J Smith", "sign in refused")]


def test_the_lock_is_shown_in_london_time_in_winter_and_summer():
    from geo.users import Lock

    winter = dt.datetime(2025, 12, 1, 9, 0, tzinfo=dt.UTC)
    assert Lock(winter, 5).words() == "locked until 09:00 after 5 failed sign-ins"
    assert Lock(T0, 7).words() == "locked until 14:17 after 7 failed sign-ins"
