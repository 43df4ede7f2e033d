"""``geo validate``: every row in, accepted or rejected with its reason."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path

from geo.cli._common import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    add_common_inputs,
    area_wards,
    input_files,
    switches,
)
from geo.export import RejectedCsv
from geo.incidents import (
    REJECTED_COLUMNS,
    LoadResult,
    LoadSummary,
    validate_files,
)
from geo.safe_text import terminal_text


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``geo validate`` to the subcommands."""
    p = sub.add_parser("validate", help="load files and report rows in / accepted / rejected")
    p.set_defaults(run=run)
    add_common_inputs(p)
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


def run(args: argparse.Namespace) -> int:
    """Run ``geo validate``; return its exit status."""
    wards = area_wards(args)
    paths, settings = input_files(args)
    with contextlib.ExitStack() as stack:  # one file's rows held at a time
        sink = (  # every text cell formula-guarded (it came from a file)
            stack.enter_context(RejectedCsv(args.rejected, list(REJECTED_COLUMNS)))
            if args.rejected is not None
            else None
        )
        result = validate_files(
            paths,
            wards=wards,
            settings=settings,
            on_rejected=sink,
            cache=switches(args).parse_cache,
            home=switches(args).home,
        )
    summary = validation_summary(result)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        _print_validation(summary)
    for error in result.errors:
        print(terminal_text(f"geo validate: {error}"), file=sys.stderr)
    return EXIT_BAD_INPUT if result.errors else EXIT_OK
