import json

import numpy as np
import pandas as pd
import pytest
import shapely

from geo.cli import main
from geo.evaluate import backtest, flag_cells, measures, month_counts
from geo.forecast import METHODS
from geo.grid import make_grid
from geo.testing import ORIGIN, make_incidents

X, Y = ORIGIN
GRID = make_grid(shapely.box(X, Y, X + 1000, Y + 1000), cell_m=100)  # 100 cells of 1 %


def world():
    """Cell A (4 a month) and cell B (2 a month) in May-July; August: 3 in A, 1 in C."""
    history = [
        make_incidents([(50, 50)] * 4 + [(550, 550)] * 2, occurred=f"2025-0{m}-01")
        for m in (5, 6, 7)
    ]
    august = make_incidents([(50, 50)] * 3 + [(950, 950)], occurred="2025-08-01")
    return pd.concat([*history, august], ignore_index=True)


def test_hit_rate_pai_pei_on_a_hand_computable_grid():
    # 4 equal cells; the test month has 3 incidents in cell a and 1 in cell c
    areas = np.ones(4)
    actual = np.array([3.0, 0.0, 1.0, 0.0])
    flagged = flag_cells(np.array([0.9, 0.5, 0.1, 0.0]), areas, ["a", "b", "c", "d"], 0.25)
    assert flagged.tolist() == [True, False, False, False]
    assert measures(flagged, actual, areas) == (0.75, 3.0)
    oracle = flag_cells(actual, areas, list("abcd"), 0.5)
    assert oracle.tolist() == [True, False, True, False]
    assert measures(oracle, actual, areas) == (1.0, 2.0)
    wrong = flag_cells(np.array([0, 1.0, 0, 0]), areas, list("abcd"), 0.25)
    assert measures(wrong, actual, areas) == (0.0, 0.0)


def test_ties_are_broken_by_cell_id():
    flagged = flag_cells(np.zeros(3), np.ones(3), ["c", "a", "b"], 1 / 3)
    assert flagged.tolist() == [False, True, False]


def test_clipped_cells_fill_the_area_budget_without_overshooting():
    # b is a half cell at the district's edge; the area is 5, so 40 % is 2: a and b fit
    # (1.5), c would overshoot; PAI divides by the area actually flagged (1.5 / 5)
    areas = np.array([1.0, 0.5, 1.0, 1.0, 1.5])
    scores = np.array([5.0, 4.0, 3.0, 0.0, 0.0])
    flagged = flag_cells(scores, areas, list("abcde"), 0.4)
    assert flagged.tolist() == [True, True, False, False, False]
    hit, pai = measures(flagged, np.array([2.0, 1, 1, 0, 0]), areas)
    assert (hit, pai) == (0.75, pytest.approx(0.75 / 0.3))
    assert flag_cells(scores, areas, list("abcde"), 0.3).tolist() == [True, True] + [False] * 3
    assert flag_cells(scores, areas, list("abcde"), 0.25).tolist() == [True] + [False] * 4
    assert flag_cells(scores, areas, list("abcde"), 0.01).tolist() == [True] + [False] * 4


def test_a_month_without_incidents_has_undefined_measures():
    hit, pai = measures(np.array([True, False]), np.zeros(2), np.ones(2))
    assert np.isnan(hit)
    assert np.isnan(pai)


def test_backtest_measures_match_the_hand_computation():
    res = backtest(
        world(),
        GRID,
        categories="asb",
        test_months=["2025-08"],
        methods=["naive"],
        coverages_pct=[1.0, 2.0],
    )
    got = res.set_index(["method", "coverage_pct"])[["hit_rate", "pai", "pei", "n_test"]]
    # 1 %: naive flags A (3 of 4); the oracle also flags A
    assert got.loc[("naive", 1.0)].tolist() == [0.75, 75.0, 1.0, 4]
    assert got.loc[("oracle", 1.0)].tolist() == [0.75, 75.0, 1.0, 4]
    # 2 %: naive flags A and B (still 3 of 4); the oracle flags A and C (all 4)
    assert got.loc[("naive", 2.0)].tolist() == [0.75, 37.5, 0.75, 4]
    assert got.loc[("oracle", 2.0)].tolist() == [1.0, 50.0, 1.0, 4]


def test_month_counts_are_the_month_and_categories_asked_for():
    burglary = make_incidents([(950, 950)] * 5, category="burglary", occurred="2025-08-01")
    inc = pd.concat([world(), burglary], ignore_index=True)
    assert month_counts(inc, GRID, categories="asb", month="2025-08").sum() == 4
    assert month_counts(inc, GRID, categories="asb+burglary", month="2025-08").sum() == 9
    assert month_counts(inc, GRID, categories="asb", month="2025-07").sum() == 6


def test_later_months_do_not_change_a_test_month():
    # rolling origin: events after the test month (and in it) never reach the forecast
    later = make_incidents([(950, 950)] * 40, occurred="2025-09-01")
    a = backtest(world(), GRID, categories="asb", test_months=["2025-08"], coverages_pct=[1.0])
    b = backtest(
        pd.concat([world(), later], ignore_index=True),
        GRID,
        categories="asb",
        test_months=["2025-08"],
        coverages_pct=[1.0],
    )
    pd.testing.assert_frame_equal(a, b)


def test_backtest_is_deterministic_and_has_every_method_and_the_oracle():
    a = backtest(world(), GRID, categories="asb", test_months=["2025-08"], coverages_pct=[1.0])
    b = backtest(world(), GRID, categories="asb", test_months=["2025-08"], coverages_pct=[1.0])
    pd.testing.assert_frame_equal(a, b)
    assert set(a["method"]) == {*METHODS, "oracle"}


def test_evaluate_json_keys(capsys, police_sample):
    args = ["--test-months", "2025-09,2026-01", "--methods", "default", "--coverage", "1,5"]
    status = main(["evaluate", str(police_sample), "--category", "asb", *args, "--json"])
    out = json.loads(capsys.readouterr().out)
    assert status == 0
    assert set(out) == {"category", "cell_m", "test_months", "coverage_pct", "methods"}
    assert set(out["methods"]) == {"naive", "default", "oracle"}
    assert set(out["methods"]["naive"]) == {"hit_rate", "pai", "pei"}
    assert set(out["methods"]["naive"]["hit_rate"]) == {"1", "5"}
    assert out["test_months"] == ["2025-09", "2026-01"]
    assert out["methods"]["oracle"]["pei"]["1"] == 1.0

    main(
        ["evaluate", str(police_sample), "--category", "asb", "--test-months", "2026-01", "--json"]
    )
    empty = json.loads(capsys.readouterr().out)
    assert empty["methods"]["naive"]["hit_rate"]["1"] is None  # 2026-01 holds no incidents


def test_evaluate_prints_a_table_of_methods_by_coverage(capsys, police_sample):
    status = main(
        [
            "evaluate",
            str(police_sample),
            "--category",
            "asb",
            "--test-months",
            "2025-09",
            "--methods",
            "naive,kde",
            "--coverage",
            "1",
        ]
    )
    out = capsys.readouterr().out
    assert status == 0
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["naive", "kde", "oracle"]


def test_evaluate_refuses_a_bad_month(capsys, police_sample):
    status = main(["evaluate", str(police_sample), "--category", "asb", "--test-months", "2025-13"])
    assert status == 2
    assert "2025-13" in capsys.readouterr().err
