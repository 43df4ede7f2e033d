"""The weeks ahead (`geo.timeline`, ``geo timeline``) on the shipped data.

One look-ahead of five weeks from 2025-10-06 is made once for the module: the week of
13 October is approved in a fresh store first (with Camera 1 moved by the sergeant),
and Camera 5 is out of service in the suggested weeks, so the rules are seen to hold
across approved and suggested weeks, and their one exception is exercised.
"""

import datetime as dt
import itertools
import json

import pandas as pd
import pytest

from geo.cli import main
from geo.pipeline import approve_week, load, run_week
from geo.plan.registry import read_resources
from geo.resources import WeekOverrides
from geo.store import load_plan
from geo.timeline import COLUMNS, TIMELINE_KINDS, plan_ahead, stays

FIRST = dt.date(2025, 10, 6)
APPROVED = dt.date(2025, 10, 13)
WEEKS = 5
OUT = "Camera 5"


@pytest.fixture(scope="module")
def loaded():
    return load()


@pytest.fixture(scope="module")
def ahead(loaded, tmp_path_factory):
    db = tmp_path_factory.mktemp("store") / "plans.sqlite"
    run = run_week(loaded, week=APPROVED, resources=read_resources(), db=db)
    rows = run.plan.deployments
    first_camera = int(rows.index[rows["unit"] == "Camera 1"][0])
    taken = set(rows["site_name"])
    other = next(
        n
        for n in run.candidates.loc[run.candidates["resource"] == "cctv", "site_name"]
        if n not in taken
    )
    approve_week(run, {first_camera: {"site_name": other}}, None, by="PS 1234", db=db)
    timeline = plan_ahead(
        loaded,
        first=FIRST,
        weeks=WEEKS,
        resources=read_resources(),
        db=db,
        overrides=WeekOverrides(out_of_service=frozenset({OUT})),
    )
    return timeline, db


def _week(table: pd.DataFrame, week: dt.date) -> pd.DataFrame:
    return table[table["week"] == week.isoformat()]


def test_the_table_has_every_week_and_each_unit_at_most_one_site_a_week(ahead):
    timeline, _ = ahead
    table = timeline.table
    assert list(table.columns) == list(COLUMNS)
    assert sorted(table["week"].unique()) == [
        (FIRST + dt.timedelta(weeks=i)).isoformat() for i in range(WEEKS)
    ]
    assert set(table["kind"]) == set(TIMELINE_KINDS)  # cameras, boards and an EVA all appear
    assert table.groupby(["week", "unit"]).size().max() == 1
    assert table.groupby(["week", "site_id"]).size().max() == 1  # nor two units on one site
    assert set(table["status"]) == {"approved", "suggested"}
    assert (_week(table, FIRST)["moves"]).all()  # an empty store: everything goes up


def test_the_approved_week_is_taken_from_the_store_as_saved(ahead):
    timeline, db = ahead
    assert timeline.approved == (APPROVED,)
    saved = load_plan(db, week=APPROVED).deployments
    saved = saved[saved["resource"].isin(TIMELINE_KINDS)]
    shown = _week(timeline.table, APPROVED)
    assert set(shown["status"]) == {"approved"}
    assert shown[["unit", "site", "site_id"]].values.tolist() == (
        saved[["unit", "site_name", "site_id"]].values.tolist()
    )
    assert shown["weeks_on_site"].tolist() == saved["weeks_on_site"].astype(int).tolist()
    assert OUT in set(shown["unit"])  # planned before Camera 5 went out of service
    others = timeline.table[timeline.table["status"] == "suggested"]
    assert OUT not in set(others["unit"])


def test_suggested_weeks_start_from_the_week_before(ahead):
    timeline, _ = ahead
    table = timeline.table
    approved = _week(table, APPROVED).set_index("unit")
    after = _week(table, APPROVED + dt.timedelta(weeks=1)).set_index("unit")
    cameras = [u for u in approved.index if u.startswith("Camera") and u != OUT]
    for unit in cameras:  # within their minimum stay, every camera stays where it was approved
        assert after.at[unit, "site_id"] == approved.at[unit, "site_id"]
        assert after.at[unit, "weeks_on_site"] == approved.at[unit, "weeks_on_site"] + 1
        assert not after.at[unit, "moves"]


def test_a_camera_stays_its_minimum_unless_out_of_service(ahead):
    timeline, _ = ahead
    minimum = read_resources().of("cctv").min_weeks
    cams = timeline.table[timeline.table["kind"] == "cctv"]
    weeks = sorted(cams["week"].unique())
    cut_short = []
    for before, week in itertools.pairwise(weeks):
        was = cams[cams["week"] == before].set_index("unit")
        now = cams[cams["week"] == week].set_index("unit")
        if set(now["status"]) != {"suggested"}:
            continue  # the sergeant's approved changes are theirs to make
        for unit, row in was.iterrows():
            gone = unit not in now.index or now.at[unit, "site_id"] != row["site_id"]
            if gone and row["weeks_on_site"] < minimum:
                cut_short.append(unit)
    assert cut_short == [OUT]  # only the camera out of service left its site early


def test_boards_rest_and_evas_come_monthly_across_suggested_weeks(ahead):
    timeline, _ = ahead
    cfg = read_resources()
    table = timeline.table
    boards = table[table["kind"] == "speed_board"]
    assert boards["moves"].any()
    assert (~boards["moves"]).any()
    for row in boards[boards["moves"]].itertuples():
        week = dt.date.fromisoformat(row.week)
        since = (week - dt.timedelta(weeks=cfg.of("speed_board").rest_weeks)).isoformat()
        earlier = boards[(boards["site_id"] == row.site_id) & (boards["week"] >= since)]
        assert (earlier["week"] >= row.week).all(), row  # no board there in the rest weeks
    assert boards["weeks_on_site"].max() <= cfg.of("speed_board").max_weeks
    evas = table[table["kind"] == "eva"]
    suggested = evas[evas["status"] == "suggested"]
    assert len(suggested)
    for row in suggested.itertuples():  # none in the four weeks before, approved or suggested
        since = (dt.date.fromisoformat(row.week) - dt.timedelta(weeks=4)).isoformat()
        assert not ((evas["week"] >= since) & (evas["week"] < row.week)).any(), row


def test_stays_add_up_to_the_table(ahead):
    timeline, _ = ahead
    runs = stays(timeline.table)
    assert runs["weeks"].sum() == len(timeline.table)
    per_unit = runs.groupby("unit")["weeks"].sum()
    assert per_unit.max() <= WEEKS
    assert (runs["start"] < runs["end"]).all()


def test_cli_json_keys_and_one_line_errors(capsys, tmp_path):
    assert (
        main(
            [
                "timeline",
                "--from",
                "2025-10-08",
                "--weeks",
                "1",
                "--json",
                "--db",
                str(tmp_path / "p.sqlite"),
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"from", "weeks", "approved_weeks", "rows", "notes"}
    assert out["from"] == "2025-10-06"
    assert out["weeks"] == 1
    assert out["approved_weeks"] == []
    assert out["rows"]
    assert set(out["rows"][0]) == set(COLUMNS)
    assert {r["status"] for r in out["rows"]} == {"suggested"}

    assert main(["timeline", "--from", "2025-10-06", "--weeks", "13"]) == 2
    err = capsys.readouterr().err
    assert err == "geo timeline: --weeks must be 1 to 12, got 13\n"
    assert main(["timeline", "--from", "2025-10-06", "--out-of-service", "Camera 99"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("geo timeline: --out-of-service 'Camera 99' is not a unit")
    assert "\n" not in err
