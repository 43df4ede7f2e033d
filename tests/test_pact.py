import json
import re
from dataclasses import replace

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo._errors import GeoInputError
from geo.datasets import get_path
from geo.incidents import load_incidents
from geo.maps import DEFAULT_MAP_SETTINGS
from geo.pact import (
    NO_COMPARISON,
    PactArea,
    Period,
    check_public,
    public_cells,
    public_view,
    read_pact_areas,
    suppressed_mask,
)
from geo.pact_map import count_legend, public_map
from geo.settings import PublicMapRules
from geo.testing import ORIGIN, make_incidents, make_ward_grid

RULES = PublicMapRules()


@pytest.fixture(scope="module")
def jan_apr(wards):
    """The shipped January-April months of 2024 and 2025 (real police.uk data)."""
    folder = get_path("police_uk")
    paths = [folder / f"{y}-0{m}-sevenoaks-street.csv" for y in (2024, 2025) for m in (1, 2, 3, 4)]
    return load_incidents(paths, wards=wards).accepted


def test_shipped_areas_name_real_wards_and_cover_the_district_once(wards):
    areas = read_pact_areas(wards=wards)

    listed = [w for a in areas for w in a.wards]
    assert sorted(listed) == sorted(wards["ward_name"])  # every ward, each once
    names = [a.name for a in areas]
    for panel in ["Swanley", "Edenbridge", "West Kingsdown", "New Ash Green", "Westerham"]:
        assert panel in names


def test_unknown_ward_is_refused_with_the_nearest_name(tmp_path, wards):
    path = tmp_path / "areas.toml"
    path.write_text('[[area]]\nname = "Swanley"\nwards = ["Swanley St Marys", "Hextable"]\n')

    with pytest.raises(
        GeoInputError, match=r"unknown ward 'Swanley St Marys' \(did you mean \"Swanley St Mary's\""
    ):
        read_pact_areas(path, wards=wards)


def test_a_ward_in_two_areas_is_refused(tmp_path):
    path = tmp_path / "areas.toml"
    path.write_text('[[area]]\nname = "A"\nwards = ["X"]\n[[area]]\nname = "B"\nwards = ["X"]\n')

    with pytest.raises(GeoInputError, match="ward 'X' is in two areas"):
        read_pact_areas(path)


def test_period_rejects_bad_months():
    with pytest.raises(GeoInputError, match="before it starts"):
        Period("2025-04", "2025-01")
    with pytest.raises(GeoInputError, match="YYYY-MM"):
        Period("April", "2025-01")


def test_swanley_jan_to_apr_2025_matches_an_independent_count(jan_apr, wards):
    swanley = read_pact_areas(wards=wards)[0]
    view = public_view(
        jan_apr, wards, area=swanley, period=Period("2025-01", "2025-04"), rules=RULES
    )

    # independent count: police.uk rows joined to the raw ward file with a plain sjoin
    raw = gpd.read_file(get_path("wards"))
    frames = []
    for year in (2024, 2025):
        for month in range(1, 5):
            df = pd.read_csv(get_path("police_uk") / f"{year}-0{month}-sevenoaks-street.csv")
            frames.append(df.dropna(subset=["Longitude"]))
    rows = pd.concat(frames)
    points = gpd.GeoDataFrame(
        rows, geometry=gpd.points_from_xy(rows.Longitude, rows.Latitude), crs=4326
    )
    joined = gpd.sjoin(points, raw[["WD20NM", "geometry"]], predicate="within")
    local = joined[joined["WD20NM"].isin(swanley.wards)]
    now = int(local["Month"].str.startswith("2025").sum())
    before = int(local["Month"].str.startswith("2024").sum())

    assert view.total_shown == str(now)
    pct = round(100 * (now - before) / before)
    assert view.change == f"{'up' if pct > 0 else 'down'} {abs(pct)}% on a year earlier"
    by_ward = local[local["Month"].str.startswith("2025")]["WD20NM"].value_counts()
    shown = dict(zip(view.wards["ward_name"], view.wards["count"], strict=True))
    assert {w: int(c) for w, c in shown.items()} == {w: int(by_ward[w]) for w in swanley.wards}
    assert len(view.top_issues) == 3
    assert view.top_issues[0].startswith("Anti-social behaviour: ") or view.top_issues[
        0
    ].startswith("Violence and sexual offences: ")


