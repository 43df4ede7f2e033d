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
from geo.maps.pact import count_legend, offline_page, public_csv, public_map, square_legend
from geo.pact import (
    NO_COMPARISON,
    PactArea,
    check_public,
    period_refusal,
    public_cells,
    public_count,
    public_months,
    public_periods,
    public_view,
    quarter_of,
    read_pact_areas,
)
from geo.periods import months_window
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
        months_window("2025-04", "2025-01")
    with pytest.raises(GeoInputError, match="YYYY-MM"):
        months_window("April", "2025-01")


def test_swanley_jan_to_apr_2025_matches_an_independent_count(jan_apr, wards):
    swanley = read_pact_areas(wards=wards)[0]
    view = public_view(
        jan_apr, wards, area=swanley, period=months_window("2025-01", "2025-03"), rules=RULES
    )

    # independent count: police.uk rows joined to the raw ward file with a plain sjoin
    raw = gpd.read_file(get_path("wards"))
    frames = []
    for year in (2024, 2025):
        for month in range(1, 4):
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

    assert view.total_shown == public_count(now, RULES).shown
    rounded_now, rounded_before = (public_count(c, RULES).value for c in (now, before))
    pct = round(100 * (rounded_now - rounded_before) / rounded_before)
    assert view.change == f"{'up' if pct > 0 else 'down'} {abs(pct)} % on a year earlier"
    by_ward = local[local["Month"].str.startswith("2025")]["WD20NM"].value_counts()
    shown = dict(zip(view.wards["ward_name"], view.wards["shown"], strict=True))
    assert shown == {w: public_count(int(by_ward[w]), RULES).shown for w in swanley.wards}
    assert "exact" not in view.wards.columns  # nothing public says which numbers are exact
    assert len(view.top_issues) == 3
    assert view.top_issues[0].startswith("Anti-social behaviour: ") or view.top_issues[
        0
    ].startswith("Violence and sexual offences: ")


def test_a_period_without_last_year_says_so_once_and_leaves_the_columns_out(jan_apr, wards):
    edenbridge = read_pact_areas(wards=wards)[1]
    view = public_view(
        jan_apr, wards, area=edenbridge, period=months_window("2024-01", "2024-03"), rules=RULES
    )

    assert view.change == NO_COMPARISON
    assert not view.comparable
    assert view.year_before_note == (
        "January to March 2023 is not loaded, so there is no comparison with a year earlier."
    )
    assert list(view.table.columns) == ["Ward", "January to March 2024", "Top issues"]
    assert not any(NO_COMPARISON in issue for issue in view.top_issues)
    page = offline_page(view, squares=False)
    assert page.count("is not loaded, so there is no comparison") == 1
    assert NO_COMPARISON not in page
    assert "A year earlier" not in page
    table = public_csv(view, squares=False).decode("utf-8")
    assert NO_COMPARISON not in table
    assert table.count("is not loaded, so there is no comparison") == 1
    earlier = view.monthly[view.monthly["series"] == "a year earlier"]
    assert set(earlier["shown"]) == {"no data"}
    assert earlier["count"].isna().all()


def test_small_ward_counts_are_words_and_others_are_rounded():
    wards = make_ward_grid(3, 1)
    offsets = [(100, 100)] * 12 + [(1100, 100)] * 3 + [(2100, 100)] * 40
    incidents = make_incidents(offsets, occurred="2025-02-01").assign(source="police.uk")
    incidents["ward_name"] = ["Test ward T01"] * 12 + ["Test ward T02"] * 3 + ["Test ward T03"] * 40
    area = PactArea("Test", ("Test ward T01", "Test ward T02", "Test ward T03"))

    view = public_view(
        incidents,
        wards,
        area=area,
        period=months_window("2025-01", "2025-03"),
        rules=RULES,
        covered=pd.period_range("2025-01", "2025-03", freq="M"),
    )

    assert view.wards["shown"].tolist() == ["10", "fewer than 5", "40"]
    assert view.wards["count"].tolist()[0::2] == [10, 40]
    # the total is rounded on its own: 55 - 40 - 10 = 5, not the hidden 3
    assert view.total.shown == "55"
    assert view.total.as_json() == {"shown": "55"}  # never whether it is exact
    assert "3" not in view.table.to_string().split()
    assert "12" not in view.table.to_string().split()


