"""The Weeks ahead page (AppTest): the chart of stays, moves in words, the table, guarded text."""

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from geo.pipeline import approve_week, load, run_week
from geo.plan.registry import read_resources
from geo.timeline import stays

APP = Path(__file__).parents[1] / "app.py"
APPROVED = dt.date(2025, 10, 13)


@pytest.fixture(autouse=True)
def local_session(monkeypatch):
    """Count AppTest's session as this computer with no users (as tests/test_app.py does)."""
    monkeypatch.syspath_prepend(str(APP.parent))
    from app_pages import _auth

    monkeypatch.setattr(_auth, "_is_local", lambda: True)


def _chart(at: AppTest):
    """Return the page's Vega-Lite chart: its spec and its data."""
    [chart] = [e.proto for e in at.main if type(e.proto).__name__ == "VegaLiteChart"]
    data = pa.ipc.open_stream(chart.datasets[0].data.data).read_all().to_pandas()
    return json.loads(chart.spec), data


def test_weeks_ahead_shows_approved_and_suggested_weeks(geo_home):
    db = geo_home / "plans.sqlite"  # the app's store (GEO_HOME, set for every test)
    run = run_week(load(), week=APPROVED, resources=read_resources(), db=db)
    approve_week(run, None, None, by="PS 1234", db=db)

    at = AppTest.from_file(str(APP), default_timeout=120).run()
    at.switch_page("app_pages/timeline.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value == "Weeks ahead"
    words = at.caption[0].value.replace("\\", "")  # markdown_text's escapes
    assert words.startswith("8 weeks from 06 October 2025: 1 approved (from the saved plans), 7")

    spec, bars = _chart(at)
    assert spec["encoding"]["opacity"]["title"] == "Plan"
    assert spec["encoding"]["opacity"]["scale"]["domain"] == ["approved", "suggested"]
    assert spec["encoding"]["color"]["title"] == "Kind"
    assert set(bars["kind"]) == {
        "Mobile CCTV",
        "Speed indicator boards",
        "Environmental Visual Audit",
    }
    assert set(bars["status"]) == {"approved", "suggested"}
    assert bars["weeks"].sum() == len(at.dataframe[0].value)  # every row is in one bar

    table = at.dataframe[0].value
    assert list(table.columns) == [
        "Week of",
        "Kind",
        "Unit",
        "Site",
        "Weeks there",
        "Plan",
        "Moves",
    ]
    assert set(table.loc[table["Week of"] == APPROVED.isoformat(), "Plan"]) == {"approved"}
    assert table.groupby(["Week of", "Unit"]).size().max() == 1
    moves = [m.value.replace("\\", "") for m in at.markdown if "Week of" in m.value]
    assert moves[0].startswith("Week of 2025-10-06 (suggested): Camera 1 to ")

    at.slider(key="timeline-weeks").set_value(
        4
    ).run()  # fewer weeks: planned already, so from the cache
    assert not at.exception
    assert at.dataframe[0].value["Week of"].nunique() == 4


def test_site_names_reach_the_table_formula_guarded():
    import pandas as pd

    from app_pages import _cache
    from geo.timeline import Timeline

    table = pd.DataFrame(
        {
            "week": ["2025-10-06"],
            "kind": ["cctv"],
            "unit": ["Camera 1"],
            "site": ['=HYPERLINK("http://x")'],
            "site_id": ["1:1"],
            "weeks_on_site": [1],
            "status": ["suggested"],
            "moves": [True],
        }
    )
    t = Timeline(first=dt.date(2025, 10, 6), weeks=1, table=table, approved=(), notes=())
    assert _cache.timeline_table(t)["Site"].tolist() == ['\'=HYPERLINK("http://x")']
    assert stays(table)["site"].tolist() == ['=HYPERLINK("http://x")']  # guarded at the sink


def test_weeks_ahead_is_internal(monkeypatch):
    monkeypatch.setenv("GEO_PUBLIC", "1")
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/timeline.py").run()
    assert at.title[0].value == "PACT map"
