import datetime as dt

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest

from geo._errors import InputFileError
from geo.incidents import INCIDENT_COLUMNS, REJECTED_COLUMNS, expand_paths, load_incidents
from geo.settings import LoadSettings
from geo.testing import police_uk_csv, write_text

# A map point in Swanley (inside the district) and one in Dartford (outside).
SWANLEY = {"Longitude": "0.173483", "Latitude": "51.397385"}
DARTFORD = {"Longitude": "0.238391", "Latitude": "51.452122"}
ASB = {
    "Month": "2025-09",
    "Crime type": "Anti-social behaviour",
    "Location": "On or near Azalea Drive",
}
NOW = dt.datetime(2026, 1, 1)


def load(paths, wards, **kw):
    return load_incidents(paths, wards=wards, now=NOW, **kw)


def test_real_sample_accounts_for_every_row(police_sample, wards):
    result = load([police_sample], wards)

    assert result.rows_in == 40
    assert len(result.accepted) == 32
    assert result.reasons == {"outside the district": 4, "no coordinates": 4}
    # police.uk rows also keep the force that published them (geo.duplicates reads it)
    assert list(result.accepted.columns) == [*INCIDENT_COLUMNS[:-1], "reported_by", "geometry"]
    assert set(result.accepted["reported_by"]) == {"Kent Police"}
    assert list(result.rejected.columns) == list(REJECTED_COLUMNS)
    assert result.accepted.crs == "EPSG:27700"
    assert set(result.accepted["ward_name"]) <= set(wards["ward_name"])
    # the rejected rows are the Dartford lines and the lines with no coordinates
    assert result.rejected["line"].tolist() == [2, 3, 4, 5, 38, 39, 40, 41]
    assert (result.accepted["date_precision"] == "month").all()
    assert (result.accepted["occurred"] == pd.Timestamp("2025-09-01")).all()


def test_identical_asb_rows_stay_separate_incidents(tmp_path, wards):
    path = write_text(tmp_path / "dupes.csv", police_uk_csv([{**ASB, **SWANLEY}] * 3))
    result = load([path], wards)

    assert len(result.accepted) == 3
    assert result.accepted["incident_id"].is_unique  # ASB has no Crime ID: ids come from lines
    assert result.accepted["category"].tolist() == ["asb"] * 3
    assert result.accepted["source_category"].tolist() == ["Anti-social behaviour"] * 3


def test_crime_id_is_kept_as_incident_id(tmp_path, wards):
    row = {**SWANLEY, "Crime ID": "abc123", "Month": "2025-09", "Crime type": "Burglary"}
    result = load([write_text(tmp_path / "b.csv", police_uk_csv([row]))], wards)
    assert result.accepted["incident_id"].tolist() == ["abc123"]
    assert result.accepted["category"].tolist() == ["burglary"]


POLICE_CASES = [
    ({**ASB, "Month": ""} | SWANLEY, "no date"),
    ({**ASB, "Month": "Sept 2025"} | SWANLEY, "unparseable date"),
    ({**ASB, "Crime type": ""} | SWANLEY, "no category"),
    ({**ASB, "Crime type": "Littering"} | SWANLEY, "unknown category"),
    ({**ASB, "Longitude": "", "Latitude": ""}, "no coordinates"),
    ({**ASB, "Longitude": "0.17", "Latitude": ""}, "no coordinates"),
    ({**ASB, "Longitude": "552000", "Latitude": "155000"}, "coordinates out of range"),
    ({**ASB, "Longitude": "inf", "Latitude": "51.4"}, "coordinates out of range"),
    ({**ASB, "Longitude": "abc", "Latitude": "51.4"}, "coordinates out of range"),
    ({**ASB} | DARTFORD, "outside the district"),
]


@pytest.mark.parametrize(("row", "reason"), POLICE_CASES, ids=[r for _, r in POLICE_CASES])
def test_each_bad_police_row_is_rejected_with_its_line_and_reason(tmp_path, wards, row, reason):
    path = write_text(tmp_path / "month.csv", police_uk_csv([{**ASB, **SWANLEY}, row]))
    result = load([path], wards)

    assert len(result.accepted) == 1
    assert result.rejected[["source_file", "line", "reason"]].to_dict("records") == [
        {"source_file": "month.csv", "line": 3, "reason": reason}
    ]


def test_malformed_rows_are_rejected_but_trailing_commas_are_fine(tmp_path, wards):
    good = police_uk_csv([{**ASB, **SWANLEY}]).splitlines()
    text = "\n".join(
        [
            good[0],
            good[1],
            good[1] + ",,,",  # Excel's trailing empty fields: fine
            ",".join(good[1].split(",")[:5]),  # 5 fields of 12
            good[1] + ",surprise,extra",  # extra values
        ]
    )
    result = load([write_text(tmp_path / "m.csv", text + "\n")], wards)

    assert len(result.accepted) == 2
    assert result.rejected[["line", "reason", "detail"]].to_dict("records") == [
        {"line": 4, "reason": "malformed row", "detail": "5 fields, expected 12"},
        {"line": 5, "reason": "malformed row", "detail": "14 fields, expected 12"},
    ]


