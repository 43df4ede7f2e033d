"""``geo timeline``: the weeks ahead, approved and suggested, unit by unit.

::

    geo timeline [PATH ...] --from 2025-10-06 --weeks 8 [--json]
                 [--db FILE] [--resources FILE] [--boundaries FILE] [--out-of-service UNIT]

Weeks with an approved plan in the store are shown as saved; the others are suggested,
each starting from the week before (`geo.timeline.plan_ahead`). With no PATH it plans on
the shipped data, as ``geo plan`` does. Bad options get one line and exit status 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from geo._errors import GeoInputError
from geo.boundaries import read_wards
from geo.cli._common import EXIT_OK, load_inputs, plan_store, unit_resources
from geo.plan.context import all_units
from geo.plan.registry import kind
from geo.resources import Resources, WeekOverrides
from geo.safe_text import terminal_text
from geo.timeline import MAX_WEEKS, Timeline, plan_ahead


def add_parser(sub: argparse._SubParsersAction) -> None:
    """
    Add ``geo timeline`` to the ``geo`` subcommands.

    Parameters
    ----------
    sub
        The ``geo`` parser's subparsers.
    """
    p = sub.add_parser(
        "timeline",
        help="the weeks ahead: camera stays and moves, board rotation, EVAs",
        description=__doc__.split("\n\n")[0],
    )
    p.add_argument("paths", nargs="*", type=Path, help="incident and speeding files or folders")
    p.add_argument(
        "--from",
        dest="first",
        required=True,
        type=dt.date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="a day of the first week",
    )
    p.add_argument("--weeks", type=int, default=8, help=f"how many weeks, 1 to {MAX_WEEKS}")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--db", type=Path, default=None, help="plan store (default: GEO_HOME)")
    p.add_argument("--resources", type=Path, default=None, help="resources TOML (default: shipped)")
    p.add_argument(
        "--boundaries", type=Path, default=None, help="ward boundaries (default: shipped)"
    )
    p.add_argument(
        "--out-of-service",
        action="append",
        default=[],
        metavar="UNIT",
        help='a unit not usable in the suggested weeks, e.g. "Camera 3"',
    )
    p.set_defaults(run=run)


def _check_units(names: list[str], resources: Resources) -> frozenset[str]:
    """Return the out-of-service units, or refuse a name that is not one of the unit's."""
    known = all_units(resources)
    unknown = [n for n in names if n not in known]
    if unknown:
        msg = f"--out-of-service {unknown[0]!r} is not a unit: the units are {', '.join(known)}"
        raise GeoInputError(msg)
    return frozenset(names)


def summary(timeline: Timeline) -> dict[str, object]:
    """
    Return the timeline as a JSON-ready dict.

    Returns
    -------
    dict
        ``from``, ``weeks``, ``approved_weeks``, ``rows`` (one per unit and week, with
        ``week``, ``kind``, ``unit``, ``site``, ``site_id``, ``weeks_on_site``,
        ``status``, ``moves``) and ``notes``.
    """
    return {
        "from": timeline.first.isoformat(),
        "weeks": timeline.weeks,
        "approved_weeks": [w.isoformat() for w in timeline.approved],
        "rows": json.loads(timeline.table.to_json(orient="records")),
        "notes": list(timeline.notes),
    }


def _lines(timeline: Timeline) -> list[str]:
    """Return the timeline in words: a heading per week, a line per unit (moves marked)."""
    out = []
    for week, rows in timeline.table.groupby("week", sort=True):
        out.append(f"Week of {week} ({rows['status'].iloc[0]})")
        for r in rows.to_dict("records"):
            mark = "->" if r["moves"] else "  "
            words = kind(r["kind"]).title
            out.append(
                f"  {mark} {r['unit']:<10} {r['site']} ({words}, week {r['weeks_on_site']} there)"
            )
    if timeline.notes:
        out.append("Notes:")
        out.extend(f"  {n}" for n in timeline.notes)
    return out


def run(args: argparse.Namespace) -> int:
    """
    Run ``geo timeline``.

    Returns
    -------
    int
        0 when the timeline is printed; `geo.cli.main` turns a `GeoInputError` into one
        line on stderr and exit status 2.
    """
    if not 1 <= args.weeks <= MAX_WEEKS:
        msg = f"--weeks must be 1 to {MAX_WEEKS}, got {args.weeks}"
        raise GeoInputError(msg)
    resources = unit_resources(args)
    overrides = WeekOverrides(out_of_service=_check_units(args.out_of_service, resources))
    wards = read_wards(args.boundaries) if args.boundaries else None
    loaded = load_inputs(args, args.paths, wards=wards)
    timeline = plan_ahead(
        loaded,
        first=args.first,
        weeks=args.weeks,
        resources=resources,
        overrides=overrides,
        db=plan_store(args, args.db),
    )
    if args.json:
        print(json.dumps(summary(timeline), indent=2))
    else:
        print(terminal_text("\n".join(_lines(timeline)), keep_newlines=True))
    return EXIT_OK