def test_a_period_without_last_year_says_no_comparison_data(jan_apr, wards):
    edenbridge = read_pact_areas(wards=wards)[1]
    view = public_view(
        jan_apr, wards, area=edenbridge, period=Period("2024-01", "2024-04"), rules=RULES
    )

    assert view.change == NO_COMPARISON
    assert set(view.wards["last_year"]) == {NO_COMPARISON}
    assert all(NO_COMPARISON in issue for issue in view.top_issues)
    earlier = view.monthly[view.monthly["series"] == "a year earlier"]
    assert set(earlier["shown"]) == {"no data"}
    assert earlier["count"].isna().all()


def test_small_ward_counts_are_words_and_missing_numbers():
    wards = make_ward_grid(3, 1)
    offsets = [(100, 100)] * 12 + [(1100, 100)] * 3 + [(2100, 100)] * 40
    incidents = make_incidents(offsets, occurred="2025-02-01")
    incidents["ward_name"] = ["Test ward T01"] * 12 + ["Test ward T02"] * 3 + ["Test ward T03"] * 40
    area = PactArea("Test", ("Test ward T01", "Test ward T02", "Test ward T03"))

    view = public_view(
        incidents, wards, area=area, period=Period("2025-01", "2025-03"), rules=RULES
    )

    # 3 is primary-suppressed; 12 is withheld too, or total 55 - 40 would give the 3 away
    assert view.wards["shown"].tolist() == ["withheld", "fewer than 5", "40"]
    assert view.wards["count"].isna().tolist() == [True, True, False]
    assert view.total_shown == "55"
    assert "3" not in view.table.to_string().split()


@pytest.mark.parametrize(
    ("counts", "hidden"),
    [
        ([10, 20, 30], [False, False, False]),
        ([4, 20, 30], [True, True, False]),
        ([0, 0, 30], [True, True, False]),
        ([2, 3, 30], [True, True, False]),
        ([1, 1, 1], [True, True, True]),
    ],
)
def test_suppressed_mask(counts, hidden):
    assert suppressed_mask(counts, RULES).tolist() == hidden


def test_cells_are_grid_aligned_squares_with_only_large_counts():
    incidents = make_incidents([(10, 10)] * 5 + [(260, 10)] * 4)
    rules = PublicMapRules(cell_m=250)

    cells = public_cells(incidents, outline=shapely.box(0, 0, 7e5, 7e5), rules=rules)

    assert cells["count"].tolist() == [5]
    assert cells.geometry.iloc[0].area == pytest.approx(250 * 250)
    x0, y0 = ORIGIN
    assert cells["cell_id"].tolist() == [f"E{x0:.0f}N{y0 // 250 * 250:.0f}"]


def test_rules_refuse_small_cells_and_thresholds():
    with pytest.raises(ValueError, match="at least 250"):
        PublicMapRules(cell_m=100)
    with pytest.raises(ValueError, match="at least 5"):
        PublicMapRules(min_count=3)


def test_check_public_refuses_points_and_small_numbers():
    points = make_incidents([(0, 0)])[["geometry"]]
    with pytest.raises(GeoInputError, match="only areas"):
        check_public(points, RULES)
    with pytest.raises(GeoInputError, match="counts below 5"):
        check_public(pd.DataFrame({"count": [3, 12]}), RULES)


# --- the public-safety property ----------------------------------------------------------------

offsets = st.tuples(
    st.integers(0, 2999).map(lambda v: v + 0.37), st.integers(0, 1999).map(lambda v: v + 0.61)
)
months = st.sampled_from(["2024-01-01", "2024-02-01", "2025-01-01", "2025-02-01"])


