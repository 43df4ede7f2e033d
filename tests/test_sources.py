"""The source registry: one module per layout, tried in order."""

import datetime as dt
import types

import numpy as np
import pandas as pd
import pytest

from geo import sources
from geo._errors import InputFileError
from geo.incidents import load_incidents
from geo.sources import SOURCES, detect_source
from geo.testing import POLICE_UK_HEADER, write_text


def test_every_source_has_the_same_small_interface():
    for source in SOURCES:
        assert isinstance(source.NAME, str)
        for name in ("detect", "used_columns", "parse"):
            assert callable(getattr(source, name))


@pytest.mark.parametrize(
    ("header", "name"),
    [
        (list(POLICE_UK_HEADER), "police.uk"),
        (
            [
                "date",
                "site",
                "road",
                "speed_limit_mph",
                "vehicles_checked",
                "vehicles_reported",
                "easting",
                "northing",
            ],
            "speeding",
        ),
        (["Reference", "Date", "Category", "Postcode"], "csu_log"),
    ],
)
def test_each_layout_is_recognised_by_its_own_module(header, name):
    assert name == detect_source(header).NAME


def test_an_unknown_header_names_what_each_layout_needs():
    with pytest.raises(InputFileError, match="wrong columns"):
        detect_source(["a", "b"])


def test_used_columns_leave_out_what_the_loader_never_reads():
    used = detect_source(list(POLICE_UK_HEADER)).used_columns(list(POLICE_UK_HEADER))
    assert set(used) == {
        "Crime ID",
        "Month",
        "Longitude",
        "Latitude",
        "Location",
        "Crime type",
        "Reported by",  # the force: a police.uk month is a duplicate per force (#22)
        "Falls within",
    }


def _toy_source() -> types.ModuleType:
    """A layout for noise complaints at grid references: one module's worth of functions."""
    toy = types.ModuleType("noise")
    toy.NAME = "noise"
    toy.detect = lambda header, _column_map=None: header[:3] == ["when", "e", "n"]
    toy.used_columns = lambda _header, _context=None: ["when", "e", "n"]

    def parse(table, _context=None):
        rows = table.rows
        n = len(rows)
        return pd.DataFrame(
            {
                "line": rows["line"],
                "incident_id": "noise:" + rows["line"].astype(str),
                "category": "asb",
                "source_category": "Noise",
                "source": "noise",
                "occurred": pd.to_datetime(rows["when"]),
                "date_precision": "day",
                "location": "",
                "x": pd.to_numeric(rows["e"]),
                "y": pd.to_numeric(rows["n"]),
                "reason": np.full(n, "", dtype=object),
                "detail": np.full(n, "", dtype=object),
            }
        )

    toy.parse = parse
    return toy


def test_a_new_layout_is_one_module_and_one_registry_entry(tmp_path, wards, monkeypatch):
    monkeypatch.setattr(sources, "SOURCES", (*SOURCES, _toy_source()))
    path = write_text(tmp_path / "noise.csv", "when,e,n\n2025-09-01,551300,168800\n")
    result = load_incidents([path], wards=wards, now=dt.datetime(2026, 1, 1))
    assert result.accepted["source"].tolist() == ["noise"]
    assert result.accepted["ward_code"].notna().all()
    assert result.files[0].kind == "noise"