def test_keep_outside_district_setting(tmp_path, wards):
    path = write_text(tmp_path / "d.csv", police_uk_csv([{**ASB, **DARTFORD}]))
    result = load([path], wards, settings=LoadSettings(keep_outside_district=True))
    assert len(result.accepted) == 1
    assert result.accepted["ward_code"].isna().all()


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252", "utf-8"])
def test_bom_and_windows_1252_exports_load(tmp_path, wards, encoding):
    row = {**ASB, **SWANLEY, "Location": "On or near Caf\u00e9 \u2019The Oaks\u2019, \u00a35 shop"}
    path = write_text(
        tmp_path / "enc.csv", police_uk_csv([row]).replace("\n", "\r\n"), encoding=encoding
    )
    result = load([path], wards)

    assert result.rejected.empty
    assert result.accepted["location"].tolist() == [row["Location"]]  # quoted commas kept


def test_blank_lines_are_not_rows_and_lines_stay_true(tmp_path, wards):
    lines = police_uk_csv([{**ASB, **SWANLEY}, {**ASB, **DARTFORD}]).splitlines()
    text = "\n".join([lines[0], "", lines[1], "", "", lines[2]]) + "\n\n"
    result = load([write_text(tmp_path / "b.csv", text)], wards)
    assert result.rows_in == 2
    assert result.accepted["line"].tolist() == [3]
    assert result.rejected["line"].tolist() == [6]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "the file is empty"),
        ("blank.csv", b"\n\n  \n", "the file is empty"),
        ("binary.csv", b"PK\x03\x04\x00\x00\x00binary", "binary"),
        ("notes.pdf", b"%PDF-1.4", "not a CSV or XLSX file"),
        ("columns.csv", b"a,b,c\n1,2,3\n", "wrong columns"),
        ("fake.xlsx", b"this is not a workbook", "not a readable XLSX workbook"),
    ],
)
def test_unreadable_files_give_one_line_errors(tmp_path, wards, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(InputFileError, match=message) as err:
        load([path], wards)
    assert str(err.value).startswith(name)
    assert "\n" not in str(err.value)

    report = load([path], wards, strict=False)
    assert report.rows_in == 0
    assert report.files[0].error.startswith(name)


def test_a_folder_means_its_own_csv_and_xlsx_files(tmp_path):
    (tmp_path / "sub").mkdir()
    for name in ["b.csv", "a.XLSX", "notes.txt.bak", "sub/c.csv"]:
        (tmp_path / name).write_text("x")
    assert [p.name for p in expand_paths([tmp_path])] == ["a.XLSX", "b.csv"]
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputFileError, match=r"no \.csv or \.xlsx"):
        expand_paths([tmp_path / "empty"])
    with pytest.raises(InputFileError, match="no such file or folder"):
        expand_paths([tmp_path / "missing.csv"])


# --- CSU logs ----------------------------------------------------------------------------------

CSU_HEADER = "Reference,Date,Time,Category,Longitude,Latitude,Easting,Northing,Postcode,Location\n"


def test_csu_log_locations_by_lonlat_grid_reference_and_postcode(tmp_path, wards):
    text = CSU_HEADER + (
        "C1,14/09/2025,21:30,ASB,0.173483,51.397385,,,,Azalea Drive\n"
        "C2,2025-09-15,,Criminal damage,,,551300,168800,,Swanley shops\n"
        "C3,16/09/2025,,anti-social behaviour,,,,,tn13 1aa,\n"
        "C4,17/09/2025,,Speeding,,,,,ZZ9 9ZZ,Nowhere Lane\n"
        "C5,18/09/2025,,Littering,0.17,51.39,,,,\n"
        "C6,31/02/2025,,ASB,0.17,51.39,,,,\n"
        "C7,2027-01-01,,ASB,0.17,51.39,,,,\n"
        "C8,19/09/2025,,ASB,,,,,,\n"
        "C9,20/09/2025,,ASB,,,900000,168800,,\n"
    )
    result = load([write_text(tmp_path / "csu.csv", text)], wards)

    acc = result.accepted.set_index("incident_id")
    assert acc.index.tolist() == ["C1", "C2", "C3"]
    assert acc["category"].tolist() == ["asb", "criminal_damage", "asb"]
    assert acc["source"].unique().tolist() == ["csu_log"]
    assert acc["date_precision"].tolist() == ["minute", "day", "day"]
    assert acc.loc["C1", "occurred"] == pd.Timestamp("2025-09-14 21:30")
    assert acc.loc["C2", "geometry"].x == 551300
    assert acc.loc["C3", "ward_name"] == "Sevenoaks Town and St John's"
    assert acc.loc["C3", "location"] == "tn13 1aa"
    assert result.rejected[["line", "reason", "detail"]].to_dict("records") == [
        {"line": 5, "reason": "unknown postcode", "detail": "ZZ9 9ZZ"},
        {"line": 6, "reason": "unknown category", "detail": "Littering"},
        {"line": 7, "reason": "unparseable date", "detail": "31/02/2025"},
        {"line": 8, "reason": "date in the future", "detail": "2027-01-01"},
        {"line": 9, "reason": "no coordinates", "detail": ""},
        {"line": 10, "reason": "coordinates out of range", "detail": ""},
    ]


