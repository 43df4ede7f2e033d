"""What goes in is what the user meant (issue 22; issue 18 item 8).

Each case of the issue's table, from files in ``tests/fixtures/hostile/`` made by
``make_inputs.py``: a correct reading, or one line and exit 2; never a traceback, an
out-of-memory kill or a silent wrong count.
"""

import csv
import datetime as dt
import hashlib
import json
import resource
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from geo._errors import GeoInputError, InputFileError
from geo._tables import read_table
from geo.cli import main
from geo.datasets import get_path
from geo.incidents import load_incidents
from geo.pipeline import check_week
from geo.plan.context import all_units, resolve_units
from geo.plan.registry import read_resources
from geo.sources.csu_log import rename_columns
from geo.targets import read_targets

HOSTILE = Path(__file__).parent / "fixtures" / "hostile"
SPARSE = [
    "xlsx_sparse_xfd.xlsx",
    "xlsx_sparse_no_dimension.xlsx",
    "xlsx_sparse_lying_dimension.xlsx",
]


def test_the_corpus_is_what_the_maker_writes():
    sys.path.insert(0, str(HOSTILE))
    try:
        import make_inputs
    finally:
        sys.path.remove(str(HOSTILE))
    for name, data in make_inputs.build().items():
        assert (HOSTILE / name).read_bytes() == data, name


# --- XLSX budgets (issue 18 item 8) ------------------------------------------------------------


@pytest.mark.parametrize("name", SPARSE)
def test_a_sparse_xlsx_is_refused_before_it_is_read(name):
    with pytest.raises(InputFileError, match=r"over the budget of 2,000,000") as err:
        read_table(HOSTILE / name)
    assert str(err.value).startswith(name)
    assert "\n" not in str(err.value)


def test_the_sparse_xlsx_column_mapping_copy_is_refused_too(tmp_path):
    with pytest.raises(ValueError, match="over the budget"):
        rename_columns(
            HOSTILE / "xlsx_sparse_xfd.xlsx",
            {"date": "date", "category": "category", "postcode": "postcode"},
            tmp_path / "mapped.xlsx",
        )


def test_a_small_xlsx_is_still_read():
    table = read_table(HOSTILE / "xlsx_small_log.xlsx")
    assert table.header == ["date", "category", "postcode"]
    assert table.rows[["date", "category", "postcode"]].values.tolist() == [
        ["2025-09-14", "ASB", "BR8 7AA"]
    ]


def _three_gb() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (3_000_000 * 1024, 3_000_000 * 1024))


def test_geo_validate_refuses_the_sparse_xlsx_in_one_line_under_a_3_gb_cap():
    proc = subprocess.run(
        [sys.executable, "-m", "geo", "validate", str(HOSTILE / "xlsx_sparse_xfd.xlsx")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        preexec_fn=_three_gb,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "MemoryError" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "geo validate: xlsx_sparse_xfd.xlsx: the first sheet declares A1:XFD1048576: "
        "17,179,869,184 cells, over the budget of 2,000,000; delete the empty rows and "
        "columns or save it as CSV"
    ]


# --- weeks in range ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("week", "words"),
    [
        (dt.date(9999, 12, 27), "is past 2100"),
        (dt.date(2101, 1, 3), "is past 2100"),
        (dt.date(1850, 1, 1), "is before 1900"),
        (dt.date(2027, 6, 1), r"more than a year after the latest incident \(2025-09-01\)"),
    ],
)
def test_a_week_out_of_range_is_refused_in_one_line(week, words):
    with pytest.raises(GeoInputError, match=words):
        check_week(week, pd.Timestamp("2025-09-01"))


def test_a_week_within_a_year_of_the_data_is_allowed():
    check_week(dt.date(2026, 9, 7), pd.Timestamp("2025-09-01"))
    check_week(dt.date(2100, 12, 27), None)


