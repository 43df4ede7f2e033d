"""Officers and shifts, scheduled patrol visits, calendars, notes and done marks (#20)."""

import itertools
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo._errors import GeoInputError
from geo.plan.schedule import SAME_PLACE_GAP, TRAVEL, hour_weights, schedule_visits
from geo.resources import Officer, Shift, read_resources

OFFICERS = """
[[patrols.officers]]
name = "PCSO 4567 Jones"
shifts = ["Mon 08:00-16:00", "Tue 08:00-16:00", "Wed 14:00-22:00"]

[[patrols.officers]]
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
    assert [o.name for o in r.patrols.officers] == ["PCSO 4567 Jones", "PCSO 8910 Patel"]
    assert [str(s) for s in r.patrols.officers[1].shifts] == [
        "Thu 16:00-24:00",
        "Fri 16:00-24:00",
        "Sat 10:00-18:00",
    ]
    assert read_resources().patrols.officers == ()  # shipped: none, the plan stays as before


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
    path = resources_file(tmp_path, f'[[patrols.officers]]\nname = "PCSO 1 A"\nshifts = {shifts}\n')
    with pytest.raises(GeoInputError, match=problem) as err:
        read_resources(path)
    assert "\n" not in str(err.value)
    assert str(err.value).startswith("resources.toml: [[patrols.officers]] 1 ('PCSO 1 A') shifts:")


def test_a_bad_shift_in_geo_home_is_exit_2_naming_file_and_key(geo_home):
    resources_file(geo_home, '[[patrols.officers]]\nname = "A"\nshifts = ["Fri 9:00-8:00"]\n')
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
    assert "patrols.officers" in lines[0]
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
