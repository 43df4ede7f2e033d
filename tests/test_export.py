import datetime as dt
import json
import re

import openpyxl
import pandas as pd
import pytest

from geo._errors import GeoInputError
from geo.export import about_block, safe_cell, write_hotspots, write_table
from geo.settings import HotspotParams
from geo.testing import make_incidents

EVIL = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
SNAKE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")


def frame():
    gdf = make_incidents([(0, 0)] * len(EVIL))
    return gdf.assign(location=EVIL, count=list(range(len(EVIL))))


ABOUT = about_block(title="test", period="2025-09", sources=["a.csv"])


def header(sheet):
    return [c.value for c in sheet[1]]


def column(sheet, name):
    j = header(sheet).index(name)
    return [row[j] for row in sheet.iter_rows(min_row=2)]


def test_formula_strings_are_neutralised_in_csv(tmp_path):
    written = write_table(tmp_path / "out.csv", {"hotspots": frame()}, about=ABOUT)
    table = pd.read_csv(written[0], dtype=str, keep_default_na=False)
    assert all(v.startswith("'") for v in table["Location"])
    assert table["Count"].tolist() == [str(i) for i in range(len(EVIL))]
    assert "Data period: 2025-09." in written[1].read_text()


def test_formula_strings_are_neutralised_in_xlsx_with_three_sheets(tmp_path):
    path = tmp_path / "out.xlsx"
    write_table(
        path, {"hotspots": frame(), "incidents": frame().drop(columns="geometry")}, about=ABOUT
    )
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Hotspots", "Incidents", "About"]
    cells = column(book["Hotspots"], "Location")
    assert all(c.value.startswith("'") and c.data_type == "s" for c in cells)
    about = {r[0].value: r[1].value for r in book["About"].iter_rows(min_row=2)}
    assert about["Sources"] == "a.csv."
    assert about["Generated"].startswith(str(dt.datetime.now(dt.UTC).year))


def test_control_characters_do_not_break_a_workbook(tmp_path):
    nasty = frame().assign(location=["Bad\x00cell\x1b", "ok", "x\x07", "y", "z", "\x0b"])
    path = tmp_path / "out.xlsx"
    write_table(path, {"incidents": nasty}, about={**ABOUT, "title": "t\x01itle"})
    values = [c.value for c in column(openpyxl.load_workbook(path)["Incidents"], "Location")]
    assert values[0] == "Bad\ufffdcell\ufffd"
    assert values[1] == "ok"


def test_geojson_is_wgs84_with_codes_and_no_bng_columns(tmp_path):
    path = tmp_path / "out.geojson"
    spots = frame().assign(centroid_x=552500.0, centroid_y=155300.0, gi_bin=3)
    write_table(path, {"hotspots": spots}, about=ABOUT)
    body = json.loads(path.read_text())
    lon, lat = body["features"][0]["geometry"]["coordinates"]
    assert 0 < lon < 1
    assert 51 < lat < 52
    props = body["features"][0]["properties"]
    assert not {"centroid_x", "centroid_y", "wkt_bng", "x", "y"} & set(props)
    assert props["gi_bin"] == 3  # internal codes stay in GeoJSON properties
    assert props["location"].startswith("'=")
    assert body["about"]["title"] == "test"


def test_unknown_format_is_refused(tmp_path):
    with pytest.raises(GeoInputError, match="cannot export"):
        write_table(tmp_path / "x.pdf", {"a": frame()}, about=ABOUT)


def test_safe_cell_leaves_numbers_and_plain_text():
    assert safe_cell(-5) == -5
    assert safe_cell("Station Road") == "Station Road"


def test_csv_keeps_shapes_as_labelled_bng_wkt_and_lon_lat(tmp_path):
    write_table(tmp_path / "out.csv", {"hotspots": frame()}, about=ABOUT)
    table = pd.read_csv(tmp_path / "out.csv", dtype=str)
    assert table["Shape (WKT, British National Grid)"].iloc[0] == "POINT (552500 155300)"
    lon, lat = table["Longitude (WGS84)"].iloc[0], table["Latitude (WGS84)"].iloc[0]
    assert abs(float(lon) - 0.18499) < 1e-6  # geo.testing.ORIGIN, pyproj: 0.1849898
    assert abs(float(lat) - 51.276442) < 1e-6  # pyproj: 51.2764420
    assert len(lon.split(".")[1]) <= 6


def test_days_and_months_are_real_dates(tmp_path):
    rows = make_incidents([(0, 0)] * 2, occurred="2025-07-01").assign(
        date_precision=["month", "day"]
    )
    rows.loc[1, "occurred"] = pd.Timestamp("2025-07-14 13:05")
    path = tmp_path / "d.xlsx"
    write_table(path, {"incidents": rows}, about=ABOUT)
    dates = column(openpyxl.load_workbook(path)["Incidents"], "Date")
    assert [c.value for c in dates] == [dt.datetime(2025, 7, 1), dt.datetime(2025, 7, 14, 13, 5)]
    assert [c.number_format for c in dates] == ["mmm yyyy", "dd mmm yyyy hh:mm"]
    write_table(tmp_path / "d.csv", {"incidents": rows}, about=ABOUT)
    assert pd.read_csv(tmp_path / "d.csv")["Date"].tolist() == ["2025-07", "2025-07-14 13:05"]