@pytest.mark.parametrize("week", ["9999-12-27", "9999-12-20"])
def test_geo_plan_refuses_year_9999_without_saving(tmp_path, capsys, week):
    db = tmp_path / "plans.sqlite"
    status = main(["plan", "--week", week, "--approve", "--by", "Sgt A", "--db", str(db)])
    err = capsys.readouterr().err
    assert status == 2
    assert err.strip() == f"geo plan: week {week} is past 2100; give a week from 1900 to 2100"
    assert not db.exists()  # refused before the store is opened


# --- names that exist --------------------------------------------------------------------------

UNITS = all_units(read_resources())


@pytest.mark.parametrize(
    ("typed", "unit"),
    [("camera 3", "Camera 3"), ("Board1", "Board 1"), ("  CAMERA   5 ", "Camera 5")],
)
def test_unit_names_ignore_case_and_spaces(typed, unit):
    assert resolve_units([typed], UNITS) == {unit}


@pytest.mark.parametrize(
    ("typed", "nearest"),
    [("Camera 33", "'Camera 3'"), ("Board 9", "'Board 6'"), ("Cam 1", "'Camera 1'")],
)
def test_an_unknown_unit_is_refused_with_the_nearest_names(typed, nearest):
    with pytest.raises(GeoInputError, match=f"no unit called '{typed}'; did you mean {nearest}"):
        resolve_units([typed], UNITS)


def test_geo_plan_refuses_an_unknown_unit_with_exit_2(tmp_path, capsys):
    status = main(
        [
            "plan",
            "--week",
            "2025-10-06",
            "--out-of-service",
            "Camera 33",
            "--db",
            str(tmp_path / "p"),
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert err == [
        "geo plan: no unit called 'Camera 33'; did you mean 'Camera 3', 'Camera 5', 'Camera 4'?"
    ]


# --- settings with types and bounds ------------------------------------------------------------

sys.path.insert(0, str(HOSTILE))
import make_inputs  # noqa: E402 - the maker beside the corpus says what each file must give

sys.path.remove(str(HOSTILE))


@pytest.mark.parametrize("name", sorted(make_inputs.RESOURCES))
def test_a_bad_resources_file_is_one_line_naming_the_file_key_and_range(name):
    with pytest.raises(GeoInputError) as err:
        read_resources(HOSTILE / name)
    message = str(err.value)
    assert message.startswith(f"{name}: {make_inputs.RESOURCES[name][1]}")
    assert "\n" not in message


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("resources_float_cameras.toml", "give a whole number from 0 to 200"),
        ("resources_inf_hours.toml", "give a number from 0 to 2000 hours"),
        ("resources_inf_radius.toml", "give a number from 10 to 1000 metres"),
        ("resources_1e300_weeks.toml", "give a whole number from 1 to 104 weeks"),
        ("resources_negative_eva.toml", "give a whole number from 0 to 31"),
        ("resources_long_visit.toml", "give a whole number from 1 to 120 minutes"),
    ],
)
def test_the_message_states_the_allowed_range(name, allowed):
    with pytest.raises(GeoInputError, match=allowed):
        read_resources(HOSTILE / name)


def test_a_utf16_resources_file_is_refused_as_not_utf8():
    with pytest.raises(GeoInputError, match=r"^resources_utf16.toml: .*not UTF-8 text.*UTF-8$"):
        read_resources(HOSTILE / "resources_utf16.toml")


@pytest.mark.parametrize("name", sorted(make_inputs.PACT_AREAS))
def test_a_bad_pact_areas_file_is_one_line(name):
    from geo.pact import read_pact_areas

    with pytest.raises(GeoInputError) as err:
        read_pact_areas(HOSTILE / name)
    assert str(err.value).startswith(f"{name}: {make_inputs.PACT_AREAS[name][1]}")


