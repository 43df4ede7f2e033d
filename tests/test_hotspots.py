import warnings

import numpy as np
import pandas as pd
import pytest

from geo import periods
from geo.grid import make_grid
from geo.hotspots import (
    HOTSPOT_COLUMNS,
    NOISE,
    cluster_incidents,
    find_hotspots,
    gi_star_bins,
    hotspot_incidents,
    permutation_p,
    ward_table,
)
from geo.settings import HotspotParams
from geo.testing import make_incidents, make_ward_grid

TIGHT = HotspotParams(eps_m=50, min_incidents=4, permutations=199)
WARDS = make_ward_grid(4, 4, size_m=1000)


def months(offsets, month, category="asb"):
    return make_incidents(offsets, category=category, occurred=f"{month}-01")


def background(first, last):
    """One far-away vehicle crime a month, so every month from first to last has data."""
    spans = pd.period_range(first, last, freq="M")
    return pd.concat([months([(3900, 3900)], str(m), category="vehicle_crime") for m in spans])


def days(offsets, day, category="asb"):
    return make_incidents(offsets, category=category, occurred=day).assign(date_precision="day")


def two_groups(month="2025-09"):
    rng = np.random.default_rng(0)
    west = rng.normal(0, 10, size=(5, 2)) + 500
    east = rng.normal(0, 10, size=(5, 2)) + np.array([900, 500])
    strays = np.array([[100, 3500], [3500, 100]])
    return months([tuple(p) for p in np.vstack([west, east, strays])], month)


def test_two_tight_groups_and_strays():
    labels = cluster_incidents(two_groups(), eps_m=50, min_incidents=4)
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
        pd.concat([now, before, background("2025-04", "2025-09")], ignore_index=True),
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


def test_prior_window_partly_in_a_gap_compares_per_month_with_data():
    # data for 2025-06..09 only: of the previous window (04..06) only June is known
    spots = find_hotspots(
        pd.concat(
            [months([(500, 500)] * 2, m) for m in ("2025-06", "2025-07", "2025-08")]
            + [months([(500, 500)] * 4, "2025-09"), background("2025-06", "2025-09")]
        ),
        categories="asb",
        as_of="2025-09",
        wards=WARDS,
        params=TIGHT,
    )
    # 8 in 3 months now against 2 in the one known month before: 2.67 a month against 2
    assert spots[["n_incidents", "n_prior", "change_pct"]].iloc[0].tolist() == [8, 2, 33.3]
    assert spots["trend"].iloc[0] == "up 33 % (per month; data for 1 of 3 earlier months)"
    assert spots["trend_class"].iloc[0] == "persistent"


def test_week_windows_count_dated_incidents_over_the_log_span():
    log = pd.concat(
        [
            days([(500, 500)] * 4, "2025-09-20"),
            days([(500, 500)] * 2, "2025-09-03"),
            days([(3900, 3900)], "2025-09-01", category="vehicle_crime"),
            days([(3900, 3900)], "2025-09-27", category="vehicle_crime"),  # the log's span
        ]
    )
    police = months([(500, 500)] * 9, "2025-08")  # month-dated: never in a week window
    incidents = pd.concat([log, police], ignore_index=True)
    two = find_hotspots(
        incidents, categories="asb", as_of="2025-09-28", weeks=2, wards=WARDS, params=TIGHT
    )
    assert two[["n_incidents", "n_prior", "trend"]].iloc[0].tolist() == [4, 2, "up 100 %"]
    # four weeks before 2025-09-01 are before the log starts: unknown, not zero
    four = find_hotspots(
        incidents, categories="asb", as_of="2025-09-28", weeks=4, wards=WARDS, params=TIGHT
    )
    assert four[["n_incidents", "n_prior", "trend"]].iloc[0].tolist() == [6, 0, "no data"]
    members = hotspot_incidents(incidents, four, as_of="2025-09-28", weeks=4)
    assert set(members["date_precision"]) == {"day"}
    assert len(members) == 6


