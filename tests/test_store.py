import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from contextlib import closing
from pathlib import Path

import pandas as pd
import pytest

import geo.store as store
from geo._errors import GeoDataWarning, GeoInputError
from geo.store import (
    APPLICATION_ID,
    DEPLOYMENT_COLUMNS,
    SCHEMA_VERSION,
    PlanConflictError,
    StoreError,
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
    with pytest.raises(
        PlanConflictError, match=r"saved as version 2 by A at .* since you loaded version 1; reload"
    ):
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


# --- #11: a store that defends itself -----------------------------------------------------------


LEGACY_SCHEMA = """
CREATE TABLE plans (
    plan_id INTEGER PRIMARY KEY, week TEXT NOT NULL, version INTEGER NOT NULL,
    status TEXT NOT NULL, saved_by TEXT NOT NULL, saved_at TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '', UNIQUE (week, version)
);
CREATE TABLE deployments (
    plan_id INTEGER NOT NULL REFERENCES plans(plan_id), position INTEGER NOT NULL,
    resource TEXT NOT NULL, unit TEXT NOT NULL, site_id TEXT NOT NULL, site_name TEXT NOT NULL,
    x REAL, y REAL, hotspot_ids TEXT NOT NULL, start TEXT NOT NULL, "end" TEXT NOT NULL,
    weeks_on_site INTEGER NOT NULL, reason TEXT NOT NULL, status TEXT NOT NULL,
    changed_by TEXT NOT NULL, changed_at TEXT NOT NULL, numbers TEXT NOT NULL,
    PRIMARY KEY (plan_id, position)
);
"""


def save(db, week=WEEK1, units=("Camera 1",), base=None, by="A", **kw):
    return save_plan(
        db,
        week=week,
        deployments=deployments(*units),
        status="approved",
        saved_by=by,
        base_version=base,
        **kw,
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def folder_state(folder: Path) -> dict[str, str]:
    return {p.name: digest(p) for p in sorted(folder.iterdir())}


def pragmas(db: Path) -> tuple[int, int]:
    with closing_ro(db) as conn:
        return (
            conn.execute("PRAGMA application_id").fetchone()[0],
            conn.execute("PRAGMA user_version").fetchone()[0],
        )


def closing_ro(db: Path):
    return closing(sqlite3.connect(db.resolve().as_uri() + "?mode=ro", uri=True))


def every_reader(db: Path) -> list:
    return [
        lambda: plan_history(db),
        lambda: load_plan(db, week=WEEK1),
        lambda: last_approved_before(db, week=WEEK2),
        lambda: deployments_since(db, since=WEEK1, before=WEEK2),
        lambda: save(db),
    ]


def test_the_conflict_names_who_saved_which_version_when(tmp_path):
    db = tmp_path / "plans.sqlite"
    when = dt.datetime(2025, 10, 1, 9, 12, 30, tzinfo=dt.UTC)
    save(db, by="J Smith", now=when)
    with pytest.raises(PlanConflictError) as caught:
        save(db, by="K Jones", base=None)  # shown no saved version: refused, not overwritten
    err = caught.value
    assert str(err) == (
        "week 2025-10-06 was saved as version 1 by J Smith at 2025-10-01 09:12 UTC; "
        "reload it before saving"
    )
    assert (err.week, err.version, err.saved_by, err.base_version) == (WEEK1, 1, "J Smith", None)
    assert err.saved_at == "2025-10-01T09:12:30+00:00"
    assert isinstance(err, GeoInputError)
    with pytest.raises(PlanConflictError, match="since you loaded version 5"):
        save(db, base=5)
    with pytest.raises(PlanConflictError, match="week 2025-10-13 has no saved version, but"):
        save(db, week=WEEK2, base=1)
    assert plan_history(db)["version"].tolist() == [1]


def test_a_new_store_identifies_itself_and_keeps_the_change_column(tmp_path):
    db = tmp_path / "new" / "plans.sqlite"
    rows = deployments("Camera 1").assign(change="site: High Street -> Maple Close; by J Smith")
    save_plan(
        db, week=WEEK1, deployments=rows, status="changed", saved_by="J Smith", base_version=None
    )
    assert pragmas(db) == (APPLICATION_ID, SCHEMA_VERSION)
    assert DEPLOYMENT_COLUMNS.index("change") == DEPLOYMENT_COLUMNS.index("changed_at") + 1
    loaded = load_plan(db, week=WEEK1)
    assert loaded.deployments["change"].tolist() == ["site: High Street -> Maple Close; by J Smith"]
    assert list(loaded.deployments.columns) == list(DEPLOYMENT_COLUMNS)
    assert loaded.problems == ()
    with closing_ro(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_an_empty_file_becomes_a_store(tmp_path):
    db = tmp_path / "plans.sqlite"
    db.touch()
    assert plan_history(db).empty
    assert load_plan(db, week=WEEK1) is None
    assert db.stat().st_size == 0  # reading does not write
    save(db)
    assert pragmas(db) == (APPLICATION_ID, SCHEMA_VERSION)


@pytest.mark.parametrize(
    "content",
    [
        b"week,unit\n2025-10-06,Camera 1\n",
        b"\x00\x01binary" * 100,
        b"SQLite format 2\x00" + b"x" * 200,
    ],
    ids=["csv", "binary", "not-quite-sqlite"],
)
def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(tmp_path, content):
    db = tmp_path / "plans.sqlite"
    db.write_bytes(content)
    before = folder_state(tmp_path)
    for call in every_reader(db):
        with pytest.raises(StoreError, match="is not a plan store \\(not an SQLite database\\)"):
            call()
    assert folder_state(tmp_path) == before


def foreign_store(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO customers (name) VALUES ('Ada')")
    conn.close()


def test_another_programs_sqlite_file_is_refused_and_left_alone(tmp_path):
    db = tmp_path / "plans.sqlite"
    foreign_store(db)
    before = folder_state(tmp_path)
    for call in every_reader(db):
        with pytest.raises(StoreError, match="another program's SQLite database, tables customers"):
            call()
    assert folder_state(tmp_path) == before  # no plans table, no journal, no WAL
    with sqlite3.connect(db) as conn:  # and one with someone else's application id
        conn.execute("PRAGMA application_id = 1234")
    conn.close()
    before = folder_state(tmp_path)
    with pytest.raises(StoreError, match="application id 0x000004d2"):
        save(db)
    assert folder_state(tmp_path) == before


def test_a_store_from_a_newer_version_is_refused_and_left_alone(tmp_path):
    db = tmp_path / "plans.sqlite"
    save(db)
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    before = folder_state(tmp_path)
    for call in every_reader(db):
        with pytest.raises(StoreError, match="from a newer version of this program"):
            call()
    assert folder_state(tmp_path) == before


def legacy_store(db: Path) -> None:
    """A store as the first release wrote it: no application_id, no user_version."""
    with sqlite3.connect(db) as conn:
        conn.executescript(LEGACY_SCHEMA)
        conn.execute(
            "INSERT INTO plans VALUES (1, '2025-10-06', 1, 'approved', 'PS 1', "
            "'2025-10-01T09:00:00+00:00', '')"
        )
        conn.execute(
            "INSERT INTO deployments VALUES (1, 0, 'cctv', 'Camera 1', 's1', 'High Street', "
            "551000, 168000, 'ASB-1', '2025-10-06', '2025-10-12', 1, 'why', 'approved', '', '', "
            "'{\"incidents\": 3}')"
        )
    conn.close()


def test_an_older_store_reads_read_only_and_migrates_on_the_next_save(tmp_path):
    db = tmp_path / "plans.sqlite"
    legacy_store(db)
    before = folder_state(tmp_path)
    old = load_plan(db, week=WEEK1)
    assert old.deployments["unit"].tolist() == ["Camera 1"]
    assert old.deployments["change"].tolist() == [""]
    assert plan_history(db)["saved_by"].tolist() == ["PS 1"]
    assert folder_state(tmp_path) == before  # reading did not migrate or touch it

    save(db, week=WEEK1, base=1, units=("Camera 2",))
    assert pragmas(db) == (APPLICATION_ID, SCHEMA_VERSION)
    assert plan_history(db)["version"].tolist() == [2, 1]
    assert load_plan(db, week=WEEK1, version=1).deployments["numbers"].tolist() == [
        {"incidents": 3}
    ]


def test_a_migration_that_fails_leaves_the_old_schema(tmp_path, monkeypatch):
    db = tmp_path / "plans.sqlite"
    legacy_store(db)

    def crash(conn):  # noqa: ARG001
        msg = "power cut"
        raise RuntimeError(msg)

    monkeypatch.setattr(store, "_before_commit", crash)
    with pytest.raises(RuntimeError):
        save(db, week=WEEK2)
    assert pragmas(db) == (0, 0)
    with closing_ro(db) as conn:
        columns = [r[1] for r in conn.execute("PRAGMA table_info(deployments)")]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "change" not in columns
    assert tables == {"plans", "deployments"}


HOLD_LOCK = textwrap.dedent(
    """
    import sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    """
)


def test_a_locked_store_is_waited_for_a_bounded_time_then_named(tmp_path):
    db = tmp_path / "plans.sqlite"
    save(db)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(db), "30"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(StoreError) as caught:  # the holder keeps it 30 s: we waited 0.5 s
            save(db, base=1, timeout=0.5)
        message = str(caught.value)
        assert message.startswith(f"the plan store {db} is busy (locked by another program")
        assert f"pid {holder.pid}" in message
        assert "\n" not in message
        assert load_plan(db, week=WEEK1).version == 1  # readers are not blocked (WAL)
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    save(db, base=1)  # and the store works again once the lock is gone


def test_the_lock_timeout_is_set_by_the_entry_point(monkeypatch):
    monkeypatch.setattr(store, "_lock_wait", [store.DEFAULT_LOCK_TIMEOUT_S])  # restored after
    assert store.lock_timeout() == 5.0
    store.set_lock_timeout(0.25)
    assert store.lock_timeout() == 0.25


def test_geo_lock_timeout_bounds_the_wait_of_the_geo_command(tmp_path, monkeypatch, capsys):
    from geo.cli import main

    monkeypatch.setattr(store, "_lock_wait", [store.DEFAULT_LOCK_TIMEOUT_S])  # restored after
    db = tmp_path / "plans.sqlite"
    save(db)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(db), "30"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        monkeypatch.setenv("GEO_LOCK_TIMEOUT", "0.3")
        monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
        argv = ["users", "add", "J Smith", "--role", "viewer", "--password-stdin", "--db", str(db)]
        assert main(argv) == 2
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    err = capsys.readouterr().err
    assert err.startswith(f"geo users add: the plan store {db} is busy")
    assert "stayed locked for 0.3 s" in err  # GEO_LOCK_TIMEOUT, read by `geo`, not 5 s


RACE = textwrap.dedent(
    """
    import datetime as dt, json, pathlib, sys, time
    import pandas as pd
    from geo.store import PlanConflictError, save_plan
    db, folder, who, first, count = sys.argv[1:6]
    rows = pd.DataFrame(json.loads(sys.argv[6]))
    folder = pathlib.Path(folder)
    (folder / f"ready-{who}").touch()
    while not (folder / "go").exists():
        time.sleep(0.005)
    for i in range(int(first), int(first) + int(count)):
        week = dt.date(2025, 10, 6) + dt.timedelta(weeks=i)
        try:
            save_plan(pathlib.Path(db), week=week, deployments=rows, status="approved",
                      saved_by=who, base_version=None)
            print("saved", week, flush=True)
        except PlanConflictError as err:
            print("conflict", err, flush=True)
    """
)


def race(tmp_path: Path, db: Path, jobs: list[tuple[str, int, int]]) -> dict[str, list[str]]:
    rows = deployments("Camera 1").to_json(orient="records")
    procs = {
        who: subprocess.Popen(
            [sys.executable, "-c", RACE, str(db), str(tmp_path), who, str(first), str(count), rows],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for who, first, count in jobs
    }
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("ready-*"))) < len(jobs) and time.monotonic() < deadline:
        time.sleep(0.05)
    (tmp_path / "go").touch()
    out = {}
    for who, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=180)
        assert proc.returncode == 0, stderr
        out[who] = stdout.splitlines()
    return out


def test_four_approvals_of_one_week_at_once_save_exactly_one(tmp_path):
    db = tmp_path / "plans.sqlite"  # not created yet: the creation races too
    out = race(tmp_path, db, [(f"PS {i}", 0, 1) for i in range(4)])
    lines = [line for lines in out.values() for line in lines]
    assert sum(line.startswith("saved") for line in lines) == 1
    conflicts = [line for line in lines if line.startswith("conflict")]
    assert len(conflicts) == 3
    (winner,) = (who for who, lines in out.items() if lines[0].startswith("saved"))
    assert all(f"saved as version 1 by {winner} at" in line for line in conflicts)
    assert plan_history(db)[["version", "saved_by"]].values.tolist() == [[1, winner]]


def test_concurrent_saves_of_different_weeks_all_succeed(tmp_path):
    db = tmp_path / "plans.sqlite"
    out = race(tmp_path, db, [(f"P{i}", i * 10, 10) for i in range(4)])
    assert all(line.startswith("saved") for lines in out.values() for line in lines)
    assert len(plan_history(db)) == 40


UNPRIVILEGED = textwrap.dedent(
    """
    import datetime as dt, json, pathlib, sys
    import pandas as pd
    from geo.store import StoreError, load_plan, plan_history, save_plan
    db = pathlib.Path(sys.argv[1])
    out = {"history": plan_history(db)["version"].tolist(),
           "units": load_plan(db, week=dt.date(2025, 10, 6)).deployments["unit"].tolist()}
    try:
        save_plan(db, week=dt.date(2025, 10, 13), deployments=pd.DataFrame(json.loads(sys.argv[2])),
                  status="approved", saved_by="x", base_version=None)
        out["save"] = "saved"
    except StoreError as err:
        out["save"] = str(err)
    print(json.dumps(out))
    """
)


@pytest.fixture
def read_only_store():
    """A store in a folder nobody may write to (readable by all, for a non-root check)."""
    folder = Path(tempfile.mkdtemp(prefix="geo-ro-"))
    os.chmod(folder, 0o755)
    db = folder / "plans.sqlite"
    save(db)
    os.chmod(db, 0o444)
    os.chmod(folder, 0o555)
    try:
        yield db
    finally:
        os.chmod(folder, 0o755)
        shutil.rmtree(folder)


def test_a_read_only_store_lists_and_loads_but_will_not_save(read_only_store):
    db = read_only_store
    command = [
        sys.executable,
        "-c",
        UNPRIVILEGED,
        str(db),
        deployments("Camera 2").to_json(orient="records"),
    ]
    if os.geteuid() == 0:  # root ignores file modes: check as nobody
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv to drop privileges")
        command = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    before = folder_state(db.parent)
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd="/")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["history"] == [1]
    assert out["units"] == ["Camera 1"]
    assert (
        out["save"] == f"cannot write to the plan store {db}: the file or its folder is read-only"
    )
    assert folder_state(db.parent) == before


def rebuild_deployments(db: Path, ddl: str, fill: str) -> None:
    """Rebuild the deployments table with another definition (as a damaged or newer store)."""
    with sqlite3.connect(db) as conn:
        conn.execute("ALTER TABLE deployments RENAME TO old")
        conn.execute(ddl)
        conn.execute(f"INSERT INTO deployments SELECT *{fill} FROM old")
        conn.execute("DROP TABLE old")
    conn.close()


CURRENT_DEPLOYMENTS = store._TABLES["deployments"]


def test_corrupt_json_in_a_row_is_reported_not_a_crash(tmp_path):
    db = tmp_path / "plans.sqlite"
    save(db, units=("Camera 1", "Camera 2"))
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE deployments SET numbers = '{\"incidents\": 1' WHERE position = 1")
    conn.close()
    with pytest.warns(GeoDataWarning, match="deployment 2: numbers are not a readable JSON"):
        plan = load_plan(db, week=WEEK1)
    assert plan.deployments["unit"].tolist() == ["Camera 1", "Camera 2"]
    assert plan.deployments["numbers"].tolist() == [{"incidents": 14}, {}]
    assert len(plan.problems) == 1
    with pytest.warns(GeoDataWarning):
        previous = last_approved_before(db, week=WEEK2)  # next week's plan still starts
    assert previous.deployments["unit"].tolist() == ["Camera 1", "Camera 2"]
    with pytest.warns(GeoDataWarning):
        since = deployments_since(db, since=WEEK1, before=WEEK2)
    assert len(since) == 2
    assert len(since.attrs["problems"]) == 1


def test_a_missing_required_value_leaves_that_row_out_with_a_reason(tmp_path):
    db = tmp_path / "plans.sqlite"
    save(db, units=("Camera 1", "Camera 2"))
    rebuild_deployments(db, CURRENT_DEPLOYMENTS.replace("unit TEXT NOT NULL", "unit TEXT"), "")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE deployments SET unit = NULL WHERE position = 0")
    conn.close()
    with pytest.warns(GeoDataWarning, match="deployment 1: unit missing or unreadable"):
        plan = load_plan(db, week=WEEK1)
    assert plan.deployments["unit"].tolist() == ["Camera 2"]
    assert plan.problems == (
        "week 2025-10-06 version 1, deployment 1: unit missing or unreadable (row left out)",
    )


def test_an_extra_required_column_from_a_newer_writer_reads_but_refuses_to_save(tmp_path):
    db = tmp_path / "plans.sqlite"
    save(db)
    newer = CURRENT_DEPLOYMENTS.replace(
        "PRIMARY KEY (plan_id, position)",
        "priority INTEGER NOT NULL,\n    PRIMARY KEY (plan_id, position)",
    )
    rebuild_deployments(db, newer, ", 3")
    assert load_plan(db, week=WEEK1).deployments["unit"].tolist() == ["Camera 1"]
    before = folder_state(tmp_path)
    with pytest.raises(StoreError, match=r"required column deployments\.priority this version"):
        save(db, week=WEEK2)
    assert folder_state(tmp_path) == before


def test_hostile_values_in_a_frame_are_stored_as_text(tmp_path):
    db = tmp_path / "plans.sqlite"
    rows = deployments("Camera 1").assign(reason=None, x=float("inf"), site_name=float("nan"))
    save_plan(db, week=WEEK1, deployments=rows, status="suggested", saved_by="A", base_version=None)
    loaded = load_plan(db, week=WEEK1).deployments.iloc[0]
    assert (loaded["reason"], loaded["site_name"]) == ("", "")
    assert pd.isna(loaded["x"])
