"""The all-at-once hotspot description gives what describing one hotspot at a time gave.

`geo.hotspots` describes every cluster (outline, counts, trend, class, harm, wards,
top locations) in one pass and finds each hotspot's incidents with one tree query
(#13). Each test here keeps the plain per-hotspot code it replaced as a reference and
checks the results are equal, to the bit and in the same order, on the shipped
Sevenoaks months (some wards blanked so that hotspots lie "outside the wards") and
on small synthetic worlds with a fixed seed.
"""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import geo.hotspots
from geo import periods
from geo.boundaries import study_area
from geo.crs import BNG
from geo.datasets import get_path
from geo.hotspots import (
    find_hotspots,
    group_slice_counts,
    group_sums,
    hotspot_incidents,
    incident_harm,
    points_inside,
    ranked_counts,
    trend_class,
    trend_words,
)
from geo.incidents import load_incidents
from geo.settings import HotspotParams, LoadSettings
from geo.testing import ORIGIN, make_incidents, make_ward_grid

BLANKED = ("Sevenoaks Town and St John's", "Swanley White Oak", "Edenbridge South and West")
"""Wards whose incidents the shipped-data tests treat as outside the wards."""


# --- the per-hotspot code the vectorised one replaced, kept as the reference ----------


def reference_top_locations(locations: pd.Series, n: int = 3) -> str:
    counts = locations.fillna("").replace("", "unnamed place").value_counts()
    counts = counts.sort_index().sort_values(ascending=False, kind="stable").head(n)
    return "; ".join(f"{loc}: {k}" for loc, k in counts.items())


def reference_describe(group, prior, cats, window, covered, params):
    points = shapely.multipoints(group.geometry.to_numpy())
    outline = shapely.convex_hull(points).buffer(params.buffer_m)
    inside_prior = prior[prior.within(outline)]
    counts = window.slice_counts(pd.concat([inside_prior["occurred"], group["occurred"]]))
    now, before = counts[window.n :], counts[: window.n]
    change, trend = trend_words(now, before, covered, unit=window.unit)
    wards = group["ward_name"].fillna("outside the wards").value_counts()
    wards = wards.sort_index().sort_values(ascending=False, kind="stable")
    centre = outline.centroid
    return {
        "category": "+".join(cats),
        "n_incidents": len(group),
        "n_prior": len(inside_prior),
        "change_pct": change,
        "trend": trend,
        "trend_class": trend_class(now, before, covered),
        "harm": round(float(incident_harm(group).sum()), 2),
        "ward_names": "; ".join(wards.index),
        "top_locations": reference_top_locations(group["location"]),
        "centroid_x": round(centre.x, 1),
        "centroid_y": round(centre.y, 1),
        "geometry": outline,
    }


def reference_describe_clusters(members, prior, cats, window, covered, params):
    return [
        reference_describe(group, prior, cats, window, covered, params)
        for _, group in members.groupby("cluster", sort=True)
    ]


def reference_hotspot_incidents(incidents, hotspots, *, as_of, months=3, weeks=None):
    now = geo.hotspots._in_window(incidents, periods.window(as_of, months=months, weeks=weeks))
    frames = []
    for spot in hotspots.itertuples():
        rows = now[now["category"].isin(spot.category.split("+"))]
        frames.append(rows[rows.within(spot.geometry)].assign(hotspot_id=spot.hotspot_id))
    if not frames:
        return incidents.iloc[:0].assign(hotspot_id=pd.Series(dtype=object))
    return pd.concat(frames, ignore_index=True)


def both_ways(monkeypatch, **kwargs):
    """Run `find_hotspots` as it is and with the per-hotspot reference description."""
    fast = find_hotspots(**kwargs)
    with monkeypatch.context() as patch:
        patch.setattr(geo.hotspots, "_describe_clusters", reference_describe_clusters)
        slow = find_hotspots(**kwargs)
    return fast, slow


