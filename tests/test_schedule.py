"""Officers and shifts, scheduled patrol visits, calendars, notes and done marks (#20)."""

import datetime as dt
import itertools
import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import icalendar
import numpy as np
import pandas as pd
import pytest
import shapely

from geo._errors import GeoInputError
from geo.plan.officers import Officer, Shift
from geo.plan.registry import read_resources
from geo.plan.schedule import SAME_PLACE_GAP, TRAVEL, hour_weights, schedule_visits
from geo.plan_export import printable_plan, sheet_of_stored
from geo.plan_notes import dose_given
from geo.store import load_plan
from geo.users import audit_log

OFFICERS = """
[[patrol.officers]]
name = "PCSO 4567 Jones"
shifts = ["Mon 08:00-16:00", "Tue 08:00-16:00", "Wed 14:00-22:00"]

[[patrol.officers]]
name = "PCSO 8910 Patel"
shifts = ["Thu 16:00-24:00", "Fri 16:00-24:00", "Sat 10:00-18:00"]
"""


def resources_file(folder: Path, officers: str = OFFICERS) -> Path:
    """Write the shipped resources plus `officers` into `folder`/resources.toml."""
    shipped = (Path(__file__).parents[1] / "geo" / "shipped" / "resources.toml").read_text()
    path = folder / "resources.toml"
    path.write_text(shipped + officers, encoding="utf-8")
    return path


def test_officers_are_read_with_their_shifts(tmp_path):
    r = read_resources(resources_file(tmp_path))
    assert [o.name for o in r.of("patrol").officers] == ["PCSO 4567 Jones", "PCSO 8910 Patel"]
    assert [str(s) for s in r.of("patrol").officers[1].shifts] == [
        "Thu 16:00-24:00",
        "Fri 16:00-24:00",
        "Sat 10:00-18:00",
    ]
    assert read_resources().of("patrol").officers == ()  # shipped: none, the plan stays as before


@pytest.mark.parametrize(
    ("shifts", "problem"),
    [
        ('["Mon 08:00-16:00", "Tue 18:00-22:00", "Tue 20:00-23:00"]', "overlaps 'Tue 18:00"),
        ('["Mun 08:00-16:00"]', "unknown day 'Mun'"),
        ('["Wed 22:00-14:00"]', "ends before it starts"),
        ('["Wed 08:00-25:00"]', "impossible time '25:00'"),
        ("[]", "give a list of shifts"),
    ],
)
def test_bad_shifts_are_refused_in_one_line(tmp_path, shifts, problem):
    path = resources_file(tmp_path, f'[[patrol.officers]]\nname = "PCSO 1 A"\nshifts = {shifts}\n')
    with pytest.raises(GeoInputError, match=problem) as err:
        read_resources(path)
    assert "\n" not in str(err.value)
    assert str(err.value).startswith("resources.toml: [[patrol.officers]] 1 ('PCSO 1 A') shifts:")


