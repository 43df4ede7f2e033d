"""The loader's fast paths give the same rows as the plain paths they stand in for.

- rows far outside the district are rejected before projection (``ParseContext.region``);
- ``geo validate`` counts files one at a time (`validate_files`) instead of holding them;
- the raw-byte check for control characters and long lines (`_plain_text`);
- the header found in a 64 KiB sample unless it may run on past it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest

import geo.incidents
from geo import _tables
from geo.datasets import get_path
from geo.export import RejectedCsv
from geo.incidents import REJECTED_COLUMNS, load_incidents, validate_files
from geo.safe_text import csv_cell
from geo.settings import LoadSettings
from geo.testing import police_uk_csv, write_text

NOW = dt.datetime(2026, 1, 1)
FIXTURES = __import__("pathlib").Path(__file__).parent / "fixtures"

# Points at several distances from Sevenoaks District: inside (Swanley), 300 m over the
# boundary, in Dartford, a few km out (Tonbridge, Maidstone) and far away (Dover, Margate).
PLACES = {
    "swanley": ("0.173483", "51.397385"),
    "near": ("0.209465", "51.413927"),
    "dartford": ("0.238391", "51.452122"),
    "tonbridge": ("0.2743", "51.1946"),
    "maidstone": ("0.5220", "51.2720"),
    "dover": ("1.3130", "51.1279"),
    "margate": ("1.3862", "51.3813"),
    "edge_east": ("0.3200", "51.2900"),
}


def _mixed_rows() -> list[dict[str, str]]:
    """Rows at every place, some with other faults too (first failing check must win)."""
    rows = []
    for i, (lon, lat) in enumerate(PLACES.values()):
        base = {"Longitude": lon, "Latitude": lat, "Location": f"On or near Road {i}"}
        rows += [
            {**base, "Month": "2025-09", "Crime type": "Burglary", "Crime ID": f"id{i}"},
            {**base, "Month": "2025-09", "Crime type": "Anti-social behaviour"},
            {**base, "Month": "2025-13", "Crime type": "Burglary"},
            {**base, "Month": "2025-09", "Crime type": "Piracy"},
            {**base, "Month": "2031-01", "Crime type": "Vehicle crime"},
        ]
    return rows


def _world_region(self, metres):  # the prefilter switched off
    del self, metres
    return (-180.0, -90.0, 180.0, 90.0)


@pytest.mark.parametrize("keep_outside", [False, True])
def test_far_rows_are_rejected_as_the_ward_join_would(tmp_path, wards, monkeypatch, keep_outside):
    path = write_text(tmp_path / "mixed.csv", police_uk_csv(_mixed_rows()))
    paths = [path, FIXTURES / "police_uk_2025-09_sample.csv", get_path("police_uk")]
    settings = LoadSettings(keep_outside_district=keep_outside)

    fast = load_incidents(paths, wards=wards, now=NOW, settings=settings, cache=False)
    monkeypatch.setattr(geo.incidents._WardIndex, "region", _world_region)
    slow = load_incidents(paths, wards=wards, now=NOW, settings=settings, cache=False)

    pd.testing.assert_frame_equal(fast.rejected, slow.rejected)
    pd.testing.assert_frame_equal(
        fast.accepted.drop(columns="geometry"), slow.accepted.drop(columns="geometry")
    )
    assert fast.accepted.geometry.equals(slow.accepted.geometry)
    mine = fast.rejected[fast.rejected["source_file"] == "mixed.csv"]
    reasons = dict(zip(mine["line"], mine["reason"], strict=True))
    details = dict(zip(mine["line"], mine["detail"], strict=True))
    dover_burglary = 2 + 5 * list(PLACES).index("dover")
    if keep_outside:
        assert dover_burglary not in reasons  # kept, with no ward
    else:
        assert reasons[dover_burglary] == "outside the district"
        assert details[dover_burglary] == "over 1 km outside"
        assert reasons[dover_burglary + 2] == "unparseable date"  # an earlier check wins
        assert reasons[dover_burglary + 3] == "unknown category"
        assert reasons[dover_burglary + 4] == "date in the future"
        near = 2 + 5 * list(PLACES).index("near")
        assert details[near] == "300 m outside"  # measured, not "over 1 km"


def test_the_region_box_holds_every_point_within_a_kilometre(wards):
    index = geo.incidents._WardIndex.build(wards)
    lon0, lat0, lon1, lat1 = index.region(1000.0)
    minx, miny, maxx, maxy = index.bounds
    x = np.r_[minx - 1000, maxx + 1000, minx - 1000, maxx + 1000]
    y = np.r_[miny - 1000, miny - 1000, maxy + 1000, maxy + 1000]
    from geo.crs import _TO_BNG

    lon, lat = _TO_BNG.transform(x, y, direction="INVERSE")
    assert ((lon > lon0) & (lon < lon1) & (lat > lat0) & (lat < lat1)).all()


def test_validate_files_counts_what_load_incidents_returns(tmp_path, wards):
    mixed = write_text(tmp_path / "mixed.csv", police_uk_csv(_mixed_rows()))
    paths = [mixed, FIXTURES / "hostile", get_path("police_uk"), tmp_path / "missing.csv"]
    paths[-1].write_bytes(b"")  # an empty file: reported with its error, not raised
    loaded = load_incidents(paths, wards=wards, strict=False, cache=False)
    batches: list[pd.DataFrame] = []
    summary = validate_files(paths, wards=wards, on_rejected=batches.append, cache=False)

    assert summary.rows_in == loaded.rows_in
    assert summary.accepted == len(loaded.accepted)
    assert summary.rejected == len(loaded.rejected) == sum(len(b) for b in batches)
    assert summary.reasons == loaded.reasons
    assert summary.errors == loaded.errors
    assert summary.errors
    assert [f.source_file for f in summary.files] == [f.source_file for f in loaded.files]


def test_rejected_csv_matches_guarding_the_whole_table(tmp_path, wards):
    paths = [FIXTURES / "hostile", FIXTURES / "police_uk_2025-09_sample.csv"]
    loaded = load_incidents(paths, wards=wards, strict=False, cache=False)
    whole = tmp_path / "whole.csv"
    loaded.rejected.map(csv_cell).to_csv(whole, index=False)
    streamed = tmp_path / "streamed.csv"
    with RejectedCsv(streamed, list(REJECTED_COLUMNS)) as sink:
        validate_files(paths, wards=wards, on_rejected=sink, cache=False)

    assert streamed.read_text(encoding="utf-8") == whole.read_text(encoding="utf-8")
    assert len(loaded.rejected) > 10


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        (b"a,b\n1,2\n", True),
        (b"a,b\r\n1,\t2\r\n", True),  # tab, CR and LF are fine
        (b"a,b\n1,\x1b[31m\n", False),  # an ANSI escape
        (b"a,b\n1,\x00\n", False),
        (b"a,b\n1,\x7f\n", False),  # DEL
        ("a,b\n1,\u0085\n".encode(), False),  # a C1 control (NEL) as UTF-8
        ("a,b\n1,caf\u00e9 \u00c2\n".encode(), True),  # C2/C3 lead bytes of letters
        (b"a,b\n1," + b"x" * (_tables.PLAIN_FIELD_LIMIT + 1) + b"\n", False),
        (b"a,b\n1," + b"x" * (_tables.PLAIN_FIELD_LIMIT - 10) + b"\n2,y\n", True),
    ],
)
def test_plain_text_finds_control_characters_and_long_lines(text, plain):
    assert _tables._plain_text(text, _tables._line_breaks(text)) is plain


def _csv_module_header(data: bytes) -> tuple[list[str], int]:
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    for row in reader:
        if any(cell.strip() for cell in row):
            return row, reader.line_num
    raise AssertionError


@pytest.mark.parametrize(
    "data",
    [
        b"\n" * 70_000 + b"Month,Crime type\n2025-09,Burglary\n",  # header past 64 KiB
        b'Month,"' + b"y" * 70_000 + b'"\n2025-09,Burglary\n',  # header longer than 64 KiB
        b'\n\nMonth,"two\nlines",x\n1,2,3\n',  # a quoted line break in the header
        b"Month,Crime type",  # no line break at all
    ],
)
def test_header_sample_grows_when_the_header_may_run_past_it(data):
    assert _tables._header(data, "f.csv") == _csv_module_header(data)


# --- large files read in pieces --------------------------------------------------------------

HOSTILE = sorted(p for p in (FIXTURES / "hostile").glob("*.csv"))


def _all_rows(tables: list[_tables.RawTable]) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    rows = pd.concat([t.rows for t in tables], ignore_index=True)
    bad = pd.concat([t.malformed for t in tables], ignore_index=True)
    return rows, bad, sum(t.rows_in for t in tables)


def _read_or_error(read, path):
    try:
        return read(path)
    except _tables.InputFileError as err:
        return str(err)


@pytest.mark.parametrize(
    "path", [*HOSTILE, FIXTURES / "hostile_html" / "hostile_police.csv"], ids=lambda p: p.name
)
@pytest.mark.parametrize("budget", [64, 1000])
def test_pieces_hold_the_rows_of_the_whole_file(path, budget):
    whole = _read_or_error(_tables.read_table, path)
    pieces = _read_or_error(lambda p: list(_tables.iter_tables(p, budget=budget)), path)
    if isinstance(whole, str):
        assert pieces == whole  # the same refusal
        return
    rows, bad, rows_in = _all_rows(pieces)
    pd.testing.assert_frame_equal(rows.astype(str), whole.rows.astype(str))
    pd.testing.assert_frame_equal(bad.astype(str), whole.malformed.astype(str))
    assert rows_in == whole.rows_in
    assert all(t.header == whole.header and t.encoding == whole.encoding for t in pieces)


def _awkward_file(tmp_path, encoding: str) -> tuple:
    """A police.uk file with quoted line breaks, blank lines, short and long rows."""
    place = {
        "Month": "2025-09",
        "Crime type": "Burglary",
        "Longitude": "0.173483",
        "Latitude": "51.397385",
    }
    rows = [{**place, "Location": f'On or near "Caf\u00e9" Road\n{i}'} for i in range(300)]
    text = police_uk_csv(rows)
    lines = text.split("\n")
    lines.insert(7, "")  # blank lines
    lines.insert(50, "   ")
    lines.insert(90, "2025-09,too,few")
    lines.insert(120, ",".join(["x"] * 20))
    text = "\n".join(lines)
    bom = "\ufeff" if encoding == "utf-8-sig" else ""
    path = tmp_path / f"awkward-{encoding}.csv"
    path.write_bytes((bom + text).encode("utf-8" if encoding == "utf-8-sig" else encoding))
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_a_large_awkward_file_loads_the_same_in_pieces(tmp_path, wards, monkeypatch, encoding):
    path = _awkward_file(tmp_path, encoding)
    whole = load_incidents([path], wards=wards, now=NOW, cache=False)
    monkeypatch.setattr(_tables, "READ_BUDGET", 2_000)
    assert len(list(_tables.iter_tables(path))) > 5
    pieces = load_incidents([path], wards=wards, now=NOW, cache=False)

    pd.testing.assert_frame_equal(pieces.rejected, whole.rejected)
    pd.testing.assert_frame_equal(
        pieces.accepted.drop(columns="geometry"), whole.accepted.drop(columns="geometry")
    )
    assert pieces.rows_in == whole.rows_in > 300
    assert whole.reasons["malformed row"] >= 1
    assert whole.accepted["location"].str.contains("Caf\u00e9").all()


def test_record_end_never_cuts_inside_quotes():
    buf = b'a,b\n1,"x\ny"\n2,"p\nq'
    assert buf[: _tables._record_end(buf)] == b'a,b\n1,"x\ny"\n'
    assert _tables._record_end(b'1,"open\nstill open') == 0


# --- reading ahead ---------------------------------------------------------------------------


def test_read_ahead_keeps_order_and_raises_where_the_error_was():
    def items():
        yield from range(3)
        msg = "broken at 3"
        raise ValueError(msg)

    reader = _tables.read_ahead(items())
    assert [next(reader) for _ in range(3)] == [0, 1, 2]
    with pytest.raises(ValueError, match="broken at 3"):
        next(reader)


def test_read_ahead_stops_its_thread_when_the_consumer_stops():
    import threading

    made = []

    def items():
        for i in range(1000):
            made.append(i)
            yield i

    reader = _tables.read_ahead(items(), depth=2)
    assert [next(reader) for _ in range(3)] == [0, 1, 2]
    reader.close()
    assert len(made) <= 6  # never ran far ahead
    assert not any(t.name == "geo-read-ahead" for t in threading.enumerate())


def test_a_file_failing_part_way_does_not_shift_the_next_files(tmp_path, wards, monkeypatch):
    """Files read ahead: a file whose parse fails is skipped whole, the next one is intact."""
    good = write_text(tmp_path / "a-good.csv", police_uk_csv(_mixed_rows()))
    other_rows = [
        {**r, "Month": r["Month"].replace("2025-09", "2025-08")} for r in _mixed_rows()[:7]
    ]
    other_rows = [
        {**r, "Crime ID": r.get("Crime ID", "") and "c-" + r["Crime ID"]} for r in other_rows
    ]
    other = write_text(tmp_path / "c-other.csv", police_uk_csv(other_rows))  # not a-good's month
    bad = write_text(tmp_path / "b-bad.csv", police_uk_csv(_mixed_rows()))
    real = geo.incidents.parse_table

    def failing(table, context):
        if table.source == "b-bad.csv":
            msg = "b-bad.csv: refused by the test"
            raise _tables.InputFileError(msg)
        return real(table, context)

    monkeypatch.setattr(_tables, "READ_BUDGET", 500)  # each file in several pieces
    monkeypatch.setattr(geo.incidents, "parse_table", failing)
    result = load_incidents([good, bad, other], wards=wards, now=NOW, strict=False, cache=False)
    alone = load_incidents([other], wards=wards, now=NOW, cache=False)

    assert [f.error for f in result.files] == [None, "b-bad.csv: refused by the test", None]
    assert result.files[2].rows_in == alone.rows_in == 7
    mine = result.rejected[result.rejected["source_file"] == "c-other.csv"]
    assert mine["line"].tolist() == alone.rejected["line"].tolist()
