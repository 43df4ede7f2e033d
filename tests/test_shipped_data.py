"""The shipped data loads with the counts written in data/README.md (counted independently)."""

import pandas as pd
import pytest

from geo.datasets import get_path
from geo.incidents import load_incidents

MONTHS = [
    "2024-01",
    "2024-02",
    "2024-03",
    "2024-04",
    "2025-01",
    "2025-02",
    "2025-03",
    "2025-04",
    "2025-05",
    "2025-06",
    "2025-07",
    "2025-08",
    "2025-09",
]
# From data/README.md, made by tools/count_shipped_data.py (no code shared with the loader).
EXPECTED = {
    "Anti-social behaviour": [63, 64, 90, 91, 70, 71, 107, 120, 121, 151, 197, 160, 94],
    "Bicycle theft": [2, 1, 1, 2, 3, 0, 2, 3, 2, 2, 2, 2, 4],
    "Burglary": [64, 55, 34, 45, 59, 60, 48, 30, 22, 37, 14, 18, 23],
    "Criminal damage and arson": [82, 60, 80, 79, 46, 73, 62, 65, 76, 62, 71, 68, 56],
    "Drugs": [17, 12, 19, 16, 18, 15, 17, 24, 29, 14, 12, 12, 17],
    "Other crime": [16, 19, 10, 20, 12, 25, 22, 17, 23, 16, 16, 26, 21],
    "Other theft": [44, 51, 67, 58, 53, 43, 54, 31, 72, 40, 45, 37, 47],
    "Possession of weapons": [9, 4, 11, 2, 1, 3, 6, 3, 6, 4, 4, 6, 1],
    "Public order": [28, 29, 32, 24, 20, 21, 19, 25, 29, 30, 33, 38, 11],
    "Robbery": [7, 4, 5, 1, 2, 2, 3, 2, 1, 8, 4, 2, 2],
    "Shoplifting": [54, 51, 53, 67, 57, 55, 34, 30, 30, 34, 27, 45, 55],
    "Theft from the person": [0, 3, 5, 1, 1, 1, 3, 5, 2, 3, 3, 2, 1],
    "Vehicle crime": [55, 50, 47, 49, 56, 43, 52, 43, 43, 51, 51, 47, 43],
    "Violence and sexual offences": [
        222,
        253,
        266,
        234,
        212,
        217,
        225,
        195,
        224,
        192,
        258,
        228,
        181,
    ],
}


@pytest.fixture(scope="module")
def shipped(wards):
    return load_incidents([get_path("police_uk")], wards=wards)


def test_every_shipped_row_is_accounted_for(shipped):
    assert shipped.rows_in == 8530
    assert len(shipped.accepted) == 8522
    assert shipped.reasons == {"outside the district": 8}
    assert [f.rows_in for f in shipped.files] == [
        664,
        656,
        721,
        691,
        610,
        629,
        654,
        597,
        680,
        644,
        737,
        691,
        556,
    ]
    assert all(f.error is None for f in shipped.files)


def test_accepted_counts_match_the_independent_count(shipped):
    acc = shipped.accepted
    table = pd.crosstab(acc["source_category"], acc["occurred"].dt.strftime("%Y-%m"))
    got = {label: [int(table.loc[label].get(m, 0)) for m in MONTHS] for label in table.index}
    assert got == EXPECTED


def test_every_incident_has_a_ward_and_ids_are_unique(shipped):
    acc = shipped.accepted
    assert acc["ward_code"].notna().all()
    assert acc["ward_code"].nunique() == 26
    assert acc["incident_id"].is_unique
    busiest = acc["ward_name"].value_counts()
    assert busiest.index[0] == "Sevenoaks Town and St John's"
    assert busiest.iloc[0] == 779
