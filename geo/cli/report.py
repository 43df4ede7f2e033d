"""``geo report``: the CSU's quarterly report, drafted, as Word or a printable page.

::

    geo report [PATH ...] --quarter 2025-Q1 --out report.docx|report.html
               [--db FILE] [--targets FILE] [--outcomes FILE.json] [--boundaries FILE]

With no PATH it reads the shipped police.uk files. The quarter's three months must be
loaded; a quarter written otherwise, or without data, gets one line and exit status 2.
``--outcomes`` reads what ``geo outcomes --json`` printed; without it the report judges
the quarter's approved deployments itself (`geo.outcomes.period_outcomes`).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from geo._errors import GeoInputError
from geo.boundaries import read_wards
from geo.cli._common import EXIT_OK, load_inputs, outcome_settings, plan_store, switches
from geo.outcomes import period_outcomes
from geo.report import build_report, parse_quarter, write_report
from geo.safe_text import terminal_text
from geo.targets import default_targets_path, read_targets


def add_parser(sub: argparse._SubParsersAction) -> None:
    """
    Add ``geo report`` to the ``geo`` subcommands.

    Parameters
    ----------
    sub
        The ``geo`` parser's subparsers.
    """
    p = sub.add_parser(
        "report",
        help="the CSU's quarterly report (Word or a printable page)",
        description=__doc__.split("\n\n")[0],
    )
    p.add_argument(
        "paths", nargs="*", type=Path, help="police.uk CSVs or folders; default: the shipped data"
    )
    p.add_argument("--quarter", required=True, metavar="YYYY-Qn", help="e.g. 2025-Q1")
    p.add_argument(
        "--out", required=True, type=Path, help="report.docx (Word) or report.html (printable)"
    )
    p.add_argument("--boundaries", type=Path, help="ward boundaries; default: the shipped wards")
    p.add_argument(
        "--db", type=Path, default=None, help="the plan store (default: GEO_HOME/plans.sqlite)"
    )
    p.add_argument(
        "--targets",
        type=Path,
        default=None,
        help="success measures TOML (default: GEO_HOME/targets.toml, else the shipped one)",
    )
    p.add_argument(
        "--outcomes", type=Path, default=None, help="the JSON `geo outcomes --json` printed"
    )
    p.set_defaults(run=run)


def read_outcomes(path: Path) -> dict[str, object]:
    """
    Read the JSON of ``geo outcomes --json``.

    Raises
    ------
    GeoInputError
        If the file cannot be read or is not a JSON object with ``by_kind`` or
        ``deployments`` lists.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        msg = f"--outcomes {path}: cannot read it as JSON ({err})"
        raise GeoInputError(msg) from err
    if not isinstance(data, dict) or not any(
        isinstance(data.get(k), list) for k in ("by_kind", "deployments")
    ):
        msg = f"--outcomes {path}: expected the object `geo outcomes --json` prints"
        raise GeoInputError(msg)
    return data


def run(args: argparse.Namespace) -> int:
    """
    Run ``geo report``.

    Returns
    -------
    int
        0 when the report is written; `geo.cli.main` turns a `GeoInputError` into one
        line on stderr and exit status 2.
    """
    quarter = parse_quarter(args.quarter)
    if args.out.suffix.lower() not in {".docx", ".html"}:
        msg = f"--out {args.out}: write the report as .docx (Word) or .html (a printable page)"
        raise GeoInputError(msg)
    home = switches(args).home
    measures = read_targets(args.targets or default_targets_path(home))
    wards = read_wards(args.boundaries) if args.boundaries else None
    loaded = load_inputs(args, args.paths, wards=wards)
    db = plan_store(args, args.db)
    outcomes = (
        read_outcomes(args.outcomes)
        if args.outcomes
        else period_outcomes(loaded.accepted, db, quarter, settings=outcome_settings(args))
    )
    report = build_report(loaded, quarter, db=db, outcomes=outcomes, measures=measures)
    write_report(report, args.out)
    verdicts = "; ".join(f"{r.measure.label}: {r.verdict}" for r in report.measures)
    print(terminal_text(f"{args.out}: {report.title}. Success measures: {verdicts}."))
    return EXIT_OK
