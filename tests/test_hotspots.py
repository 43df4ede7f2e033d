import numpy as np
import pandas as pd
import pytest

from geo.grid import make_grid
from geo.hotspots import (
    HOTSPOT_COLUMNS,
    NOISE,
    cluster_incidents,
    find_hotspots,
    gi_star_bins,
    hotspot_incidents,
    time_window,
    ward_table,
)
from geo.settings import HotspotParams
from geo.testing import ORIGIN, make_incidents, make_ward_grid

TIGHT = HotspotParams(eps_m=50, min_incidents=4, permutations=199)
WARDS = make_ward_grid(4, 4, size_m=1000)


def months(offsets, month, category="asb"):
    return make_incidents(offsets, category=category, occurred=f"{month}-01")


def two_groups(month="2025-09"):
    rng = np.random.default_rng(0)
    west = rng.normal(0, 10, size=(5, 2)) + 500
    east = rng.normal(0, 10, size=(5, 2)) + np.array([900, 500])
    strays = np.array([[100, 3500], [3500, 100]])
    return months([tuple(p) for p in np.vstack([west, east, strays])], month)


def test_two_tight_groups_and_strays():
    labels = cluster_incidents(two_groups(), params=TIGHT)
    west, east, strays = labels[:5], labels[5:10], labels[10:]
    assert len(set(west)) == 1
    assert len(set(east)) == 1
    assert west[0] != east[0]
    assert (strays == NOISE).all()


def test_incidents_stacked_on_one_map_point_make_a_hotspot():
    spots = find_hotspots(
        months([(500, 500)] * 4, "2025-09"),
        categories="asb",
        as_of="2025-09",
        wards=WARDS,
        params=TIGHT,
    )
    assert len(spots) == 1
    assert spots["n_incidents"].tolist() == [4]
    assert spots.geometry.iloc[0].area > 3.1 * 50**2  # a buffered point still has an area


@pytest.mark.parametrize(
    "incidents",
    [
        months([(500, 500)] * 6, "2025-01"),
        months([(500, 500)], "2025-09"),
        months([(500, 500)] * 6, "2025-09", category="burglary").iloc[:0],
    ],
    ids=["empty-window", "single-incident", "no-rows"],
)
def test_nothing_to_find_gives_an_empty_table(incidents):
    spots = find_hotspots(incidents, categories="asb", as_of="2025-09", wards=WARDS, params=TIGHT)
    assert spots.empty
    assert list(spots.columns) == list(HOTSPOT_COLUMNS)


def test_columns_counts_trend_and_ranking():
    now = pd.concat([two_groups("2025-09"), months([(500, 500)] * 3, "2025-08")], ignore_index=True)
    before = months([(500, 500)] * 4, "2025-05")
    spots = find_hotspots(
        pd.concat([now, before], ignore_index=True),
        categories="asb",
        as_of="2025-09",
        wards=WARDS,
        params=TIGHT,
    )
    assert list(spots.columns) == list(HOTSPOT_COLUMNS)
    top = spots.iloc[0]
    assert (top["rank"], top["n_incidents"], top["n_prior"]) == (1, 8, 4)
    assert top["trend"] == "up 100 %"
    assert top["trend_class"] == "emerging"
    assert spots.iloc[1]["trend"] == "new"
    assert top["top_locations"] == "On or near Test Street: 8"
    assert top["ward_names"] == "Test ward T01"


def test_prior_window_in_a_data_gap_says_no_data():
    spots = find_hotspots(
        months([(500, 500)] * 5, "2025-02"),
        categories="asb",
        as_of="2025-02",
        months=1,
        wards=WARDS,
        params=TIGHT,
    )
    assert spots["trend"].tolist() == ["no data"]


def test_harm_ranks_burglary_above_more_asb():
    asb = months([(500, 500)] * 8, "2025-09")
    burglary = months([(2500, 2500)] * 4, "2025-09", category="burglary")
    spots = find_hotspots(
        pd.concat([asb, burglary], ignore_index=True),
        categories=["asb", "burglary"],
        as_of="2025-09",
        wards=WARDS,
        params=TIGHT,
    )
    assert spots["n_incidents"].tolist() == [4, 8]
    assert spots["harm"].tolist() == [4 * 274.0, 8.0]
    by_count = find_hotspots(
        pd.concat([asb, burglary], ignore_index=True),
        categories=["asb", "burglary"],
        as_of="2025-09",
        wards=WARDS,
        params=TIGHT,
        rank_by="count",
    )
    assert by_count["n_incidents"].tolist() == [8, 4]


def test_gi_star_finds_the_obviously_hot_cell():
    cells = make_grid(WARDS, cell_m=250)
    counts = np.zeros(len(cells))
    hot = int(np.flatnonzero((cells["row"] == 8) & (cells["col"] == 8))[0])
    counts[hot] = 40
    bins = gi_star_bins(counts, cells, cell_m=250, permutations=999, seed=1)
    assert bins[hot] == 3
    assert (np.delete(bins, hot) <= 1).all()
    assert (bins > 0).sum() <= 9  # the hot cell and at most its neighbours


def test_a_hotspot_that_moves_a_little_keeps_its_id():
    first = find_hotspots(
        months([(500, 500)] * 6, "2025-08"),
        categories="asb",
        as_of="2025-08",
        months=1,
        wards=WARDS,
        params=TIGHT,
    )
    moved = find_hotspots(
        months([(540, 520)] * 6, "2025-09"),
        categories="asb",
        as_of="2025-09",
        months=1,
        wards=WARDS,
        params=TIGHT,
        previous=first,
    )
    fresh = find_hotspots(
        months([(540, 520)] * 6, "2025-09"),
        categories="asb",
        as_of="2025-09",
        months=1,
        wards=WARDS,
        params=TIGHT,
    )
    assert moved["hotspot_id"].tolist() == first["hotspot_id"].tolist()
    assert fresh["hotspot_id"].tolist() != first["hotspot_id"].tolist()
    far = find_hotspots(
        months([(2500, 2500)] * 6, "2025-09"),
        categories="asb",
        as_of="2025-09",
        months=1,
        wards=WARDS,
        params=TIGHT,
        previous=first,
    )
    assert far["hotspot_id"].tolist() != first["hotspot_id"].tolist()


def test_deterministic(police_sample, wards):
    from geo.incidents import load_incidents

    incidents = load_incidents([police_sample], wards=wards).accepted
    params = HotspotParams(min_incidents=3)
    a = find_hotspots(
        incidents, categories="asb", as_of="2025-09", months=1, wards=wards, params=params
    )
    b = find_hotspots(
        incidents, categories="asb", as_of="2025-09", months=1, wards=wards, params=params
    )
    assert len(a) >= 1
    pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))
    assert a.iloc[0]["ward_names"].startswith("Swanley")


def test_incidents_of_hotspots_and_ward_table():
    incidents = two_groups()
    spots = find_hotspots(incidents, categories="asb", as_of="2025-09", wards=WARDS, params=TIGHT)
    members = hotspot_incidents(incidents, spots, as_of="2025-09")
    assert len(members) == 10
    table = ward_table(
        incidents.assign(ward_code="T01"), WARDS, categories=["asb"], as_of="2025-09"
    )
    assert table.iloc[0][["ward_code", "n_incidents", "rank"]].tolist() == ["T01", 12, 1]


def test_windows():
    w = time_window("2025-09", months=3)
    assert [str(m) for m in w.months] == ["2025-07", "2025-08", "2025-09"]
    assert [str(m) for m in w.prior_months] == ["2025-04", "2025-05", "2025-06"]
    assert ORIGIN[0] > 0