def test_speeding_evidence_weights_its_harm():
    evidence = days([(500, 500)] * 3, "2025-09-10", category="speeding").assign(
        weight=[7.0, 3.0, 1.0], source="speed_survey"
    )
    spots = find_hotspots(
        evidence,
        categories="speeding",
        as_of="2025-09",
        wards=WARDS,
        params=HotspotParams(eps_m=50, min_incidents=6, permutations=199),
    )
    assert spots[["n_incidents", "harm"]].iloc[0].tolist() == [3, 11.0]  # speeding's minimum is 3
    assert spots["hotspot_id"].iloc[0].startswith("SPD-")


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


def hot_grid():
    """A 16 x 17 grid of 250 m cells, sparse noise, one cell of 20 with neighbours of 5."""
    cells = make_grid(WARDS, cell_m=250)
    counts = np.random.default_rng(3).poisson(0.2, len(cells)).astype(float)
    near = (cells["row"].between(7, 9)) & (cells["col"].between(7, 9))
    counts[near.to_numpy()] = 5
    hot = int(np.flatnonzero((cells["row"] == 8) & (cells["col"] == 8))[0])
    counts[hot] = 20
    far = ~(cells["row"].between(6, 10) & cells["col"].between(6, 10)).to_numpy()
    return cells, counts, hot, far


def test_gi_star_finds_the_obviously_hot_cell():
    cells, counts, hot, far = hot_grid()
    bins = gi_star_bins(counts, cells, cell_m=250, permutations=999, seed=1)
    assert bins[hot] == 3
    assert (bins[far] == 0).all()
    assert (bins >= 0).all()


def test_empty_cells_are_not_cold_spots_despite_esda_folded_p_values():
    # esda 2.9.0 folds p_sim: an empty cell among empty cells ties with every permutation
    # and gets the smallest p-value, which read naively is a 99 % cold spot.
    from esda.getisord import G_Local
    from libpysal.weights import DistanceBand

    cells, counts, hot, far = hot_grid()
    counts[far] = 0
    centres = np.column_stack([cells.centroid.x, cells.centroid.y])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = DistanceBand(centres, threshold=375, binary=True, silence_warnings=True)
        g = G_Local(counts, w, transform="B", permutations=999, star=True, seed=1)
    empty = far & (w.sparse @ counts == 0)  # cells whose whole neighbourhood is empty
    assert empty.sum() > 200
    assert np.allclose(g.p_sim[empty], 0.001)  # the folded value
    p_hot, p_cold = permutation_p(g.Gs, g.rGs)
    assert (p_hot[empty] == 1).all()
    assert (p_cold[empty] > 0.5).all()
    bins = gi_star_bins(counts, cells, cell_m=250, permutations=999, seed=1)
    assert (bins[far] == 0).all()
    assert bins[hot] == 3


def test_a_lone_busy_cell_is_not_a_gi_star_hot_spot_by_permutation():
    # Gi* asks whether a cell *and its neighbours* are high: with the cell's own count
    # held fixed (conditional permutation) and empty neighbours, nothing is unusual.
    cells = make_grid(WARDS, cell_m=250)
    counts = np.zeros(len(cells))
    counts[100] = 40
    bins = gi_star_bins(counts, cells, cell_m=250, seed=1)
    assert bins[100] == 0
    assert set(bins) <= {0, 1}  # its neighbours catch it by chance 8 times in 271: 90 % at most


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
    w = periods.window("2025-09", months=3)
    starts = [t.strftime("%Y-%m") for t in w.edges]
    assert starts == ["2025-04", "2025-05", "2025-06", "2025-07", "2025-08", "2025-09", "2025-10"]
    assert (w.label(), w.label(prior=True)) == ("2025-07 to 2025-09", "2025-04 to 2025-06")
    weeks = periods.window("2025-09-28", months=None, weeks=2)
    assert (weeks.label(), weeks.label(prior=True)) == (
        "2025-09-15 to 2025-09-28",
        "2025-09-01 to 2025-09-14",
    )


# --- Gi* without waiting (#13): the "confirm" path gives the bins of esda permuting every cell