@pytest.mark.parametrize(
    ("count", "shown"),
    [
        (0, "fewer than 5"),
        (4, "fewer than 5"),
        (5, "5"),
        (7, "5"),
        (8, "10"),
        (12, "10"),
        (13, "15"),
        (25, "25"),
        (1232, "1,230"),
    ],
)
def test_public_count_rounds_to_base_5_and_suppresses_small_counts(count, shown):
    result = public_count(count, RULES)
    assert result.shown == shown
    assert result.as_json() == {"shown": shown}


def test_a_higher_threshold_is_never_rounded_below_itself():
    rules = PublicMapRules(min_count=7)
    assert public_count(6, rules).shown == "fewer than 7"
    assert public_count(7, rules).shown == "10"  # not 5, which would read as a small count


def test_public_periods_are_whole_quarters_fully_loaded():
    months = [pd.Period(m, "M") for m in ["2024-01", "2024-02", "2024-03", "2024-04", "2025-07"]]

    assert public_periods(months) == (months_window("2024-01", "2024-03"),)
    assert quarter_of("2024-11") == months_window("2024-10", "2024-12")
    assert period_refusal(months_window("2024-01", "2024-03"), months) is None
    assert "whole calendar quarters" in period_refusal(months_window("2024-01", "2024-04"), months)
    assert "whole calendar quarters" in period_refusal(months_window("2024-02", "2024-04"), months)
    assert "do not cover 2024-05, 2024-06" in period_refusal(
        months_window("2024-04", "2024-06"), months
    )


def test_a_period_not_offered_is_refused_by_the_view(jan_apr, wards):
    swanley = read_pact_areas(wards=wards)[0]
    with pytest.raises(GeoInputError, match="whole calendar quarters"):
        public_view(
            jan_apr, wards, area=swanley, period=months_window("2025-01", "2025-04"), rules=RULES
        )


def test_csu_logs_count_only_when_the_setting_is_on():
    wards = make_ward_grid(2, 1)
    incidents = make_incidents([(100, 100)] * 20 + [(1100, 100)] * 9, occurred="2025-01-15")
    incidents["ward_name"] = ["Test ward T01"] * 20 + ["Test ward T02"] * 9
    incidents["source"] = ["police.uk"] * 20 + ["csu_log"] * 6 + ["speeding"] * 3
    area = PactArea("Test", tuple(wards["ward_name"]))
    covered = [pd.Period(m, "M") for m in ("2025-01", "2025-02", "2025-03")]

    def view(rules):
        return public_view(
            incidents,
            wards,
            area=area,
            period=months_window("2025-01", "2025-03"),
            rules=rules,
            covered=covered,
        )

    off, on = view(RULES), view(PublicMapRules(include_csu_logs=True))
    assert off.wards["shown"].tolist() == ["20", "fewer than 5"]
    assert off.sources == ("police.uk",)
    assert off.csu is None
    # the main numbers stay police.uk only; CSU reports are their own rounded series
    assert on.wards["shown"].tolist() == ["20", "fewer than 5"]
    assert on.total.shown == "20"
    assert on.sources == ("police.uk",)
    assert on.csu.total.shown == "5"  # 6 CSU rows, rounded; speeding never
    assert [(n, c.shown) for n, c, _ in on.csu.wards] == [
        ("Test ward T01", "fewer than 5"),
        ("Test ward T02", "5"),
    ]
    assert on.table["CSU log reports"].tolist() == ["fewer than 5", "5"]


