"""
``geo map``: the internal map as one HTML file that opens offline.

The same map the app's Map page draws (`geo.maps.internal.internal_map`): wards with their
names, GeoNames places, street names at street zoom, incidents (heat, and points when
there are few enough), ASB and criminal damage hotspots, and the week's plan with
``--week``. Leaflet is inlined, so the file opens from disk with no internet.
"""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import replace
from pathlib import Path

import geopandas as gpd

from geo._errors import GeoInputError
from geo.cli._common import EXIT_OK, fail, load_inputs, plan_store, unit_resources
from geo.safe_text import terminal_text
from geo.taxonomy import LABELS, check_categories

HOTSPOT_CATEGORIES = ("asb", "criminal_damage")
"""The categories whose hotspots the map shows when no ``--category`` is given."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    """
    Add ``geo map`` to the ``geo`` command's subparsers.

    Parameters
    ----------
    sub
        What ``ArgumentParser.add_subparsers`` returned.
    """
    p = sub.add_parser(
        "map",
        help="write the internal map (wards, incidents, hotspots, the week's plan) as one "
        "HTML file that opens offline",
    )
    p.add_argument(
        "paths",
        nargs="*",
        type=Path,
        help="police.uk CSVs, CSU logs, or folders of them; default: the shipped data",
    )
    p.add_argument("--boundaries", type=Path, default=None, help="ward boundaries file")
    p.add_argument(
        "--category",
        action="append",
        default=None,
        help="a category to show (repeat for more); default: every category",
    )
    p.add_argument("--as-of", default=None, help="last month shown, YYYY-MM; default: latest")
    p.add_argument("--months", type=int, default=3, help="months shown, ending --as-of (3)")
    p.add_argument("--week", default=None, help="draw the plan of the week containing DATE")
    p.add_argument(
        "--basemap",
        choices=["none", "online", "pmtiles"],
        default="none",
        help="none (offline, default), online (OpenStreetMap tiles), pmtiles (--pmtiles URL)",
    )
    p.add_argument(
        "--pmtiles", default=None, help="URL or path (relative to the page) of a PMTiles file"
    )
    p.add_argument("--out", type=Path, required=True, help="the HTML file to write")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """
    Write the map; return 0, or 2 with one line on stderr when an input cannot be used.

    Parameters
    ----------
    args
        Parsed ``geo map`` arguments.

    Returns
    -------
    int
        The exit status.
    """
    try:
        message = write_map(args)
    except (GeoInputError, OSError, ValueError) as err:
        return fail("map", err)
    print(terminal_text(message))
    return EXIT_OK


def _check_args(args: argparse.Namespace) -> tuple[list[str], dt.date | None]:
    if args.out.suffix.lower() not in {".html", ".htm"}:
        msg = f"{args.out}: --out must be an .html file"
        raise GeoInputError(msg)
    categories = list(dict.fromkeys(args.category or []))
    check_categories(categories)
    if args.months < 1:
        msg = f"--months must be 1 or more, got {args.months}"
        raise GeoInputError(msg)
    week = None
    if args.week is not None:
        try:
            week = dt.date.fromisoformat(args.week)
        except ValueError:
            msg = f"--week must be a date YYYY-MM-DD, got {args.week!r}"
            raise GeoInputError(msg) from None
        from geo.pipeline import check_week

        check_week(week, None)
    if args.basemap == "pmtiles" and not args.pmtiles:
        msg = "--basemap pmtiles needs --pmtiles FILE"
        raise GeoInputError(msg)
    return categories, week


def _window(incidents: gpd.GeoDataFrame, as_of: str | None, months: int) -> tuple[str, str]:
    """
    Return the first and last month shown (``YYYY-MM``).

    By default the app Map page's window: the latest month with data
    (`geo.pipeline.latest_month`) and the months before it.
    """
    import pandas as pd

    from geo.pipeline import latest_month

    if incidents.empty:
        msg = "no incidents were accepted from the files given"
        raise GeoInputError(msg)
    try:
        last = pd.Period(as_of or latest_month(incidents), freq="M")
    except ValueError:
        msg = f"--as-of must be a month YYYY-MM, got {as_of!r}"
        raise GeoInputError(msg) from None
    return str(last - (months - 1)), str(last)


def write_map(args: argparse.Namespace) -> str:
    """
    Build the map `args` ask for and write it to ``args.out``.

    Parameters
    ----------
    args
        Parsed ``geo map`` arguments.

    Returns
    -------
    str
        One line saying what was written.

    Raises
    ------
    GeoInputError
        If an argument or an input file cannot be used.
    """
    from geo.boundaries import read_wards
    from geo.datasets import get_path
    from geo.hotspots import find_hotspots
    from geo.maps import DEFAULT_MAP_SETTINGS, standalone_html
    from geo.maps.internal import internal_map
    from geo.periods import months_window
    from geo.pipeline import MapFilter, map_incidents, run_week

    categories, week = _check_args(args)
    settings = replace(
        DEFAULT_MAP_SETTINGS,
        basemap=args.basemap,
        pmtiles_url=args.pmtiles,
        asset_url="/static",  # inlined by standalone_html: the URL only has to match
    )
    wards = read_wards(args.boundaries or get_path("wards"))
    loaded = load_inputs(args, [str(p) for p in args.paths] or None, wards=wards)
    incidents = loaded.accepted
    first, last = _window(incidents, args.as_of, args.months)
    shown = map_incidents(
        incidents, MapFilter(tuple(categories) or None, months_window(first, last))
    )
    spot_cats = [c for c in categories if c != "speeding"] or list(HOTSPOT_CATEGORIES)
    spots = find_hotspots(
        incidents, categories=spot_cats, as_of=last, months=args.months, wards=wards
    )
    deployments = None
    if week is not None:
        run = run_week(  # the unit's own resources and plan history
            loaded, week=week, resources=unit_resources(args), db=plan_store(args, None)
        )
        deployments = run.plan.deployments
    m = internal_map(
        wards,
        shown,
        hotspots=spots,
        deployments=deployments,
        fit_to_sites=deployments is not None,
        settings=settings,
    )
    what = ", ".join(LABELS.get(c, c) for c in categories) or "All incidents"
    period = first if first == last else f"{first} to {last}"
    title = f"{what}, {period}" + (f"; plan for the week of {week:%d %B %Y}" if week else "")
    args.out.write_text(standalone_html(m, title=title), encoding="utf-8")
    plan = f", {len(deployments)} deployments" if deployments is not None else ""
    return f"{args.out}: {len(shown):,} incidents, {len(spots)} hotspots{plan} ({title})"
