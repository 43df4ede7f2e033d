import argparse
import io
import json
import sqlite3
from contextlib import closing

import pytest

from geo._errors import GeoInputError
from geo.cli import users as cli_users
from geo.home import default_store
from geo.store import StoreError, load_plan
from geo.users import (
    ACTIONS,
    User,
    add_user,
    audit_log,
    can,
    get_user,
    list_users,
    record,
    remove_user,
    verify,
)

PASSWORD = "correct horse battery"


def geo(argv, stdin="", monkeypatch=None):
    """Run a users/audit command as `geo` would, returning (code, stdout, stderr)."""
    parser = argparse.ArgumentParser(prog="geo")
    cli_users.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    monkeypatch.setattr("sys.stdout", out)
    monkeypatch.setattr("sys.stderr", err)
    code = args.run(args)
    return code, out.getvalue(), err.getvalue()


def test_passwords_are_kept_as_argon2_hashes_and_verified(tmp_path):
    db = tmp_path / "plans.sqlite"
    added = add_user(db, "  J Smith ", "sergeant", PASSWORD)
    assert added.name == "J Smith"
    with closing(sqlite3.connect(db)) as conn:
        (stored,) = conn.execute("SELECT password_hash FROM users").fetchone()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in db.read_bytes().decode("latin-1")
    assert verify(db, "J Smith", PASSWORD) == added
    assert verify(db, "J Smith", PASSWORD + "x") is None
    assert verify(db, "Nobody", PASSWORD) is None
    assert verify(tmp_path / "missing.sqlite", "J Smith", PASSWORD) is None
    assert get_user(db, "J Smith") == added
    assert load_plan(db, week=__import__("datetime").date(2025, 10, 6)) is None  # same store


def test_roles_decide_who_may_approve_upload_export_and_view(tmp_path):
    db = tmp_path / "plans.sqlite"
    sergeant = add_user(db, "PS 1", "sergeant", PASSWORD)
    analyst = add_user(db, "Analyst", "analyst", PASSWORD)
    viewer = add_user(db, "PCSO 9", "viewer", PASSWORD)
    allowed = {u.role: sorted(a for a in ACTIONS if can(u, a)) for u in (sergeant, analyst, viewer)}
    assert allowed == {
        "sergeant": ["approve", "audit", "export", "mark", "upload", "view"],
        "analyst": ["export", "mark", "upload", "view"],
        "viewer": ["view"],
    }
    assert not can(None, "view")
    with pytest.raises(GeoInputError, match="unknown action"):
        can(sergeant, "delete")
    assert [u.name for u in list_users(db)] == ["Analyst", "PCSO 9", "PS 1"]


@pytest.mark.parametrize(
    ("name", "role", "password", "message"),
    [
        ("A", "chief", PASSWORD, "role must be one of"),
        ("A", "viewer", "short", "at least 10 characters"),
        ("", "viewer", PASSWORD, "1 to 64 characters"),
        ("x" * 65, "viewer", PASSWORD, "1 to 64 characters"),
        ("A\x1b[31m", "viewer", PASSWORD, "control characters"),
    ],
)
def test_bad_users_are_refused(tmp_path, name, role, password, message):
    with pytest.raises(GeoInputError, match=message):
        add_user(tmp_path / "plans.sqlite", name, role, password)


def test_duplicate_and_unknown_names(tmp_path):
    db = tmp_path / "plans.sqlite"
    add_user(db, "A", "viewer", PASSWORD)
    with pytest.raises(GeoInputError, match="already exists"):
        add_user(db, "A", "sergeant", PASSWORD)
    remove_user(db, "A")
    assert list_users(db) == []
    with pytest.raises(GeoInputError, match="no user named 'A'"):
        remove_user(db, "A")


def test_the_audit_table_keeps_who_did_what(tmp_path):
    db = tmp_path / "plans.sqlite"
    user = User("PS 1", "sergeant", "")
    record(db, user, "approve", "week 2025-10-06 version 2")
    record(db, None, "export", "plan-2025-10-06.xlsx")
    log = audit_log(db)
    assert log[["who", "action", "detail"]].values.tolist() == [
        ["PS 1", "approve", "week 2025-10-06 version 2"],
        ["(local, no sign-in)", "export", "plan-2025-10-06.xlsx"],
    ]
    assert list(log.columns) == ["when", "who", "action", "detail"]
    assert audit_log(tmp_path / "none.sqlite").empty


def test_users_are_refused_in_a_file_that_is_not_a_store(tmp_path):
    db = tmp_path / "plans.sqlite"
    db.write_text("name,password\nadmin,admin\n")
    with pytest.raises(StoreError, match="not a plan store"):
        add_user(db, "A", "viewer", PASSWORD)
    assert db.read_text() == "name,password\nadmin,admin\n"


def test_the_users_commands(monkeypatch):
    code, out, err = geo(["users", "list"], monkeypatch=monkeypatch)
    assert (code, err) == (0, "")
    assert "No users" in out

    code, out, err = geo(
        ["users", "add", "J Smith", "--role", "sergeant", "--password-stdin"],
        stdin=PASSWORD + "\n",
        monkeypatch=monkeypatch,
    )
    assert (code, out, err) == (0, "Added J Smith as sergeant.\n", "")
    assert verify(default_store(), "J Smith", PASSWORD).role == "sergeant"

    code, out, err = geo(
        ["users", "add", "J Smith", "--role", "viewer", "--password-stdin"],
        stdin=PASSWORD,
        monkeypatch=monkeypatch,
    )
    assert code == 2
    assert err == "geo users add: a user named 'J Smith' already exists\n"

    code, out, _ = geo(["users", "list", "--json"], monkeypatch=monkeypatch)
    assert [(u["name"], u["role"]) for u in json.loads(out)] == [("J Smith", "sergeant")]

    code, out, err = geo(["users", "remove", "Nobody"], monkeypatch=monkeypatch)
    assert (code, err) == (2, "geo users remove: no user named 'Nobody'\n")
    code, out, _ = geo(["users", "remove", "J Smith"], monkeypatch=monkeypatch)
    assert (code, out) == (0, "Removed J Smith.\n")

    code, out, _ = geo(["audit", "--json"], monkeypatch=monkeypatch)
    actions = [(r["action"], r["detail"]) for r in json.loads(out)]
    assert actions == [("add user", "J Smith as sergeant"), ("remove user", "J Smith")]
    code, out, _ = geo(["audit"], monkeypatch=monkeypatch)
    assert code == 0
    assert "add user" in out


def test_commands_print_one_line_for_a_foreign_store_and_escape_names(tmp_path, monkeypatch):
    db = tmp_path / "other.sqlite"
    db.write_bytes(b"\x00" * 64)
    code, out, err = geo(["users", "list", "--db", str(db)], monkeypatch=monkeypatch)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert "not a plan store" in err

    good = tmp_path / "plans.sqlite"
    record(good, "\x1b]0;owned\x07evil", "sign in failed", "\x1b[2J")
    code, out, _ = geo(["audit", "--db", str(good)], monkeypatch=monkeypatch)
    assert code == 0
    assert "\x1b" not in out
    assert "\x07" not in out
