import datetime as dt
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.crs import BNG
from geo.periods import window
from geo.plan import PlanContext, plan_week
from geo.plan.cctv import CctvResources
from geo.plan.demand import demand_points
from geo.plan.mclp import solve_mclp
from geo.plan.patrols import PatrolResources
from geo.plan.registry import (
    default_resources,
    read_resources,
    register_kind,
    resource_kinds,
)
from geo.plan.speed_boards import SpeedBoardResources
from geo.resources import WeekOverrides
from geo.schema import (
    DEPLOYMENT_COLUMNS,
    Deployment,
    ResourceKind,
    WeekAmount,
)
from geo.testing import ORIGIN, make_hotspots, make_incidents

WEEK = dt.date(2025, 10, 6)
WINDOW = window("2025-09", months=3)
PLACES = [(0, 0), (1000, 0), (2000, 0), (3000, 0), (4000, 0), (5000, 0)]
COUNTS = [8, 6, 5, 4, 3, 2]  # incidents per month at each place


def world(counts=COUNTS):
    """Six hot places 1 km apart on a line, with ASB every month of 2025-04..09."""
    frames = []
    for month in [
        "2025-04-01",
        "2025-05-01",
        "2025-06-01",
        "2025-07-01",
        "2025-08-01",
        "2025-09-01",
    ]:
        for (dx, dy), n in zip(PLACES, counts, strict=True):
            if n:
                frames.append(make_incidents([(dx, dy)] * n, category="asb", occurred=month))
    incidents = pd.concat(frames, ignore_index=True)
    incidents["incident_id"] = [f"i{i}" for i in range(len(incidents))]
    x0, y0 = ORIGIN
    cells = gpd.GeoDataFrame(
        {"expected": [float(n) for n in counts], "expected_harm": [float(n) for n in counts]},
        geometry=[shapely.box(x0 + dx - 75, y0 - 75, x0 + dx + 75, y0 + 75) for dx, _ in PLACES],
        crs=BNG,
    )
    demand = demand_points(incidents, cells, since=pd.Timestamp("2024-10-01"))
    hotspots = make_hotspots(PLACES, n_incidents=[3 * n for n in counts])
    return incidents, hotspots, demand


DEFAULT_RESOURCES, NO_OVERRIDES = default_resources(), WeekOverrides()


def plan(
    previous=None,
    history=None,
    resources=DEFAULT_RESOURCES,
    overrides=NO_OVERRIDES,
    week=WEEK,
    speed=None,
    data=None,
):
    incidents, hotspots, demand = data or world()
    return plan_week(
        PlanContext(
            week=week,
            incidents=incidents,
            hotspots=hotspots,
            demand=demand,
            window=WINDOW,
            resources=resources,
            previous=previous,
            history=history,
            overrides=overrides,
            speed_evidence=speed,
        )
    )


def test_cameras_go_to_the_places_with_most_forecast_harm():
    p = plan()
    cams = p.deployments[p.deployments["resource"] == "cctv"]
    assert cams["unit"].tolist() == [f"Camera {i}" for i in range(1, 6)]
    x0, _ = ORIGIN
    assert sorted((cams["x"] - x0).round().tolist()) == [0, 1000, 2000, 3000, 4000]
    top = cams.iloc[0]
    assert top["numbers"]["incidents_recent"] == 24  # 8 a month, Jul-Sep
    assert top["numbers"]["incidents_prior"] == 24
    assert "24 ASB and criminal damage incidents within 100 m in Jul-Sep 2025" in top["reason"]
    assert "forecast 8.0 more next month" in top["reason"]


def test_a_camera_in_repair_and_an_off_limits_site():
    x0, y0 = ORIGIN
    best = f"{x0:.0f}:{y0:.0f}"
    p = plan(overrides=WeekOverrides(amounts={"cctv": 3}, excluded_sites=frozenset({best})))
    cams = p.deployments[p.deployments["resource"] == "cctv"]
    assert len(cams) == 3
    assert best not in set(cams["site_id"])
    assert p.available["cctv"] == 3
    assert any("off limits" in n for n in p.notes)


