"""A site the sergeant chooses: its reason rebuilt, its label unique, its approval checked (#20)."""

import datetime as dt
import json
from dataclasses import replace

import icalendar
import pandas as pd
import pytest

from geo._errors import GeoInputError
from geo.cli import main
from geo.pipeline import approve_week, edited_run, edits_of_units, load, run_week
from geo.plan.registry import read_resources
from geo.plan_calendar import plan_calendar
from geo.plan_export import kit_words, plan_summary, plan_table, printable_plan, sheet_of_run
from geo.resources import WeekOverrides
from geo.safe_text import html_text
from geo.store import load_plan

WEEK = dt.date(2025, 10, 6)


@pytest.fixture(scope="module")
def loaded():
    return load()


@pytest.fixture(scope="module")
def run(loaded, tmp_path_factory):
    return run_week(
        loaded,
        week=WEEK,
        resources=read_resources(),
        history=False,
        db=tmp_path_factory.mktemp("db") / "p.db",
    )


def _other_site(run, pos):
    """A candidate of the row's own kind that no row uses, with its label."""
    rows = run.plan.deployments
    own = run.candidates[run.candidates["resource"] == rows.at[pos, "resource"]]
    return own[~own["site_id"].isin(rows["site_id"])].iloc[0]


def test_every_kinds_site_labels_are_unique_on_the_shipped_week(run):
    c = run.candidates
    assert set(c["resource"]) == {"cctv", "speed_board", "eva", "patrol"}
    for kind, sites in c.groupby("resource"):
        assert not sites["site_label"].duplicated().any(), kind
        assert sites["site_id"].is_unique, kind
    ash = c[
        (c["resource"] == "cctv") & (c["site_name"].str.startswith("On or near Parking Area, Ash"))
    ]
    assert len(ash) == 3  # the three sites the sergeant could not tell apart
    assert ash["site_label"].nunique() == 3
    assert all("of the hotspot centre" in label for label in ash["site_label"])
    boards = c[c["resource"] == "speed_board"]
    assert (boards["site_id"].isin(c.loc[c["resource"] == "cctv", "site_id"])).sum() == 0
    limit = read_resources().of("speed_board").max_limit_mph
    assert not boards["site_name"].str.startswith("M25").any()  # a motorway is not a board site
    assert limit == 40


@pytest.mark.parametrize("pos_of_kind", ["cctv", "speed_board", "eva", "patrol"])
def test_a_changed_site_gets_the_planners_reason_with_its_own_counts(run, pos_of_kind):
    rows = run.plan.deployments
    pos = int(rows.index[rows["resource"] == pos_of_kind][0])
    site = _other_site(run, pos)
    changed = edited_run(run, {pos: {"site": site["site_label"]}}, by="PS 1234", at="now")
    row = changed.plan.deployments.loc[pos]
    assert row["site_id"] == site["site_id"]
    assert row["status"] == "changed"
    assert row["reason"] != rows.at[pos, "reason"]
    place = str(site["site_name"]).split(",")[0]
    assert place in row["reason"]
    assert str(rows.at[pos, "site_name"]).split(",")[0] not in row["reason"].split(" (moved")[0]
    # the same words the planner writes for its own choice of that kind
    first = rows.at[pos, "reason"].split(" ")[0]
    assert row["reason"].startswith(first)
    assert row["numbers"] != rows.at[pos, "numbers"]  # the new site's own figures


def test_a_moved_camera_counts_its_new_site_in_every_export(run):
    rows = run.plan.deployments
    ash = run.candidates[
        (run.candidates["resource"] == "cctv")
        & run.candidates["site_label"].str.contains("90 m SW of the hotspot centre")
    ].iloc[0]
    changed = edited_run(run, {0: {"site": ash["site_label"]}}, by="PS 1234", at="now")
    reason = changed.plan.deployments.at[0, "reason"]
    assert reason.startswith("Camera 1 goes to On or near Parking Area, Ash and New Ash Green")
    assert f"moved from {rows.at[0, 'site_name']}" in reason
    recent = changed.plan.deployments.at[0, "numbers"]["incidents_recent"]
    assert f": {recent} ASB and criminal damage incidents within 100 m" in reason
    sheet = sheet_of_run(changed)
    assert plan_table(sheet).at[0, "Why"] == reason  # XLSX and CSV write this table
    assert plan_summary(sheet)["deployments"][0]["reason"] == reason  # --json
    assert html_text(reason) in printable_plan(sheet)
    cal = plan_calendar(sheet)
    texts = [str(e.get("DESCRIPTION", "")) for e in cal.walk("VEVENT")]
    assert any(reason in t for t in texts)
    assert icalendar.Calendar.from_ical(cal.to_ical())  # parses