def assert_same_hotspots(fast: gpd.GeoDataFrame, slow: gpd.GeoDataFrame) -> None:
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    assert list(fast.dtypes) == list(slow.dtypes)
    assert fast.geometry.to_wkb().tolist() == slow.geometry.to_wkb().tolist()


# --- shipped data ------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped(wards):
    """The shipped months with incidents outside the district kept; three wards blanked."""
    incidents = load_incidents(
        [get_path("police_uk")],
        wards=wards,
        settings=LoadSettings(keep_outside_district=True),
        cache=False,
    ).accepted
    blank = incidents["ward_name"].isin(BLANKED)
    incidents.loc[blank, ["ward_code", "ward_name"]] = np.nan
    return incidents, study_area(wards, incidents, keep_outside=True)


@pytest.mark.parametrize(
    ("categories", "as_of", "months", "rank_by"),
    [
        ("asb", "2025-09", 3, "harm"),
        ("asb+criminal_damage", "2025-09", 3, "count"),
        ("violence", "2025-06", 6, "harm"),
        ("speeding", "2023-12", 12, "harm"),
        ("burglary", "2025-09", 12, "harm"),
    ],
)
def test_shipped_hotspots_equal_the_per_hotspot_description(
    monkeypatch, shipped, wards, categories, as_of, months, rank_by
):
    incidents, area = shipped
    fast, slow = both_ways(
        monkeypatch,
        incidents=incidents,
        categories=categories,
        as_of=as_of,
        months=months,
        wards=wards,
        area=area,
        rank_by=rank_by,
    )
    assert len(fast) > 0
    assert_same_hotspots(fast, slow)


def test_shipped_case_has_ties_and_hotspots_outside_the_wards(monkeypatch, shipped, wards):
    incidents, area = shipped
    fast, slow = both_ways(
        monkeypatch,
        incidents=incidents,
        categories="violence",
        as_of="2025-09",
        months=3,
        wards=wards,
        area=area,
    )
    assert_same_hotspots(fast, slow)
    assert fast["ward_names"].str.contains("outside the wards").any()
    assert fast["ward_names"].str.contains("; ").any()  # a hotspot in several wards
    tied = [
        counts[:2]
        for counts in fast["top_locations"].str.findall(r": (\d+)")
        if len(counts) > 1 and counts[0] == counts[1]
    ]
    assert tied  # two top locations with the same count: alphabetical order decides
    assert (fast["n_prior"] > 0).any()


def test_shipped_hotspot_incidents_equal_the_per_hotspot_loop(shipped, wards):
    incidents, area = shipped
    spots = find_hotspots(
        incidents, categories="asb+criminal_damage", as_of="2025-09", wards=wards, area=area
    )
    fast = hotspot_incidents(incidents, spots, as_of="2025-09")
    slow = reference_hotspot_incidents(incidents, spots, as_of="2025-09")
    assert len(fast) >= spots["n_incidents"].sum()
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)


# --- synthetic worlds, fixed seed ----------------------------------------------------

PARAMS = HotspotParams(eps_m=60, min_incidents=4, permutations=99)
WARDS = make_ward_grid(3, 3, size_m=1000)
STREETS = ("On or near B Road", "On or near A Road", "", None, "On or near C Lane")


