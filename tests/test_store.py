import datetime as dt
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from geo.store import (
    DEPLOYMENT_COLUMNS,
    PlanConflictError,
    deployments_since,
    last_approved_before,
    load_plan,
    plan_history,
    save_plan,
)

WEEK1, WEEK2 = dt.date(2025, 10, 6), dt.date(2025, 10, 13)


def deployments(*units: str) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "resource": "cctv",
                "unit": unit,
                "site_id": f"site-{unit}",
                "site_name": "Azalea Drive",
                "x": 551000.0,
                "y": 168000.0,
                "hotspot_ids": "ASB-1",
                "start": "2025-10-06",
                "end": "2025-10-12",
                "weeks_on_site": 1,
                "reason": "because",
                "status": "suggested",
                "changed_by": "",
                "changed_at": "",
                "numbers": {"incidents": 14},
            }
            for unit in units
        ],
        columns=list(DEPLOYMENT_COLUMNS),
    )


def test_versions_accumulate_and_load_back(tmp_path):
    db = tmp_path / "plans.sqlite"
    first = save_plan(
        db,
        week=WEEK1,
        deployments=deployments("Camera 1"),
        status="suggested",
        saved_by="PS 123",
        base_version=None,
    )
    second = save_plan(
        db,
        week=WEEK1,
        deployments=deployments("Camera 1", "Camera 2"),
        status="approved",
        saved_by="PS 123",
        base_version=first.version,
    )

    assert (first.version, second.version) == (1, 2)
    latest = load_plan(db, week=WEEK1)
    assert latest.version == 2
    assert latest.status == "approved"
    assert latest.deployments["unit"].tolist() == ["Camera 1", "Camera 2"]
    assert latest.deployments["numbers"].iloc[0] == {"incidents": 14}
    assert load_plan(db, week=WEEK1, version=1).deployments["unit"].tolist() == ["Camera 1"]
    assert plan_history(db)[["week", "version", "deployments"]].values.tolist() == [
        ["2025-10-06", 2, 2],
        ["2025-10-06", 1, 1],
    ]


def test_two_saves_from_the_same_version_conflict(tmp_path):
    db = tmp_path / "plans.sqlite"
    base = save_plan(
        db,
        week=WEEK1,
        deployments=deployments("Camera 1"),
        status="suggested",
        saved_by="A",
        base_version=None,
    )
    save_plan(
        db,
        week=WEEK1,
        deployments=deployments("Camera 2"),
        status="changed",
        saved_by="A",
        base_version=base.version,
    )
    with pytest.raises(PlanConflictError, match="saved as version 2 since you loaded version 1"):
        save_plan(
            db,
            week=WEEK1,
            deployments=deployments("Camera 3"),
            status="changed",
            saved_by="B",
            base_version=base.version,
        )
    with pytest.raises(PlanConflictError):
        save_plan(
            db,
            week=WEEK1,
            deployments=deployments("Camera 3"),
            status="changed",
            saved_by="C",
            base_version=None,
        )
    assert load_plan(db, week=WEEK1).deployments["unit"].tolist() == ["Camera 2"]


def test_next_week_starts_from_the_last_approved_plan(tmp_path):
    db = tmp_path / "plans.sqlite"
    assert last_approved_before(db, week=WEEK2) is None
    v1 = save_plan(
        db,
        week=WEEK1,
        deployments=deployments("Camera 1"),
        status="approved",
        saved_by="A",
        base_version=None,
    )
    save_plan(
        db,
        week=WEEK1,
        deployments=deployments("Camera 9"),
        status="suggested",
        saved_by="A",
        base_version=v1.version,
    )
    previous = last_approved_before(db, week=WEEK2)
    assert (previous.week, previous.version) == (WEEK1, 1)
    assert previous.deployments["unit"].tolist() == ["Camera 1"]
    since = deployments_since(db, since=WEEK1, before=WEEK2)
    assert since["week"].tolist() == ["2025-10-06"]


def test_a_save_killed_before_commit_leaves_the_previous_plans(tmp_path):
    db = tmp_path / "plans.sqlite"
    save_plan(
        db,
        week=WEEK1,
        deployments=deployments("Camera 1"),
        status="approved",
        saved_by="A",
        base_version=None,
    )
    script = textwrap.dedent(
        f"""
        import datetime as dt, json, os, signal, pandas as pd
        import geo.store as store
        rows = pd.DataFrame(json.loads({deployments("Camera 7").to_json(orient="records")!r}))
        store._before_commit = lambda conn: os.kill(os.getpid(), signal.SIGKILL)
        store.save_plan(__import__("pathlib").Path({str(db)!r}), week=dt.date(2025, 10, 13),
                        deployments=rows, status="approved", saved_by="crash", base_version=None)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, check=False)
    assert done.returncode == -9, done.stderr  # killed mid-save, after writing the rows

    history = plan_history(db)
    assert history[["week", "version", "saved_by"]].values.tolist() == [["2025-10-06", 1, "A"]]
    assert load_plan(db, week=WEEK2) is None
    assert load_plan(db, week=WEEK1).deployments["unit"].tolist() == ["Camera 1"]
    # and the database still takes new saves
    save_plan(
        db,
        week=WEEK2,
        deployments=deployments("Camera 2"),
        status="suggested",
        saved_by="A",
        base_version=None,
    )
    assert load_plan(db, week=WEEK2).version == 1
