"""The columnar (pyarrow) reader against the old row-by-row reader, row for row.

Kept only until the old reader is deleted (#13).
"""

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from geo import _tables
from geo.datasets import get_path
from geo.incidents import load_incidents

FIXTURES = Path(__file__).parent / "fixtures"
NOW = dt.datetime(2026, 1, 15)
HEAD = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
HEAD += "LSOA name,Crime type,Last outcome category,Context"
ROW = ",2025-09,K,K,0.173483,51.397385,{loc},E1,S 001A,Anti-social behaviour,,"

EDGE_CASES = {
    "multiline.csv": "\n".join(
        [HEAD, ROW.format(loc='"On or near\nAzalea Drive"'), "", ROW.format(loc="x"),
         ROW.format(loc='"two\n\nbreaks"'), ROW.format(loc="y") + ",extra"]
    ),
    "trailing_commas.csv": HEAD + ",,\n" + ROW.format(loc="a") + ",,\n" + ROW.format(loc="b")
    + "\n" + ROW.format(loc="c") + ",,,\n",
    "short_rows.csv": HEAD + "\n" + ROW.format(loc="a")[:-1] + "\n" + ",".join(ROW.split(",")[:6])
    + "\n   \n,,,,,,,,,,,\n" + ROW.format(loc="ok"),
    "blank_lead.csv": "\n  \n\n" + HEAD + "\r\n" + ROW.format(loc="a") + "\r\n\r\n",
    "crlf_quoted.csv": HEAD + "\r\n" + ROW.format(loc='"a, ""b"", c"') + "\r\n",
}  # fmt: skip


def _files(tmp_path: Path) -> list[Path]:
    for name, text in EDGE_CASES.items():
        (tmp_path / name).write_text(text, encoding="utf-8", newline="")
    (tmp_path / "cp1252_multi.csv").write_bytes(
        (HEAD + "\n" + ROW.format(loc='"Caf\u00e9\nRow"') + "\n").encode("cp1252")
    )
    return [
        *sorted(get_path("police_uk").glob("*.csv")),
        *sorted((FIXTURES / "hostile").glob("*.csv")),
        FIXTURES / "police_uk_2025-09_sample.csv",
        *sorted(tmp_path.glob("*.csv")),
    ]


def _load(path, wards):
    return load_incidents([path], wards=wards, now=NOW, strict=False)


def test_old_and_new_readers_agree_row_for_row(tmp_path, wards, monkeypatch):
    files = _files(tmp_path)
    new = [_load(p, wards) for p in files]
    monkeypatch.setattr(_tables, "_read_csv", lambda p, _select=None: _tables._read_csv_python(p))
    old = [_load(p, wards) for p in files]
    for path, a, b in zip(files, old, new, strict=True):
        assert a.errors == b.errors, path.name
        assert a.rows_in == b.rows_in, path.name
        pd.testing.assert_frame_equal(a.rejected.astype(str), b.rejected.astype(str), obj=path.name)
        cols = [c for c in a.accepted.columns if c != "geometry"]
        pd.testing.assert_frame_equal(
            pd.DataFrame(a.accepted[cols]).astype(str),
            pd.DataFrame(b.accepted[cols]).astype(str),
            obj=path.name,
        )
        assert a.accepted.geometry.geom_equals(b.accepted.geometry).all(), path.name


@pytest.mark.parametrize("name", sorted(EDGE_CASES))
def test_edge_cases_keep_true_line_numbers(tmp_path, wards, name):
    _files(tmp_path)
    result = _load(tmp_path / name, wards)
    assert result.rows_in == len(result.accepted) + len(result.rejected)