@settings(max_examples=40, deadline=None)
@given(
    points=st.lists(st.tuples(offsets, months), max_size=60),
    cell_m=st.sampled_from([250.0, 300.0, 500.0]),
    min_count=st.integers(5, 8),
)
def test_public_outputs_never_show_a_small_count_or_an_incident_location(points, cell_m, min_count):
    rules = PublicMapRules(cell_m=cell_m, min_count=min_count)
    wards = make_ward_grid(3, 2)
    incidents = make_incidents([p for p, _ in points], category="burglary")
    incidents["occurred"] = pd.to_datetime([m for _, m in points])
    joined = incidents.drop(columns="ward_name").sjoin(wards[["ward_name", "geometry"]])
    incidents["ward_name"] = joined["ward_name"].groupby(level=0).first().reindex(incidents.index)
    area = PactArea("Test", tuple(wards["ward_name"]))

    view = public_view(
        incidents, wards, area=area, period=Period("2025-01", "2025-02"), rules=rules
    )
    settings_ = replace(DEFAULT_MAP_SETTINGS, public=rules)
    html = public_map(view.wards, view.cells, settings=settings_).get_root().render()

    for frame in (view.wards, view.cells, view.monthly):
        check_public(frame, rules)  # no point geometry, no number below the threshold
    shown = [
        *view.wards["shown"],
        *view.wards["last_year"],
        *view.cells["shown"],
        *view.monthly["shown"],
        view.total_shown,
        *(re.match(r".+: (\d+) \(", issue).group(1) for issue in view.top_issues),
    ]
    for text in shown:
        words = {f"fewer than {min_count}", "withheld", "no data", NO_COMPARISON}
        assert text in words or int(text) >= min_count, text
    assert '"type": "Point"' not in html
    assert "circleMarker" not in html
    assert "L.marker" not in html
    assert "pointToLayer" not in html
    lonlat = incidents.to_crs(4326).geometry
    for x, y in zip(lonlat.x, lonlat.y, strict=True):
        assert repr(float(x)) not in html
        assert repr(float(y)) not in html
    vertices = np.concatenate(
        [shapely.get_coordinates(g) for g in [*view.wards.geometry, *view.cells.geometry]] or [[]]
    )
    raw = shapely.get_coordinates(incidents.geometry.to_numpy())
    assert not {tuple(v) for v in vertices} & {tuple(p) for p in raw}


# --- the public map (moved from test_maps.py) ---------------------------------------------------


def test_public_map_shows_counts_in_words_and_no_points():
    wards = make_ward_grid(3, 1)
    offsets = [(100, 100)] * 30 + [(1200, 100)] * 3 + [(2200, 100)] * 12
    incidents = make_incidents(offsets, occurred="2025-01-01")
    incidents["ward_name"] = ["Test ward T01"] * 30 + ["Test ward T02"] * 3 + ["Test ward T03"] * 12
    area = PactArea("Test", tuple(wards["ward_name"]))
    view = public_view(
        incidents, wards, area=area, period=Period("2025-01", "2025-01"), rules=PublicMapRules()
    )

    m = public_map(view.wards, view.cells)
    html = m.get_root().render()

    data = [c.data for c in m._children.values() if isinstance(c, folium.GeoJson)]
    kinds = {f["geometry"]["type"] for d in data for f in d["features"]}
    assert kinds == {"Polygon"}
    assert [f["properties"]["shown"] for f in data[0]["features"]] == [
        "30",
        "fewer than 5",
        "withheld",
    ]
    assert set(data[0]["features"][0]["properties"]) == {"ward_name", "count", "shown", "change"}
    assert "https://" not in html
    assert "circleMarker" not in html
    assert "pointToLayer" not in html


def test_public_map_refuses_points_and_small_counts():
    wards = make_ward_grid(1, 1).assign(count=[3], shown=["3"], change=[""])
    with pytest.raises(GeoInputError, match="counts below 5"):
        public_map(wards)
    points = make_incidents([(0, 0)]).assign(count=[None], shown=["fewer than 5"], change=[""])
    with pytest.raises(GeoInputError, match="only areas"):
        public_map(points)


def test_count_legend_matches_the_colours_used():
    legend = count_legend(5)

    assert legend[0] == ("#e0e0e0", "fewer than 5")
    assert legend[-1][1] == "200 or more"
    assert json.dumps(legend)  # plain data for the app to draw
    assert len({c for c, _ in legend}) == len(legend)
    assert pd.Series([label for _, label in legend]).is_unique