def test_off_limits_takes_the_area_within_a_cameras_view():
    """A site 60 m along the same street from an off-limits site is off limits too."""
    incidents, hotspots, demand = world()
    x0, y0 = ORIGIN
    near = make_incidents([(60, 0)] * 9, category="asb", occurred="2025-09-01")
    incidents = pd.concat([incidents, near], ignore_index=True)
    p = plan(
        data=(incidents, hotspots, demand),
        overrides=WeekOverrides(excluded_sites=frozenset({f"{x0:.0f}:{y0:.0f}"})),
    )
    cams = p.deployments[p.deployments["resource"] == "cctv"]
    assert ((cams["x"] - x0).abs() > 100).all()


def test_a_named_camera_out_of_service_keeps_the_others_names_and_sites():
    first = plan()
    cams = first.deployments[first.deployments["resource"] == "cctv"]
    before = dict(zip(cams["unit"], cams["site_id"], strict=True))
    p = plan(
        previous=_approved(first),
        week=WEEK + dt.timedelta(weeks=1),
        overrides=WeekOverrides(out_of_service=frozenset({"Camera 3"})),
    )
    after = p.deployments[p.deployments["resource"] == "cctv"]
    assert "Camera 3" not in set(after["unit"])
    assert dict(zip(after["unit"], after["site_id"], strict=True)) == {
        u: s for u, s in before.items() if u != "Camera 3"
    }
    assert p.available["cctv"] == 4
    assert "Camera 3 is out of service this week." in p.notes


def _approved(p):
    return p.deployments.drop(columns="geometry").assign(status="approved")


def test_cameras_stay_through_their_minimum_stay_even_when_harm_moves():
    first = plan()
    # next week the forecast flips: the last place becomes the hottest
    flipped = world(counts=[2, 3, 4, 5, 6, 8])
    later = _approved(first)
    for week_no in range(2, 5):
        p = plan(previous=later, week=WEEK + dt.timedelta(weeks=week_no - 1), data=flipped)
        cams = p.deployments[p.deployments["resource"] == "cctv"]
        assert set(cams["site_id"]) == set(later.loc[later["resource"] == "cctv", "site_id"])
        assert (cams["weeks_on_site"] == week_no).all()
        assert all("stays at" in r for r in cams["reason"])
        later = _approved(p)
    # week 5: past the minimum stay, the camera at the coldest place moves to the new hot one
    p = plan(previous=later, week=WEEK + dt.timedelta(weeks=4), data=flipped)
    cams = p.deployments[p.deployments["resource"] == "cctv"]
    x0, _ = ORIGIN
    assert 5000 in (cams["x"] - x0).round().tolist()
    moved = cams[cams["weeks_on_site"] == 1]
    assert len(moved) == 1
    assert "moved from" in moved["reason"].iloc[0]


def test_a_camera_moves_early_only_for_a_big_enough_gain():
    cfg = default_resources(
        cctv=CctvResources(cameras=1, min_weeks=1, max_weeks=12, move_gain=0.25)
    )
    first = plan(resources=cfg)
    # the second place gets 20 % hotter than the first: not enough to move
    close = world(counts=[8, 9, 0, 0, 0, 0])
    p = plan(previous=_approved(first), resources=cfg, data=close)
    assert p.deployments.loc[p.deployments["resource"] == "cctv", "weeks_on_site"].tolist() == [2]
    # 50 % hotter: worth the move
    far = world(counts=[8, 12, 0, 0, 0, 0])
    p = plan(previous=_approved(first), resources=cfg, data=far)
    cams = p.deployments[p.deployments["resource"] == "cctv"]
    assert cams["weeks_on_site"].tolist() == [1]


def test_patrol_visits_fill_the_hours_in_fifteen_minute_visits():
    p = plan(resources=default_resources(patrol=PatrolResources(hours_per_week=10, max_hotspots=3)))
    patrols = p.deployments[p.deployments["resource"] == "patrol"]
    visits = [n["visits"] for n in patrols["numbers"]]
    assert sum(visits) == 40  # 10 hours of 15-minute visits
    assert visits == sorted(visits, reverse=True)
    assert len(patrols) == 3
    assert p.used["patrol_hours"] == 10
    assert any("months only" in n for n in p.notes)


