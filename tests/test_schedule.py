"""Officers and shifts, scheduled patrol visits, calendars, notes and done marks (#20)."""

import subprocess
import sys
from pathlib import Path

import pytest

from geo._errors import GeoInputError
from geo.resources import Shift, read_resources

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
