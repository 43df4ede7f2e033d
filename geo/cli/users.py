"""``geo users add|list|remove`` and ``geo audit``: sign-in users and the audit trail.

Wired into ``geo`` by `geo.cli`; every command takes ``--db FILE`` (default: the
plan store under ``GEO_HOME``). Passwords are read from standard input, never
from the command line (where other users could see them in the process list).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path

from geo._errors import GeoInputError
from geo.cli._common import EXIT_OK, fail, plan_store
from geo.safe_text import terminal_text
from geo.users import ROLES, add_user, audit_log, list_users, record, remove_user


def add_parser(sub: argparse._SubParsersAction) -> None:
    """
    Register ``geo users`` (``add``, ``list``, ``remove``) and ``geo audit``.

    Parameters
    ----------
    sub
        The ``geo`` command's subparsers.
    """
    users = sub.add_parser("users", help="add, list or remove the people who may sign in")
    verbs = users.add_subparsers(dest="users_command", required=True)

    add = verbs.add_parser("add", help="add a user (password read from standard input)")
    add.add_argument("name", help="the sign-in name (a name or collar number)")
    add.add_argument("--role", required=True, choices=ROLES, help="what they may do")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    _db_option(add)
    add.set_defaults(run=run_add)

    listing = verbs.add_parser("list", help="list the users and their roles")
    listing.add_argument("--json", action="store_true", help="print a JSON list")
    _db_option(listing)
    listing.set_defaults(run=run_list)

    remove = verbs.add_parser("remove", help="remove a user (their audit entries stay)")
    remove.add_argument("name", help="the sign-in name")
    _db_option(remove)
    remove.set_defaults(run=run_remove)

    audit = sub.add_parser("audit", help="print the audit table: who approved or exported what")
    audit.add_argument("--json", action="store_true", help="print a JSON list")
    _db_option(audit)
    audit.set_defaults(run=run_audit)


def _db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", type=Path, default=None, help="the plan store (default: GEO_HOME/plans.sqlite)"
    )


def _db(args: argparse.Namespace) -> Path:
    return plan_store(args, args.db)


def _operator() -> str:
    try:
        return f"{getpass.getuser()} (command line)"
    except (KeyError, OSError):
        return "(command line)"


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    if not sys.stdin.isatty():
        msg = "give --password-stdin and the password on standard input"
        raise GeoInputError(msg)
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        msg = "the two passwords differ"
        raise GeoInputError(msg)
    return first


def run_add(args: argparse.Namespace) -> int:
    """
    Run ``geo users add``.

    Parameters
    ----------
    args
        Parsed arguments: ``name``, ``role``, ``password_stdin``, ``db``.

    Returns
    -------
    int
        0, or 2 if the user cannot be added.
    """
    try:
        db = _db(args)
        user = add_user(db, args.name, args.role, _read_password(args.password_stdin))
        record(db, _operator(), "add user", f"{user.name} as {user.role}")
    except GeoInputError as err:
        return fail("users add", err)
    print(f"Added {terminal_text(user.name)} as {user.role}.")
    return EXIT_OK


def run_remove(args: argparse.Namespace) -> int:
    """
    Run ``geo users remove``.

    Parameters
    ----------
    args
        Parsed arguments: ``name``, ``db``.

    Returns
    -------
    int
        0, or 2 if there is no such user.
    """
    try:
        db = _db(args)
        remove_user(db, args.name)
        record(db, _operator(), "remove user", args.name.strip())
    except GeoInputError as err:
        return fail("users remove", err)
    print(f"Removed {terminal_text(args.name.strip())}.")
    return EXIT_OK


def run_list(args: argparse.Namespace) -> int:
    """
    Run ``geo users list``.

    Parameters
    ----------
    args
        Parsed arguments: ``json``, ``db``.

    Returns
    -------
    int
        0, or 2 if the store cannot be read.
    """
    try:
        users = list_users(_db(args))
    except GeoInputError as err:
        return fail("users list", err)
    if args.json:
        rows = [{"name": u.name, "role": u.role, "created_at": u.created_at} for u in users]
        print(json.dumps(rows, indent=2))
    elif not users:
        print("No users: the app is open to this computer only. Add one with `geo users add`.")
    else:
        width = max(len(terminal_text(u.name)) for u in users)
        for u in users:
            print(f"{terminal_text(u.name):<{width}}  {u.role:<8}  added {u.created_at}")
    return EXIT_OK


def run_audit(args: argparse.Namespace) -> int:
    """
    Run ``geo audit``.

    Parameters
    ----------
    args
        Parsed arguments: ``json``, ``db``.

    Returns
    -------
    int
        0, or 2 if the store cannot be read.
    """
    try:
        table = audit_log(_db(args))
    except GeoInputError as err:
        return fail("audit", err)
    if args.json:
        print(json.dumps(table.to_dict("records"), indent=2))
    elif table.empty:
        print("The audit table is empty.")
    else:
        safe = table.map(terminal_text)
        print(safe.to_string(index=False))
    return EXIT_OK