def test_csu_log_with_other_headers_needs_a_column_map(tmp_path, wards):
    text = "When,Issue,Where\n14/09/2025,ASB,TN13 1AA\n"
    path = write_text(tmp_path / "odd.csv", text)
    with pytest.raises(InputFileError, match="wrong columns"):
        load([path], wards)

    mapping = {"date": "When", "category": "Issue", "postcode": "Where"}
    result = load([path], wards, column_map=mapping)
    assert len(result.accepted) == 1


def test_csu_log_from_xlsx_with_real_dates(tmp_path, wards):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["ID", "Date", "Category", "Easting", "Northing", "Location"])
    sheet.append(["X1", dt.datetime(2025, 9, 14, 22, 5), "ASB", 551300, 168800, "Swanley"])
    sheet.append([None, None, None, None, None, None])  # blank row: not a row
    sheet.append(["X2", dt.date(2025, 9, 15), "Burglary", 551300.0, 168800.0, "Swanley"])
    sheet.append(["X3", "not a date", "Burglary", 551300, 168800, "Swanley"])
    book.save(tmp_path / "log.xlsx")

    result = load([tmp_path / "log.xlsx"], wards)

    assert result.accepted["incident_id"].tolist() == ["X1", "X2"]
    assert result.accepted["date_precision"].tolist() == ["minute", "day"]
    assert result.rejected[["line", "reason"]].to_dict("records") == [
        {"line": 5, "reason": "unparseable date"}
    ]


def test_files_report_their_own_counts(police_sample, tmp_path, wards):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"")
    result = load([police_sample, bad], wards, strict=False)
    first, second = result.files
    assert (first.rows_in, first.accepted, first.rejected, first.kind) == (40, 32, 8, "police.uk")
    assert second.error == "bad.csv: the file is empty"
    assert isinstance(result.accepted, gpd.GeoDataFrame)


# --- the columnar reader: line numbers as the csv module counted them ---------------------------

_HEAD = ",".join(
    [
        "Crime ID",
        "Month",
        "Reported by",
        "Falls within",
        "Longitude",
        "Latitude",
        "Location",
        "LSOA code",
        "LSOA name",
        "Crime type",
        "Last outcome category",
        "Context",
    ]
)
_ROW = ",2025-09,K,K,0.173483,51.397385,{loc},E1,S 001A,Anti-social behaviour,,"


@pytest.mark.parametrize(
    ("text", "accepted", "rejected"),
    [
        # a quoted line break: the row's line is where it ends; blank lines are not rows
        (
            "\n".join(
                [
                    _HEAD,
                    _ROW.format(loc='"On or near\nAzalea Drive"'),
                    "",
                    _ROW.format(loc="x"),
                    _ROW.format(loc='"two\n\nbreaks"'),
                    _ROW.format(loc="y") + ",extra",
                ]
            ),
            [3, 5, 8],
            [(9, "malformed row", "13 fields, expected 12")],
        ),
        # one missing trailing field is padded; whitespace-only and all-empty rows are blank
        (
            "\n".join(
                [
                    _HEAD,
                    _ROW.format(loc="a")[:-1],
                    ",".join(_ROW.split(",")[:6]),
                    "   ",
                    ",,,,,,,,,,,",
                    _ROW.format(loc="ok"),
                ]
            ),
            [2, 6],
            [(3, "malformed row", "6 fields, expected 12")],
        ),
        # blank lines before the header, CRLF, trailing commas in header and rows
        (
            "\n  \n\n"
            + _HEAD
            + ",,\r\n"
            + _ROW.format(loc="a")
            + ",,\r\n\r\n"
            + _ROW.format(loc='"a, ""b"", c"')
            + "\r\n",
            [5, 7],
            [],
        ),
    ],
)
def test_reader_keeps_true_line_numbers(tmp_path, wards, text, accepted, rejected):
    path = tmp_path / "lines.csv"
    path.write_text(text, encoding="utf-8", newline="")
    result = load([path], wards)
    assert result.accepted["line"].tolist() == accepted
    assert [tuple(r) for r in result.rejected[["line", "reason", "detail"]].to_numpy()] == rejected