def test_one_eva_a_month_at_a_place_with_environmental_signals():
    incidents, hotspots, demand = world()
    damage = make_incidents([(2000, 10)] * 3, category="criminal_damage", occurred="2025-08-01")
    incidents = pd.concat([incidents, damage], ignore_index=True)
    p = plan(data=(incidents, hotspots, demand))
    evas = p.deployments[p.deployments["resource"] == "eva"]
    assert evas["site_id"].tolist() == ["H2"]
    assert "3 criminal damage, public order or environmental reports" in evas["reason"].iloc[0]
    history = _approved(p).assign(week=WEEK.isoformat())
    again = plan(
        history=history, week=WEEK + dt.timedelta(weeks=1), data=(incidents, hotspots, demand)
    )
    assert (again.deployments["resource"] != "eva").all()
    assert any(n.startswith("EVA: 1 held") for n in again.notes)


def test_every_row_has_a_reason_with_numbers_and_is_json_safe():
    p = plan()
    assert p.deployments["reason"].str.contains(r"\d").all()
    json.dumps(p.deployments.drop(columns="geometry").to_dict("records"))


def test_mclp_on_coverable_demand_only_gives_the_same_sites():
    """Demand out of every site's reach is dropped before solving; the answer is unchanged."""
    from geo.plan.mclp import _solve, coverable

    rng = np.random.default_rng(7)
    sites = rng.uniform(0, 2000, size=(12, 2))
    demand = rng.uniform(-3000, 5000, size=(400, 2))
    d = np.hypot(*(demand[:, None, :] - sites[None, :, :]).transpose(2, 0, 1))
    w = rng.uniform(0.1, 3, size=400)
    keep = coverable(d, 150)
    assert 0 < keep.sum() < 200
    locked = np.zeros(12, bool)
    full = _solve(d, w, 150, 4, locked)  # every demand point in the model
    part = solve_mclp(d, w, radius_m=150, p=4, locked=locked)  # the coverable ones only
    assert full.tolist() == part.tolist()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_our_mclp_model_gives_spopts_answer(seed):
    """The MCLP written in PuLP chooses the same sites as PySAL spopt's MCLP."""
    import warnings

    import pulp
    from spopt.locate import MCLP

    rng = np.random.default_rng(seed)
    sites = rng.uniform(0, 1500, size=(15, 2))
    points = rng.uniform(0, 1500, size=(120, 2))
    d = np.hypot(*(points[:, None, :] - sites[None, :, :]).transpose(2, 0, 1))
    w = rng.uniform(0.1, 5, size=120)
    locked = np.zeros(15, bool)
    locked[seed] = True
    ours = solve_mclp(d, w, radius_m=250, p=4, locked=locked)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        model = MCLP.from_cost_matrix(
            d, w, service_radius=250, p_facilities=4, predefined_facilities_arr=locked.astype(int)
        )
        model.solve(pulp.PULP_CBC_CMD(msg=False, threads=1), results=False)
    theirs = np.array([(v.value() or 0) > 0.5 for v in model.fac_vars])
    assert ours.tolist() == theirs.tolist()


def test_mclp_locks_predefined_sites():
    d = np.array([[0, 500, 500], [50, 500, 500], [500, 0, 500], [500, 500, 0]], float)
    got = solve_mclp(
        d, np.array([5, 5, 3, 1.0]), radius_m=100, p=2, locked=np.array([0, 0, 1], bool)
    )
    assert got.tolist() == [True, False, True]
    free = solve_mclp(d, np.array([5, 5, 3, 1.0]), radius_m=100, p=2, locked=np.zeros(3, bool))
    assert free.tolist() == [True, True, False]


def test_week_must_be_a_monday():
    with pytest.raises(ValueError, match="Monday"):
        plan(week=dt.date(2025, 10, 7))


