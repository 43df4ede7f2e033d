import datetime as dt

import numpy as np
import pandas as pd
import pytest

from geo.datasets import get_path
from geo.incidents import load_incidents
from geo.speed_sites import evidence_weight, speed_kind, speed_sites
from geo.testing import write_text

SYNTHETIC = get_path("synthetic_speed")
NOW = dt.datetime(2026, 1, 1)


@pytest.fixture(scope="module")
def evidence(wards):
    return load_incidents([SYNTHETIC], wards=wards, now=NOW)


def test_synthetic_sample_loads_every_row_as_speeding_evidence(evidence):
    assert evidence.rows_in == 80
    assert evidence.rejected.empty
    kinds = {f.source_file: f.kind for f in evidence.files}
    assert kinds == {
        "collisions_stats19_SYNTHETIC.csv": "collision",
        "speed_complaints_SYNTHETIC.csv": "complaint",
        "speed_surveys_SYNTHETIC.csv": "speed_survey",
        "speedwatch_sessions_SYNTHETIC.csv": "speedwatch",
    }
    acc = evidence.accepted
    assert (acc["category"] == "speeding").all()
    assert (acc["weight"] >= 0).all()


def test_weights_follow_the_documented_formula():
    survey = pd.DataFrame({"limit": [30.0, 40.0], "p85": [38.0, 40.0], "pct_over": [40.0, 10.0]})
    assert evidence_weight("speed_survey", survey).tolist() == [7.0, 1.0]
    sessions = pd.DataFrame({"checked": [100.0], "reported": [12.0]})
    assert evidence_weight("speedwatch", sessions).tolist() == [3.0]
    crashes = pd.DataFrame({"severity": [1, 2, 3]})
    assert evidence_weight("collision", crashes).tolist() == [10.0, 5.0, 2.0]


def test_sites_group_by_road_and_collisions_attach_to_the_nearest(evidence):
    sites = speed_sites(evidence.accepted)
    assert len(sites) == 10  # the ten synthetic roads; collisions joined them
    assert sites["score"].is_monotonic_decreasing
    top = sites.iloc[0]
    assert (top["road"], top["ward_name"]) == ("Noah's Ark", "Kemsing")
    assert top["n_collisions"] == 1
    total = evidence.accepted["weight"].sum()
    assert sites["score"].sum() == pytest.approx(total, abs=0.1)
    # Edenbridge High Street evidence spans two wards 20 m apart: still one site
    assert (sites["road"] == "High Street").sum() == 2  # Brasted and Edenbridge


def test_since_filters_old_evidence(evidence):
    recent = speed_sites(evidence.accepted, since=pd.Timestamp("2025-09-01"))
    assert set(recent["n_surveys"]) == {0}
    assert recent["n_speedwatch"].sum() == 27


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("2025-09-01,S,Bayham Road,553560,155861,30,0,0", "implausible numbers"),
        ("2025-09-01,S,Bayham Road,553560,155861,30,50,60", "implausible numbers"),
        ("2025-09-01,S,Bayham Road,553560,155861,99,50,5", "implausible numbers"),
        ("yesterday,S,Bayham Road,553560,155861,30,50,5", "unparseable date"),
        ("2025-09-01,S,Bayham Road,,,30,50,5", "no coordinates"),
        ("2025-09-01,S,Dartford Road,556000,174000,30,50,5", "outside the district"),
    ],
)
def test_bad_speedwatch_rows_are_rejected(tmp_path, wards, row, reason):
    header = "date,site,road,easting,northing,speed_limit_mph,vehicles_checked,vehicles_reported\n"
    good = "2025-09-01,S,Bayham Road,553560,155861,30,50,5\n"
    path = write_text(tmp_path / "sw.csv", header + good + row + "\n")
    result = load_incidents([path], wards=wards, now=NOW)
    assert len(result.accepted) == 1
    assert result.rejected[["line", "reason"]].to_dict("records") == [{"line": 3, "reason": reason}]


def test_layouts_are_told_apart():
    assert (
        speed_kind(
            ["accident_index", "date", "longitude", "latitude", "speed_limit", "accident_severity"]
        )
        == "collision"
    )
    assert speed_kind(["date", "road", "postcode", "complaint"]) == "complaint"
    assert speed_kind(["Crime ID", "Month"]) is None


def test_road_sites_chain_like_dbscan_with_one_point_a_core():
    """chain_labels gives DBSCAN(min_samples=1)'s clusters without importing scikit-learn."""
    from sklearn.cluster import DBSCAN

    from geo.speed_sites import chain_labels

    rng = np.random.default_rng(0)
    for _ in range(50):
        xy = rng.uniform(0, 3000, size=(int(rng.integers(1, 60)), 2))
        assert (
            chain_labels(xy, 200).tolist()
            == DBSCAN(eps=200, min_samples=1).fit(xy).labels_.tolist()
        )


def test_site_rows_on_arrays_match_the_row_by_row_summary(wards, monkeypatch):
    """The array summary of sites gives the same table as summarising each site's rows."""
    import geo.speed_sites as speeding
    from geo.incidents import load_incidents

    evidence = load_incidents(
        [get_path("police_uk"), get_path("synthetic_speed")], wards=wards
    ).accepted
    evidence = evidence[evidence["category"] == "speeding"]
    fast = speeding.speed_sites(evidence, since=pd.Timestamp("2024-10-06"))
    monkeypatch.setattr(
        speeding,
        "_site_rows",
        lambda frame, groups: [speeding._site_row(frame.iloc[p]) for p in groups],
    )
    slow = speeding.speed_sites(evidence, since=pd.Timestamp("2024-10-06"))
    assert len(fast) > 100
    pd.testing.assert_frame_equal(fast, slow)
