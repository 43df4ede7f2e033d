import json

import numpy as np
import pandas as pd
import pytest
import shapely

from geo.cli import main
from geo.evaluate import backtest, flag_cells, measures
from geo.forecast import METHODS, risk_surface
from geo.grid import make_grid
from geo.testing import ORIGIN, make_incidents

X, Y = ORIGIN
GRID = make_grid(shapely.box(X, Y, X + 1000, Y + 1000), cell_m=100)  # 100 cells


def history():
    frames = [make_incidents([(50, 50)] * 4 + [(550, 550)] * 2, occurred=f"2025-0{m}-01")
              for m in (5, 6, 7)]  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def test_hit_rate_pai_pei_on_a_hand_computable_grid():
    # 4 equal cells; the test month has 3 incidents in cell a and 1 in cell c
    areas = np.ones(4)
    actual = np.array([3.0, 0.0, 1.0, 0.0])
    flagged = flag_cells(np.array([0.9, 0.5, 0.1, 0.0]), areas, ["a", "b", "c", "d"], 0.25)
    assert flagged.tolist() == [True, False, False, False]
    hit, pai = measures(flagged, actual, areas)
    assert (hit, pai) == (0.75, 3.0)
    oracle_hit, _ = measures(flag_cells(actual, areas, ["a", "b", "c", "d"], 0.5), actual, areas)
    assert oracle_hit == 1.0
    wrong, _ = measures(
        flag_cells(np.array([0, 1.0, 0, 0]), areas, list("abcd"), 0.25), actual, areas
    )
    assert wrong == 0.0


def test_ties_are_broken_by_cell_id():
    flagged = flag_cells(np.zeros(3), np.ones(3), ["c", "a", "b"], 1 / 3)
    assert flagged.tolist() == [False, True, False]


@pytest.mark.parametrize("method", METHODS)
def test_no_look_ahead_planting_the_test_month_changes_nothing(method):
    base = history()
    planted = pd.concat([base, make_incidents([(950, 950)] * 50, occurred="2025-08-01")],
                        ignore_index=True)  # fmt: skip
    a = risk_surface(base, categories="asb", target="2025-08", grid=GRID, method=method)
    b = risk_surface(planted, categories="asb", target="2025-08", grid=GRID, method=method)
    np.testing.assert_array_equal(a["score"], b["score"])
    np.testing.assert_array_equal(a["expected"], b["expected"])


@pytest.mark.parametrize("method", METHODS)
def test_methods_rank_the_busy_cell_first_and_calibrate(method):
    out = risk_surface(history(), categories="asb", target="2025-08", grid=GRID, method=method)
    top = out.sort_values(["score", "cell_id"], ascending=[False, True]).iloc[0]
    assert top.geometry.contains(shapely.Point(X + 50, Y + 50))
    assert out["expected"].sum() == pytest.approx(6.0)  # 6 a month in the last three months


def test_backtest_is_deterministic_and_has_the_oracle():
    inc = pd.concat([history(), make_incidents([(50, 50)] * 3, occurred="2025-08-01")],
                    ignore_index=True)  # fmt: skip
    a = backtest(inc, GRID, categories="asb", test_months=["2025-08"], coverages_pct=[1.0])
    b = backtest(inc, GRID, categories="asb", test_months=["2025-08"], coverages_pct=[1.0])
    pd.testing.assert_frame_equal(a, b)
    naive = a[a["method"] == "naive"].iloc[0]
    assert (naive["hit_rate"], naive["pai"], naive["pei"]) == (1.0, 100.0, 1.0)
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
