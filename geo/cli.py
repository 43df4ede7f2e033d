"""The ``geo`` command: thin wrappers that call the library and print what it returns.

Each subcommand has an ``_add_<name>`` function that declares its arguments and a
``_run_<name>`` function that does the work. Exit status: 0 on success, 2 when an
input cannot be used (the message is one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import difflib
import getpass
import importlib
import json
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from geo import __version__
from geo._errors import GeoInputError
from geo.boundaries import read_wards, select_wards, study_area
from geo.datasets import get_path
from geo.export import RejectedCsv, about_block, write_hotspots
from geo.home import check_home
from geo.incidents import (
    REJECTED_COLUMNS,
    LoadResult,
    LoadSummary,
    load_incidents,
    validate_files,
)
from geo.labels import category_words, display_frame
from geo.plan.context import all_units, resolve_units
from geo.plan_export import PlanSheet, plan_summary, sheet_of_run, sheet_of_stored, write_plan
from geo.plan_notes import Mark, add_marks, add_notes, add_publish
from geo.resources import BOUNDS, WeekOverrides, read_resources
from geo.safe_text import terminal_text
from geo.schema import deployments_frame
from geo.settings import DEFAULT_SETTINGS, LoadSettings
from geo.store import plan_history
from geo.taxonomy import check_categories

if TYPE_CHECKING:
    import geopandas as gpd

    from geo.periods import Window
    from geo.pipeline import WeekRun

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def _area_wards(args: argparse.Namespace) -> gpd.GeoDataFrame:
    """Read the boundary file and return the wards ``--area`` selects.

    ``--area`` may also name a boundary file itself: every ward in it is the area.
    """
    area = Path(args.area) if args.area else None
    if area is not None and area.suffix.lower() in _BOUNDARY_SUFFIXES:
        if args.boundaries is not None:
            msg = "--area names a boundary file: leave out --boundaries (or give ward names)"
            raise GeoInputError(msg)
        if not area.is_file():
            msg = f"--area {args.area!r}: no such boundary file"
            raise GeoInputError(msg)
        return read_wards(area)
    return select_wards(read_wards(args.boundaries or get_path("wards")), args.area)


_BOUNDARY_SUFFIXES = frozenset({".geojson", ".json", ".gpkg", ".shp"})
"""What an ``--area`` that names a boundary file ends with."""


def _load(
    args: argparse.Namespace, *, strict: bool, wards: gpd.GeoDataFrame | None = None
) -> LoadResult:
    """Load the incident files named on the command line with the chosen wards."""
    wards = _area_wards(args) if wards is None else wards
    paths, settings = _inputs(args)
    return load_incidents(paths, wards=wards, strict=strict, settings=settings)


def _inputs(args: argparse.Namespace) -> tuple[list[Path], LoadSettings]:
    """Return the files to read (default: the shipped police.uk months) and load settings."""
    settings = replace(
        DEFAULT_SETTINGS.load,
        keep_outside_district=args.keep_outside,
        date_order=getattr(args, "date_order", "auto"),
    )
    return args.paths or [get_path("police_uk")], settings


def _add_common_inputs(parser: argparse.ArgumentParser) -> None:
    """Arguments shared by every subcommand that reads incidents."""
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        help="police.uk CSVs, CSU logs, or folders of them (default: the shipped Sevenoaks data)",
    )
    parser.add_argument(
        "--date-order",
        choices=["auto", "day", "month"],
        default="auto",
        help="how CSU dates such as 03/04/2025 are read: decided from each file's values "
        "(auto, the default), day first or month first",
    )
    parser.add_argument(
        "--boundaries",
        type=Path,
        default=None,
        help="ward boundaries (GeoJSON/GeoPackage/Shapefile); default: the shipped Sevenoaks wards",
    )
    parser.add_argument(
        "--area",
        default="all",
        metavar="WARDS",
        help="the wards to study: names or codes from the boundary file, comma-separated "
        "(case and spaces ignored), 'all' (default), or a boundary file (.geojson, .gpkg, "
        ".shp) whose wards are all studied; incidents outside them are rejected as 'outside "
        "the district' unless --keep-outside",
    )
    parser.add_argument(
        "--keep-outside",
        action="store_true",
        help="keep incidents outside every chosen ward (with no ward) instead of rejecting "
        "them; hotspots and evaluate then study the wards plus every 1 km British National "
        "Grid square holding an incident (police.uk points are snapped to streets, so this "
        "approximates the inhabited area without inventing a boundary)",
    )


# --- geo validate ------------------------------------------------------------------------------


def _add_validate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="load files and report rows in / accepted / rejected")
    _add_common_inputs(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--rejected", type=Path, default=None, help="write the rejected rows to this CSV"
    )


def validation_summary(result: LoadResult | LoadSummary) -> dict[str, object]:
    """
    Summarise a load as the ``geo validate --json`` object.

    Parameters
    ----------
    result
        What `geo.incidents.load_incidents` or `geo.incidents.validate_files` returned.

    Returns
    -------
    dict
        ``rows_in``, ``accepted``, ``rejected``, ``reasons`` (reason -> count)
        and ``files`` (one entry per file with the same counts, ``months``, ``note``:
        which swap or CRS would put a file that is nearly all outside the district
        inside it, or null, and ``error``).
    """
    return {
        "rows_in": result.rows_in,
        "accepted": sum(f.accepted for f in result.files),
        "rejected": sum(f.rejected for f in result.files),
        "reasons": result.reasons,
        "files": [
            {
                "file": f.source_file,
                "kind": f.kind,
                "rows_in": f.rows_in,
                "accepted": f.accepted,
                "rejected": f.rejected,
                "reasons": dict(f.reasons),
                "months": dict(f.months),
                "note": f.note or None,
                "error": f.error,
            }
            for f in result.files
        ],
    }


def _print_validation(summary: dict[str, object]) -> None:
    files = summary["files"]
    width = max([len(f["file"]) for f in files] + [5])
    print(
        f"{'file':<{width}}  {'kind':<12} {'rows in':>8} {'accepted':>9} {'rejected':>9}  reasons"
    )
    for f in files:  # file names and reasons come from files: no escape sequences printed
        if f["error"]:
            print(terminal_text(f"{f['file']:<{width}}  ERROR: {f['error']}"))
            continue
        reasons = ", ".join(f"{k}: {v}" for k, v in f["reasons"].items()) or "-"
        print(
            terminal_text(
                f"{f['file']:<{width}}  {f['kind']:<12} {f['rows_in']:>8} "
                f"{f['accepted']:>9} {f['rejected']:>9}  {reasons}"
            )
        )
        if f["note"]:
            print(terminal_text(f"{'':<{width}}  note: {f['note']}"))
    reasons = ", ".join(f"{k}: {v}" for k, v in summary["reasons"].items()) or "-"
    total = f"{summary['rows_in']:>8} {summary['accepted']:>9} {summary['rejected']:>9}"
    print(f"{'total':<{width}}  {'':<12} {total}  {reasons}")


def _run_validate(args: argparse.Namespace) -> int:
    wards = _area_wards(args)
    paths, settings = _inputs(args)
    with contextlib.ExitStack() as stack:  # one file's rows held at a time
        sink = (  # every text cell formula-guarded (it came from a file)
            stack.enter_context(RejectedCsv(args.rejected, list(REJECTED_COLUMNS)))
            if args.rejected is not None
            else None
        )
        result = validate_files(paths, wards=wards, settings=settings, on_rejected=sink)
    summary = validation_summary(result)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        _print_validation(summary)
    for error in result.errors:
        print(terminal_text(f"geo validate: {error}"), file=sys.stderr)
    return EXIT_BAD_INPUT if result.errors else EXIT_OK


# --- geo hotspots ------------------------------------------------------------------------------


def _add_hotspots(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("hotspots", help="find and rank hotspots of a category; export the list")
    _add_common_inputs(p)
    p.add_argument(
        "--category", required=True, help="e.g. asb, burglary, speeding, asb+criminal_damage"
    )
    p.add_argument(
        "--as-of", default=None, help="last month (YYYY-MM) or day; default: latest data"
    )
    span = p.add_mutually_exclusive_group()
    span.add_argument("--months", type=int, default=None, help="window in months (default 3)")
    span.add_argument("--weeks", type=int, default=None, help="window in weeks (dated CSU logs)")
    p.add_argument("--rank-by", choices=["harm", "count"], default="harm")
    p.add_argument("--out", type=Path, default=None, help="write .csv, .xlsx or .geojson")
    p.add_argument("--json", action="store_true", help="print the hotspots as JSON")
    p.add_argument("--wards", action="store_true", help="also print the priority-ward table")


def _run_hotspots(args: argparse.Namespace) -> int:
    from geo import pipeline

    wards = _area_wards(args)
    paths, load_settings = _inputs(args)
    loaded = pipeline.load(
        paths, wards=wards, settings=replace(DEFAULT_SETTINGS, load=load_settings), strict=True
    )
    result = loaded.result
    cats = [c for c in args.category.split("+") if c]
    check_categories(cats)
    if result.accepted.empty:
        msg = "no incidents were accepted from the files given"
        raise GeoInputError(msg)
    spots, members, window = pipeline.hotspots(
        loaded,
        category="+".join(cats),
        as_of=args.as_of,
        months=args.months,
        weeks=args.weeks,
        rank_by=args.rank_by,
        keep_outside=args.keep_outside,
    )
    if args.out is not None:
        write_hotspots(args.out, spots, members, about=_hotspot_about(args, result, window))
    _print_hotspots(args, spots, window)
    if args.wards:
        as_of, months, weeks = pipeline.window_choice(
            result.accepted, as_of=args.as_of, months=args.months, weeks=args.weeks
        )
        _print_priority_wards(result.accepted, wards, cats, as_of, months, weeks)
    return EXIT_OK


def _hotspot_about(args: argparse.Namespace, result: LoadResult, window: Window) -> dict[str, str]:
    from geo.hotspots import months_held

    period = f"{window.label()} (trend against {window.label(prior=True)})"
    return about_block(
        title=f"{category_words(args.category)} hotspots, {window.words()}, ranked by "
        f"{args.rank_by}",
        period=period,
        sources=[f.source_file for f in result.files],
        settings=DEFAULT_SETTINGS.hotspots,
        extra={
            "months with data": months_held(result.accepted),
            "coordinates": "Longitude and latitude are WGS84 (an outline's centre); the "
            "shape column is well-known text in British National Grid metres (EPSG:27700).",
        },
    )


def _print_hotspots(args: argparse.Namespace, spots: gpd.GeoDataFrame, window: Window) -> None:
    table = spots.drop(columns="geometry")
    words = category_words(args.category)
    if args.json:  # internal codes stay in the JSON
        print(table.to_json(orient="records"))
    elif table.empty:
        print(f"No {words} hotspots in {window.words()}.")
    else:
        print(f"{words} hotspots, {window.words()}, ranked by {args.rank_by}:")
        cols = [
            "rank",
            "top_locations",
            "ward_names",
            "n_incidents",
            "n_prior",
            "trend",
            "trend_class",
            "gi_bin",
            "harm",
        ]
        shown = display_frame(table[cols], "hotspots")
        print(terminal_text(shown.to_string(index=False), keep_newlines=True))


def _print_priority_wards(
    incidents: gpd.GeoDataFrame,
    wards: gpd.GeoDataFrame,
    cats: list[str],
    as_of: str,
    months: int | None,
    weeks: int | None,
) -> None:
    from geo.hotspots import ward_table

    table = ward_table(
        incidents, wards, categories=["+".join(cats)], as_of=as_of, months=months, weeks=weeks
    )
    table = table[table["n_incidents"] > 0].head(10)
    print("\nPriority wards:")
    cols = ["rank", "ward_name", "n_incidents", "n_prior", "trend", "harm"]
    print(table[cols].to_string(index=False) if len(table) else "(no incidents in any ward)")


# --- geo evaluate ------------------------------------------------------------------------------


def _add_evaluate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="backtest forecast methods on held-out months")
    _add_common_inputs(p)
    p.add_argument("--category", required=True, help="e.g. asb, burglary, asb+criminal_damage")
    p.add_argument("--test-months", required=True, help="comma-separated YYYY-MM months")
    p.add_argument("--methods", default="naive,recent,kde,prospective,default")
    p.add_argument("--coverage", default="0.5,1,2,5", help="area coverages in per cent")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def _number(value: float) -> float | None:
    """Round a measure for JSON; None where it is undefined (a month with no incidents)."""
    return None if pd.isna(value) else round(float(value), 4)


def evaluation_summary(results: object, *, category: str, cell_m: float) -> dict[str, object]:
    """
    Summarise backtest rows as the ``geo evaluate --json`` object.

    Returns
    -------
    dict
        ``category``, ``cell_m``, ``test_months``, ``coverage_pct`` and ``methods``
        (name -> ``hit_rate``/``pai``/``pei`` -> coverage -> mean over the months).
    """
    covs = sorted(results["coverage_pct"].unique())
    methods = {}
    for method, rows in results.groupby("method", sort=False):
        means = rows.groupby("coverage_pct")[["hit_rate", "pai", "pei"]].mean()
        methods[method] = {
            m: {f"{c:g}": _number(means.loc[c, m]) for c in covs}
            for m in ("hit_rate", "pai", "pei")
        }
    return {
        "category": category,
        "cell_m": cell_m,
        "test_months": list(dict.fromkeys(results["month"])),
        "coverage_pct": [float(c) for c in covs],
        "methods": methods,
    }


def _run_evaluate(args: argparse.Namespace) -> int:
    from geo.evaluate import backtest
    from geo.forecast import METHODS
    from geo.grid import make_grid

    wards = _area_wards(args)
    incidents = _load(args, strict=True, wards=wards).accepted
    months = [m.strip() for m in args.test_months.split(",") if m.strip()]
    for m in months:
        try:
            pd.Period(m, freq="M")
        except ValueError as err:
            msg = f"--test-months: {m!r} is not a YYYY-MM month"
            raise GeoInputError(msg) from err
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    methods = list(dict.fromkeys(["naive", *[m for m in methods if m != "oracle"]]))
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        msg = f"unknown methods {unknown}; expected some of {list(METHODS)}"
        raise GeoInputError(msg)
    try:
        coverage = [float(c) for c in args.coverage.split(",")]
    except ValueError as err:
        msg = f"--coverage must be numbers in per cent, got {args.coverage!r}"
        raise GeoInputError(msg) from err
    params = DEFAULT_SETTINGS.forecast
    area = study_area(wards, incidents, keep_outside=args.keep_outside)
    grid = make_grid(area, cell_m=params.cell_m)
    results = backtest(
        incidents,
        grid,
        categories=args.category,
        test_months=months,
        methods=methods,
        coverages_pct=coverage,
        params=params,
    )
    summary = evaluation_summary(results, category=args.category, cell_m=params.cell_m)
    if args.json:
        print(json.dumps(summary, indent=2))
        return EXIT_OK
    table = results.pivot_table(
        index="method",
        columns="coverage_pct",
        values="hit_rate",
        aggfunc=["mean", "min", "max"],
        sort=False,
    )
    print(f"Hit rate for {args.category}, mean (min-max) over {', '.join(months)}:")
    for method in table.index:
        cells = [
            f"{c:g} %: {table.loc[method, ('mean', c)]:.3f} "
            f"({table.loc[method, ('min', c)]:.2f}-{table.loc[method, ('max', c)]:.2f})"
            for c in coverage
        ]
        print(f"  {method:<12} " + "  ".join(cells))
    return EXIT_OK


# --- geo plan ----------------------------------------------------------------------------------


def _add_plan(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "plan",
        help="show, suggest or approve a week's deployments, or list saved plans",
        description="With no files, plans on the shipped Sevenoaks data. When the week already "
        "has an approved plan, shows it; --replan suggests a new plan starting from it.",
    )
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
    p.add_argument("--cameras", type=int, default=None, help="at most this many cameras")
    p.add_argument("--boards", type=int, default=None, help="at most this many speed boards")
    p.add_argument(
        "--out-of-service",
        action="append",
        default=[],
        metavar="UNIT",
        help='a unit not usable this week, e.g. "Camera 3"',
    )
    p.add_argument("--patrol-hours", type=float, default=None, help="PCSO hours this week")
    p.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="SITE",
        help="a site off limits: its name or id (see --sites)",
    )
    p.add_argument(
        "--pin",
        action="append",
        default=[],
        metavar="SITE",
        help="a camera site that must be used: its name or id",
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


def resolve_sites(candidates: pd.DataFrame, given: Sequence[str]) -> tuple[str, ...]:
    """
    Turn site labels, names or ids typed by a user into candidate site ids.

    Raises
    ------
    GeoInputError
        For a name that matches no candidate site (the message lists close names).
    """
    out = []
    for text in given:
        key = text.strip().casefold()
        hit = candidates[
            (candidates["site_id"].str.casefold() == key)
            | (candidates["site_label"].str.casefold() == key)
            | (candidates["site_name"].str.casefold() == key)
        ]
        if hit.empty:
            close = difflib.get_close_matches(text, candidates["site_label"].unique().tolist(), 3)
            msg = f"no candidate site called {text!r}" + (
                f"; did you mean {', '.join(repr(c) for c in close)}?"
                if close
                else " (list them with --sites)"
            )
            raise GeoInputError(msg)
        out.extend(str(i) for i in hit["site_id"])  # a shared name: every site so named
    return tuple(dict.fromkeys(out))


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


def _run_plan(args: argparse.Namespace) -> int:
    from geo.home import default_store
    from geo.pipeline import (
        approve_week,
        carried_overrides,
        edited_run,
        load,
        monday_of,
        run_week,
        week_state,
    )
    from geo.plan_notes import amend_week

    db = args.db or default_store()
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
        _emit_plan(args, sheet_of_stored(saved))
        return EXIT_OK
    if shown is not None and shown.status == "approved" and not (args.replan or args.sites):
        if args.approve:
            print(
                terminal_text(
                    f"geo plan: week {shown.week} is already approved (version "
                    f"{shown.version} by {shown.saved_by} at {shown.saved_at}); "
                    "use --replan to change it"
                ),
                file=sys.stderr,
            )
        _emit_plan(args, sheet_of_stored(shown))
        return EXIT_OK
    resources = read_resources(args.resources)  # settings and names before the data
    for flag, value, bound in (
        ("--cameras", args.cameras, BOUNDS["cctv"]["cameras"]),
        ("--boards", args.boards, BOUNDS["speed_boards"]["boards"]),
        ("--patrol-hours", args.patrol_hours, BOUNDS["patrols"]["hours_per_week"]),
    ):
        if value is not None:
            bound.check(value, file="", key=flag)
    overrides = WeekOverrides(
        cameras=args.cameras,
        boards=args.boards,
        patrol_hours=args.patrol_hours,
        out_of_service=resolve_units(args.out_of_service, all_units(resources)),
    )
    loaded = load(args.paths, wards=read_wards(args.boundaries) if args.boundaries else None)
    replan = shown if args.replan and shown is not None and shown.status == "approved" else None
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


# --- the command -------------------------------------------------------------------------------

_SUBCOMMANDS: dict[
    str, tuple[Callable[[argparse._SubParsersAction], None], Callable[[argparse.Namespace], int]]
] = {
    "validate": (_add_validate, _run_validate),
    "hotspots": (_add_hotspots, _run_hotspots),
    "evaluate": (_add_evaluate, _run_evaluate),
    "plan": (_add_plan, _run_plan),
}


_MORE_COMMANDS = (
    "geo.cli_map",
    "geo.cli_pact",
    "geo.cli_users",
    "geo.cli_outcomes",
    "geo.cli_report",
    "geo.cli_timeline",
)
"""Modules adding subcommands (``map``, ``pact``, ``users``/``audit``, ``outcomes``,
``report``, ``timeline``) with ``add_parser``."""


def build_parser() -> argparse.ArgumentParser:
    """
    Build the ``geo`` argument parser with every subcommand.

    Returns
    -------
    argparse.ArgumentParser
        The parser.
    """
    parser = argparse.ArgumentParser(
        prog="geo", description="Sevenoaks CSU hotspot and deployment planner"
    )
    parser.add_argument("--version", action="version", version=f"geo {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for add, _ in _SUBCOMMANDS.values():
        add(sub)
    for name in _MORE_COMMANDS:  # each module registers its own subcommands
        importlib.import_module(name).add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """
    Run the ``geo`` command.

    Parameters
    ----------
    argv
        Arguments without the program name; defaults to ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit status: 0 on success, 2 when an input cannot be used.
    """
    args = build_parser().parse_args(argv)
    run = getattr(args, "run", None) or _SUBCOMMANDS[args.command][1]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", category=UserWarning)
        try:
            note = check_home()  # an unusable GEO_HOME is one line before anything runs
            if note:
                print(terminal_text(f"geo {args.command}: note: {note}"), file=sys.stderr)
            status = run(args)
        except GeoInputError as err:
            print(terminal_text(f"geo {args.command}: {err}"), file=sys.stderr)
            status = EXIT_BAD_INPUT
        except BrokenPipeError:  # the reader stopped early (`geo validate ... | head`)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())  # so the exit's flush does not fail again
            return 1
    for w in caught:
        print(terminal_text(f"geo {args.command}: warning: {w.message}"), file=sys.stderr)
    return status
