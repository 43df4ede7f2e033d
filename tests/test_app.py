import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.datasets import get_path
from geo.plan.registry import read_resources
from geo.safe_text import markdown_text

APP = Path(__file__).parents[1] / "app.py"


@pytest.fixture(autouse=True)
def local_session(monkeypatch):
    """Count AppTest's session (a mock remote address) as this computer: no users set up.

    The real rule (loopback only, no proxy headers) is tested in Chromium in
    tests/test_browser_auth.py.
    """
    monkeypatch.syspath_prepend(str(APP.parent))
    from app_pages import _auth

    monkeypatch.setattr(_auth, "_is_local", lambda: True)
    monkeypatch.setattr(_auth, "server_address", lambda: "127.0.0.1")  # as .streamlit/config.toml


def run(page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def text(element) -> str:
    """The text a message shows: its Markdown source less the escapes of `markdown_text`."""
    return re.sub(r"\\(.)", r"\1", element.value)


def folium_maps(at: AppTest) -> list:
    """The st_folium components on the page (AppTest shows them as UnknownElement)."""
    found = []
    for node in at.get("component_instance") or []:
        args = json.loads(node.proto.json_args)
        if "script" in args:
            found.append(args)
    return found


def assert_offline(args: dict) -> None:
    links = args["js_links"] + args["css_links"]
    assert links, "the map loads Leaflet from somewhere"
    assert all(link.startswith("/app/static/") for link in links), links
    assert "https://" not in args["script"]
    assert "http://" not in args["script"]


def test_map_page_draws_wards_and_incidents_offline():
    at = run()

    assert at.title[0].value == "Map"
    [args] = folium_maps(at)
    assert_offline(args)
    assert "Swanley St Mary" in args["script"]
    assert "heatLayer" in args["script"]
    assert at.caption[0].value.startswith("451 incidents, Jul 2025 to Sep 2025")
    assert "months loaded of" in at.caption[0].value  # gaps in the data are said, not hidden


def test_map_page_filters_by_ward():
    at = run()
    at.toggle(key="map-hotspots").set_value(False)  # district-wide hotspots
    at.toggle(key="map-plan").set_value(False)  # and plan would name other wards
    at.multiselect(key="map-wards").select("Edenbridge North and East").run()

    assert not at.exception
    [args] = folium_maps(at)
    assert "Edenbridge North and East" in args["script"]
    assert "Swanley St Mary" not in args["script"]


def test_pact_page_shows_counts_in_words_and_no_points():
    at = run("app_pages/pact.py")

    assert (
        at.selectbox(key="pact-quarter").value.long_words() == "July to September 2025"
    )  # the latest quarter
    assert text(at.header[0]) == "Swanley, July to September 2025"
    assert [m.value for m in at.metric] == ["470"]  # no year before loaded: said once instead
    assert any("2024 is not loaded" in m.value for m in at.markdown)
    quarter = r"(January to March|April to June|July to September|October to December) \d{4}"
    assert all(re.fullmatch(quarter, o) for o in at.selectbox(key="pact-quarter").options)
    [args] = folium_maps(at)
    assert_offline(args)
    assert "pointToLayer" not in args["script"]
    assert "circleMarker" not in args["script"]
    labels = [b.label for b in at.get("download_button")]
    assert labels == [
        "Download this map as a web page (opens offline)",
        "Download the table (CSV)",
    ]


def test_pact_page_without_last_year_says_so():
    at = run("app_pages/pact.py")
    at.selectbox(key="pact-quarter").select_index(
        len(at.selectbox(key="pact-quarter").options) - 1
    ).run()  # the oldest quarter
    assert not at.exception
    assert len(at.metric) == 1
    assert any("is not loaded" in m.value for m in at.markdown)
    at.selectbox(key="pact-quarter").select("January to March 2025").run()
    assert at.metric[1].value.endswith("on a year earlier")


def test_data_page_accounts_for_every_row():
    at = run("app_pages/data.py")

    from geo.pipeline import load

    shipped = load().result  # the same files through the library
    assert [m.value for m in at.metric] == [
        f"{shipped.rows_in:,}",
        f"{len(shipped.accepted):,}",
        f"{len(shipped.rejected):,}",
    ]
    assert shipped.rows_in == len(shipped.accepted) + len(shipped.rejected)
    files = at.dataframe[0].value
    assert len(files) == len(list(get_path("police_uk").glob("*.csv")))
    assert set(at.dataframe[1].value["Reason"]) == {"outside the district"}


def test_public_mode_serves_the_pact_page_alone(monkeypatch):
    monkeypatch.setenv("GEO_PUBLIC", "1")
    at = AppTest.from_file(str(APP), default_timeout=120).run()

    assert not at.exception
    assert at.title[0].value == "PACT map"
    for internal in ["app_pages/data.py", "app_pages/map.py"]:
        with pytest.raises(
            ValueError,
            match=r"Could not find a navigation page.*Known pages: \[[^,]*pact\.py', [^,]*pact\.py'\]",  # noqa: E501
        ):
            at.switch_page(internal).run()
    assert at.title[0].value == "PACT map"


@pytest.fixture
def plan_db(tmp_path, monkeypatch):
    db = tmp_path / "plans.sqlite"
    monkeypatch.setenv("GEO_PLAN_DB", str(db))
    return db


def test_map_page_shows_hotspots_and_on_request_the_suggested_plan(plan_db):
    at = run()
    [args] = folium_maps(at)
    assert "ASB+CD-" in args["script"]  # hotspot outlines with their ids
    assert "Camera 1" not in args["script"]  # the plan is not drawn unless asked for
    [plan_toggle] = [t for t in at.toggle if t.label == "This week's suggested plan"]
    plan_toggle.set_value(True).run()
    [args] = folium_maps(at)
    assert "Camera 1" in args["script"]  # the week's deployments
    assert not plan_db.exists()  # looking at a plan does not save it


def _metrics(at):
    return {m.label: m.value for m in at.metric}


def test_this_week_page_approves_and_shows_the_approved_plan_after_a_reload(plan_db):
    at = run("app_pages/week.py")
    assert list(_metrics(at)) == ["Cameras", "Speed boards", "EVAs", "Patrol hours"]
    assert _metrics(at)["Cameras"] == "5 of 5 cameras"
    assert "Suggested plan: not approved" in text(at.warning[-1])
    [units] = [m for m in at.multiselect if m.label == "Units out of service"]
    units.select("Camera 3").run()
    assert _metrics(at)["Cameras"] == "4 of 5 cameras"  # and "1 out of service" below it
    at.text_input(key="saved-by").input("PS 1234").run()
    at.button(key="approve").click().run()
    assert not at.exception
    assert "Approved and saved as version 1 by PS 1234" in text(at.success[0])
    import datetime as dt

    from geo.store import load_plan

    saved = load_plan(plan_db, week=dt.date(2025, 10, 6))
    assert saved.status == "approved"
    cams = saved.deployments[saved.deployments["resource"] == "cctv"]
    assert len(cams) == 4
    assert "Camera 3" not in set(cams["unit"])
    assert set(saved.deployments["status"]) == {"approved"}
    # a reload (a new session) shows the approved plan, its version, approver and statuses
    again = run("app_pages/week.py")
    assert text(again.success[0]).startswith("Approved plan, version 1, by PS 1234")
    rows = again.dataframe[0].value
    assert set(rows["Status"]) == {"approved"}
    assert "approve" not in [b.key for b in again.button]  # approving again is not offered


def test_this_week_page_refuses_to_save_over_a_newer_version(plan_db):
    import datetime as dt

    from geo.pipeline import approve_week, load, run_week

    at = run("app_pages/week.py")
    at.text_input(key="saved-by").input("PS 1234").run()
    # meanwhile someone else approves the week
    other = run_week(load(), week=dt.date(2025, 10, 6), resources=read_resources(), db=plan_db)
    approve_week(other, None, None, by="PS 9999", db=plan_db)
    at.button(key="approve").click().run()
    assert not at.exception
    assert "was saved as version 1 by PS 9999" in text(at.error[0])
    assert any(b.label == "Reload the saved plan" for b in at.button)


def test_hotspots_page_lists_and_exports():
    at = run("app_pages/hotspots.py")
    assert at.caption[0].value.startswith("10 hotspots of Anti-social behaviour in the 3 month")
    table = at.dataframe[0].value
    assert table["Wards"].str.contains("Swanley").any()
    assert len(at.get("download_button")) == 3


def _uploader(at):
    [box] = at.get("file_uploader")
    return box


def _metric_values(at):
    return {m.label: m.value for m in at.metric}


def test_data_page_upload_then_x_stops_using_it():
    at = run("app_pages/data.py")
    before = _metric_values(at)["Rows in"]
    log = b"date,category,postcode,location\n14/09/2025,ASB,TN13 1AA,Bank Street\n"
    _uploader(at).upload("csu log.csv", log, "text/csv").run()
    assert not at.exception
    assert text(at.subheader[0]) == "Your uploads"  # the upload's own summary comes first
    assert at.dataframe[0].value["Accepted"].tolist() == [1]
    _uploader(at).set_value(None).run()  # the x in the upload box
    assert _metric_values(at)["Rows in"] == before


def test_data_page_maps_the_columns_of_a_file_with_other_headers():
    at = run("app_pages/data.py")
    log = b"When,Issue,Where\n14/09/2025,Fly-tipping,TN13 1AA\n15/09/2025,ASB,TN14 5AA\n"
    _uploader(at).upload("council export.csv", log, "text/csv").run()
    assert not at.exception
    assert "council export.csv" in text(at.error[0])
    assert markdown_text("council export.csv") in at.error[0].value  # escaped for Markdown
    for field, column in {"date": "When", "category": "Issue", "postcode": "Where"}.items():
        at.selectbox(key=f"map-council export.csv-{field}").select(column)
    at.button(key="map-council export.csv").click().run()
    assert not at.exception
    ours = at.dataframe[0].value
    assert ours["File"].tolist() == ["council export (columns mapped).csv"]
    assert ours["Rows in"].tolist() == [2]
    assert ours["Accepted"].tolist() + ours["Rejected"].tolist() in ([2, 0], [1, 1])


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("x" * 300 + ".csv", b"date,category,postcode\n14/09/2025,ASB,TN13 1AA\n"),
        ("dupes.csv", b"date,category,category,postcode\n14/09/2025,ASB,ASB,TN13 1AA\n"),
        ("far future.csv", b"date,category,postcode\n31/12/9999,ASB,TN13 1AA\n"),
    ],
)
def test_data_page_hostile_uploads_get_one_line_never_a_traceback(name, body):
    at = run("app_pages/data.py")
    _uploader(at).upload(name, body, "text/csv").run()
    assert not at.exception
    shown = " ".join(e.value for e in at.error) + " ".join(str(d.value) for d in at.dataframe)
    assert "Traceback" not in shown
    assert "/tmp/" not in shown
    assert "geo_home" not in shown
    ours = at.dataframe[0].value
    assert len(ours) == 1
    assert len(ours["File"].iloc[0]) <= 80