def test_geo_plan_with_a_bad_resources_file_exits_2_in_one_line(capsys, tmp_path):
    bad = HOSTILE / "resources_1e300_weeks.toml"
    status = main(
        ["plan", "--week", "2025-10-06", "--resources", str(bad), "--db", str(tmp_path / "p")]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert err == [
        "geo plan: resources_1e300_weeks.toml: cctv.max_weeks = 1e+300 is not allowed: "
        "give a whole number from 1 to 104 weeks"
    ]


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        (
            "--patrol-hours",
            "inf",
            "--patrol-hours inf is not allowed: give a number from 0 to 2000 hours",
        ),
        ("--cameras", "-3", "--cameras -3 is not allowed: give a whole number from 0 to 200"),
        (
            "--boards",
            "1000000000",
            "--boards 1000000000 is not allowed: give a whole number from 0 to 200",
        ),
    ],
)
def test_geo_plan_bounds_its_numeric_flags(capsys, tmp_path, flag, value, message):
    status = main(["plan", "--week", "2025-10-06", flag, value, "--db", str(tmp_path / "p")])
    assert status == 2
    assert capsys.readouterr().err.strip() == f"geo plan: {message}"


# --- GEO_HOME checked once ---------------------------------------------------------------------


def test_a_geo_home_that_is_a_file_is_one_line_at_start(tmp_path, monkeypatch, capsys):
    home = tmp_path / "home"
    home.write_text("not a folder")
    monkeypatch.setenv("GEO_HOME", str(home))
    assert main(["validate"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        f"geo validate: GEO_HOME {home} is a file, not a folder: set GEO_HOME to a folder "
        "(or unset it)"
    ]


def test_a_geo_home_that_cannot_be_made_is_one_line(tmp_path, monkeypatch, capsys):
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("GEO_HOME", str(tmp_path / "file" / "home"))
    assert main(["plan", "--history"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "cannot be made" in err[0]
    assert "set GEO_HOME to a folder you can write" in err[0]


def test_a_read_only_geo_home_validates_without_the_parse_cache(
    tmp_path, monkeypatch, capsys, police_sample
):
    import geo.home

    monkeypatch.setenv("GEO_HOME", str(tmp_path / "ro"))
    monkeypatch.setattr(geo.home, "_writable", lambda _folder: False)  # as EROFS, ENOSPC would
    assert main(["validate", str(police_sample), "--json"]) == 0
    out = capsys.readouterr()
    assert '"accepted": 32' in out.out
    assert out.err.strip().splitlines() == [
        f"geo validate: note: {tmp_path / 'ro'} is read-only or full: working without the "
        "parse cache; plans and users cannot be saved until GEO_HOME is a folder you can write"
    ]
    assert not (tmp_path / "ro" / "cache").exists()


# --- dates read as written ---------------------------------------------------------------------

NOW = dt.datetime(2026, 1, 15)


def test_a_month_first_csu_log_is_read_as_written(wards):
    result = load_incidents([HOSTILE / "csu_month_first.csv"], wards=wards, now=NOW, cache=False)
    assert len(result.accepted) == 30
    days = result.accepted.sort_values("line")["occurred"].dt.strftime("%Y-%m-%d")
    assert days.tolist() == [f"2025-09-{d:02d}" for d in range(1, 31)]


def test_geo_validate_json_reports_the_months_a_file_covers(capsys):
    assert main(["validate", str(HOSTILE / "csu_month_first.csv"), "--json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)["files"]
    assert entry["months"] == {"2025-09": 30}


def test_an_ambiguous_log_that_would_fall_in_the_future_is_refused(tmp_path, wards):
    log = tmp_path / "log.csv"  # mm/dd: 2-12 January 2026; read dd/mm: February-December
    lines = ["Reference,Date,Category,Easting,Northing,Location"] + [
        f"A{d},01/{d:02d}/2026,ASB,551300,168800,Swanley" for d in range(2, 13)
    ]
    log.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputFileError, match=r"^log.csv: dates such as '01/02/2026' could be"):
        load_incidents([log], wards=wards, now=NOW, cache=False)


def test_an_ambiguous_log_in_the_past_is_read_day_first_the_uk_way(tmp_path, wards):
    log = tmp_path / "log.csv"
    log.write_text("Date,Category,Easting,Northing\n03/04/2025,ASB,551300,168800\n")
    result = load_incidents([log], wards=wards, now=NOW, cache=False)
    assert result.accepted["occurred"].dt.strftime("%Y-%m-%d").tolist() == ["2025-04-03"]


def test_iso_dates_in_the_future_stay_row_rejections(tmp_path, wards):
    log = tmp_path / "log.csv"
    log.write_text("Date,Category,Easting,Northing\n2099-01-02,ASB,551300,168800\n")
    result = load_incidents([log], wards=wards, now=NOW, cache=False)
    assert result.reasons == {"date in the future": 1}


# --- each incident once ------------------------------------------------------------------------


def test_a_police_month_loaded_twice_is_counted_once(tmp_path, police_sample, wards):
    copy = tmp_path / "copy.csv"
    copy.write_bytes(police_sample.read_bytes())
    result = load_incidents([police_sample, copy, police_sample], wards=wards)
    assert len(result.accepted) == 32
    assert result.rows_in == 120
    assert dict(sorted(result.reasons.items())) == {
        "duplicate of police_uk_2025-09_sample.csv": 64,
        "no coordinates": 12,
        "outside the district": 12,
    }
    assert [f.accepted for f in result.files] == [32, 0, 0]


def test_duplicates_are_found_when_files_come_from_the_parse_cache(tmp_path, police_sample, wards):
    copy = tmp_path / "copy.csv"
    copy.write_bytes(police_sample.read_bytes())
    load_incidents([police_sample], wards=wards)  # fills the cache
    again = load_incidents([copy, police_sample], wards=wards)
    assert [f.accepted for f in again.files] == [32, 0]
    assert again.files[1].reasons["duplicate of copy.csv"] == 32


def test_the_shipped_month_twice_says_which_file_it_repeats(tmp_path, capsys):
    month = Path(get_path("police_uk")) / "2025-09-sevenoaks-street.csv"
    copy = tmp_path / "2025-09-copy.csv"
    copy.write_bytes(month.read_bytes())
    assert main(["validate", str(month), str(copy), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["accepted"] == 556
    assert summary["rows_in"] == summary["accepted"] + summary["rejected"]
    assert summary["files"][1]["reasons"] == {"duplicate of 2025-09-sevenoaks-street.csv": 556}


def test_a_crime_id_in_two_months_files_is_counted_once(tmp_path, wards):
    from geo.testing import police_uk_csv, write_text

    row = {"Crime ID": "abc123", "Longitude": "0.173483", "Latitude": "51.397385"}
    row |= {"Crime type": "Burglary"}
    a = write_text(tmp_path / "a.csv", police_uk_csv([row | {"Month": "2025-08"}]))
    b = write_text(tmp_path / "b.csv", police_uk_csv([row | {"Month": "2025-09"}]))
    result = load_incidents([a, b], wards=wards, now=NOW)
    assert result.reasons == {"duplicate of a.csv": 1}


SHIPPED_MONTH = Path(get_path("police_uk")) / "2025-09-sevenoaks-street.csv"


def _force_file(path: Path, reported_by: str, falls_within: str, new_ids: bool = False) -> Path:
    """Write the shipped month's first 60 rows with these force columns.

    With `new_ids` the rows get other Crime IDs (a hash of the shipped id and the path's
    name; blank ids of ASB rows stay blank), as another force's crimes would: a Crime ID
    is unique across forces.
    """
    with SHIPPED_MONTH.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))[:60]
    for row in rows:
        row["Reported by"], row["Falls within"] = reported_by, falls_within
        if row["Crime ID"] and new_ids:
            row["Crime ID"] = hashlib.sha256(f"{path.name}:{row['Crime ID']}".encode()).hexdigest()
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


BTP = "British Transport Police"


def test_a_kent_month_and_the_same_kent_month_again_count_once(tmp_path, wards):
    kent = _force_file(tmp_path / "2025-09-kent-street.csv", "Kent Police", "Kent Police")
    again = _force_file(tmp_path / "2025-09-kent-again.csv", "Kent Police", "Kent Police")
    result = load_incidents([kent, again], wards=wards, now=NOW, cache=False)
    first, second = result.files
    assert first.accepted > 50
    assert second.accepted == 0
    assert second.reasons == {"duplicate of 2025-09-kent-street.csv": first.accepted}
    assert len(result.accepted) == first.accepted


@pytest.mark.parametrize("cache", [False, True])
def test_a_kent_month_and_a_btp_file_of_that_month_both_count(tmp_path, wards, cache):
    kent = _force_file(tmp_path / "2025-09-kent-street.csv", "Kent Police", "Kent Police")
    btp = _force_file(tmp_path / "2025-09-btp-street.csv", BTP, BTP, new_ids=True)
    if cache:  # the parse cache keeps each row's force
        load_incidents([kent, btp], wards=wards, now=NOW)
    result = load_incidents([kent, btp], wards=wards, now=NOW, cache=cache)
    first, second = result.files
    assert first.accepted > 50
    assert second.accepted == first.accepted
    assert not any(r.startswith("duplicate") for r in result.reasons)
    assert len(result.accepted) == 2 * first.accepted
    assert result.rows_in == len(result.accepted) + len(result.rejected)


def test_the_same_btp_file_twice_counts_once(tmp_path, wards):
    kent = _force_file(tmp_path / "2025-09-kent-street.csv", "Kent Police", "Kent Police")
    btp = _force_file(tmp_path / "2025-09-btp-street.csv", BTP, BTP, new_ids=True)
    copy = tmp_path / "2025-09-btp-copy.csv"
    copy.write_bytes(btp.read_bytes())
    result = load_incidents([kent, btp, copy], wards=wards, now=NOW, cache=False)
    assert [f.accepted for f in result.files] == [result.files[0].accepted] * 2 + [0]
    assert result.files[2].reasons == {
        "duplicate of 2025-09-btp-street.csv": result.files[1].accepted
    }


def test_a_blank_reported_by_falls_back_to_falls_within(tmp_path, wards):
    kent = _force_file(tmp_path / "2025-09-kent-street.csv", "Kent Police", "Kent Police")
    blank = _force_file(tmp_path / "2025-09-blank.csv", "", "Kent Police", new_ids=True)
    btp = _force_file(tmp_path / "2025-09-btp-street.csv", "", BTP, new_ids=True)
    result = load_incidents([kent, blank, btp], wards=wards, now=NOW, cache=False)
    first, second, third = result.files
    assert second.reasons == {"duplicate of 2025-09-kent-street.csv": first.accepted}
    assert third.accepted == first.accepted


def test_csu_rows_with_the_same_id_and_content_count_once(wards):
    result = load_incidents([HOSTILE / "csu_repeated_ids.csv"], wards=wards, now=NOW)
    assert sorted(result.accepted["incident_id"]) == ["R1", "R2"]
    assert result.rejected[["line", "reason"]].values.tolist() == [
        [4, "duplicate of csu_repeated_ids.csv"]
    ]


# --- encodings per row -------------------------------------------------------------------------


def test_one_windows_1252_row_leaves_the_utf8_rows_intact(wards):
    result = load_incidents([HOSTILE / "mixed_utf8_cp1252.csv"], wards=wards, now=NOW)
    assert sorted(result.accepted["location"]) == [
        "On or near Crème Lane",
        "On or near Rue du Café 0",
        "On or near Rue du Café 1",
        "On or near Rue du Café 2",
    ]


def test_the_column_mapping_copy_keeps_utf8_rows_of_a_mixed_file(tmp_path):
    copy = rename_columns(
        HOSTILE / "mixed_utf8_cp1252.csv", {"location": "Location"}, tmp_path / "m.csv"
    )
    text = copy.read_text(encoding="utf-8")
    assert "Rue du Café 2" in text
    assert "Crème Lane" in text


# --- boundaries checked ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("wards_repeated_name.geojson", "the ward name 'Swanley' appears 2 times"),
        ("wards_blank_name.geojson", "1 ward(s) have a blank name (feature 2 first)"),
        ("wards_empty_geometry.geojson", "1 feature(s) have an empty geometry (feature 2 first)"),
    ],
)
def test_a_bad_boundary_file_is_one_line_and_exit_2(capsys, name, message):
    assert main(["validate", "--boundaries", str(HOSTILE / name)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"geo validate: {name}: {message}")


# --- nearly every row outside: which swap or CRS would fit (item 8) ----------------------------

OUTSIDE_NOTES = {
    "police_swapped_axes.csv": "every row is outside the district; with longitude and latitude "
    "swapped, 100 % would fall inside: check the column order",
    "police_mostly_swapped.csv": "90 % of the rows with coordinates are outside the district; "
    "with longitude and latitude swapped, 100 % would fall inside: check the column order",
    "csu_bng_in_lonlat.csv": "every row is outside the district; read as British National Grid "
    "eastings/northings (EPSG:27700), 100 % would fall inside: put them in easting/northing "
    "columns",
    "csu_web_mercator.csv": "every row is outside the district; read as Web Mercator metres "
    "(EPSG:3857), 100 % would fall inside: convert them to longitude/latitude (EPSG:4326) or "
    "British National Grid",
    "csu_irish_grid.csv": "every row is outside the district; read as Irish Grid metres "
    "(EPSG:29903), 100 % would fall inside: convert them to longitude/latitude (EPSG:4326) or "
    "British National Grid",
    "csu_swapped_en.csv": "every row is outside the district; with easting and northing "
    "swapped, 100 % would fall inside: check the column order",
    "csu_degrees_in_en.csv": "every row is outside the district; read as longitude/latitude "
    "degrees, 100 % would fall inside: put them in longitude/latitude columns",
}


@pytest.mark.parametrize("name", sorted(OUTSIDE_NOTES))
def test_a_file_nearly_all_outside_names_the_reading_that_fits(name, wards):
    result = load_incidents([HOSTILE / name], wards=wards, now=NOW, cache=False)
    (report,) = result.files
    assert report.rows_in == 10 == report.accepted + report.rejected
    assert report.note == OUTSIDE_NOTES[name]


def test_geo_validate_says_the_note_in_text_and_json(capsys):
    path = str(HOSTILE / "police_swapped_axes.csv")
    assert main(["validate", path, "--json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)["files"]
    assert entry["note"] == OUTSIDE_NOTES["police_swapped_axes.csv"]
    assert entry["reasons"] == {"outside the district": 10}
    assert main(["validate", path]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[2].split() == ["note:", *OUTSIDE_NOTES["police_swapped_axes.csv"].split()]


def test_a_file_from_elsewhere_gets_no_note(wards):
    result = load_incidents([HOSTILE / "police_elsewhere.csv"], wards=wards, now=NOW, cache=False)
    assert result.reasons == {"outside the district": 10}
    assert result.files[0].note == ""


def test_a_file_inside_the_district_gets_no_note(police_sample, wards):
    (report,) = load_incidents([police_sample], wards=wards, now=NOW, cache=False).files
    assert report.accepted > 0
    assert report.note == ""


def test_the_note_survives_the_parse_cache(tmp_path, wards):
    home = tmp_path / "home"
    path = HOSTILE / "csu_swapped_en.csv"
    first = load_incidents([path], wards=wards, now=NOW, home=home).files[0]
    assert list((home / "cache" / "incidents").glob("*.json"))
    again = load_incidents([path], wards=wards, now=NOW, home=home).files[0]
    assert again.note == first.note == OUTSIDE_NOTES["csu_swapped_en.csv"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "wards_swapped_axes.geojson",
            "the wards are not in Great Britain as declared (EPSG:4326); with longitude and "
            "latitude swapped, 100 % of the wards fall in Great Britain: write the file with "
            "longitude (or easting) first",
        ),
        (
            "wards_degrees_declared_bng.geojson",
            "bounds (0.1700, 51.3900, 0.1900, 51.4000) do not fit British National Grid metres, "
            "which the file declares; read as longitude/latitude degrees, 100 % of the wards "
            "fall in Great Britain: fix the file's CRS or pass crs='EPSG:4326'",
        ),
    ],
)
def test_a_boundary_file_in_the_wrong_crs_names_the_one_that_fits(capsys, name, message):
    assert main(["validate", "--boundaries", str(HOSTILE / name)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"geo validate: {name}: {message}"]


# --- dates whose order cannot be told, against the other files' span (item 1) -----------------

REFUSED_SPAN = (
    "csu_ambiguous_month_first.csv: its dates could be day/month or month/day: read day first "
    "they fall in 2025-01 to 2025-12 (11 rows outside the other files' 2025-09), read month "
    "first in 2025-09; write the dates as yyyy-mm-dd, or pass the order (--date-order day or "
    "month)"
)


def test_an_ambiguous_log_outside_the_other_files_span_is_refused(wards):
    paths = [HOSTILE / "csu_month_first.csv", HOSTILE / "csu_ambiguous_month_first.csv"]
    with pytest.raises(InputFileError) as err:
        load_incidents(paths, wards=wards, now=NOW, cache=False)
    assert str(err.value) == REFUSED_SPAN


def test_geo_validate_refuses_it_in_one_line_and_keeps_the_others(capsys):
    paths = [str(HOSTILE / n) for n in ("csu_month_first.csv", "csu_ambiguous_month_first.csv")]
    assert main(["validate", *paths, "--json"]) == 2
    out = capsys.readouterr()
    assert out.err.strip().splitlines() == [f"geo validate: {REFUSED_SPAN}"]
    told, refused = json.loads(out.out)["files"]
    assert (told["accepted"], told["months"]) == (30, {"2025-09": 30})
    assert (refused["rows_in"], refused["error"]) == (0, REFUSED_SPAN)


def test_passing_the_order_reads_it_as_told(capsys):
    paths = [str(HOSTILE / n) for n in ("csu_month_first.csv", "csu_ambiguous_month_first.csv")]
    assert main(["validate", "--date-order", "month", *paths, "--json"]) == 0
    files = json.loads(capsys.readouterr().out)["files"]
    assert [f["months"] for f in files] == [{"2025-09": 30}, {"2025-09": 12}]


def test_an_ambiguous_log_inside_the_span_is_read_day_first(wards):
    paths = [HOSTILE / "csu_month_first.csv", HOSTILE / "csu_ambiguous_in_span.csv"]
    result = load_incidents(paths, wards=wards, now=NOW, cache=False)
    assert [f.months for f in result.files] == [{"2025-09": 30}, {"2025-09": 12}]
    assert len(result.accepted) == 42


def test_an_ambiguous_log_alone_is_read_day_first(wards):
    result = load_incidents(
        [HOSTILE / "csu_ambiguous_month_first.csv"], wards=wards, now=NOW, cache=False
    )
    assert result.files[0].months == {f"2025-{m:02d}": 1 for m in range(1, 13)}


def test_a_told_order_is_unchanged_by_the_other_files(wards):
    paths = [HOSTILE / "csu_ambiguous_in_span.csv", HOSTILE / "csu_month_first.csv"]
    result = load_incidents(paths, wards=wards, now=NOW, cache=False)
    days = result.accepted.query("source_file == 'csu_month_first.csv'")["occurred"]
    assert sorted(days.dt.day) == list(range(1, 31))


def test_the_refusal_holds_when_the_files_come_from_the_parse_cache(tmp_path, wards):
    paths = [HOSTILE / "csu_month_first.csv", HOSTILE / "csu_ambiguous_month_first.csv"]
    for _ in range(2):
        with pytest.raises(InputFileError, match="its dates could be day/month"):
            load_incidents(paths, wards=wards, now=NOW, home=tmp_path / "home")
    assert list((tmp_path / "home" / "cache" / "incidents").glob("*.json"))


# --- targets.toml read like resources.toml (item 5) ---------------------------------------------


def test_a_utf16_targets_file_is_refused_as_not_utf8():
    with pytest.raises(GeoInputError) as err:
        read_targets(HOSTILE / "targets_utf16.toml")
    assert str(err.value) == (
        "targets_utf16.toml: cannot read success measures: the file is not UTF-8 text "
        "(byte 0); save it as UTF-8"
    )


def test_a_targets_file_saved_with_a_bom_is_read():
    (measure,) = read_targets(HOSTILE / "targets_utf8_bom.toml")
    assert (measure.category, measure.target) == ("asb", -2.0)
