"""``geo plan``: the week's plan, its approval, history, calendar, notes and marks."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from geo._errors import GeoInputError
from geo.boundaries import read_wards
from geo.plan.context import all_units, resolve_units
from geo.plan.registry import resource_kinds
from geo.plan.sites import resolve_sites
from geo.plan_export import PlanSheet, plan_summary, sheet_of_run, sheet_of_stored, write_plan
from geo.plan_notes import Mark, add_marks, add_notes, add_publish
from geo.resources import WeekOverrides
from geo.safe_text import terminal_text
from geo.schema import ResourceKind, deployments_frame
from geo.store import plan_history

if TYPE_CHECKING:
    from geo.pipeline import WeekRun

from geo.cli._common import EXIT_OK, load_inputs, plan_store, unit_resources


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``geo plan`` to the subcommands."""
    p = sub.add_parser(
        "plan",
        help="show, suggest or approve a week's deployments, or list saved plans",
        description="With no files, plans on the shipped Sevenoaks data. When the week already "
        "has an approved plan, shows it; --replan suggests a new plan starting from it.",
    )
    p.set_defaults(run=run)
    p.add_argument("paths", nargs="*", type=Path, help="incident and speeding files or folders")
    p.add_argument(
        "--boundaries", type=Path, default=None, help="ward boundaries (default: shipped)"
    )
    p.add_argument(
        "--week", type=dt.date.fromisoformat, help="a day of the week to plan (YYYY-MM-DD)"
    )
    p.add_argument("--resources", type=Path, default=None, help="resources TOML (default: shipped)")
    p.add_argument("--db", type=Path, default=None, help="plan store (default: GEO_HOME)")
    p.add_argument(
        "--out", type=Path, default=None, help="write the plan to .xlsx, .csv or .ics (calendar)"
    )
    p.add_argument(
        "--task-sheets",
        type=Path,
        default=None,
        metavar="DIR",
        help="write a printable task sheet (HTML with a map) per officer into DIR",
    )
    p.add_argument(
        "--note",
        action="append",
        default=[],
        metavar="UNIT=TEXT",
        help='a note on a deployment, e.g. "Camera 1=moved: landowner refused"',
    )
    p.add_argument(
        "--done", action="append", default=[], metavar="TARGET", help='e.g. "Patrol 1 visit 3"'
    )
    p.add_argument(
        "--not-done", action="append", default=[], metavar="TARGET", help='e.g. "Camera 2"'
    )
    p.add_argument(
        "--cut-short",
        action="append",
        default=[],
        metavar="TARGET=AMOUNT",
        help='minutes given (a visit) or days in place (a stay), e.g. "Patrol 1 visit 3=8"',
    )
    p.add_argument(
        "--publish",
        action="append",
        default=[],
        metavar="UNIT",
        help='tell the public PACT page about this deployment ("you said, we did"), e.g. "EVA 1"',
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--approve", action="store_true", help="approve and save the plan")
    p.add_argument("--by", default=None, help="who approves (name or collar number)")
    p.add_argument(
        "--replan",
        action="store_true",
        help="suggest a new plan starting from the week's approved one",
    )
    p.add_argument("--history", action="store_true", help="list saved plans and exit")
    for k in resource_kinds():  # one option per kind with a week amount: --cameras, ...
        if k.amount is not None:
            whole = k.bounds[k.amount.setting].whole
            p.add_argument(
                f"--{k.amount.flag}",
                type=int if whole else float,
                default=None,
                dest=amount_dest(k),
                metavar="N" if whole else "AMOUNT",
                help=k.amount.help,
            )
    p.add_argument(
        "--out-of-service",
        action="append",
        default=[],
        metavar="UNIT",
        help='a unit not usable this week, e.g. "Camera 3"',
    )
    p.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="SITE",
        help="a site off limits: its name or id (see --sites)",
    )
    pinned = ", ".join(f"{k.label}s" for k in resource_kinds() if "pinned_sites" in k.overrides)
    p.add_argument(
        "--pin",
        action="append",
        default=[],
        metavar="SITE",
        help=f"a site that must be used this week ({pinned}): its name or id",
    )
    p.add_argument(
        "--move",
        action="append",
        default=[],
        metavar="UNIT=SITE",
        help="put a unit on another candidate site of its kind (a label, id or name from "
        '--sites), e.g. "Camera 1=On or near Parking Area, Ash and New Ash Green (90 m SW of '
        'the hotspot centre)"',
    )
    p.add_argument(
        "--sites",
        action="store_true",
        help="list the week's candidate sites, each kind's own, with a label unique in its kind",
    )


