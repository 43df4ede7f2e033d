"""``--area`` and ``--keep-outside`` on validate/hotspots/evaluate, and the study area (#13)."""

import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.boundaries import district_outline, read_wards, select_wards, study_area
from geo.cli import main
from geo.crs import BNG
from geo.datasets import get_path

HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
    "LSOA name,Crime type,Last outcome category,Context"
)
SEVENOAKS = (0.1905, 51.2720)
"""A point in Sevenoaks town, inside the shipped wards."""
MAIDSTONE = (0.522, 51.272)
"""A point in Maidstone, about 20 km east of the district: outside every shipped ward."""


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def police_csv(path, rows):
    """Write a police.uk street CSV: rows of (month, lon, lat, location, crime type)."""
    lines = [HEADER] + [
        f",{month},Kent Police,Kent Police,{lon},{lat},On or near {place},E01024154,"
        f"Test 001A,{crime},,"
        for month, lon, lat, place, crime in rows
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_select_wards_matches_names_and_codes_without_case_or_spaces(wards):
    chosen = select_wards(wards, " hextable ,E05005021,sevenoaks  EASTERN")

    assert chosen["ward_name"].tolist() == ["Kemsing", "Sevenoaks Eastern", "Hextable"]
    assert len(select_wards(wards, "all")) == len(select_wards(wards, None)) == 26


def test_select_wards_takes_a_ward_name_holding_a_comma(wards):
    chosen = select_wards(wards, "Brasted, Chevening and Sundridge,Eynsford")

    assert chosen["ward_name"].tolist() == ["Brasted, Chevening and Sundridge", "Eynsford"]


def test_validate_with_two_wards_rejects_the_rest_as_outside(capsys):
    _, every, _ = run(capsys, "validate", "--json")
    status, two, err = run(capsys, "validate", "--json", "--area", "Hextable, swanley white oak")

    assert status == 0, err
    every, two = json.loads(every), json.loads(two)
    assert two["rows_in"] == every["rows_in"]
    assert two["rows_in"] == two["accepted"] + two["rejected"]
    assert sum(two["reasons"].values()) == two["rejected"]
    assert 0 < two["accepted"] < every["accepted"]
    outside = "outside the district"
    assert two["reasons"][outside] > every["reasons"].get(outside, 0)
    assert two["reasons"][outside] - every["reasons"].get(outside, 0) == (
        every["accepted"] - two["accepted"]
    )


@pytest.mark.parametrize(
    "command",
    [
        ["validate"],
        ["hotspots", "--category", "asb"],
        ["evaluate", "--category", "asb", "--test-months", "2025-09"],
    ],
)
def test_an_unknown_ward_exits_2_with_one_line(capsys, command):
    status, out, err = run(capsys, *command, "--area", "Hextable,Sevenoaks Estern")

    assert status == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "no ward called 'Sevenoaks Estern'; did you mean 'Sevenoaks Eastern'" in err


def test_keep_outside_keeps_the_row_rejected_as_outside(capsys, tmp_path):
    csv = police_csv(
        tmp_path / "two.csv",
        [
            ("2025-09", *SEVENOAKS, "High Street", "Anti-social behaviour"),
            ("2025-09", *MAIDSTONE, "Week Street", "Anti-social behaviour"),
        ],
    )

    _, plain, _ = run(capsys, "validate", str(csv), "--json")
    status, kept, err = run(capsys, "validate", str(csv), "--json", "--keep-outside")

    assert status == 0, err
    plain, kept = json.loads(plain), json.loads(kept)
    assert (plain["accepted"], plain["reasons"]) == (1, {"outside the district": 1})
    assert (kept["rows_in"], kept["accepted"], kept["rejected"]) == (2, 2, 0)


def test_study_area_covers_an_outside_incidents_square(wards):
    x, y = 575_432.0, 155_678.0  # east of the district
    far = gpd.GeoDataFrame({"n": [1]}, geometry=gpd.points_from_xy([x], [y]), crs=BNG)

    area = study_area(wards, far, keep_outside=True)

    assert area.covers(shapely.box(575_000, 155_000, 576_000, 156_000))
    assert not area.intersects(shapely.box(577_100, 155_000, 578_000, 156_000))
    assert area.covers(district_outline(wards))
    assert study_area(wards, far, keep_outside=False).equals(district_outline(wards))


def hotspot_rows():
    """Twelve ASB incidents at each of a Sevenoaks and a Maidstone street, a few before."""
    rows = []
    for lon, lat, place in ((*SEVENOAKS, "High Street"), (*MAIDSTONE, "Week Street")):
        for k in range(12):
            rows.append(("2025-09", lon + (k % 3) * 0.0002, lat, place, "Anti-social behaviour"))
        rows.append(("2025-05", lon, lat, place, "Anti-social behaviour"))
    return rows


def test_hotspots_keep_outside_reports_a_hotspot_outside_the_wards(capsys, tmp_path):
    csv = police_csv(tmp_path / "asb.csv", hotspot_rows())

    _, plain, _ = run(capsys, "hotspots", str(csv), "--category", "asb", "--json")
    status, kept, err = run(
        capsys, "hotspots", str(csv), "--category", "asb", "--json", "--keep-outside"
    )

    assert status == 0, err
    assert [s["ward_names"] for s in json.loads(plain)] == ["Sevenoaks Town and St John's"]
    spots = {s["ward_names"]: s for s in json.loads(kept)}
    assert set(spots) == {"Sevenoaks Town and St John's", "outside the wards"}
    outside = spots["outside the wards"]
    assert outside["n_incidents"] == 12
    assert outside["centroid_x"] > 570_000  # Maidstone, east of the district
    assert "Week Street" in outside["top_locations"]


def test_hotspots_outside_the_wards_print_and_export(capsys, tmp_path):
    csv = police_csv(tmp_path / "asb.csv", hotspot_rows())
    out_csv, out_geojson = tmp_path / "spots.csv", tmp_path / "spots.geojson"

    status, out, err = run(
        capsys,
        "hotspots",
        str(csv),
        "--category",
        "asb",
        "--keep-outside",
        "--wards",
        "--out",
        str(out_csv),
    )
    status_geojson, _, _ = run(
        capsys,
        "hotspots",
        str(csv),
        "--category",
        "asb",
        "--keep-outside",
        "--out",
        str(out_geojson),
    )

    assert (status, status_geojson) == (0, 0), err
    assert "outside the wards" in out
    assert "Priority wards:" in out
    assert "outside the wards" in pd.read_csv(out_csv, comment="#").to_string()
    assert "outside the wards" in out_geojson.read_text(encoding="utf-8")


def test_area_and_keep_outside_reach_evaluate(capsys, tmp_path):
    csv = police_csv(
        tmp_path / "asb.csv",
        [
            (month, lon + k * 0.0003, lat, "Somewhere", "Anti-social behaviour")
            for month in ("2025-06", "2025-07", "2025-08", "2025-09")
            for lon, lat in (SEVENOAKS, MAIDSTONE)
            for k in range(3)
        ],
    )
    args = [
        "evaluate",
        str(csv),
        "--category",
        "asb",
        "--test-months",
        "2025-09",
        "--methods",
        "naive",
        "--json",
        "--area",
        "Sevenoaks Town and St John's",
    ]

    status, plain, err = run(capsys, *args)
    status_kept, kept, _ = run(capsys, *args, "--keep-outside")

    assert (status, status_kept) == (0, 0), err
    plain, kept = json.loads(plain), json.loads(kept)
    # with one ward every test incident there is found in the busiest cells; kept outside
    # incidents are on the grid too, so the hit rate counts them
    assert plain["methods"]["naive"]["hit_rate"]["5"] == 1.0
    assert kept["methods"]["naive"]["hit_rate"]["5"] is not None


def test_the_shipped_boundaries_file_is_a_whole_area(capsys):
    status, out, err = run(
        capsys, "validate", "--json", "--boundaries", str(get_path("wards")), "--area", "ALL"
    )

    assert status == 0, err
    assert json.loads(out)["rows_in"] > 0


def test_area_may_name_a_boundary_file_of_its_own(capsys, tmp_path):
    two = select_wards(read_wards(get_path("wards")), "Hextable, swanley white oak")
    path = tmp_path / "two_wards.geojson"
    two.to_file(path, driver="GeoJSON")
    _, by_name, _ = run(capsys, "validate", "--json", "--area", "Hextable, swanley white oak")
    status, by_file, err = run(capsys, "validate", "--json", "--area", str(path))

    assert status == 0, err
    assert json.loads(by_file) == json.loads(by_name)
    status, _, err = run(capsys, "validate", "--area", str(path), "--boundaries", str(path))
    assert status == 2
    assert "leave out --boundaries" in err
    status, _, err = run(capsys, "validate", "--area", str(tmp_path / "missing.geojson"))
    assert status == 2
    assert "no such boundary file" in err


def test_make_grid_over_scattered_parts_is_the_grid_of_each_part():
    from geo.grid import make_grid

    near, far = shapely.Point(0, 0).buffer(900), shapely.box(100_050, 80_000, 101_000, 80_700)
    both = make_grid(shapely.union(near, far), cell_m=150)
    apart = pd.concat([make_grid(near, cell_m=150), make_grid(far, cell_m=150)])

    assert len(both) == len(apart)
    assert set(both["cell_id"]) == set(apart["cell_id"])
    assert both["area_m2"].sum() == pytest.approx(apart["area_m2"].sum())
    assert both.equals(both.sort_values(["row", "col"], ignore_index=True))
