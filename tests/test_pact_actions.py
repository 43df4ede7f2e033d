"""You said, we did: only what the sergeant marked, in words, never a day or a time (#21)."""

import dataclasses
import datetime as dt
import io
import json
import re
from contextlib import redirect_stdout

import pandas as pd
import pytest

from app_pages import _public
from geo._errors import GeoInputError
from geo.cli.pact import _print
from geo.maps.pact import offline_page, public_csv
from geo.pact import PactArea, public_view, view_json
from geo.pact_actions import public_actions, quarter_actions, read_publish_rules
from geo.periods import months_window
from geo.plan_notes import Mark, amend_week, is_published
from geo.schema import DEPLOYMENT_COLUMNS
from geo.settings import PublicMapRules, PublishRules
from geo.store import load_plan, save_plan
from geo.testing import ORIGIN, make_incidents, make_ward_grid
from geo.users import audit_log

SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://x")'
TEMPLATE = "{{ 7*7 }}"
WEEK = dt.date(2025, 8, 4)
MONTHS = ["2025-07", "2025-08", "2025-09"]
TIME = re.compile(r"\b\d{1,2}[:.]\d{2}\b|\b\d{4}-\d{2}-\d{2}\b|\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)")


def wards():
    grid = make_ward_grid(2, 1)
    grid["ward_name"] = ["Hextable", f"Swanley {SCRIPT}"]
    return grid


def at(ward: int) -> tuple[float, float]:
    return ORIGIN[0] + 500 + 1000 * ward, ORIGIN[1] + 500


def row(resource, unit, site, ward, start, end, numbers=None):
    x, y = at(ward)
    base = dict.fromkeys(DEPLOYMENT_COLUMNS, "")
    return base | {
        "resource": resource,
        "unit": unit,
        "site_id": f"{resource}-{site}",
        "site_name": site,
        "x": x,
        "y": y,
        "start": start,
        "end": end,
        "weeks_on_site": 1,
        "status": "suggested",
        "numbers": numbers or {},
    }


def visits(n, minutes=30):
    return {
        "visits": n,
        "minutes": n * minutes,
        "schedule": [
            {
                "visit": k,
                "date": "2025-08-05",
                "day": "Tue",
                "start": "14:30",
                "minutes": minutes,
                "officer": "PCSO 1 A",
            }
            for k in range(1, n + 1)
        ],
    }


def week_rows(week: dt.date) -> pd.DataFrame:
    mon, sun, wed = (week + dt.timedelta(days=d) for d in (0, 6, 2))
    s, e, w = mon.isoformat(), sun.isoformat(), wed.isoformat()
    return pd.DataFrame(
        [
            row("eva", "EVA", f"On or near {SCRIPT} {TEMPLATE}, Swanley", 1, w, w),
            row("speed_board", "Board 1", f"{FORMULA} Road, Hextable", 0, s, e),
            row("speed_board", "Board 2", "College Road, Hextable", 0, s, e),
            row("speed_board", "Board 3", "Secret Lane, Hextable", 0, s, e),  # never marked
            row("patrol", "Patrol 1", "Hextable Green, Hextable", 0, s, e, visits(40)),
            row("patrol", "Patrol 2", "The Parade, Hextable", 0, s, e, visits(4)),
            row("cctv", "Camera 1", "Camera Lane, Hextable", 0, s, e),
        ]
    )


@pytest.fixture
def store(tmp_path):
    """Two approved weeks of August 2025; the sergeant publishes some units of each."""
    db = tmp_path / "plans.sqlite"
    for week in (WEEK, WEEK + dt.timedelta(days=7)):
        save_plan(
            db,
            week=week,
            deployments=week_rows(week),
            status="approved",
            saved_by="Sgt A Khan",
            base_version=None,
        )
    amend_week(
        db,
        week=WEEK,
        notes={},
        marks=[Mark("Patrol 1 visit 1", "not done")]
        + [Mark(f"Patrol 2 visit {k}", "not done") for k in range(1, 5)],
        by="Sgt A Khan",
        publish=["EVA", "Board 1", "Board 2", "Patrol 1", "Patrol 2", "Camera 1"],
    )
    amend_week(
        db, week=WEEK + dt.timedelta(days=7), notes={}, marks=[], by="Sgt B", publish=["board 1"]
    )
    return db


def test_the_publish_mark_is_kept_with_a_new_version_and_audited(store):
    first = load_plan(store, week=WEEK)
    assert first.version == 2
    marked = {r["unit"]: is_published(r) for r in first.deployments.to_dict("records")}
    assert marked == {
        "EVA": True,
        "Board 1": True,
        "Board 2": True,
        "Board 3": False,
        "Patrol 1": True,
        "Patrol 2": True,
        "Camera 1": True,
    }
    assert not any(
        is_published(r)
        for r in load_plan(store, week=WEEK, version=1).deployments.to_dict("records")
    )
    detail = audit_log(store)["detail"].tolist()
    assert any("EVA published" in d and "Patrol 1 visit 1 not done" in d for d in detail)
    assert any("board 1 published" in d for d in detail)
    with pytest.raises(GeoInputError, match="no deployment called 'EVA 9'"):
        amend_week(store, week=WEEK, notes={}, marks=[], by="X", publish=["EVA 9"])