def amount_dest(k: ResourceKind) -> str:
    """Return where argparse keeps a kind's week amount (``amount_cctv``)."""
    return f"amount_{k.key}"


def week_amounts(args: argparse.Namespace) -> dict[str, float]:
    """
    Read each kind's week amount (``--cameras 3``), checked against its setting's range.

    Raises
    ------
    GeoInputError
        For an amount outside the range ``resources.toml`` allows, naming the option.
    """
    out = {}
    for k in resource_kinds():
        value = getattr(args, amount_dest(k), None) if k.amount else None
        if value is None:
            continue
        k.bounds[k.amount.setting].check(value, file="", key=f"--{k.amount.flag}")
        out[k.key] = float(value)
    return out


def site_moves(moves: Sequence[str], rows: pd.DataFrame) -> dict[int, dict[str, object]]:
    """
    Read ``--move UNIT=SITE`` into edits of the plan's rows (row position -> new site).

    Raises
    ------
    GeoInputError
        For a move without ``=`` or a unit not in the plan.
    """
    edits: dict[int, dict[str, object]] = {}
    for text in moves:
        unit, sep, site = text.partition("=")
        if not sep or not site.strip():
            msg = f"--move {text!r}: write UNIT=SITE, e.g. 'Camera 1=<a site from --sites>'"
            raise GeoInputError(msg)
        hits = [i for i, u in enumerate(rows["unit"]) if u.casefold() == unit.strip().casefold()]
        if not hits:
            msg = f"--move: no deployment called {unit.strip()!r}; units: {', '.join(rows['unit'])}"
            raise GeoInputError(msg)
        edits[hits[0]] = {"site": site.strip()}
    return edits


def notes_and_marks(args: argparse.Namespace) -> tuple[dict[str, str], list[Mark]]:
    """
    Read ``--note``, ``--done``, ``--not-done`` and ``--cut-short`` into notes and marks.

    Raises
    ------
    GeoInputError
        For a note or cut short without ``=``, or an amount that is not a number.
    """
    notes = {}
    for text in args.note:
        unit, sep, note = text.partition("=")
        if not sep:
            msg = f"--note {text!r}: write UNIT=TEXT, e.g. 'Camera 1=landowner refused'"
            raise GeoInputError(msg)
        notes[unit.strip()] = note
    marks = [Mark(t, "done") for t in args.done] + [Mark(t, "not done") for t in args.not_done]
    for text in args.cut_short:
        target, _, amount = text.rpartition("=")
        try:
            marks.append(Mark(target, "cut short", float(amount)))
        except ValueError:
            msg = f"--cut-short {text!r}: write TARGET=AMOUNT, e.g. 'Patrol 1 visit 3=8'"
            raise GeoInputError(msg) from None
        if not target:
            msg = f"--cut-short {text!r}: write TARGET=AMOUNT, e.g. 'Patrol 1 visit 3=8'"
            raise GeoInputError(msg)
    return notes, marks


def with_notes_and_marks(
    run: WeekRun,
    notes: dict[str, str],
    marks: list[Mark],
    *,
    by: str,
    publish: Sequence[str] = (),
) -> WeekRun:
    """Return the run with notes, marks and publish marks on its rows (before it is approved)."""
    if not (notes or marks or publish):
        return run
    at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    rows = add_marks(add_notes(run.plan.deployments, notes, by=by), marks, by=by, at=at)
    rows = add_publish(rows, publish, by=by, at=at) if publish else rows
    plan = replace(run.plan, deployments=deployments_frame(rows))
    return replace(run, plan=plan)


def _print_plan(summary: dict[str, object], headline: str) -> None:
    print(
        terminal_text(
            f"Plan for the week of {summary['week']} (data to {summary['data_until']}): {headline}"
        )
    )
    for name, counts in summary["resources"].items():
        print(f"  {name}: {float(counts['used']):g} of {float(counts['available']):g}")
    for d in summary["deployments"]:
        change = f" [changed: {d['change']}]" if d["change"] else ""
        print(terminal_text(f"- [{d['resource']}, {d['status']}] {d['reason']}{change}"))
    for note in summary["notes"]:
        print(terminal_text(f"  note: {note}"))
    if summary["synthetic_sources"]:
        print(
            terminal_text(
                f"  note: SYNTHETIC inputs used: {', '.join(summary['synthetic_sources'])}"
            )
        )


