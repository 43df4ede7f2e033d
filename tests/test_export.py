import json

import openpyxl
import pandas as pd
import pytest

from geo._errors import GeoInputError
from geo.export import about_block, safe_cell, write_table
from geo.testing import make_incidents

EVIL = ['=HYPERLINK("http://x","y")', "+1+1", "-2", "@SUM(A1)", "\tx", "\rx"]


def frame():
    gdf = make_incidents([(0, 0)] * len(EVIL))
    return gdf.assign(location=EVIL, count=list(range(len(EVIL))))


ABOUT = about_block(title="test", period="2025-09", sources=["a.csv"])


def test_formula_strings_are_neutralised_in_csv(tmp_path):
    written = write_table(tmp_path / "out.csv", {"hotspots": frame()}, about=ABOUT)
    table = pd.read_csv(written[0], dtype=str, keep_default_na=False)
    assert all(v.startswith("'") for v in table["location"])
    assert table["count"].tolist() == [str(i) for i in range(len(EVIL))]
    assert "data period: 2025-09" in written[1].read_text()


def test_formula_strings_are_neutralised_in_xlsx_with_three_sheets(tmp_path):
    path = tmp_path / "out.xlsx"
    write_table(
        path, {"hotspots": frame(), "incidents": frame().drop(columns="geometry")}, about=ABOUT
    )
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["hotspots", "incidents", "about"]
    sheet = book["hotspots"]
    header = [c.value for c in sheet[1]]
    col = header.index("location") + 1
    values = [sheet.cell(row=r, column=col).value for r in range(2, 2 + len(EVIL))]
    assert all(v.startswith("'") for v in values)
    assert all(sheet.cell(row=r, column=col).data_type == "s" for r in range(2, 2 + len(EVIL)))
    about = {r[0].value: r[1].value for r in book["about"].iter_rows(min_row=2)}
    assert about["sources"] == "a.csv"
    assert "generated" in about


def test_geojson_is_wgs84_and_carries_provenance(tmp_path):
    path = tmp_path / "out.geojson"
    write_table(path, {"hotspots": frame()}, about=ABOUT)
    body = json.loads(path.read_text())
    lon, lat = body["features"][0]["geometry"]["coordinates"]
    assert 0 < lon < 1
    assert 51 < lat < 52
    assert body["about"]["title"] == "test"


def test_unknown_format_is_refused(tmp_path):
    with pytest.raises(GeoInputError, match="cannot export"):
        write_table(tmp_path / "x.pdf", {"a": frame()}, about=ABOUT)


def test_safe_cell_leaves_numbers_and_plain_text():
    assert safe_cell(-5) == -5
    assert safe_cell("Station Road") == "Station Road"


def test_csv_and_xlsx_keep_shapes_as_bng_wkt_and_geojson_does_not(tmp_path):
    write_table(tmp_path / "out.csv", {"hotspots": frame()}, about=ABOUT)
    table = pd.read_csv(tmp_path / "out.csv", dtype=str)
    assert table["wkt_bng"].iloc[0] == "POINT (552500 155300)"  # geo.testing.ORIGIN
    write_table(tmp_path / "out.geojson", {"hotspots": frame()}, about=ABOUT)
    body = json.loads((tmp_path / "out.geojson").read_text())
    assert "wkt_bng" not in body["features"][0]["properties"]
    assert body["features"][0]["properties"]["location"].startswith("'=")


def test_hotspot_list_from_the_command_line(tmp_path, police_sample, capsys):
    from geo.cli import main

    out = tmp_path / "asb.xlsx"
    code = main(["hotspots", str(police_sample), "--category", "asb", "--as-of", "2025-09",
                 "--months", "1", "--out", str(out), "--wards"])  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0
    assert "Priority wards:" in printed
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["hotspots", "incidents", "about"]
    about = {r[0].value: r[1].value for r in book["about"].iter_rows(min_row=2)}
    assert about["data period"] == "2025-09 to 2025-09 (trend against 2025-08 to 2025-08)"
    assert about["months with data"] == "2025-09"
    assert about["sources"] == police_sample.name


def test_write_hotspots_neutralises_a_formula_in_a_location(tmp_path):
    from geo.export import write_hotspots

    spots = frame().assign(top_locations=EVIL)
    write_hotspots(tmp_path / "t.xlsx", spots, frame().drop(columns="geometry"), about=ABOUT)
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx")["hotspots"]
    header = [c.value for c in sheet[1]]
    cells = [r[header.index("top_locations")] for r in sheet.iter_rows(min_row=2)]
    assert all(c.value.startswith("'") and c.data_type == "s" for c in cells)
