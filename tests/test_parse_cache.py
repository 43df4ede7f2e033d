"""The parse cache: a file loaded once is read back from GeoParquet, until it changes."""

import datetime as dt
import shutil

import pandas as pd
import pytest

from geo import parse_cache
from geo.cli import main
from geo.datasets import get_path
from geo.home import cache_dir
from geo.incidents import load_incidents

NOW = dt.datetime(2026, 1, 15)


@pytest.fixture
def month(tmp_path):
    source = sorted(get_path("police_uk").glob("*.csv"))[-1]
    return shutil.copy(source, tmp_path / source.name)


def _same(a, b) -> None:
    pd.testing.assert_frame_equal(pd.DataFrame(a.accepted), pd.DataFrame(b.accepted))
    pd.testing.assert_frame_equal(a.rejected, b.rejected)
    assert a.rows_in == b.rows_in
    assert [(f.kind, f.rows_in, f.accepted, dict(f.reasons)) for f in a.files] == [
        (f.kind, f.rows_in, f.accepted, dict(f.reasons)) for f in b.files
    ]


def test_the_second_load_reads_the_cache_not_the_csv(month, wards, parsed_files):
    calls = parsed_files
    first = load_incidents([month], wards=wards, now=NOW)
    second = load_incidents([month], wards=wards, now=NOW)

    assert calls == [month.name]  # parsed once
    assert len(list((cache_dir() / "incidents").glob("*.accepted.parquet"))) == 1
    _same(first, second)
    assert second.accepted.crs == "EPSG:27700"


def test_a_changed_file_is_read_again(month, wards, parsed_files):
    calls = parsed_files
    first = load_incidents([month], wards=wards, now=NOW)
    lines = month.read_text(encoding="utf-8").splitlines(keepends=True)
    month.write_text("".join(lines[:-5]), encoding="utf-8")  # the last 5 rows deleted

    second = load_incidents([month], wards=wards, now=NOW)
    assert calls == [month.name, month.name]
    assert second.rows_in == first.rows_in - 5


def test_a_damaged_or_foreign_entry_is_ignored_and_rebuilt(month, wards, parsed_files):
    first = load_incidents([month], wards=wards, now=NOW)
    folder = cache_dir() / "incidents"
    for path in folder.glob("*.parquet"):
        path.write_bytes(b"not parquet")
    parsed_files.clear()  # count from here
    calls = parsed_files

    second = load_incidents([month], wards=wards, now=NOW)
    assert calls == [month.name]
    _same(first, second)
    third = load_incidents([month], wards=wards, now=NOW)  # rebuilt entry used again
    assert calls == [month.name]
    _same(first, third)

    (meta,) = folder.glob("*.json")
    meta.write_text(meta.read_text().replace('"key": "', '"key": "x'))
    load_incidents([month], wards=wards, now=NOW)
    assert calls == [month.name, month.name]


def test_the_key_covers_wards_settings_clock_and_version(month, wards, monkeypatch, parsed_files):
    calls = parsed_files
    load_incidents([month], wards=wards, now=NOW)
    load_incidents([month], wards=wards.iloc[:10], now=NOW)
    load_incidents([month], wards=wards, now=NOW + dt.timedelta(days=40))
    assert len(calls) == 3
    monkeypatch.setattr(parse_cache, "LOADER_VERSION", parse_cache.LOADER_VERSION + 1)
    load_incidents([month], wards=wards, now=NOW)
    assert len(calls) == 4


def test_cache_off_writes_nothing(month, wards, monkeypatch, capsys):
    load_incidents([month], wards=wards, now=NOW, cache=False)
    monkeypatch.setenv("GEO_PARSE_CACHE", "off")
    assert main(["validate", str(month)]) == 0  # `geo` passes the switch to the loader
    assert month.name in capsys.readouterr().out
    assert not any((cache_dir() / "incidents").glob("*"))


def test_geo_keeps_its_cache_in_the_geo_home_it_is_given(month, tmp_path, monkeypatch, capsys):
    other = tmp_path / "another home"
    monkeypatch.setenv("GEO_HOME", str(other))
    assert main(["validate", str(month)]) == 0
    assert month.name in capsys.readouterr().out
    assert len(list((other / "cache" / "incidents").glob("*.accepted.parquet"))) == 1
    assert not (cache_dir() / "incidents").exists()  # the library's default folder: untouched
