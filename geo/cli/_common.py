"""What every ``geo`` subcommand shares: exit statuses, one-line failures, input options."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from geo._errors import GeoInputError
from geo.boundaries import read_wards, select_wards
from geo.datasets import get_path
from geo.incidents import (
    LoadResult,
    load_incidents,
)
from geo.safe_text import terminal_text
from geo.settings import DEFAULT_SETTINGS, LoadSettings
from geo.switches import Switches

if TYPE_CHECKING:
    import geopandas as gpd

    from geo.outcomes import OutcomeSettings
    from geo.pipeline import Loaded
    from geo.resources import Resources


EXIT_OK = 0
"""The exit status of a command that did what it was asked."""

EXIT_BAD_INPUT = 2
"""The exit status when an input cannot be used (one line on stderr, never a traceback)."""


def switches(args: argparse.Namespace) -> Switches:
    """
    Return the run's environment switches, which `geo.cli.main` reads once and puts on `args`.

    A command run on its own (its parser alone, as some tests do) has the defaults.
    """
    return getattr(args, "switches", None) or Switches()


def plan_store(args: argparse.Namespace, given: Path | None) -> Path:
    """Return the plan store a command uses: the one `given` (``--db``), else the state folder's."""
    from geo.home import default_store

    return given or default_store(switches(args).home)


def resources_file(args: argparse.Namespace) -> Path:
    """
    Return the resources file: ``--resources`` where given, else the unit's own, else shipped.

    The unit's own is ``resources.toml`` in the state folder (``GEO_HOME``).
    """
    from geo.resources import default_resources_path

    return getattr(args, "resources", None) or default_resources_path(switches(args).home)


def unit_resources(args: argparse.Namespace) -> Resources:
    """Read `resources_file` with every registered resource kind."""
    from geo.plan.registry import read_resources

    return read_resources(resources_file(args))


def outcome_settings(args: argparse.Namespace) -> OutcomeSettings:
    """Return the outcome settings with the camera view radius of the unit's ``resources.toml``."""
    from geo.outcomes import DEFAULT_OUTCOME_SETTINGS

    radius = unit_resources(args).of("cctv").view_radius_m
    return replace(DEFAULT_OUTCOME_SETTINGS, view_radius_m=radius)


def area_wards(args: argparse.Namespace) -> gpd.GeoDataFrame:
    """Read the boundary file and return the wards ``--area`` selects.

    ``--area`` may also name a boundary file itself: every ward in it is the area.
    """
    area = Path(args.area) if args.area else None
    if area is not None and area.suffix.lower() in BOUNDARY_SUFFIXES:
        if args.boundaries is not None:
            msg = "--area names a boundary file: leave out --boundaries (or give ward names)"
            raise GeoInputError(msg)
        if not area.is_file():
            msg = f"--area {args.area!r}: no such boundary file"
            raise GeoInputError(msg)
        return read_wards(area)
    return select_wards(read_wards(args.boundaries or get_path("wards")), args.area)


BOUNDARY_SUFFIXES = frozenset({".geojson", ".json", ".gpkg", ".shp"})
"""What an ``--area`` that names a boundary file ends with."""


def load_inputs(
    args: argparse.Namespace, paths: Sequence[str | Path] | None, **options: object
) -> Loaded:
    """
    Load incident files through `geo.pipeline.load` with the run's parse cache and state folder.

    `options` go to `geo.pipeline.load` as they are (``wards``, ``settings``, ``strict``).
    """
    from geo.pipeline import load

    chosen = switches(args)
    return load(paths, cache=chosen.parse_cache, home=chosen.home, **options)


def load_files(
    args: argparse.Namespace, *, strict: bool, wards: gpd.GeoDataFrame | None = None
) -> LoadResult:
    """Load the incident files named on the command line with the chosen wards."""
    wards = area_wards(args) if wards is None else wards
    paths, settings = input_files(args)
    chosen = switches(args)
    return load_incidents(
        paths,
        wards=wards,
        strict=strict,
        settings=settings,
        cache=chosen.parse_cache,
        home=chosen.home,
    )


def input_files(args: argparse.Namespace) -> tuple[list[Path], LoadSettings]:
    """Return the files to read (default: the shipped police.uk months) and load settings."""
    settings = replace(
        DEFAULT_SETTINGS.load,
        keep_outside_district=args.keep_outside,
        date_order=getattr(args, "date_order", "auto"),
    )
    return args.paths or [get_path("police_uk")], settings


def add_common_inputs(parser: argparse.ArgumentParser) -> None:
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


def fail(command: str, err: object) -> int:
    """
    Print why ``geo COMMAND`` cannot go on, as one line on stderr; return `EXIT_BAD_INPUT`.

    The message is made safe for the terminal (no escape sequences from data).
    """
    print(terminal_text(f"geo {command}: {err}"), file=sys.stderr)
    return EXIT_BAD_INPUT