def test_a_month_with_only_csu_rows_does_not_complete_a_quarter():
    incidents = make_incidents([(0, 0)] * 3)
    incidents["occurred"] = pd.to_datetime(["2025-01-05", "2025-02-05", "2025-03-05"])
    incidents["source"] = ["police.uk", "police.uk", "csu_log"]

    assert public_periods(public_months(incidents)) == ()


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
months = st.sampled_from(["2024-01-01", "2024-03-01", "2025-01-01", "2025-03-01"])
Q1S = [pd.Period(f"{y}-0{m}", "M") for y in (2024, 2025) for m in (1, 2, 3)]


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
    incidents["source"] = "police.uk"
    incidents["occurred"] = pd.to_datetime([m for _, m in points])
    joined = incidents.drop(columns="ward_name").sjoin(wards[["ward_name", "geometry"]])
    incidents["ward_name"] = joined["ward_name"].groupby(level=0).first().reindex(incidents.index)
    area = PactArea("Test", tuple(wards["ward_name"]))

    view = public_view(
        incidents,
        wards,
        area=area,
        period=months_window("2025-01", "2025-03"),
        rules=rules,
        covered=Q1S,
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
        *(re.match(r".+: (\d+)", issue).group(1) for issue in view.top_issues),
        *(i.count.shown for issues in view.ward_issues.values() for i in issues),
    ]
    for text in shown:
        words = {f"fewer than {min_count}", "no data", NO_COMPARISON}
        assert text in words or int(text.replace(",", "")) >= min_count, text
        assert text in words or int(text.replace(",", "")) % 5 == 0, text
    for frame in (view.wards, view.cells, view.monthly):
        assert "exact" not in frame.columns
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
    incidents = make_incidents(offsets, occurred="2025-01-01").assign(source="police.uk")
    incidents["ward_name"] = ["Test ward T01"] * 30 + ["Test ward T02"] * 3 + ["Test ward T03"] * 12
    area = PactArea("Test", tuple(wards["ward_name"]))
    view = public_view(
        incidents,
        wards,
        area=area,
        period=months_window("2025-01", "2025-03"),
        rules=PublicMapRules(),
        covered=pd.period_range("2025-01", "2025-03", freq="M"),
    )

    m = public_map(view.wards, view.cells)
    html = m.get_root().render()

    data = [c.data for c in m._children.values() if isinstance(c, folium.GeoJson)]
    kinds = {f["geometry"]["type"] for d in data for f in d["features"]}
    assert kinds == {"Polygon"}
    assert [f["properties"]["shown"] for f in data[0]["features"]] == [
        "30",
        "fewer than 5",
        "10",
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


def test_offline_page_and_csv_escape_hostile_names():
    wards = make_ward_grid(2, 1)
    wards["ward_name"] = ["<img src=x onerror=alert(1)>", '=HYPERLINK("http://x")']
    incidents = make_incidents([(100, 100)] * 20 + [(1100, 100)] * 7, occurred="2025-01-15")
    incidents["source"] = "police.uk"
    incidents["ward_name"] = [wards.ward_name[0]] * 20 + [wards.ward_name[1]] * 7
    area = PactArea("</title><script>alert(2)</script>", tuple(wards.ward_name))
    view = public_view(
        incidents,
        wards,
        area=area,
        period=months_window("2025-01", "2025-03"),
        rules=RULES,
        covered=pd.period_range("2025-01", "2025-03", freq="M"),
    )

    page = offline_page(view, squares=True)
    table = public_csv(view, squares=True).decode("utf-8")

    assert "<script>alert(2)" not in page
    assert "<img src=x" not in page
    assert "<title>&lt;/title&gt;&lt;script&gt;" in page
    assert "Incidents in the 500 m square" in page
    assert "Open Government Licence v3.0" in page
    assert "\n=HYPERLINK" not in table
    assert "'=HYPERLINK" in table
    assert square_legend(5)[0] == ("#9ecae1", "5")


def test_rounding_base_and_trend_rules_come_from_the_settings_tree():
    from geo.pact import public_change
    from geo.settings import DEFAULT_SETTINGS, TrendRules

    assert DEFAULT_SETTINGS.trends == TrendRules()
    assert DEFAULT_SETTINGS.maps.public.rounding_base == 5
    assert public_count(12, PublicMapRules(rounding_base=10)).shown == "10"
    assert public_count(7, PublicMapRules(rounding_base=10)).shown == "10"  # never below 5
    with pytest.raises(ValueError, match="rounding_base must be from 5 to 50"):
        PublicMapRules(rounding_base=3)
    assert public_change(60, 50, RULES, TrendRules()) == "up 20 % on a year earlier"
    assert public_change(60, 50, RULES, TrendRules(steady_pct=25.0)) == (
        "about the same as a year earlier"
    )
