"""``geo outcomes``: did the deployments work? Each one and each kind, with a 95 % range.

::

    geo outcomes [PATH ...] [--deployments FILE] [--db FILE] [--json]

Judges every approved week in the plan store (``--db``, default the store in
GEO_HOME) and the past deployments in ``--deployments FILE`` (header
``resource,unit,site,longitude,latitude,start,end``; see `geo.outcomes.deployments`)
against the incidents in PATH (default: the shipped police.uk months). Rejected
rows of the file are listed on stderr with their line and reason. A file with no
usable row, a store with no approved weeks and no file, or no incident data in the
deployments' months exits 2 with one line.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from geo._errors import GeoInputError
from geo.cli._common import EXIT_OK, load_inputs, outcome_settings, plan_store
from geo.outcomes import approved_deployments, evaluate_outcomes, read_deployments_file
from geo.safe_text import terminal_text


def add_parser(sub: argparse._SubParsersAction) -> None:
    """
    Add ``geo outcomes`` to the ``geo`` subcommands.

    Parameters
    ----------
    sub
        The ``geo`` parser's subparsers.
    """
    p = sub.add_parser(
        "outcomes",
        help="did the deployments work? incidents prevented per deployment and per kind",
        description=__doc__.split("\n\n")[0],
    )
    p.add_argument(
        "paths", nargs="*", type=Path, help="incident files or folders; default: the shipped data"
    )
    p.add_argument(
        "--deployments",
        type=Path,
        metavar="FILE",
        help="past deployments (CSV/XLSX: resource,unit,site,longitude,latitude,start,end)",
    )
    p.add_argument("--db", type=Path, help="the plan store; default: GEO_HOME/plans.sqlite")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def gather_deployments(db: Path, file: Path | None) -> pd.DataFrame:
    """
    Return the store's approved deployments and the file's accepted rows.

    Rejected rows are printed to stderr, one line each.

    Raises
    ------
    GeoInputError
        If there is nothing to judge (with words saying why).
    """
    stored = approved_deployments(db)
    frames = [stored]
    if file is not None:
        rows = read_deployments_file(file)
        for rec in rows.rejected.to_dict("records"):
            print(
                terminal_text(f"geo outcomes: {file.name} line {rec['line']}: {rec['reason']}"),
                file=sys.stderr,
            )
        if rows.accepted.empty:
            reasons = rows.rejected["reason"].value_counts()
            said = ", ".join(f"{n} {why}" for why, n in reasons.items()) or "no data rows"
            msg = f"{file.name}: no usable deployment row ({rows.rows_in} rows: {said})"
            raise GeoInputError(msg)
        frames.append(rows.accepted)
    frames = [f for f in frames if not f.empty]
    if not frames:
        msg = (
            f"the plan store ({db}) has no approved weeks and no --deployments FILE was given: "
            "approve a week (geo plan --week DATE --approve --by NAME) or give past deployments"
        )
        raise GeoInputError(msg)
    return pd.concat(frames, ignore_index=True)[list(stored.columns)]


def run(args: argparse.Namespace) -> int:
    """
    Run ``geo outcomes``.

    Parameters
    ----------
    args
        The parsed arguments.

    Returns
    -------
    int
        0; bad input raises `GeoInputError`, which ``geo`` prints as one line (exit 2).
    """
    deployments = gather_deployments(plan_store(args, args.db), args.deployments)
    incidents = load_inputs(args, args.paths or None).accepted
    result = evaluate_outcomes(incidents, deployments, settings=outcome_settings(args))
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return EXIT_OK
    period = result["period"]
    print(f"Outcomes of deployments from {period['from']} to {period['to']}")
    for row in result["by_kind"]:
        print(terminal_text(f"{row['kind']} ({row['deployments']} judged): {row['words']}."))
        if row["controls"]:
            print(terminal_text(f"  compared with {row['controls']}"))
    print("Each deployment:")
    for row in result["deployments"]:
        print(
            terminal_text(
                f"  {row['unit']} at {row['site']} ({row['from']} to {row['to']}): {row['words']}."
            )
        )
    return EXIT_OK
