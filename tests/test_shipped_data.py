"""The shipped data loads with the counts written in data/README.md (counted independently).

The counts table in ``data/README.md`` is made by ``tools/count_shipped_data.py``, which
shares no code with the loader; these tests read that table and compare.
"""

from pathlib import Path

import pandas as pd
import pytest

from geo.datasets import get_path
from geo.incidents import load_incidents

README = get_path("police_uk") / "README.md"
COLLISIONS = "dft-road-casualty-statistics-collision-2023-sevenoaks.csv"


def _readme_counts(path: Path) -> tuple[list[str], dict[str, list[int]]]:
    """Months and per-crime-type counts from the README's counts table."""
    lines = [line for line in path.read_text().splitlines() if line.startswith("| crime type |")]
    assert len(lines) == 1
    start = path.read_text().splitlines().index(lines[0])
    table = path.read_text().splitlines()[start:]
    months = [c.strip() for c in table[0].strip("|").split("|")][1:-1]
    counts = {}
    for line in table[2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        counts[cells[0]] = [int(c) for c in cells[1:-1]]
    return months, counts


MONTHS, EXPECTED = _readme_counts(README)


@pytest.fixture(scope="module")
def shipped(wards):
    return load_incidents([get_path("police_uk")], wards=wards)


def test_the_readme_table_covers_27_months_in_order():
    assert len(MONTHS) == 27
    assert sorted(MONTHS) == MONTHS
    assert MONTHS[:3] == ["2018-10", "2019-01", "2019-02"]
    assert [m for m in MONTHS if m.startswith("2022")] == [f"2022-{i:02d}" for i in range(1, 12)]
    assert sum(EXPECTED["total"]) == 19153


def test_every_shipped_row_is_accounted_for(shipped):
    crime = [f for f in shipped.files if f.kind == "police.uk"]
    assert [f.source_file[:7] for f in crime] == MONTHS
    assert sum(f.rows_in for f in crime) == 19181
    assert shipped.rows_in == 19181 + 270
    assert len(shipped.accepted) == 19153 + 268
    assert shipped.reasons == {"outside the district": 28 + 2}
    assert crime[0].rows_in == 862  # 2018-10
    assert crime[-1].rows_in == 556  # 2025-09
    assert all(f.error is None for f in shipped.files)


def test_accepted_counts_match_the_independent_count(shipped):
    acc = shipped.accepted[shipped.accepted["category"] != "speeding"]
    table = pd.crosstab(acc["source_category"], acc["occurred"].dt.strftime("%Y-%m"))
    got = {label: [int(table.loc[label].get(m, 0)) for m in MONTHS] for label in table.index}
    expected = {k: v for k, v in EXPECTED.items() if k != "total"}
    assert got == expected
    assert [int(table[m].sum()) for m in MONTHS] == EXPECTED["total"]


def test_the_collision_file_loads_with_its_readme_counts(shipped):
    files = {f.source_file: f for f in shipped.files}
    assert files[COLLISIONS].kind == "collision"
    assert (files[COLLISIONS].rows_in, files[COLLISIONS].accepted) == (270, 268)
    crashes = shipped.accepted[shipped.accepted["source"] == "collision"]
    severity = crashes["evidence"].str.split().str[0].value_counts().to_dict()
    assert severity == {"fatal": 4, "serious": 49, "slight": 215}
    limits = crashes["speed_limit_mph"].astype(int).value_counts().sort_index().to_dict()
    assert limits == {20: 8, 30: 109, 40: 30, 50: 15, 60: 54, 70: 52}
    assert crashes["occurred"].dt.year.eq(2023).all()


def test_every_incident_has_a_ward_and_ids_are_unique(shipped):
    acc = shipped.accepted
    assert acc["ward_code"].notna().all()
    assert acc["ward_code"].nunique() == 26
    assert acc["incident_id"].is_unique
    crime = acc[acc["category"] != "speeding"]
    busiest = crime["ward_name"].value_counts()
    assert busiest.index[0] == "Sevenoaks Town and St John's"