def test_only_marked_and_done_deployments_are_said_in_words(store):
    said = quarter_actions(store, wards(), months=MONTHS, rules=PublishRules())
    words = [(a.ward, a.kind, a.words) for a in said]
    assert words == [
        (
            "Hextable",
            "speed_board",
            "Speed indicator boards stood on 2 roads in Hextable for 3 weeks in total "
            "in the quarter",
        ),
        (
            "Hextable",
            "patrol",
            "PCSO patrols: about 20 hours in Hextable in the quarter",
        ),  # 39 x 30 min
        (
            f"Swanley {SCRIPT}",
            "eva",
            f"An Environmental Visual Audit was held in Swanley {SCRIPT} in August 2025",
        ),
    ]
    assert said[0].places == (f"{FORMULA} Road", "College Road")  # sorted
    text = json.dumps([a.as_json() for a in said])
    assert "Secret Lane" not in text  # Board 3 was never marked
    assert "Camera" not in text  # cameras only if the unit chooses
    assert "Parade" not in text  # Patrol 2: every visit not done
    cameras = quarter_actions(store, wards(), months=MONTHS, rules=PublishRules(cameras=True))
    assert [a.words for a in cameras if a.kind == "cctv"] == [
        "A mobile CCTV camera stood at 1 site in Hextable for 1 week in the quarter"
    ]
    assert (
        quarter_actions(
            store, wards(), months=["2025-10", "2025-11", "2025-12"], rules=PublishRules()
        )
        == ()
    )


def test_nothing_unmarked_is_ever_published():
    rows = pd.concat([week_rows(WEEK), week_rows(WEEK + dt.timedelta(days=7))], ignore_index=True)
    assert public_actions(rows, wards(), months=MONTHS, rules=PublishRules(cameras=True)) == ()
    assert quarter_actions(None, wards(), months=MONTHS, rules=PublishRules()) == ()


def view_with(store):
    grid = wards()
    incidents = make_incidents([(100, 100)] * 20 + [(1100, 100)] * 7, occurred="2025-08-15")
    incidents["source"] = "police.uk"
    incidents["ward_name"] = [grid.ward_name[0]] * 20 + [grid.ward_name[1]] * 7
    view = public_view(
        incidents,
        grid,
        area=PactArea("Swanley", tuple(grid.ward_name)),
        period=months_window("2025-07", "2025-09"),
        rules=PublicMapRules(),
        covered=pd.period_range("2025-07", "2025-09", freq="M"),
    )
    actions = quarter_actions(store, grid, months=MONTHS, rules=PublishRules())
    return dataclasses.replace(view, actions=actions)


def test_every_sink_escapes_site_text_and_gives_no_day_or_time(store):
    view = view_with(store)
    data = view_json(view, squares=False)["you_said_we_did"]
    page = offline_page(view, squares=False)
    table = pd.read_csv(
        io.BytesIO(public_csv(view, squares=False)), dtype=str, keep_default_na=False
    )
    said = table[table["Kind"] == "You said, we did"]
    printed = io.StringIO()
    with redirect_stdout(printed):
        _print(view, squares=False)
    markdown = _public.actions_markdown(view)

    assert [d["kind"] for d in data] == ["speed_board", "patrol", "eva"]
    assert data[2]["places"] == [f"{SCRIPT} {TEMPLATE}"]  # JSON is data: kept as typed
    section = (
        page.split("<h2>You said, we did")[1].split("<h2>")[0].split('<p class="pact-note">')[0]
    )
    assert SCRIPT not in page
    assert "user-scalable=no" not in page  # a phone may zoom the text (axe meta-viewport)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }}" not in section  # braces made inert
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in section
    assert "{{" not in section
    assert len(said) == 3
    assert not said["Top issues"].str.startswith(("=", "+", "-", "@")).any()
    assert any(t.startswith("'=HYPERLINK") or "=HYPERLINK" in t for t in said["Top issues"])
    lines = [line for line in printed.getvalue().splitlines() if "You said" in line]
    assert len(lines) == 3
    assert all(SCRIPT not in block for block in markdown)
    assert any(r"\<script\>" in block or "&lt;script" in block for block in markdown)
    for text in [json.dumps(data), section, said.to_csv(), *lines, *markdown]:
        assert not TIME.search(text), TIME.search(text)
    for text in (
        json.dumps(view_json(view, squares=False)),
        page,
        public_csv(view, squares=False).decode(),
    ):
        assert "14:30" not in text
        assert "2025-08-05" not in text
        assert "PCSO 1 A" not in text


def test_publish_rules_are_typed_and_bounded(tmp_path):
    path = tmp_path / "pact_areas.toml"
    shipped = (read_publish_rules(), PublishRules())
    assert shipped[0] == shipped[1]
    for table, words in [
        ("cameras = 1", "you_said_we_did.cameras = '1' is not allowed: give true or false"),
        (
            "hours_base = 0",
            "you_said_we_did.hours_base = 0 is not allowed: give a whole number from 1 to 10",
        ),
        ("hours_base = 2.5", "hours_base = 2.5 is not allowed"),
        ("times = true", "has unknown keys ['times']"),
    ]:
        path.write_text(f'[you_said_we_did]\n{table}\n[[area]]\nname = "A"\nwards = ["Hextable"]\n')
        with pytest.raises(GeoInputError, match=re.escape(words)):
            read_publish_rules(path)
    path.write_text(
        '[you_said_we_did]\ncameras = true\nhours_base = 1\n[[area]]\nname = "A"\nwards = ["B"]\n'
    )
    assert read_publish_rules(path) == PublishRules(cameras=True, hours_base=1)


def test_geo_plan_publish_marks_a_saved_week_or_refuses_in_one_line(store, capsys):
    from geo.cli import main

    args = ["plan", "--db", str(store), "--week", "2025-08-06", "--by", "Sgt A Khan"]
    assert main([*args, "--publish", "Board 3", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["deployments"][3]["outcome"]["publish"]["by"] == "Sgt A Khan"
    assert main([*args, "--publish", "Board 9"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "no deployment called 'Board 9'" in err