def test_a_store_that_is_not_its_own_gets_one_line_and_is_left_alone(plan_db):
    plan_db.write_bytes(b"this is not a database" * 50)
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not at.exception
    assert "cannot be read" in text(at.error[0])  # the sign-in gate reads the store first
    assert plan_db.read_bytes() == b"this is not a database" * 50


def _signed_in_week(name):
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.switch_page("app_pages/week.py")
    at.run()
    at.text_input(key="sign-in-name").input(name)
    at.text_input(key="sign-in-password").input("correct horse battery")
    at.button(key="sign-in-submit").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_only_a_signed_in_sergeant_approves_and_the_approval_names_them(tmp_path, monkeypatch):
    import datetime as dt

    from geo.store import load_plan
    from geo.users import add_user, audit_log

    monkeypatch.setenv("GEO_HOME", str(tmp_path))
    monkeypatch.delenv("GEO_PLAN_DB", raising=False)
    store = tmp_path / "plans.sqlite"
    add_user(store, "PS 1234 Smith", "sergeant", "correct horse battery")
    add_user(store, "PCSO Viewer", "viewer", "correct horse battery")
    viewer = _signed_in_week("PCSO Viewer")
    assert "approve" not in [b.key for b in viewer.button]
    assert "Only a sergeant may approve the week's plan." in [c.value for c in viewer.caption]
    sergeant = _signed_in_week("PS 1234 Smith")
    assert "saved-by" not in [t.key for t in sergeant.text_input]  # no typed name: the user
    sergeant.button(key="approve").click().run()
    assert not sergeant.exception
    saved = load_plan(store, week=dt.date(2025, 10, 6))
    assert (saved.version, saved.saved_by) == (1, "PS 1234 Smith")
    log = audit_log(store)
    approvals = log[log["action"] == "approve"]
    assert approvals["who"].tolist() == ["PS 1234 Smith"]