def _emit_plan(args: argparse.Namespace, sheet: PlanSheet) -> None:
    from geo.plan_calendar import write_calendar
    from geo.task_sheets import write_task_sheets

    if args.out is not None and args.out.suffix.lower() == ".ics":
        write_calendar(sheet, args.out)
    elif args.out is not None:
        write_plan(sheet, args.out)
    if args.task_sheets is not None:
        written = write_task_sheets(sheet, args.task_sheets)
        if not written:
            print(
                "geo plan: no scheduled visits (list officers in resources.toml)", file=sys.stderr
            )
    summary = plan_summary(sheet)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        _print_plan(summary, sheet.headline())


def run(args: argparse.Namespace) -> int:
    """Run ``geo plan``; return its exit status."""
    from geo.pipeline import (
        approve_week,
        carried_overrides,
        decided,
        edited_run,
        monday_of,
        replan_base,
        run_week,
        week_state,
    )
    from geo.plan_notes import amend_week

    db = plan_store(args, args.db)
    if args.history:
        table = plan_history(db)
        shown = table.drop(columns=["note"], errors="ignore")  # the note is the plan's provenance
        print(
            table.to_json(orient="records")
            if args.json
            else terminal_text(shown.to_string(index=False), keep_newlines=True)
        )
        return EXIT_OK
    if args.week is None:
        msg = "give --week (a day of the week to plan) or --history"
        raise GeoInputError(msg)
    shown = week_state(db, args.week)  # what this user is shown, before planning
    notes, marks = notes_and_marks(args)
    if (notes or marks or args.publish) and not (args.approve or args.replan):
        saved = amend_week(
            db,
            week=monday_of(args.week),
            notes=notes,
            marks=marks,
            by=args.by or getpass.getuser(),
            publish=args.publish,
        )
        _emit_plan(args, sheet_of_stored(saved, unit_resources(args)))
        return EXIT_OK
    if decided(shown, replanning=args.replan or args.sites) is not None:
        if args.approve:
            print(
                terminal_text(
                    f"geo plan: week {shown.week} is already approved (version "
                    f"{shown.version} by {shown.saved_by} at {shown.saved_at}); "
                    "use --replan to change it"
                ),
                file=sys.stderr,
            )
        _emit_plan(args, sheet_of_stored(shown, unit_resources(args)))
        return EXIT_OK
    resources = unit_resources(args)  # settings and names before the data
    overrides = WeekOverrides(
        amounts=week_amounts(args),
        out_of_service=resolve_units(args.out_of_service, all_units(resources)),
    )
    wards = read_wards(args.boundaries) if args.boundaries else None
    loaded = load_inputs(args, args.paths, wards=wards)
    replan = replan_base(shown, replanning=args.replan)
    if replan is not None:  # start from the approved version's out-of-service units and pins
        overrides = carried_overrides(replan, overrides)
    run = run_week(
        loaded, week=args.week, resources=resources, overrides=overrides, db=db, replan=replan
    )
    if args.sites:
        print(
            run.candidates.to_json(orient="records")
            if args.json
            else terminal_text(
                run.candidates[["resource", "site_label", "site_id"]].to_string(index=False),
                keep_newlines=True,
            )
        )
        return EXIT_OK
    if args.exclude or args.pin:
        overrides = replace(
            overrides,
            excluded_sites=frozenset(resolve_sites(run.candidates, args.exclude))
            if args.exclude
            else overrides.excluded_sites,
            pinned_sites=resolve_sites(run.candidates, args.pin)
            if args.pin
            else overrides.pinned_sites,
        )
        run = run_week(
            loaded, week=args.week, resources=resources, overrides=overrides, db=db, replan=replan
        )
    saved = None
    by = args.by or getpass.getuser()
    edits = site_moves(args.move, run.plan.deployments)
    if args.approve:
        run = with_notes_and_marks(run, notes, marks, by=by, publish=args.publish)
        saved = approve_week(run, edits, shown.version if shown else None, by=by, db=db)
        if args.publish:
            from geo.users import record

            record(
                db,
                by,
                "mark",
                f"week {saved.week.isoformat()} version {saved.version}: "
                + "; ".join(f"{u} published" for u in args.publish),
            )
    else:
        at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        run = edited_run(run, edits, by=by, at=at)
    _emit_plan(args, sheet_of_run(run, saved))
    return EXIT_OK
