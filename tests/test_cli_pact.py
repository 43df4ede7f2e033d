"""``geo pact`` and a differencing attack on every view it gives over the shipped data."""

import argparse
import itertools
import json

import numpy as np
import pandas as pd
import pytest

from geo.cli_pact import add_parser, pact_answers, parse_period
from geo.datasets import get_path
from geo.incidents import load_incidents
from geo.pact import Period, public_months, quarter_of, read_pact_areas, view_json


def geo_pact(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="geo")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["pact", *argv])
    return args.run(args)


@pytest.fixture(scope="module")
def shipped(wards):
    """Every shipped police.uk month (real data)."""
    return load_incidents([get_path("police_uk")], wards=wards).accepted


# --- the attacker ------------------------------------------------------------------------------


def exact_numbers(view: dict) -> dict[str, int]:
    """Every number of a `--json` view that claims to be the true count, by what it counts."""
    found = {"total": view["total"]["exact"]}
    found |= {f"ward {w['ward']}": w["exact"] for w in view["wards"]}
    found |= {f"square {s['square']}": s["exact"] for s in view["squares"]}
    found |= {f"issue {i['category']}": i["exact"] for i in view["top_issues"]}
    trend = view.get("trend") or {}
    if trend.get("a_year_earlier"):
        found["total a year earlier"] = trend["a_year_earlier"]["exact"]
    for month in trend.get("months", []):
        found[f"month {month['month']}"] = month["exact"]
        found[f"month {month['month']} a year earlier"] = month["a_year_earlier"]["exact"]
    return {key: value for key, value in found.items() if value is not None}


def attack(views: list[dict]) -> tuple[list[str], int]:
    """
    Try to recover a count of 1 to 4 from `views`; return what was recovered and how many tries.

    1. a number shown exactly that is 1-4;
    2. one exact number minus another, within a view or across any two views
       (nested periods, overlapping, adjacent, other areas): a difference of 1-4
       is a small count revealed (Jan-Sep minus Jan-Aug);
    3. a view's exact total minus the exact numbers of its wards (and of its
       months, and of its squares): what is left is the rest, revealed if 1-4.
    """
    leaks, tries = [], 0
    named = [
        (f"{v['area']} {v['period']['from']}..{v['period']['to']} {key}", value)
        for v in views
        for key, value in exact_numbers(v).items()
    ]
    values = np.array([value for _, value in named], dtype=np.int64)
    tries += len(values)
    leaks += [name for name, value in named if 1 <= value <= 4]
    diff = np.abs(np.subtract.outer(values, values))
    tries += len(values) * (len(values) - 1) // 2
    for i, j in zip(*np.nonzero(np.triu((diff >= 1) & (diff <= 4), k=1)), strict=True):
        leaks.append(f"{named[i][0]} minus {named[j][0]} = {diff[i, j]}")
    for view in views:
        total = view["total"]["exact"]
        parts = {
            "wards": [w["exact"] for w in view["wards"]],
            "squares": [s["exact"] for s in view["squares"]],
            "months": [m["exact"] for m in view.get("trend", {}).get("months", [])],
        }
        for kind, exact in parts.items():
            known = [e for e in exact if e is not None]
            if total is None or not exact or (len(known) == len(exact) and kind != "squares"):
                continue
            tries += 1
            rest = total - sum(known)
            if 1 <= rest <= 4:
                leaks.append(f"{view['area']} {view['period']} total minus its {kind} = {rest}")
    return leaks, tries


def naive_view(incidents: pd.DataFrame, area, period: Period) -> dict:
    """The old public view: every count of 5 or more given exactly, per period asked for."""
    rows = incidents[
        incidents["ward_name"].isin(area.wards) & period.contains(incidents["occurred"])
    ]
    by_ward = rows["ward_name"].value_counts()

    def pair(count: int) -> dict:
        return {"shown": str(count), "exact": int(count) if count >= 5 else None}

    return {
        "area": area.name,
        "period": {"from": period.first, "to": period.last},
        "total": pair(len(rows)),
        "wards": [{"ward": w, **pair(int(by_ward.get(w, 0)))} for w in area.wards],
        "squares": [],
        "top_issues": [],
    }


# --- the attack on every view geo pact gives ---------------------------------------------------


def test_no_small_count_can_be_recovered_from_any_views_geo_pact_gives(shipped, wards, capsys):
    months = sorted(m.strftime("%Y-%m") for m in public_months(shipped))
    asked = [Period(a, b) for a, b in itertools.combinations_with_replacement(months, 2)]
    views, refused = [], 0
    for area in read_pact_areas(wards=wards):
        for answer in pact_answers(shipped, wards, area=area, periods=asked):
            if isinstance(answer, dict):
                refused += 1
                assert answer["refused"]
            else:
                views.append(view_json(answer, squares=True))

    # only whole quarters are given, and no two given periods overlap or nest
    given = sorted({(v["period"]["from"], v["period"]["to"]) for v in views})
    assert given
    assert all(Period(*p) == quarter_of(p[0]) for p in given)
    for (a_first, a_last), (b_first, b_last) in itertools.combinations(given, 2):
        assert a_last < b_first or b_last < a_first
    leaks, tries = attack(views)
    assert leaks == []
    numbers = sum(len(exact_numbers(v)) for v in views)
    with capsys.disabled():
        print(
            f"\ndifferencing attack: {len(asked)} periods asked per area, {refused} refused, "
            f"{len(views)} views, {numbers} exact numbers, {tries} subtractions tried, "
            f"{len(leaks)} small counts recovered"
        )


