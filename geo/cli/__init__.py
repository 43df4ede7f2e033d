"""The ``geo`` command: thin wrappers that call the library and print what it returns.

One module per subcommand (``validate``, ``hotspots``, ``evaluate``, ``plan``, ``map``,
``pact``, ``users`` and ``audit``, ``outcomes``, ``report``, ``timeline``), each with
``add_parser(sub)`` declaring its arguments and setting ``run``. `main` runs the one asked
for with one set of exit statuses (`geo.cli._common`): 0 on success, 2 when an input
cannot be used, the reason as one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings
from collections.abc import Sequence

from geo import __version__
from geo._errors import GeoInputError
from geo.cli._common import EXIT_BAD_INPUT, fail
from geo.home import check_home
from geo.safe_text import terminal_text
from geo.store import set_lock_timeout
from geo.switches import read_switches

__all__ = ["EXIT_BAD_INPUT", "build_parser", "main"]

COMMANDS = (
    "validate",
    "hotspots",
    "evaluate",
    "plan",
    "map",
    "pact",
    "users",
    "outcomes",
    "report",
    "timeline",
)
"""The modules of `geo.cli` that add subcommands, in the order ``geo --help`` lists them."""


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
    for name in COMMANDS:
        importlib.import_module(f"geo.cli.{name}").add_parser(sub)
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
    args.switches = read_switches()  # the environment, read once; commands pass it down
    set_lock_timeout(args.switches.lock_timeout)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", category=UserWarning)
        try:
            note = check_home(args.switches.home)  # an unusable GEO_HOME: one line, first
            if note:
                print(terminal_text(f"geo {args.command}: note: {note}"), file=sys.stderr)
            status = args.run(args)
        except GeoInputError as err:
            status = fail(args.command, err)
        except BrokenPipeError:  # the reader stopped early (`geo validate ... | head`)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())  # so the exit's flush does not fail again
            return 1
    for w in caught:
        print(terminal_text(f"geo {args.command}: warning: {w.message}"), file=sys.stderr)
    return status