def synthetic_world(seed: int, *, day: bool) -> gpd.GeoDataFrame:
    """Clusters on ward edges and outside the wards, over two windows, some months missing."""
    rng = np.random.default_rng(seed)
    centres = [(1000, 1000), (500, 1500), (2000, 2500), (3400, 500), (-300, 2900), (1500, 100)]
    sizes = rng.integers(5, 40, size=len(centres))
    blobs = [
        rng.normal(0, 25, size=(k, 2)).round() + c for c, k in zip(centres, sizes, strict=True)
    ]
    offsets = np.vstack(blobs)
    n = len(offsets)
    incidents = make_incidents([tuple(xy) for xy in offsets])
    incidents["category"] = rng.choice(["asb", "criminal_damage", "speeding", "burglary"], n)
    if day:
        days = pd.to_timedelta(rng.integers(0, 120, n), unit="D")
        incidents["occurred"] = pd.Timestamp("2025-06-02") + days
    else:
        months = rng.integers(0, 9, n)
        incidents["occurred"] = pd.to_datetime([f"2025-{m + 1:02d}-01" for m in months])
    if day:
        incidents["date_precision"] = "day"
    incidents["location"] = rng.choice(np.array(STREETS, dtype=object), size=len(incidents))
    x = incidents.geometry.x - ORIGIN[0]
    y = incidents.geometry.y - ORIGIN[1]
    col, row = np.floor(x / 1000), np.floor(y / 1000)
    inside = (col >= 0) & (col < 3) & (row >= 0) & (row < 3)
    code = (row * 3 + col + 1).where(inside)
    incidents["ward_code"] = [f"T{int(c):02d}" if c == c else None for c in code]
    incidents["ward_name"] = [f"Test ward T{int(c):02d}" if c == c else None for c in code]
    incidents["weight"] = np.where(
        incidents["category"] == "speeding", rng.uniform(0.1, 3.0, len(incidents)), np.nan
    )
    # no data at all in 2025-03 (a gap in the files)
    gap = incidents["occurred"].dt.to_period("M") == pd.Period("2025-03", "M")
    return gpd.GeoDataFrame(incidents[~gap].reset_index(drop=True), crs=BNG)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("categories", ["asb", "asb+criminal_damage+speeding", "speeding"])
def test_synthetic_month_windows_equal_the_per_hotspot_description(monkeypatch, seed, categories):
    incidents = synthetic_world(seed, day=False)
    area = study_area(WARDS, incidents, keep_outside=True)
    fast, slow = both_ways(
        monkeypatch,
        incidents=incidents,
        categories=categories,
        as_of="2025-09",
        months=4,
        wards=WARDS,
        area=area,
        params=PARAMS,
    )
    assert_same_hotspots(fast, slow)
    members = hotspot_incidents(incidents, fast, as_of="2025-09", months=4)
    expected = reference_hotspot_incidents(incidents, fast, as_of="2025-09", months=4)
    pd.testing.assert_frame_equal(members, expected, check_exact=True)


@pytest.mark.parametrize("seed", [0, 5])
def test_synthetic_week_windows_equal_the_per_hotspot_description(monkeypatch, seed):
    incidents = synthetic_world(seed, day=True)
    area = study_area(WARDS, incidents, keep_outside=True)
    fast, slow = both_ways(
        monkeypatch,
        incidents=incidents,
        categories="asb+criminal_damage+speeding+burglary",
        as_of="2025-09-28",
        months=None,
        weeks=8,
        wards=WARDS,
        area=area,
        params=PARAMS,
    )
    assert len(fast) > 0
    assert_same_hotspots(fast, slow)


def test_synthetic_world_has_what_the_checks_need(monkeypatch):
    incidents = synthetic_world(0, day=False)
    area = study_area(WARDS, incidents, keep_outside=True)
    fast, slow = both_ways(
        monkeypatch,
        incidents=incidents,
        categories="asb+criminal_damage+speeding",
        as_of="2025-09",
        months=4,
        wards=WARDS,
        area=area,
        params=PARAMS,
    )
    assert_same_hotspots(fast, slow)
    assert (fast["ward_names"] == "outside the wards").any()
    assert fast["top_locations"].str.contains("unnamed place").any()  # "" and None
    assert (fast["harm"] != fast["harm"].round()).any()  # float evidence weights in the sums
    assert fast["trend"].str.contains("per month").any()  # the 2025-03 gap