@pytest.fixture(scope="module")
def shipped_counts(wards):
    from geo.boundaries import district_outline
    from geo.datasets import get_path
    from geo.grid import count_in_cells
    from geo.hotspots import _in_window
    from geo.incidents import load_incidents

    incidents = load_incidents([get_path("police_uk")], wards=wards).accepted
    cells = make_grid(district_outline(wards), cell_m=HotspotParams().cell_m)
    window = periods.window("2025-09", months=3)
    counts = {}
    for cat in ("asb", "burglary", "criminal_damage"):
        now = _in_window(incidents[incidents["category"] == cat], window)
        counts[cat] = count_in_cells(now, cells)
    return cells, counts


@pytest.mark.parametrize("category", ["asb", "burglary", "criminal_damage"])
def test_confirming_gives_the_bins_of_permuting_every_cell(shipped_counts, category):
    cells, counts = shipped_counts
    params = HotspotParams()
    kwargs = {"cell_m": params.cell_m, "permutations": params.permutations, "seed": params.seed}
    fast = gi_star_bins(counts[category], cells, **kwargs)
    old = gi_star_bins(counts[category], cells, method="all", **kwargs)
    assert (fast > 0).sum() >= 10  # real hot spots, not a vacuous all-zero match
    np.testing.assert_array_equal(fast, old)


def test_confirming_matches_esda_with_an_island_and_other_seeds():
    import geopandas as gpd
    from shapely.geometry import box

    grid = make_grid(box(0, 0, 1500, 1500), cell_m=100)
    island = gpd.GeoDataFrame(geometry=[box(3000, 3000, 3100, 3100)], crs=grid.crs)
    cells = pd.concat([grid, island], ignore_index=True)
    rng = np.random.default_rng(7)
    counts = rng.poisson(0.4, len(cells))
    counts[[40, 41, 55, 56, 57]] += 6
    counts[-1] = 5  # the island: no neighbours, esda simulates it as 0
    for seed in (1, 12345):
        fast = gi_star_bins(counts, cells, cell_m=100, permutations=199, seed=seed, fdr=False)
        old = gi_star_bins(
            counts, cells, cell_m=100, permutations=199, seed=seed, fdr=False, method="all"
        )
        np.testing.assert_array_equal(fast, old)
        assert fast.max() == 3


def test_neighbours_z_and_fdr_are_esdas():
    import esda
    from esda.getisord import G_Local
    from libpysal.weights import DistanceBand

    from geo.hotspots import fdr_cutoff, gi_neighbours, gi_star_z

    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 2000, size=(300, 2))
    ours = gi_neighbours(xy, 150.0)
    y = rng.poisson(1.0, 300).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)  # scattered points: islands
        theirs = DistanceBand(xy, threshold=150.0, binary=True, silence_warnings=True)
        assert (ours != theirs.sparse).nnz == 0
        g = G_Local(y, theirs, transform="B", permutations=0, star=True)
    np.testing.assert_array_equal(gi_star_z(y, ours), g.Zs)
    p = rng.uniform(0, 0.2, 500)
    for alpha in (0.01, 0.05, 0.10):
        assert fdr_cutoff(p, alpha) == esda.fdr(p, alpha)


def test_unknown_gi_method_is_refused():
    from geo._errors import GeoInputError

    cells = make_grid(WARDS.union_all(), cell_m=500)
    with pytest.raises(GeoInputError, match="method"):
        gi_star_bins(np.ones(len(cells)), cells, cell_m=500, method="fast")


def test_importing_hotspots_does_not_import_scikit_learn():
    import subprocess
    import sys

    code = "import sys, geo.hotspots; print('sklearn' in sys.modules, 'esda' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.parametrize("seed", range(5))
def test_weighted_dbscan_gives_scikit_learns_labels(seed):
    """The KD-tree DBSCAN labels points as scikit-learn's DBSCAN with sample weights."""
    from sklearn.cluster import DBSCAN

    from geo.hotspots import weighted_dbscan

    rng = np.random.default_rng(seed)
    for _ in range(40):
        n = int(rng.integers(1, 200))
        xy = np.round(rng.uniform(0, 2000, size=(n, 2)), 1)
        weight = rng.integers(1, 5, size=n)
        expected = DBSCAN(eps=150, min_samples=6).fit(xy, sample_weight=weight).labels_
        got = weighted_dbscan(xy, weight, eps_m=150, min_weight=6)
        assert got.tolist() == expected.tolist()