def test_a_warm_start_reads_the_parse_cache_not_the_csvs(parsed_files):
    """A second start (a new process: Streamlit's caches empty) parses no CSV again."""
    import streamlit as st

    parsed = parsed_files
    st.cache_resource.clear()
    st.cache_data.clear()
    cold = run()
    shipped = {p.name for p in get_path("police_uk").glob("*.csv")}
    assert shipped <= set(parsed)  # the cold start parsed every shipped month

    parsed.clear()
    st.cache_resource.clear()  # what a restarted app starts with
    st.cache_data.clear()
    warm = run()
    assert parsed == []  # every file came from GEO_HOME/cache
    assert warm.caption[0].value == cold.caption[0].value


# --- an unusable GEO_HOME (issue 22 item 6) ------------------------------------------------------


def test_a_geo_home_that_is_a_file_is_one_line_on_the_first_page(tmp_path, monkeypatch):
    home = tmp_path / "not-a-folder"
    home.write_text("x")
    monkeypatch.setenv("GEO_HOME", str(home))
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not at.exception, [e.message for e in at.exception]
    assert [e.value for e in at.error] == [
        "The app's state folder (GEO_HOME) is a file or cannot be made, so the app cannot run: "
        "set GEO_HOME on the server to a folder it can write (the server log names the path)"
    ]
    assert str(tmp_path) not in json.dumps([e.value for e in at.error])
    assert not at.tabs
    assert not at.dataframe


def test_a_read_only_geo_home_keeps_the_app_working_without_the_cache(tmp_path, monkeypatch):
    import geo.home

    monkeypatch.setenv("GEO_HOME", str(tmp_path / "ro"))
    monkeypatch.setattr(geo.home, "_writable", lambda _folder: False)  # as EROFS, ENOSPC would
    at = run("app_pages/data.py")
    assert [e.value for e in at.warning][:1] == [
        "The app's state folder (GEO_HOME) is read-only or full: the app works without its "
        "cache of parsed files, and plans, users and uploads cannot be saved"
    ]
    assert not at.error
    assert at.metric[0].value != "0"  # the shipped files were read (rows in)
    assert not (tmp_path / "ro" / "cache").exists()