def test_ties_in_locations_and_wards_go_alphabetically(monkeypatch):
    """Counts tie 3-3-3-1: the order is by name, not by first appearance."""
    spots = make_incidents([(0, 0)] * 10, occurred="2025-09-01")
    spots["location"] = ["Zeta"] * 3 + ["Alpha"] * 3 + ["Mu"] * 3 + ["Beta"]
    spots["ward_name"] = ["W2", "W2", None, "W1", "W1", None, "W3", "W3", "W3", "W1"]
    fast, slow = both_ways(
        monkeypatch,
        incidents=spots,
        categories="asb",
        as_of="2025-09",
        wards=WARDS,
        params=PARAMS,
    )
    assert_same_hotspots(fast, slow)
    assert fast.loc[0, "top_locations"] == "Alpha: 3; Mu: 3; Zeta: 3"
    assert fast.loc[0, "ward_names"] == "W1; W3; W2; outside the wards"


def test_hotspot_incidents_with_no_hotspots_or_no_incidents_in_them():
    incidents = synthetic_world(0, day=False)
    none = find_hotspots(incidents, categories="asb", as_of="2019-01", wards=WARDS, params=PARAMS)
    assert none.empty
    pd.testing.assert_frame_equal(
        hotspot_incidents(incidents, none, as_of="2019-01"),
        reference_hotspot_incidents(incidents, none, as_of="2019-01"),
    )
    spots = find_hotspots(
        incidents,
        categories="asb+criminal_damage",
        as_of="2025-09",
        months=4,
        wards=WARDS,
        params=PARAMS,
    )
    assert len(spots)
    far = incidents.assign(geometry=incidents.geometry.translate(50_000, 0))  # none inside
    fast = hotspot_incidents(far, spots, as_of="2025-09", months=4)
    assert fast.empty
    assert list(fast.columns) == [*incidents.columns, "hotspot_id"]


# --- the building blocks against pandas and shapely ---------------------------------


def test_ranked_counts_match_value_counts_per_group():
    rng = np.random.default_rng(7)
    values = pd.Series(rng.choice(["d", "b", "a", "c", "e"], size=400), dtype="str")
    group = np.sort(rng.integers(0, 30, size=400))
    ranked = ranked_counts(values, group, 31, limit=3)
    for g in range(31):
        counts = values[group == g].value_counts().sort_index()
        counts = counts.sort_values(ascending=False, kind="stable").head(3)
        assert ranked[g] == list(counts.items())


def test_group_slice_counts_match_slice_counts_per_group():
    rng = np.random.default_rng(8)
    w = periods.window("2025-09-28", months=None, weeks=3)
    dates = pd.Series(pd.Timestamp("2025-08-01") + pd.to_timedelta(rng.integers(0, 70, 500), "D"))
    group = rng.integers(0, 12, size=500)
    counts = group_slice_counts(w, dates, group, 12)
    for g in range(12):
        assert counts[g].tolist() == w.slice_counts(dates[group == g]).tolist()


def test_points_inside_matches_geoseries_within():
    rng = np.random.default_rng(9)
    points = shapely.points(rng.uniform(0, 1000, size=(3000, 2)).round())
    shapes = shapely.buffer(shapely.points(rng.uniform(0, 1000, size=(40, 2))), 80.0)
    spot, row = points_inside(points, shapes)
    series = gpd.GeoSeries(points)
    expected = [np.flatnonzero(series.within(shape)) for shape in shapes]
    assert spot.tolist() == [i for i, rows in enumerate(expected) for _ in rows]
    assert row.tolist() == [r for rows in expected for r in rows]


def test_group_sums_are_the_sums_of_each_group_alone():
    rng = np.random.default_rng(10)
    values = rng.uniform(0, 1, size=5000) * rng.choice([1.0, 274.0, 1e-3], size=5000)
    group = np.sort(rng.integers(0, 25, size=5000))
    sums = group_sums(values, group, 26)
    for g in range(26):
        assert sums[g] == pd.Series(values[group == g]).sum()  # exactly, not approximately