def test_shipped_resources_file():
    r = read_resources()
    cctv, boards = r.of("cctv"), r.of("speed_board")
    assert (cctv.cameras, boards.boards, cctv.target_deployed_share) == (5, 6, 0.75)
    assert boards.max_limit_mph == 40


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cameras=st.integers(0, 8),
    usable=st.one_of(st.none(), st.integers(0, 8)),
    boards=st.integers(0, 8),
    hours=st.floats(0, 40, allow_nan=False),
    counts=st.lists(st.integers(0, 9), min_size=6, max_size=6),
)
def test_a_plan_never_uses_more_than_exists(cameras, usable, boards, hours, counts):
    resources = default_resources(
        cctv=CctvResources(cameras=cameras),
        speed_board=SpeedBoardResources(boards=boards),
        patrol=PatrolResources(hours_per_week=hours),
    )
    if sum(counts) == 0:
        counts[0] = 1
    p = plan(
        resources=resources,
        overrides=WeekOverrides(amounts={} if usable is None else {"cctv": usable}),
        data=world(counts),
    )
    deployed = p.deployments
    assert p.used["cctv"] <= p.available["cctv"] <= cameras
    assert p.used["speed_board"] <= boards
    assert p.used["patrol_hours"] <= hours + 1e-9
    assert deployed.loc[deployed["resource"] == "cctv", "site_id"].is_unique
    assert deployed["reason"].str.len().gt(20).all()


def test_speed_boards_rotate_over_four_weeks_and_never_share_a_road(wards):
    from geo.datasets import get_path
    from geo.incidents import load_incidents

    evidence = load_incidents(
        [get_path("synthetic_speed")], wards=wards, now=dt.datetime(2026, 1, 1)
    ).accepted
    previous, history, seen = None, pd.DataFrame(), []
    for k in range(4):
        week = WEEK + dt.timedelta(weeks=k)
        p = plan(previous=previous, history=history, week=week, speed=evidence)
        boards = p.deployments[p.deployments["resource"] == "speed_board"]
        assert len(boards) <= 6
        assert boards["site_id"].is_unique
        assert not boards["site_name"].str.startswith("Crockenhill Lane").any()  # 60 mph road
        assert (boards["weeks_on_site"] <= 2).all()
        for row in boards[boards["weeks_on_site"] == 1].itertuples():
            recent = history[(history["resource"] == "speed_board")] if len(history) else history
            assert row.site_id not in set(recent.get("site_id", [])), f"week {k + 1}: no rest"
        roads = boards["site_name"].str.split(",").str[0]
        for road in roads[roads.duplicated()]:
            same = boards[roads == road]
            assert np.ptp(same["x"]) > 2000 or np.ptp(same["y"]) > 2000
        assert all("speeding score" in r for r in boards["reason"])
        seen.append(set(boards["site_id"]))
        previous = _approved(p)
        history = pd.concat([history, previous.assign(week=week.isoformat())], ignore_index=True)
    assert seen[0] != seen[2]  # boards have moved on by week 3


# --- the resource-kind registry (a new kind end to end: tests/test_new_kind.py) -------------


def test_the_built_in_kinds_in_order():
    assert [k.key for k in resource_kinds()] == ["cctv", "speed_board", "eva", "patrol"]


def test_a_deployment_row_has_every_column_in_order():
    d = Deployment(
        resource="cctv",
        unit="Camera 1",
        site_id="1:2",
        site_name="A",
        x=1.0,
        y=2.0,
        start="2025-10-06",
        end="2025-10-12",
        reason="R.",
    )
    assert tuple(d.row()) == DEPLOYMENT_COLUMNS
    assert d.row()["status"] == "suggested"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"key": "Bad Key"}, "lower-case identifier"),
        ({"export_columns": ("unit", "colour")}, r"export_columns \['colour'\] unknown"),
        (
            {"amount": WeekAmount(setting="orders", flag="orders", help="h", label="l")},
            "the week amount's setting 'orders' has no bound",
        ),
    ],
)
def test_a_kind_is_checked_when_registered(change, words):
    from geo._errors import GeoInputError

    fields = {"key": "toy", "label": "x", "title": "x", "metric": "x", "letter": "x", "order": 1}
    fields["colour"] = "#000"
    with pytest.raises(GeoInputError, match=words):
        register_kind(ResourceKind(**{**fields, **change}, planner=lambda _c: ([], [])))
    assert [k.key for k in resource_kinds()] == ["cctv", "speed_board", "eva", "patrol"]