def test_the_attack_recovers_small_counts_from_the_old_nested_views(shipped, wards):
    swanley = next(a for a in read_pact_areas(wards=wards) if a.name == "Swanley")
    old = [naive_view(shipped, swanley, Period("2025-01", m)) for m in ("2025-08", "2025-09")]

    leaks, _ = attack(old)

    assert any("Hextable" in leak for leak in leaks), leaks  # 129 - 127: September's 2


def test_the_old_attack_is_refused(capsys):
    status = geo_pact(
        "--area",
        "Swanley",
        "--period",
        "2025-01..2025-09",
        "--period",
        "2025-01..2025-08",
        "--json",
    )

    answers = json.loads(capsys.readouterr().out)
    assert status == 0
    assert [a["period"] for a in answers] == [
        {"from": "2025-01", "to": "2025-09"},
        {"from": "2025-01", "to": "2025-08"},
    ]
    assert all("whole calendar quarters" in a["refused"] for a in answers)
    assert all(set(a) == {"period", "refused"} for a in answers)


# --- the command -------------------------------------------------------------------------------


def test_json_gives_each_number_shown_and_whether_it_is_exact(capsys):
    status = geo_pact("--area", "swanley", "--period", "2025-07..2025-09", "--squares", "--json")

    [view] = json.loads(capsys.readouterr().out)
    assert status == 0
    assert view["area"] == "Swanley"
    assert view["period"] == {"from": "2025-07", "to": "2025-09"}
    assert view["total"]["shown"] == "470"
    assert [w["ward"] for w in view["wards"]][:2] == ["Swanley St Mary's", "Swanley White Oak"]
    numbers = [view["total"], *view["wards"], *view["squares"], *view["top_issues"]]
    for number in numbers:
        assert set(number) >= {"shown", "exact"}
        if number["exact"] is not None:
            assert number["shown"] == f"{number['exact']:,}"
        if number["shown"][0].isdigit():
            assert int(number["shown"].replace(",", "")) % 5 == 0
    assert view["squares"]
    assert all(s["square"].startswith("E") for s in view["squares"])
    assert len(view["top_issues"]) == 3
    assert view["trend"]["change"] == "no comparison data"
    assert [m["month"] for m in view["trend"]["months"]] == ["2025-07", "2025-08", "2025-09"]


def test_a_quarter_with_last_year_has_a_trend(capsys):
    geo_pact("--area", "Swanley", "--period", "2025-01..2025-03", "--json")

    [view] = json.loads(capsys.readouterr().out)
    assert view["trend"]["a_year_earlier"]["shown"].isdigit()
    assert view["trend"]["change"].endswith("on a year earlier")


def test_text_output_and_a_refused_period_exit_2(capsys):
    status = geo_pact("--area", "Swanley", "--period", "2025-07..2025-09", "--period", "2025-08")

    out, err = capsys.readouterr()
    assert status == 2
    assert out.startswith("Swanley PACT area: recorded crime and ASB, July to September 2025\n")
    assert "  Total: 470 (no comparison data)" in out
    assert err.count("\n") == 1
    assert "2025-08..2025-08: refused" in err


def test_out_html_is_the_offline_map_with_title_legend_and_credit(tmp_path):
    out = tmp_path / "swanley.html"

    assert (
        geo_pact(
            "--area", "Swanley", "--period", "2025-07..2025-09", "--squares", "--out", str(out)
        )
        == 0
    )

    page = out.read_text(encoding="utf-8")
    assert (
        "<title>Swanley PACT area: recorded crime and ASB, July to September 2025</title>" in page
    )
    assert "<script src=" not in page
    assert "https://unpkg" not in page
    assert "Incidents in the ward" in page
    assert "Incidents in the 500 m square" in page
    assert "Open Government Licence v3.0" in page
    assert "police.uk" in page
    assert "Swanley St Mary" in page


def test_out_csv_is_formula_safe_with_its_about_text(tmp_path):
    out = tmp_path / "swanley.csv"

    assert geo_pact("--area", "Swanley", "--period", "2025-07..2025-09", "--out", str(out)) == 0

    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert table.columns[:3].tolist() == ["Place", "Kind", "Incidents, July to September 2025"]
    assert table.iloc[0].tolist()[:3] == ["All of Swanley", "PACT area", "470"]
    about = table[table["Place"] == "About"]["Kind"].tolist()
    assert any("rounded to the nearest 5" in line for line in about)
    assert any("Open Government Licence" in line for line in about)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--area", "Atlantis", "--period", "2025-07..2025-09"],
            "no such PACT area; known: Swanley",
        ),
        (["--area", "Swanley", "--period", "July"], "write it YYYY-MM..YYYY-MM"),
        (["--area", "Swanley", "--period", "2025-09..2025-07"], "before it starts"),
        (["--area", "Swanley", "--period", "2025-07..2025-09", "--out", "x.pdf"], "--out writes"),
        (["missing.csv", "--area", "Swanley", "--period", "2025-07..2025-09"], "missing.csv"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, message, capsys):
    assert geo_pact(*argv) == 2

    err = capsys.readouterr().err
    assert err.startswith("geo pact: ")
    assert err.count("\n") == 1
    assert message in err
    assert "Traceback" not in err


def test_parse_period():
    assert parse_period("2025-01..2025-03") == Period("2025-01", "2025-03")
    assert parse_period("2025-05") == Period("2025-05", "2025-05")


def test_out_for_a_refused_period_writes_nothing_and_exits_2(tmp_path, capsys):
    out = tmp_path / "map.html"

    status = geo_pact("--area", "Swanley", "--period", "2025-01..2025-08", "--out", str(out))

    assert status == 2
    assert not out.exists()
    assert "refused" in capsys.readouterr().err
