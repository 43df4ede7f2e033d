import numpy as np
import pandas as pd
import pytest
import shapely

from geo.forecast import METHODS, risk_surface
from geo.grid import make_grid
from geo.settings import ForecastParams
from geo.testing import ORIGIN, make_incidents

X, Y = ORIGIN
GRID = make_grid(shapely.box(X, Y, X + 1000, Y + 1000), cell_m=100)  # 100 cells


def history():
    frames = [
        make_incidents([(50, 50)] * 4 + [(550, 550)] * 2, occurred=f"2025-0{m}-01")
        for m in (5, 6, 7)
    ]
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("method", METHODS)
def test_no_look_ahead_planting_the_test_month_changes_nothing(method):
    base = history()
    planted = pd.concat(
        [base, make_incidents([(950, 950)] * 50, occurred="2025-08-01")], ignore_index=True
    )
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


def test_the_default_method_learns_where_other_crime_happens():
    # no ASB has ever been at (950, 950), but violence has, every month: the place prior
    # ranks that cell above the empty ones and gives it a share of the expected ASB
    violence = [
        make_incidents([(950, 950)] * 5, category="violence", occurred=f"2025-0{m}-01")
        for m in (5, 6, 7)
    ]
    inc = pd.concat([history(), *violence], ignore_index=True)
    out = risk_surface(inc, categories="asb", target="2025-08", grid=GRID)
    corner = out.geometry.contains(shapely.Point(X + 950, Y + 950))
    empty = out.geometry.contains(shapely.Point(X + 350, Y + 950))
    assert out.loc[corner, "score"].item() > out.loc[empty, "score"].item()
    assert out.loc[corner, "expected"].item() > 0.1
    off = risk_surface(
        inc, categories="asb", target="2025-08", grid=GRID, params=ForecastParams(prior_months=0)
    )
    assert off.loc[corner, "score"].item() < off.loc[empty, "score"].item()  # smoothing only
    assert off.loc[corner, "expected"].item() < 0.01
    assert out["expected"].sum() == pytest.approx(6.0)  # the prior moves risk, not the total


def test_a_gap_in_the_data_counts_as_nothing_for_recent_but_not_for_default():
    # data in March-April 2024 then January 2025 (like the shipped gap); target February 2025
    old = make_incidents([(50, 50)] * 5, occurred="2024-03-01")
    older = make_incidents([(50, 50)] * 5, occurred="2024-04-01")
    jan = make_incidents([(550, 550)], occurred="2025-01-01")
    inc = pd.concat([old, older, jan], ignore_index=True)
    params = ForecastParams(recent_months=2, blend_recent=1.0, smooth_weight=0, prior_months=0)
    kw = {"categories": "asb", "target": "2025-02", "grid": GRID, "params": params}
    recent = risk_surface(inc, method="recent", **kw)  # only December and January
    default = risk_surface(inc, method="default", **kw)  # the last two months WITH data
    a = recent.geometry.contains(shapely.Point(X + 50, Y + 50))
    b = recent.geometry.contains(shapely.Point(X + 550, Y + 550))
    assert (recent.loc[a, "score"].item(), recent.loc[b, "score"].item()) == (0.0, 1.0)
    assert (default.loc[a, "score"].item(), default.loc[b, "score"].item()) == (2.5, 0.5)


def test_category_sets_add_up():
    damage = make_incidents([(550, 550)] * 3, category="criminal_damage", occurred="2025-07-01")
    inc = pd.concat([history(), damage], ignore_index=True)
    both = risk_surface(
        inc, categories="asb+criminal_damage", target="2025-08", grid=GRID, method="naive"
    )
    listed = risk_surface(
        inc, categories=["asb", "criminal_damage"], target="2025-08", grid=GRID, method="naive"
    )
    assert both["score"].sum() == 18 + 3
    np.testing.assert_array_equal(both["score"], listed["score"])


def test_risk_surface_is_deterministic_and_keeps_the_grid():
    a = risk_surface(history(), categories="asb", target="2025-08", grid=GRID)
    b = risk_surface(history(), categories="asb", target="2025-08", grid=GRID)
    pd.testing.assert_frame_equal(a, b)
    assert a["cell_id"].tolist() == GRID["cell_id"].tolist()
    assert a.crs == GRID.crs


def test_an_unknown_method_is_refused():
    with pytest.raises(ValueError, match="unknown forecast method 'magic'"):
        risk_surface(history(), categories="asb", target="2025-08", grid=GRID, method="magic")


def long_history(months=8):
    """Eight months: a busy corner every month, a second place every other month, and violence."""
    frames = []
    for m in range(1, months + 1):
        day = f"2025-{m:02d}-01"
        frames.append(make_incidents([(50, 50)] * 5 + [(550, 550)] * (m % 2) * 3, occurred=day))
        frames.append(make_incidents([(850, 150)] * 2, occurred=day, category="violence"))
    return pd.concat(frames, ignore_index=True)


def test_the_learned_model_learns_from_earlier_months_only():
    base = long_history()
    planted = pd.concat(
        [base, make_incidents([(950, 950)] * 50, occurred="2025-09-01")], ignore_index=True
    )
    a = risk_surface(base, categories="asb", target="2025-09", grid=GRID, method="learned")
    b = risk_surface(planted, categories="asb", target="2025-09", grid=GRID, method="learned")
    np.testing.assert_array_equal(a["score"], b["score"])
    top = a.sort_values(["score", "cell_id"], ascending=[False, True])
    assert top.iloc[0].geometry.contains(shapely.Point(X + 50, Y + 50))
    default = risk_surface(base, categories="asb", target="2025-09", grid=GRID, method="default")
    assert not np.allclose(a["score"], default["score"])  # a model was fitted, no fallback
    again = risk_surface(base, categories="asb", target="2025-09", grid=GRID, method="learned")
    np.testing.assert_array_equal(a["score"], again["score"])  # deterministic


def test_the_learned_features_never_see_the_month_they_describe():
    from geo.forecast import LEARNED_FEATURES, learned_features

    xs, ys, now = learned_features(long_history(), GRID, categories=["asb"], target="2025-09")
    assert len(xs) == len(ys) == 8 - 3  # months 4..8 learned from the months before each
    assert now.shape == (len(GRID), len(LEARNED_FEATURES))
    corner = int(np.flatnonzero(ys[0])[0])
    first = xs[0][corner, LEARNED_FEATURES.index("long_run")]
    assert first == 5.0  # months 1-3 only, though month 4 (the label) has 5 too
    assert xs[0][0, LEARNED_FEATURES.index("month_of_year")] == 4
    assert now[0, LEARNED_FEATURES.index("month_of_year")] == 9
    violence = now[:, LEARNED_FEATURES.index("violence_long_run")]
    assert violence.max() == 2.0


def test_the_learned_model_falls_back_to_default_on_short_history():
    a = risk_surface(history(), categories="asb", target="2025-08", grid=GRID, method="learned")
    b = risk_surface(history(), categories="asb", target="2025-08", grid=GRID, method="default")
    np.testing.assert_array_equal(a["score"], b["score"])
