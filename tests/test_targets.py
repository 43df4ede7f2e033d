"""Success measures: targets.toml read and checked, and verdicts on the shipped months."""

import math

import pytest

from geo._errors import GeoInputError
from geo.datasets import get_path
from geo.pact import public_months
from geo.periods import months_window
from geo.pipeline import load
from geo.targets import (
    Measure,
    default_targets_path,
    evaluate_measures,
    judge,
    measure_rows,
    read_targets,
)

Q1 = months_window("2025-01", "2025-03")


@pytest.fixture(scope="module")
def incidents():
    return load().accepted


def test_the_shipped_measures_are_the_seed_plans():
    measures = read_targets()
    assert [(m.category, m.comparison, m.target) for m in measures] == [
        ("all_crime", "year on year", -1.0),
        ("burglary", "year on year", -2.0),
        ("vehicle_crime", "year on year", -2.0),
        ("asb", "year on year", -2.0),
    ]
    assert [m.label for m in measures][-1] == "Anti-social behaviour"


def test_the_units_own_targets_in_geo_home_win(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    own = home / "targets.toml"
    own.write_text('[[measure]]\ncategory = "robbery"\ncomparison = "year on year"\ntarget = -5\n')
    assert default_targets_path(home) == own
    assert [m.category for m in read_targets(default_targets_path(home))] == ["robbery"]
    assert default_targets_path(tmp_path / "another") == get_path("targets")  # none kept there


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ('category = "asb"\ncomparison = "year on year"\ntarget = -2\ncolour = 1', "'colour'"),
        ('category = "asb"\ncomparison = "year on year"\ntarget = -200', "from -100 to 100"),
        ('category = "asb"\ncomparison = "year on year"\ntarget = "-2"', "must be a number"),
        ('category = "asb"\ncomparison = "year on year"\ntarget = true', "must be a number"),
        ('category = "ufo"\ncomparison = "year on year"\ntarget = -2', "'ufo' is not one of"),
        ('category = "asb"\ncomparison = "monthly"\ntarget = -2', "'monthly' is not one of"),
        ('category = "asb"\ncomparison = "year on year"', "key 'target' is missing"),
    ],
)
def test_a_bad_measure_is_one_line_naming_file_key_and_what_is_allowed(tmp_path, body, words):
    path = tmp_path / "mine.toml"
    path.write_text("[[measure]]\n" + body + "\n")
    with pytest.raises(GeoInputError) as err:
        read_targets(path)
    message = str(err.value)
    assert message.startswith("mine.toml: measure 1: ")
    assert words in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("", "no [[measure]] tables"),
        ("target = -2", "unknown key 'target'"),
        ("[[measure", "cannot read success measures"),
        (
            '[[measure]]\ncategory = "asb"\ncomparison = "year on year"\ntarget = -2\n' * 2,
            "measured twice",
        ),
    ],
)
def test_a_bad_file_is_one_line(tmp_path, body, words):
    path = tmp_path / "targets.toml"
    path.write_text(body)
    with pytest.raises(GeoInputError, match=r"^targets\.toml: ") as err:
        read_targets(path)
    assert words in str(err.value)


def test_verdicts_on_the_shipped_2025_q1_against_2024_q1(incidents):
    results = evaluate_measures(incidents, Q1, read_targets(), covered=public_months(incidents))
    got = {r.measure.category: (r.now, r.then, r.verdict) for r in results}
    # counted straight from the rows: police.uk crime (ASB apart) in each quarter
    police = incidents[incidents["source"] == "police.uk"]
    month = police["occurred"].dt.strftime("%Y-%m")
    crime = police[police["category"] != "asb"]
    q1_25 = month.isin(["2025-01", "2025-02", "2025-03"])
    q1_24 = month.isin(["2024-01", "2024-02", "2024-03"])
    assert got["all_crime"][:2] == (int(q1_25[crime.index].sum()), int(q1_24[crime.index].sum()))
    assert got == {
        "all_crime": (1645, 1822, "met"),  # down 10 %, 95 % range -16 % to -3 %
        "burglary": (167, 153, "too few to tell"),  # up 9 %, range -13 % to +37 %
        "vehicle_crime": (151, 152, "too few to tell"),
        "asb": (248, 217, "too few to tell"),  # up 14 %, range -5 % to +38 %
    }
    for r in results:  # the range holds the change, and a verdict is never on a range holding 0
        assert r.low_pct <= r.change_pct <= r.high_pct
        if r.verdict in {"met", "not met"}:
            assert not r.low_pct <= 0 <= r.high_pct
            assert r.p_value < 0.05
    assert "95 % range -16 % to -3 %" in results[0].words


def test_months_not_loaded_are_unknown_never_zero(incidents):
    # 2025-Q2 is loaded, but 2024-05 and 2024-06 are not
    quarter = months_window("2025-04", "2025-06")
    results = evaluate_measures(
        incidents, quarter, read_targets(), covered=public_months(incidents)
    )
    for r in results:
        assert r.verdict == "no comparison data"
        assert r.then is None
        assert r.missing == ("2024-05", "2024-06")
        assert "2024-05, 2024-06 are not loaded" in r.words
        # this quarter is loaded: its own count is known and shown, not "not loaded"
        rows = measure_rows(incidents, r.measure)["occurred"].dt.to_period("M")
        assert r.now == int(rows.isin(quarter.month_index()).sum()) > 0


def test_judge_separates_met_not_met_and_chance():
    asb = Measure(category="asb", target=-2)
    assert judge(asb, Q1, now=100, then=160).verdict == "met"
    assert judge(asb, Q1, now=160, then=100).verdict == "not met"
    assert judge(asb, Q1, now=99, then=100).verdict == "too few to tell"
    assert judge(asb, Q1, now=0, then=0).verdict == "too few to tell"
    rise = judge(asb, Q1, now=4, then=0)
    assert rise.verdict == "too few to tell"  # the E-test alone gives p = 0.04: range decides
    assert math.isinf(rise.high_pct)
    assert rise.change_words.startswith("up from none (95 % range -34 % to no upper limit)")
    # a real fall smaller than the target does not meet it
    assert judge(Measure(category="asb", target=-20), Q1, now=850, then=1000).verdict == "not met"