def test_settings_are_sentences():
    about = about_block(title="t", period="p", sources=[], settings=HotspotParams())
    assert about["settings"].startswith("A hotspot is a group of at least 6 incidents within 150 m")
    assert "HotspotParams" not in about["settings"]


@pytest.fixture(scope="module")
def shipped_exports(tmp_path_factory):
    """``geo hotspots data/ --category asb --as-of 2025-09 --months 3 --out hs.*`` (#12)."""
    from geo.cli import main
    from geo.datasets import get_path

    folder = tmp_path_factory.mktemp("exports")
    base = [
        "hotspots",
        str(get_path("police_uk")),
        "--category",
        "asb",
        "--as-of",
        "2025-09",
        "--months",
        "3",
    ]
    for suffix in (".xlsx", ".csv", ".geojson"):
        assert main([*base, "--out", str(folder / f"hs{suffix}")]) == 0
    return folder


def test_hotspot_workbook_from_the_command_line(shipped_exports):
    book = openpyxl.load_workbook(shipped_exports / "hs.xlsx")
    assert book.sheetnames == ["Hotspots", "Incidents", "About"]
    for name in ("Hotspots", "Incidents"):
        sheet = book[name]
        heads = header(sheet)
        assert not [h for h in heads if SNAKE.match(h)], heads  # headers in words
        assert not {"site_id", "x", "y", "centroid_x", "hotspot_id", "n_incidents"} & set(heads)
        assert sheet.freeze_panes == "A2"
        assert all(sheet.column_dimensions[c].width >= 8 for c in "ABCD")
        lon = [c.value for c in column(sheet, "Longitude (WGS84)")]
        lat = [c.value for c in column(sheet, "Latitude (WGS84)")]
        assert len(lon) >= 5
        assert all(-0.5 < v < 0.5 for v in lon)
        assert all(51.1 < v < 51.5 for v in lat)
        assert all(c.number_format == "0.000000" for c in column(sheet, "Longitude (WGS84)"))
    spots = book["Hotspots"]
    assert {c.value for c in column(spots, "Category")} == {"Anti-social behaviour"}
    assert {c.value for c in column(spots, "Significance")} <= {
        "hot spot, 99 % confidence",
        "hot spot, 95 % confidence",
        "hot spot, 90 % confidence",
        "not significant",
    }
    assert column(spots, "Rank")[0].value == 1
    dates = column(book["Incidents"], "Date")
    expected = {dt.datetime(2025, 7, 1), dt.datetime(2025, 8, 1), dt.datetime(2025, 9, 1)}
    assert {c.value for c in dates} == expected  # real dates, not text
    assert {c.number_format for c in dates} == {"mmm yyyy"}  # police.uk: months only
    assert all(c.value.startswith("Rank ") for c in column(book["Incidents"], "Hotspot"))
    about = {r[0].value: r[1].value for r in book["About"].iter_rows(min_row=2)}
    assert about["Data period"] == "2025-07 to 2025-09 (trend against 2025-04 to 2025-06)."
    assert about["Settings"].startswith("A hotspot is a group of")
    assert all(v.endswith(".") for k, v in about.items() if k != "Generated")


def test_hotspot_csv_and_geojson_from_the_command_line(shipped_exports):
    table = pd.read_csv(shipped_exports / "hs.csv")
    assert not [c for c in table.columns if SNAKE.match(c)]
    assert table["Longitude (WGS84)"].between(-0.5, 0.5).all()
    assert "Shape (WKT, British National Grid)" in table.columns
    about = (shipped_exports / "hs.about.txt").read_text()
    assert about.splitlines()[0].endswith(".")
    assert "Settings: A hotspot is a group of" in about
    assert re.search(r"Made on \d+ \w+ \d{4} at \d\d:\d\d UTC", about)
    body = json.loads((shipped_exports / "hs.geojson").read_text())
    assert len(body["features"]) == len(table)
    for feature in body["features"]:
        assert not {"centroid_x", "centroid_y", "wkt_bng"} & set(feature["properties"])
        assert feature["properties"]["category"] == "asb"  # codes stay in GeoJSON
        lon, lat = feature["geometry"]["coordinates"][0][0]
        assert -0.5 < lon < 0.5
        assert 51.1 < lat < 51.5


def test_hotspot_list_from_the_command_line_with_priority_wards(tmp_path, police_sample, capsys):
    from geo.cli import main

    out = tmp_path / "asb.xlsx"
    code = main(
        [
            "hotspots",
            str(police_sample),
            "--category",
            "asb",
            "--as-of",
            "2025-09",
            "--months",
            "1",
            "--out",
            str(out),
            "--wards",
        ]
    )
    assert code == 0
    assert "Priority wards:" in capsys.readouterr().out
    book = openpyxl.load_workbook(out)
    about = {r[0].value: r[1].value for r in book["About"].iter_rows(min_row=2)}
    assert about["Months with data"] == "2025-09."
    assert about["Sources"] == police_sample.name + "."


def test_write_hotspots_neutralises_a_formula_in_a_location(tmp_path):
    spots = frame().assign(top_locations=EVIL)
    write_hotspots(tmp_path / "t.xlsx", spots, frame().drop(columns="geometry"), about=ABOUT)
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx")["Hotspots"]
    cells = column(sheet, "Most frequent locations")
    assert all(c.value.startswith("'") and c.data_type == "s" for c in cells)