def test_a_bad_shift_in_geo_home_is_exit_2_naming_file_and_key(geo_home):
    resources_file(geo_home, '[[patrol.officers]]\nname = "A"\nshifts = ["Fri 9:00-8:00"]\n')
    done = subprocess.run(
        [sys.executable, "-m", "geo", "plan", "--week", "2025-10-06"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "resources.toml" in lines[0]
    assert "patrol.officers" in lines[0]
    assert "ends before it starts" in lines[0]


def test_shift_round_trips():
    assert str(Shift.parse("sun 0:00-24:00")) == "Sun 00:00-24:00"


# --- scheduling visits ---------------------------------------------------------------------

JONES = Officer(
    "PCSO 4567 Jones", tuple(Shift.parse(s) for s in ("Mon 08:00-16:00", "Fri 16:00-24:00"))
)
PATEL = Officer("PCSO 8910 Patel", (Shift.parse("Wed 14:00-22:00"),))


def check_visits(visits, officers):
    """Every visit lies in its officer's shift; no officer double-booked; no back to back."""
    shifts = {o.name: o.shifts for o in officers}
    by_officer = {}
    for place in visits:
        starts = sorted(v.day * 1440 + v.start for v in place)
        assert all(b - a >= SAME_PLACE_GAP for a, b in itertools.pairwise(starts))
        for v in place:
            assert any(
                s.day == v.day and s.start <= v.start and v.start + v.minutes <= s.end
                for s in shifts[v.officer]
            )
            by_officer.setdefault(v.officer, []).append(v.day * 1440 + v.start)
    for starts in by_officer.values():
        starts.sort()
        assert all(b - a >= 15 + TRAVEL for a, b in itertools.pairwise(starts))


def test_even_visits_fit_the_shifts_and_are_deterministic():
    officers = [JONES, PATEL]
    first = schedule_visits([6, 4, 3], [None] * 3, officers, minutes=15, seed=739530)
    again = schedule_visits([6, 4, 3], [None] * 3, officers, minutes=15, seed=739530)
    assert first == again
    visits, left = first
    assert left == 0
    assert [len(v) for v in visits] == [6, 4, 3]
    check_visits(visits, officers)
    assert {v.day for v in visits[0]} == {0, 2, 4}  # spread over the three shift days


def test_timed_incidents_draw_the_visits_to_their_hours():
    busy = np.zeros((7, 24))
    busy[4, 21] = 12  # Friday 21:00-22:00 in the CSU logs
    visits, left = schedule_visits([3], [busy], [JONES, PATEL], minutes=12, seed=1)
    assert left == 0
    check_visits(visits, [JONES, PATEL])
    assert [(v.day, v.start // 60) for v in visits[0]].count((4, 21)) == 1  # then spread
    assert all(v.minutes == 12 for v in visits[0])


def test_visits_that_do_not_fit_are_counted():
    short = Officer("A", (Shift.parse("Tue 10:00-11:00"),))
    visits, left = schedule_visits([3, 2], [None, None], [short], minutes=15, seed=1)
    assert sum(map(len, visits)) + left == 5
    assert left == 3
    check_visits(visits, [short])


def test_hour_weights_count_only_timed_incidents_inside():
    outline = shapely.box(0, 0, 100, 100)
    times = pd.to_datetime(["2025-09-05 21:10"] * 5 + ["2025-09-01 00:00"] * 3)
    frame = gpd.GeoDataFrame(
        {"occurred": times, "date_precision": ["minute"] * 5 + ["month"] * 3},
        geometry=gpd.points_from_xy([50] * 8, [50] * 8),
        crs=27700,
    )
    counts = hour_weights(frame, outline, pd.Timestamp("2025-07-01"))
    assert counts is not None
    assert counts.sum() == 5
    assert counts[4, 21] == 5
    assert hour_weights(frame.iloc[:4], outline, pd.Timestamp("2025-07-01")) is None


# --- the calendar, task sheets, notes and marks through the CLI -----------------------------


def geo(*args, check=True):
    done = subprocess.run(
        [sys.executable, "-m", "geo", *args], capture_output=True, text=True, check=False
    )
    if check:
        assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def officers_home(tmp_path_factory):
    """A GEO_HOME with two officers, planned once for the week of 6 October 2025."""
    home = tmp_path_factory.mktemp("officers_home")
    resources_file(home)
    return home


def test_the_week_as_a_calendar(officers_home, monkeypatch, tmp_path):
    monkeypatch.setenv("GEO_HOME", str(officers_home))
    ics = tmp_path / "plan.ics"
    sheets = tmp_path / "sheets"
    geo("plan", "--week", "2025-10-06", "--out", str(ics), "--task-sheets", str(sheets))
    cal = icalendar.Calendar.from_ical(ics.read_bytes())
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/London"]
    events = cal.walk("VEVENT")
    shifts = {
        o.name: o.shifts
        for o in read_resources(officers_home / "resources.toml").of("patrol").officers
    }
    visits = [e for e in events if "visit" in str(e["SUMMARY"])]
    plan = json.loads(geo("plan", "--week", "2025-10-06", "--json").stdout)
    scheduled = sum(len(d["visits"]) for d in plan["deployments"] if d["resource"] == "patrol")
    assert len(visits) == scheduled > 40
    for e in visits:
        start, end = e.decoded("DTSTART"), e.decoded("DTEND")
        assert str(start.tzinfo) == "Europe/London"
        assert dt.date(2025, 10, 6) <= start.date() <= dt.date(2025, 10, 12)
        officer = next(name for name in shifts if name in str(e["SUMMARY"]))
        minutes = start.hour * 60 + start.minute
        assert any(
            s.day == start.weekday() and s.start <= minutes and minutes + 15 <= s.end
            for s in shifts[officer]
        )
        assert end - start == dt.timedelta(minutes=15)
        assert str(e["LOCATION"]).startswith("On or near")
        lat, lon = e.decoded("GEO")
        assert 51.1 < lat < 51.5
        assert 0.0 < lon < 0.35
    kinds = {str(e["CATEGORIES"].cats[0]) for e in events if e not in visits}
    assert {"mobile CCTV camera", "speed indicator board"} <= kinds
    stays = [e for e in events if e not in visits]
    assert all(isinstance(e.decoded("DTSTART"), dt.date) for e in stays)
    pages = sorted(p.name for p in sheets.iterdir())
    assert pages == ["pcso-4567-jones.html", "pcso-8910-patel.html"]
    assert "data:image/png;base64," in (sheets / pages[0]).read_text()


def test_notes_and_marks_are_kept_with_the_version_and_exported(
    officers_home, monkeypatch, tmp_path
):
    monkeypatch.setenv("GEO_HOME", str(officers_home))
    note = '<b>landowner</b> =HYPERLINK("x") refused'
    geo(
        "plan",
        "--week",
        "2025-10-13",
        "--approve",
        "--by",
        "Sgt A Khan",
        "--note",
        f"Camera 1={note}",
    )
    geo(
        "plan",
        "--week",
        "2025-10-13",
        "--by",
        "PCSO 4567 Jones",
        "--done",
        "Patrol 1 visit 1",
        "--cut-short",
        "Patrol 1 visit 2=8",
        "--not-done",
        "Board 1",
    )
    stored = load_plan(officers_home / "plans.sqlite", week=dt.date(2025, 10, 13))
    assert stored.version == 2
    assert stored.saved_by == "Sgt A Khan"
    camera = stored.deployments.set_index("unit").loc["Camera 1"]
    assert camera["note"] == f"Sgt A Khan: {note}"
    dose = dose_given(stored.deployments).set_index("unit")
    assert dose.loc["Patrol 1", "given"] == 15 + 8
    assert dose.loc["Patrol 1", "marked"] == 2
    assert dose.loc["Board 1", "given"] == 0
    assert dose.loc["Camera 1", "unmarked"] == 1
    audit = audit_log(officers_home / "plans.sqlite")
    assert "Patrol 1 visit 2 cut short" in audit["detail"].iloc[-1]
    plan = json.loads(geo("plan", "--week", "2025-10-13", "--json").stdout)
    rows = {d["unit"]: d for d in plan["deployments"]}
    assert rows["Camera 1"]["note"].endswith("refused")
    assert rows["Patrol 1"]["outcome"]["visit 2"]["minutes"] == 8
    out = tmp_path / "plan.csv"
    geo("plan", "--week", "2025-10-13", "--out", str(out))
    text = out.read_text()
    assert "cut short (8 minutes), by PCSO 4567 Jones" in text
    assert "Sgt A Khan: <b>landowner</b>" in text  # CSV is data, not HTML: kept as typed
    sheet = sheet_of_stored(stored)
    page = printable_plan(sheet)
    assert "&lt;b&gt;landowner" in page
    assert "<b>landowner" not in page
    ics = tmp_path / "week.ics"
    geo("plan", "--week", "2025-10-13", "--out", str(ics))
    cal = icalendar.Calendar.from_ical(ics.read_bytes())
    camera = next(e for e in cal.walk("VEVENT") if str(e["SUMMARY"]).startswith("Camera 1 "))
    assert f"Note: Sgt A Khan: {note}" in str(camera["DESCRIPTION"])
    visit = next(e for e in cal.walk("VEVENT") if "Patrol 1 visit 2:" in str(e["SUMMARY"]))
    assert "Outcome: cut short (8 minutes), by PCSO 4567 Jones" in str(visit["DESCRIPTION"])


def test_bad_marks_are_one_line(officers_home, monkeypatch):
    monkeypatch.setenv("GEO_HOME", str(officers_home))
    geo("plan", "--week", "2025-10-20", "--approve", "--by", "Sgt A Khan")
    for args, words in [
        (("--done", "Patrol 1 visit 99"), "Patrol 1 has visits 1-"),
        (("--cut-short", "Camera 1=9"), "less than the 7 planned"),
        (("--done", "Camera 99"), "no deployment called 'Camera 99'"),
        (("--note", "Camera 1"), "write UNIT=TEXT"),
    ]:
        done = geo("plan", "--week", "2025-10-20", "--by", "X", *args, check=False)
        assert done.returncode == 2
        assert words in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1


def test_a_schema_2_store_gains_note_and_outcome(tmp_path):
    import sqlite3

    from geo.schema import Deployment, deployments_frame
    from geo.store import SCHEMA_VERSION, save_plan

    db = tmp_path / "plans.sqlite"
    row = Deployment(
        resource="cctv",
        unit="Camera 1",
        site_id="s",
        site_name="High Street",
        x=552500.0,
        y=155300.0,
        start="2025-10-06",
        end="2025-10-12",
        reason="r",
    )
    rows = deployments_frame([row]).drop(columns=["geometry", "note", "outcome"])
    week = dt.date(2025, 10, 6)
    save_plan(db, week=week, deployments=rows, status="approved", saved_by="A", base_version=None)
    with sqlite3.connect(db) as conn:  # back to schema 2, as the release before this one wrote
        conn.execute("ALTER TABLE deployments DROP COLUMN note")
        conn.execute("ALTER TABLE deployments DROP COLUMN outcome")
        conn.execute("PRAGMA user_version = 2")
    old = load_plan(db, week=week)
    assert (old.deployments["note"].tolist(), old.deployments["outcome"].tolist()) == ([""], [""])
    noted = rows.assign(note="moved: landowner refused")
    save_plan(db, week=week, deployments=noted, status="approved", saved_by="A", base_version=1)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    assert load_plan(db, week=week).deployments["note"].tolist() == ["moved: landowner refused"]
    assert load_plan(db, week=week, version=1).deployments["note"].tolist() == [""]


def test_a_replan_keeps_the_approved_out_of_service_units():
    week = ("plan", "--week", "2025-10-06")
    geo(*week, "--out-of-service", "Camera 4", "--approve", "--by", "Sgt A Khan")
    plan = json.loads(geo(*week, "--replan", "--json").stdout)
    units = {d["unit"] for d in plan["deployments"]}
    assert "Camera 4" not in units
    assert {"Camera 1", "Camera 2"} <= units


def test_sections_are_named_by_the_kinds_keys_and_old_names_still_read(tmp_path):
    import warnings as w

    from geo._errors import GeoDataWarning, GeoInputError
    from geo.plan.registry import resource_kinds

    sections = {line.strip("[]\n") for line in read_text_of_shipped() if line.startswith("[")}
    assert sections <= {k.key for k in resource_kinds()}
    old = tmp_path / "resources.toml"
    old.write_text("[speed_boards]\nboards = 4\n[patrols]\nhours_per_week = 9\n", encoding="utf-8")
    with w.catch_warnings(record=True) as caught:
        w.simplefilter("always")
        r = read_resources(old)
    assert (r.of("speed_board").boards, r.of("patrol").hours_per_week) == (4, 9.0)
    said = [str(c.message) for c in caught if issubclass(c.category, GeoDataWarning)]
    assert said == [
        "resources.toml: the section [speed_boards] is now called [speed_board] (the kind's "
        "key); rename it (it is still read)",
        "resources.toml: the section [patrols] is now called [patrol] (the kind's key); "
        "rename it (it is still read)",
    ]
    both = tmp_path / "resources.toml"
    both.write_text("[patrols]\nhours_per_week = 9\n[patrol]\nmax_hotspots = 3\n", encoding="utf-8")
    with pytest.raises(GeoInputError, match=r"\[patrols\] and \[patrol\] are the same section"):
        read_resources(both)


def read_text_of_shipped() -> list[str]:
    from geo.resources import default_resources_path

    return default_resources_path().read_text(encoding="utf-8").splitlines()
