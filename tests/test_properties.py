"""Invariants that no single example proves, checked with Hypothesis."""

import csv
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.incidents import load_incidents
from geo.testing import POLICE_UK_HEADER

messy = st.one_of(
    st.just(""),
    st.sampled_from(
        [
            "nan",
            "inf",
            "-inf",
            "1e400",
            "2024-13",
            "2025-09",
            "0.1735",
            "51.3974",
            "Anti-social behaviour",
            "Burglary",
            "Nonsense",
            "552000",
        ]
    ),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.text(max_size=6),
)
row = st.lists(messy, min_size=0, max_size=14)


def _render(rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(POLICE_UK_HEADER)
    for r in rows:
        # put the interesting values in the columns the loader reads
        cells = [""] * len(POLICE_UK_HEADER)
        for value, col in zip(r, [1, 4, 5, 9, 0, 6, 8, 2, 3, 7, 10, 11, 11, 11], strict=False):
            cells[col] = value
        writer.writerow(cells[: max(len(r), 5)] if len(r) < 5 else cells + r[12:])
    return out.getvalue()


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(row, max_size=25), st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
def test_no_row_is_ever_lost(wards, rows, encoding):
    text = _render(rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.csv"
        path.write_bytes(text.encode(encoding, errors="replace"))
        result = load_incidents([path], wards=wards, strict=False)

    if result.errors:  # a whole file refused (e.g. NUL bytes: binary) is loud, not silent
        assert result.rows_in == 0
        assert result.errors[0].startswith("fuzz.csv: ")
        return
    reader = csv.reader(io.StringIO(text, newline=""))
    data_rows = sum(1 for r in reader if any(c.strip() for c in r)) - 1
    assert result.rows_in == data_rows
    assert len(result.accepted) + len(result.rejected) == result.rows_in
    assert result.accepted.geometry.is_valid.all()
    assert result.accepted["ward_code"].notna().all()
    assert (result.rejected["reason"] != "").all()
