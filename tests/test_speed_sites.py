"""Speed board sites from the real STATS19 2023 collisions shipped in data/."""

import datetime as dt

import pandas as pd
import pytest

from geo.datasets import get_path
from geo.incidents import load_incidents
from geo.speed_sites import site_reason, speed_sites, street_points
from geo.testing import write_text

COLLISIONS = get_path("police_uk") / "dft-road-casualty-statistics-collision-2023-sevenoaks.csv"
WEEK_WINDOW = pd.Timestamp("2024-10-06")  # 12 months before the week of 2025-10-06


@pytest.fixture(scope="module")
def crashes(wards):
    return load_incidents([COLLISIONS], wards=wards).accepted


@pytest.fixture(scope="module")
def sites(crashes):
    return speed_sites(crashes, since=WEEK_WINDOW)


def test_collisions_are_named_by_road_number(crashes):
    roads = crashes["road"].value_counts()
    assert roads["M25"] == 32
    assert roads["A225"] == 24
    assert roads["unclassified"] == 86
    assert (crashes["road"] != "").all()


def test_collisions_older_than_the_window_still_make_sites(sites, crashes):
    assert sites["n_collisions"].sum() == len(crashes) == 268
    assert sites["score"].sum() == pytest.approx(crashes["weight"].sum())
    assert set(sites.loc[sites["n_collisions"] > 0, "collision_years"]) == {"2023"}
    too_old = speed_sites(crashes, since=WEEK_WINDOW, collision_years=0)
    assert too_old.empty


def test_at_least_three_board_sites_on_roads_of_40_mph_or_less(sites):
    eligible = sites[sites["speed_limit_mph"] <= 40]
    assert len(eligible) >= 3
    top = eligible.head(3)
    assert (top["n_collisions"] >= 3).all()
    assert top["road"].str.contains(" at ").all()  # "A20 at ...": number and street


def test_motorways_and_fast_roads_never_share_a_site_with_slow_ones(sites):
    motorway = sites["road"].str.match(r"^M\d")
    assert motorway.any()
    assert sites.loc[motorway, "motorway"].all()
    assert not sites.loc[~motorway, "motorway"].any()
    assert (sites.loc[motorway, "speed_limit_mph"] == 70).all()  # 40 mph junctions join them
    # the A225 has 30, 40 and 60 mph stretches: its fast stretches are sites of their own
    a225 = sites[sites["road"].str.startswith("A225")]
    assert (a225["speed_limit_mph"] > 40).any()
    assert (a225["speed_limit_mph"] <= 40).any()
    assert sites["site_id"].is_unique


def test_the_b258_site_in_swanley(sites):
    site = sites[sites["road"] == "B258 at High Street"].iloc[0]
    assert site["ward_name"] == "Swanley White Oak"
    assert (site["n_collisions"], site["n_serious"], site["n_fatal"]) == (6, 1, 0)
    assert site["score"] == 5 + 5 * 2  # one serious (5), five slight (2 each)
    assert site_reason(site) == "6 collisions, 1 serious, in 2023 within 600 m; 30 mph"


def test_site_reason_words():
    base = {
        "n_collisions": 1,
        "n_fatal": 0,
        "n_serious": 0,
        "collision_years": "2022-2023",
        "collision_m": 0,
        "latest_survey": "",
        "n_speedwatch": 0,
        "n_complaints": 2,
        "speed_limit_mph": 20.0,
    }
    assert site_reason(base) == "1 collision, slight, in 2022-2023; 2 complaints; 20 mph"
    fatal = {**base, "n_collisions": 3, "n_fatal": 1, "n_serious": 2, "collision_m": 90}
    assert site_reason(fatal).startswith(
        "3 collisions, 1 fatal, 2 serious, in 2022-2023 within 90 m"
    )


def test_surveys_and_complaints_add_to_the_collision_site(tmp_path, wards, crashes):
    b258 = crashes[crashes["road"] == "B258"]
    x, y = b258.geometry.x.iloc[2], b258.geometry.y.iloc[2]  # the March 2023 slight collision
    survey = write_text(
        tmp_path / "survey.csv",
        "site,road,easting,northing,speed_limit_mph,period_start,vehicles,p85_mph,pct_over_limit\n"
        f"Swanley High St,High Street,{x:.0f},{y:.0f},30,2025-09-01,2000,38,40\n",
    )
    complaint = write_text(
        tmp_path / "complaints.csv",
        f"date,road,easting,northing,complaint\n2025-09-10,B258,{x:.0f},{y:.0f},Cars racing\n",
    )
    more = load_incidents([survey, complaint], wards=wards, now=dt.datetime(2026, 1, 1)).accepted
    both = pd.concat([crashes, more], ignore_index=True)
    sites = speed_sites(both, since=WEEK_WINDOW)
    site = sites[sites["road"].str.startswith("B258 at")].iloc[0]
    assert (site["n_collisions"], site["n_surveys"], site["n_complaints"]) == (6, 1, 1)
    assert site["score"] == 15 + 7 + 1
    reason = site_reason(site)
    assert reason.startswith("6 collisions, 1 serious, in 2023 within")
    assert "latest survey: 2000 vehicles, 85th percentile 38 mph" in reason
    assert "1 complaint" in reason


def test_street_points_leave_out_generic_places():
    streets = street_points()
    assert not streets["street"].isin(["Parking Area", "Supermarket", "Petrol Station"]).any()
    assert not streets["street"].str.contains("/").any()
    assert not streets["street"].str.match(r"^[ABM]\d+$").any()
    assert "Noah's Ark" in set(streets["street"])  # police.uk's "Noah'S Ark" repaired
