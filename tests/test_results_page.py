"""The Results page (AppTest): success measures, outcomes in words, the report's download."""

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = Path(__file__).parents[1] / "app.py"


@pytest.fixture(autouse=True)
def local_session(monkeypatch):
    """Count AppTest's session as this computer with no users (as tests/test_app.py does)."""
    monkeypatch.syspath_prepend(str(APP.parent))
    from app_pages import _auth

    monkeypatch.setattr(_auth, "_is_local", lambda: True)


def test_results_page_shows_measures_outcomes_and_offers_the_report():
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    at.switch_page("app_pages/results.py").run()
    assert not at.exception, [e.message for e in at.exception]

    assert at.title[0].value == "Results"
    assert at.selectbox(key="results-quarter").options[:3] == ["2025-Q3", "2025-Q2", "2025-Q1"]
    at.selectbox(key="results-quarter").select("2025-Q1").run()
    assert not at.exception
    measures = at.dataframe[0].value
    assert list(measures.columns) == [
        "Measure",
        "Target",
        "January to March 2025",
        "January to March 2024",
        "Change (95 % range)",
        "Verdict",
    ]
    assert dict(zip(measures["Measure"], measures["Verdict"], strict=True)) == {
        "All crime": "met",
        "Burglary": "too few to tell",
        "Vehicle crime": "too few to tell",
        "Anti-social behaviour": "too few to tell",
    }
    sentences = [m.value.replace("\\", "") for m in at.markdown]  # markdown_text's escapes
    assert any(s.startswith("All crime: 1,645 in January to March 2025") for s in sentences)
    # the page judges the store's approved weeks; with none, it says so in words
    assert "no approved deployment ran between 01 January 2025" in at.info[0].value
    [download] = at.get("download_button")
    assert download.proto.label == "Download the report (Word)"
    assert not download.proto.disabled  # open to this computer: export allowed


def test_results_page_says_so_when_the_year_before_is_not_loaded():
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    at.switch_page("app_pages/results.py").run()
    at.selectbox(key="results-quarter").select("2025-Q3").run()
    assert not at.exception
    assert set(at.dataframe[0].value["Verdict"]) == {"no comparison data"}
    assert "2024-07, 2024-08, 2024-09 are not loaded" in at.markdown[0].value.replace("\\", "")


def test_results_page_maps_the_quarters_judged_deployments(tmp_path, monkeypatch):
    from app_pages import _ui
    from geo.outcomes.planting import busy_sites
    from geo.pipeline import load
    from geo.store import save_plan
    from geo.testing import make_plan_rows

    # four cameras at busy places kept eight weeks (May and June 2025), approved in the store
    sites = [tuple(s) for s in busy_sites(load().accepted, ["2025-03", "2025-04"], n=4)]
    db = tmp_path / "plans.sqlite"
    for week in range(8):
        start = dt.date(2025, 5, 5) + dt.timedelta(weeks=week)
        rows = make_plan_rows(sites, start)
        rows.loc[0, "site_name"] = "<b>{{ lipsum.__name__ }}</b>"
        save_plan(db, week=start, deployments=rows, status="approved", saved_by="t", base_version=0)
    monkeypatch.setenv("GEO_PLAN_DB", str(db))
    drawn: list[str] = []
    monkeypatch.setattr(_ui, "show_map", lambda m, **_: drawn.append(m.get_root().render()))

    at = AppTest.from_file(str(APP), default_timeout=120).run()
    at.switch_page("app_pages/results.py").run()
    at.selectbox(key="results-quarter").select("2025-Q2").run()
    assert not at.exception, [e.message for e in at.exception]

    [html] = [d for d in drawn if "geo-outcome-" in d]  # the app's first page has its own map
    assert html.count('"verdict_words": ') == 4  # one symbol per judged camera
    for unit in ["Camera 1", "Camera 2", "Camera 3", "Camera 4"]:
        assert f'"unit": "{unit}"' in html
    assert "no clear change at the camera site" in html  # the words, in the popups
    assert "\\u0026lt;b\\u0026gt;\\u0026#123;\\u0026#123; lipsum.__name__" in html  # inert text
    assert "generate_lorem_ipsum" not in html
    assert "/app/static/leaflet/leaflet.js" in html
    assert "tile.openstreetmap" not in html  # no basemap: offline
    assert any("Each judged deployment at its site" in c.value for c in at.caption)


def test_results_page_says_so_when_nothing_can_be_mapped(monkeypatch):
    from app_pages import _ui

    drawn: list[str] = []
    monkeypatch.setattr(_ui, "show_map", lambda m, **_: drawn.append(m.get_root().render()))
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    at.switch_page("app_pages/results.py").run()
    at.selectbox(key="results-quarter").select("2025-Q1").run()
    assert not at.exception

    assert not [d for d in drawn if "geo-outcome-" in d]
    assert any("nothing to map" in c.value for c in at.caption)