def test_approve_saves_the_rebuilt_reason(run, tmp_path):
    site = _other_site(run, 0)
    saved = approve_week(run, {0: {"site": site["site_id"]}}, None, by="PS 1234", db=tmp_path / "p")
    row = saved.deployments.iloc[0]
    assert row["site_name"] == site["site_name"]
    assert row["reason"].startswith(f"Camera 1 goes to {site['site_name']}")
    assert row["status"] == "changed"
    assert row["changed_by"] == "PS 1234"


def test_approve_refuses_two_units_on_one_site_in_words(run, tmp_path):
    rows = run.plan.deployments
    with pytest.raises(GeoInputError) as err:
        approve_week(run, {1: {"site": rows.at[0, "site_id"]}}, None, by="PS 1", db=tmp_path / "p")
    words = str(err.value)
    assert "\n" not in words
    assert words.startswith("not approved: Camera 1 and Camera 2 are both at ")
    assert load_plan(tmp_path / "p", week=WEEK) is None  # nothing saved


def test_approve_refuses_a_site_off_limits_this_week(loaded, tmp_path):
    base = run_week(loaded, week=WEEK, resources=read_resources(), history=False, db=tmp_path / "p")
    site = _other_site(base, 0)
    barred = run_week(
        loaded,
        week=WEEK,
        resources=read_resources(),
        history=False,
        db=tmp_path / "p",
        overrides=WeekOverrides(excluded_sites=frozenset({site["site_id"]})),
    )
    with pytest.raises(GeoInputError, match="off limits this week"):
        approve_week(barred, {0: {"site": site["site_id"]}}, None, by="PS 1", db=tmp_path / "p")


def test_cli_move_and_refusals_are_one_line_exit_2(tmp_path, capsys):
    db = str(tmp_path / "p.sqlite")
    args = ["plan", "--week", "2025-10-06", "--db", db]
    doggetts = "On or near Doggetts Close, Edenbridge South and West"
    assert main([*args, "--move", f"Camera 2={doggetts}", "--approve", "--by", "PS 1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "Camera 1 and Camera 2 are both at" in err
    ash = "On or near Parking Area, Ash and New Ash Green"
    assert main([*args, "--move", f"Camera 2={ash}"]) == 2  # a shared name: choose a label
    assert "choose one of" in capsys.readouterr().err
    label = f"{ash} (90 m SW of the hotspot centre)"
    assert main([*args, "--exclude", label, "--move", f"Camera 1={label}", "--approve"]) == 2
    assert "off limits this week" in capsys.readouterr().err
    assert main([*args, "--move", f"Camera 1={label}", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["deployments"][0]["reason"].startswith(f"Camera 1 goes to {ash} (moved from")


def test_site_changes_kept_by_unit_are_carried_to_a_replanned_week(loaded, run, tmp_path):
    site = _other_site(run, 0)
    more = run_week(
        loaded,
        week=WEEK,
        resources=read_resources(),
        history=False,
        db=tmp_path / "p",
        overrides=WeekOverrides(amounts={"patrol": 10.0}),
    )
    edits, dropped = edits_of_units(more, {"Camera 1": site["site_id"], "Patrol 9": "x"})
    assert edits == {0: {"site": site["site_id"]}}
    assert dropped == ["Patrol 9 is not in this plan, so its site change is not applied"]


def test_metrics_say_what_is_out_of_service(run):
    sheet = sheet_of_run(
        replace(run, overrides=WeekOverrides(out_of_service=frozenset({"Camera 3"})))
    )
    sheet = replace(
        sheet, available={**sheet.available, "cctv": 4.0}, used={**sheet.used, "cctv": 4.0}
    )
    assert kit_words(sheet, read_resources())["cctv"] == "4 of 5 cameras, 1 out of service"
    plain = kit_words(sheet_of_run(run), read_resources())
    assert plain["cctv"] == "5 of 5 cameras"
    assert pd.notna(plain["patrol_hours"])
