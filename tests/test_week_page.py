"""This week's page keeps what the sergeant did: site changes, notes, marks, downloads (#20).

Widgets are found by their ``key=``, never by position (#23).
"""

import datetime as dt
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.store import load_plan

APP = Path(__file__).parents[1] / "app.py"
WEEK = dt.date(2025, 10, 6)
ASH = "On or near Parking Area, Ash and New Ash Green (90 m SW of the hotspot centre)"


@pytest.fixture(autouse=True)
def local_session(monkeypatch, tmp_path):
    """This computer, no users set up (as tests/test_app.py), and a plan store of its own."""
    monkeypatch.syspath_prepend(str(APP.parent))
    from app_pages import _auth

    monkeypatch.setattr(_auth, "_is_local", lambda: True)
    monkeypatch.setattr(_auth, "server_address", lambda: "127.0.0.1")
    monkeypatch.setenv("GEO_PLAN_DB", str(tmp_path / "plans.sqlite"))
    return tmp_path / "plans.sqlite"


def week_page() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    at.switch_page("app_pages/week.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def plain(value: str) -> str:
    """A message's text less the escapes of `markdown_text`."""
    return re.sub(r"\\(.)", r"\1", value)


def plan_table(at: AppTest):
    """The plan shown (a table is not a widget: found by what it holds, the week's rows)."""
    [rows] = [
        d.value
        for d in at.dataframe
        if "Why" in d.value and str(WEEK) in map(str, d.value["Week starting"])
    ]
    return rows


def why(at: AppTest, unit: str) -> str:
    rows = plan_table(at)
    return rows.loc[rows["Unit"] == unit, "Why"].iloc[0]


def move(at: AppTest, unit: str, label: str) -> None:
    at.selectbox(key="move-unit").set_value(unit).run()
    at.selectbox(key="move-site").set_value(label).run()
    at.button(key="move").click().run()
    assert not at.exception, [e.message for e in at.exception]


def test_a_site_change_rebuilds_why_and_survives_a_sidebar_change(local_session):
    at = week_page()
    before = why(at, "Camera 1")
    sites = at.selectbox(key="move-site")
    move(at, "Camera 1", ASH)
    after = why(at, "Camera 1")
    assert after != before
    assert after.startswith("Camera 1 goes to On or near Parking Area, Ash and New Ash Green")
    assert "13 ASB and criminal damage incidents within 100 m" in after  # the new site's own
    # the picker offers the camera's own candidates, each once
    assert len(sites.options) == len(set(sites.options))
    at.selectbox(key="move-unit").set_value("Board 1").run()
    boards = at.selectbox(key="move-site").options
    assert not any("Parking Area" in plain(o) for o in boards)  # no camera site for a board
    # a sidebar change re-plans: the site change is still there, its Why still the new site's
    at.number_input(key="amount-patrol").set_value(10.0).run()
    assert not at.exception
    assert why(at, "Camera 1") == after
    rows = plan_table(at)
    assert rows.loc[rows["Unit"] == "Camera 1", "Status"].iloc[0] == "changed"
    at.text_input(key="saved-by").input("PS 1234").run()
    at.button(key="approve").click().run()
    saved = load_plan(local_session, week=WEEK)
    camera = saved.deployments[saved.deployments["unit"] == "Camera 1"].iloc[0]
    assert camera["reason"] == after
    assert camera["changed_by"] == "PS 1234"


def test_two_units_on_one_site_are_refused_in_words(local_session):
    at = week_page()
    rows = plan_table(at)
    first = rows.loc[rows["Unit"] == "Camera 1", "Site"].iloc[0]
    assert first in map(plain, at.selectbox(key="move-site").options)  # a name used once
    move(at, "Camera 2", first)
    assert any("Camera 1 and Camera 2 are both at" in plain(e.value) for e in at.error)
    at.text_input(key="saved-by").input("PS 1234").run()
    at.button(key="approve").click().run()
    assert any(plain(e.value).startswith("Not saved: not approved: Camera 1 and") for e in at.error)
    assert load_plan(local_session, week=WEEK) is None


def test_metrics_say_how_many_cameras_are_out_of_service():
    at = week_page()
    at.multiselect(key="out-of-service").select("Camera 3").run()
    [cams] = [m for m in at.metric if m.label == "Cameras"]
    assert (cams.value, cams.delta) == ("4 of 5 cameras", "1 out of service")


def test_an_approved_week_takes_notes_and_marks_as_a_new_version(local_session):
    at = week_page()
    at.text_input(key="saved-by").input("PS 1234").run()
    at.button(key="approve").click().run()
    keys = {b.key for b in at.get("download_button")}
    at.selectbox(key="note-unit").set_value("Camera 2")  # a form: sent when submitted
    at.text_input(key="note-text").input("landowner asked for it to be moved *soon*")
    at.selectbox(key="mark-target").set_value("Camera 2")
    at.selectbox(key="mark-status").set_value("cut short")
    at.number_input(key="mark-amount").set_value(3.0)
    at.text_input(key="mark-by").input("PCSO 4567 Jones")
    at.button(key="save-marks").click().run()
    assert not at.exception, [e.message for e in at.exception]
    saved = load_plan(local_session, week=WEEK)
    assert saved.version == 2
    row = saved.deployments[saved.deployments["unit"] == "Camera 2"].iloc[0]
    assert row["note"] == "PCSO 4567 Jones: landowner asked for it to be moved *soon*"
    assert '"cut short"' in row["outcome"]
    assert '"days": 3.0' in row["outcome"]
    assert any("Saved as version 2" in plain(s.value) for s in at.success)
    shown = plan_table(at)
    assert "moved *soon*" in shown.loc[shown["Unit"] == "Camera 2", "Note"].iloc[0]
    assert {"download-xlsx", "download-html", "download-ics"} <= keys
