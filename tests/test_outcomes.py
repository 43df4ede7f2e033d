"""geo outcomes: planted effects found, untouched months claim nothing, bad rows rejected."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from geo._errors import GeoInputError
from geo.outcomes import evaluate_outcomes, kind_for, read_deployments_file
from geo.outcomes.planting import busy_sites, plant_reduction
from geo.pipeline import load

ISSUE_DEPLOYMENT_KEYS = {"kind", "unit", "site", "from", "to", "target", "net", "wdq", "words"}
ISSUE_KIND_KEYS = {"kind", "deployments", "target", "net", "controls", "words"}


@pytest.fixture(scope="module")
def incidents():
    return load().accepted


# Several windows of the shipped months (2, 3 and 5 months; 2022 and 2024), ten busy camera
# sites chosen on the window before.
CASES = [
    (["2022-02", "2022-03"], "2022-04", "2022-05", 0),
    (["2022-02", "2022-03", "2022-04"], "2022-05", "2022-07", 0),
    (["2022-05", "2022-06", "2022-07"], "2022-08", "2022-10", 0),
    (["2022-01", "2022-02", "2022-03", "2022-04", "2022-05"], "2022-06", "2022-10", 0),
]


@pytest.mark.parametrize(("before", "first", "last", "skip"), CASES)
def test_planted_reduction_found_and_untouched_holds_zero(incidents, before, first, last, skip):
    sites = busy_sites(incidents, before, skip=skip)
    p = plant_reduction(incidents, sites, first=first, last=last, share=0.8, seed=7)
    assert len(p.deployments) == 10
    assert p.removed > 10
    planted = evaluate_outcomes(p.planted, p.deployments)["by_kind"][0]
    assert planted["kind"] == "cctv"
    assert planted["deployments"] == 10
    t = planted["target"]
    assert t["low"] > 0, t
    assert t["low"] <= p.removed <= t["high"], (p.removed, t)
    assert (
        "fewer ASB and criminal damage incidents than expected at the 10 camera sites"
        in (planted["words"])
    )
    untouched = evaluate_outcomes(incidents, p.deployments)["by_kind"][0]
    u = untouched["target"]
    assert u["low"] <= 0 <= u["high"], u
    assert untouched["words"].startswith(("no clear change", "too few"))


@pytest.mark.parametrize(
    ("before", "first", "last", "skip"),
    [
        (["2025-04", "2025-05", "2025-06"], "2025-07", "2025-09", 0),
        (["2025-01", "2025-02", "2025-03"], "2025-04", "2025-06", 5),
        # 2024's four loaded months give one window of this length: its placebos can say
        # little about a shared swing (it was found before placebos stopped peeking, #19)
        (["2024-01", "2024-02"], "2024-03", "2024-04", 0),
    ],
)
def test_volatile_months_hold_the_truth_without_claiming(incidents, before, first, last, skip):
    # 2025's busy places swung together (summer ASB rose by half): the range is wide enough
    # to hold the planted number and zero, so the words claim nothing rather than too much.
    sites = busy_sites(incidents, before, skip=skip)
    p = plant_reduction(incidents, sites, first=first, last=last, share=0.8, seed=7)
    planted = evaluate_outcomes(p.planted, p.deployments)["by_kind"][0]
    t = planted["target"]
    assert t["low"] <= 0 < p.removed <= t["high"], (p.removed, t)
    assert planted["words"].startswith("no clear change")


def test_placebos_are_picked_only_where_the_months_that_pick_them_had_an_incident(
    incidents, monkeypatch
):
    # A placebo (or comparison) place centred on a point known only from the during months
    # has at least that incident during: the months being judged would choose it (#19).
    import geo.outcomes as outcomes

    seen = []
    real = outcomes.placebo_residuals

    def spy(matrix, candidate_xy, windows, ranks, **kw):
        seen.append((candidate_xy, windows))
        return real(matrix, candidate_xy, windows, ranks, **kw)

    monkeypatch.setattr(outcomes, "placebo_residuals", spy)
    sites = busy_sites(incidents, ["2025-01", "2025-02"], n=3)
    p = plant_reduction(incidents, sites, first="2025-03", last="2025-04", share=0.5, seed=1)
    evaluate_outcomes(incidents, p.deployments)
    police = incidents[incidents["source"] == "police.uk"]
    months = sorted(police["occurred"].dt.to_period("M").unique())
    camera = incidents[incidents["category"].isin(["asb", "criminal_damage"])]
    month = camera["occurred"].dt.to_period("M")
    assert seen
    for candidate_xy, windows in seen:
        assert len(windows) >= 10
        for window in windows:
            picked = {months[i] for i in window.before}
            rows = camera[month.isin(picked)]
            known = set(zip(rows.geometry.x, rows.geometry.y, strict=True))
            eligible = candidate_xy[window.eligible]
            assert len(eligible) > 0
            assert all((x, y) in known for x, y in eligible.tolist())
            # and the busiest places of a window are still among them
            assert window.eligible.sum() < len(candidate_xy)


def test_same_data_same_ranges(incidents):
    sites = busy_sites(incidents, ["2025-01", "2025-02"])
    p = plant_reduction(incidents, sites, first="2025-03", last="2025-04", share=0.5, seed=1)
    assert evaluate_outcomes(incidents, p.deployments) == evaluate_outcomes(
        incidents, p.deployments
    )


def test_short_and_unloaded_deployments_say_why(incidents):
    sites = busy_sites(incidents, ["2025-01", "2025-02"], n=2)
    p = plant_reduction(incidents, sites, first="2025-03", last="2025-04", share=0.0, seed=1)
    deps = p.deployments.copy()
    deps.loc[0, "end"] = deps.loc[0, "start"].replace(day=7)
    deps.loc[1, ["start", "end"]] = [deps.loc[1, "start"].replace(year=2023)] * 2
    deps.loc[1, "end"] = deps.loc[1, "start"].replace(day=28)
    with pytest.raises(GeoInputError, match="cannot"):
        evaluate_outcomes(incidents, deps)


def write(tmp_path: Path, text: str, name: str = "deployments.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bad_rows_rejected_with_reasons(tmp_path):
    path = write(
        tmp_path,
        "resource,unit,site,longitude,latitude,start,end\n"
        "Mobile CCTV,Camera 1,High Street,0.1906,51.2727,01/07/2025,30/09/2025\n"
        "helicopter,H1,x,0.17,51.39,2025-07-01,2025-09-30\n"
        "cctv,Camera 3,bad,0.17,51.39,31/02/2025,2025-09-30\n"
        "cctv,Camera 4,late,0.17,51.39,2025-09-30,2025-07-01\n"
        "cctv,Camera 5,nowhere,,,2025-07-01,2025-09-30\n"
        "cctv,Camera 6,far,40.0,51.39,2025-07-01,2025-09-30\n"
        "cctv,Camera 7,short\n",
    )
    rows = read_deployments_file(path)
    assert rows.rows_in == 7 == len(rows.accepted) + len(rows.rejected)
    assert rows.rejected.values.tolist() == [
        [3, "unknown resource"],
        [4, "unparseable date"],
        [5, "end before start"],
        [6, "no location"],
        [7, "coordinates out of range"],
        [8, "malformed row"],
    ]
    assert rows.accepted.iloc[0]["kind"] == "cctv"


def test_dd_mm_yyyy_and_postcode(tmp_path):
    path = write(
        tmp_path,
        "Resource,Unit,Site,Postcode,Start,End\n"
        "PCSO patrol,Patrol 1,Town centre,tn13 1aa,01/04/2025,30/06/2025\n"
        "EVA,EVA,Nowhere,ZZ1 1ZZ,01/04/2025,30/06/2025\n",
    )
    rows = read_deployments_file(path)
    assert rows.rejected.values.tolist() == [[3, "unknown postcode"]]
    row = rows.accepted.iloc[0]
    assert row["kind"] == "patrol"
    assert str(row["start"]) == "2025-04-01"
    assert 540_000 < row["x"] < 560_000
    assert 150_000 < row["y"] < 160_000


def test_resource_words():
    assert kind_for("Speed Indicator Board") == "speed_board"
    assert kind_for("cameras") == "cctv"
    assert kind_for("dog") is None


def run_geo(*args: str, home: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "geo", "outcomes", *args],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "GEO_HOME": str(home)},
        check=False,
    )


def test_cli_json_keys(tmp_path):
    path = write(
        tmp_path,
        "resource,unit,site,easting,northing,start,end\n"
        "camera,Camera 1,High Street,553000,155400,2025-07-01,2025-09-30\n"
        "board,Board 1,A25,550000,155000,2025-07-01,2025-09-30\n"
        "helicopter,H1,x,553000,155400,2025-07-01,2025-09-30\n",
    )
    done = run_geo("--deployments", str(path), "--json", home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "line 4: unknown resource" in done.stderr
    out = json.loads(done.stdout)
    assert set(out) == {"period", "deployments", "by_kind"}
    assert out["period"] == {"from": "2025-07-01", "to": "2025-09-30"}
    for row in out["deployments"]:
        assert set(row) == ISSUE_DEPLOYMENT_KEYS
    cctv = next(r for r in out["deployments"] if r["kind"] == "cctv")
    assert set(cctv["target"]) == {"before", "during", "fewer", "low", "high"}
    assert set(cctv["net"]) == {"fewer", "low", "high"}
    board = next(r for r in out["deployments"] if r["kind"] == "speed_board")
    assert board["target"] is None
    assert "no collision or speeding evidence" in board["words"]
    for row in out["by_kind"]:
        assert set(row) == ISSUE_KIND_KEYS


def test_cli_clear_words(tmp_path):
    empty_store = run_geo("--db", str(tmp_path / "none.sqlite"), home=tmp_path)
    assert empty_store.returncode == 2
    assert "no approved weeks" in empty_store.stderr
    assert "Traceback" not in empty_store.stderr
    bad = write(tmp_path, "resource,start,end,postcode\nhelicopter,x,y,z\n")
    done = run_geo("--deployments", str(bad), home=tmp_path)
    assert done.returncode == 2
    assert "no usable deployment row" in done.stderr
    notafile = write(tmp_path, "a,b\n1,2\n", name="other.csv")
    done = run_geo("--deployments", str(notafile), home=tmp_path)
    assert done.returncode == 2
    assert "not a deployments file" in done.stderr
    old = write(
        tmp_path,
        "resource,easting,northing,start,end\ncctv,553000,155400,2023-03-01,2023-05-31\n",
        name="old.csv",
    )
    done = run_geo("--deployments", str(old), home=tmp_path)
    assert done.returncode == 2
    assert "no data for" in done.stderr


def test_quiet_ring_is_too_few_to_tell_not_no_displacement():
    from geo.outcomes import DEFAULT_OUTCOME_SETTINGS, _words

    target = ((20, 5), 15.0, {"fewer": 10.0, "low": 2.0, "high": 18.0})
    quiet = ((1, 0), 1.5, {"fewer": 1.5, "low": -2.0, "high": 3.0})
    busy = ((30, 29), 28.0, {"fewer": -1.0, "low": -12.0, "high": 10.0})
    args = ("the camera site", "ASB incidents")
    words = _words(*args, target, quiet, 400.0, DEFAULT_OUTCOME_SETTINGS)
    assert "too few incidents in the 400 m around it to tell" in words
    assert "no sign of displacement" not in words
    words = _words(*args, target, busy, 400.0, DEFAULT_OUTCOME_SETTINGS)
    assert words.endswith("no sign of displacement into the 400 m around it")


def test_dose_not_done_left_out_cut_short_said(incidents, tmp_path):
    import datetime as dt

    from geo.outcomes import approved_deployments
    from geo.plan_notes import Mark, add_marks
    from geo.store import save_plan
    from geo.testing import make_plan_rows

    sites = busy_sites(incidents, ["2025-05", "2025-06"], n=12)
    db = tmp_path / "plans.sqlite"
    monday = dt.date(2025, 6, 30)
    for week in range(9):
        start = monday + dt.timedelta(weeks=week)
        rows = make_plan_rows(sites, start)
        marks = [Mark("Camera 1", "not done"), Mark("Camera 3", "done")]
        if week == 4:
            marks.append(Mark("Camera 2", "cut short", 2))
        rows = add_marks(rows, marks, by="sgt", at="2025-09-01")
        save_plan(db, week=start, deployments=rows, status="approved", saved_by="t", base_version=0)
    deps = approved_deployments(db)
    assert "Camera 1" not in set(deps["unit"])  # marked not done every week: nothing to judge
    assert len(deps) == 11
    cut = deps.set_index("unit").loc["Camera 2", "dose"]
    assert cut == "Camera 2 cut short: 2 of 7 days given"
    assert deps.set_index("unit").loc["Camera 3", "dose"] == ""
    result = evaluate_outcomes(incidents, deps)
    words = {r["unit"]: r["words"] for r in result["deployments"]}
    assert set(words) == {f"Camera {i}" for i in range(2, 13)}
    assert words["Camera 2"].endswith("(Camera 2 cut short: 2 of 7 days given)")
    assert "cut short" not in words["Camera 3"]
