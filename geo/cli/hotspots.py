"""``geo hotspots``: ranked hotspots in words, and their export for a task-and-finish group."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from geo._errors import GeoInputError
from geo.export import about_block, write_hotspots
from geo.incidents import (
    LoadResult,
)
from geo.labels import category_words, display_frame
from geo.safe_text import terminal_text
from geo.settings import DEFAULT_SETTINGS
from geo.taxonomy import check_categories

if TYPE_CHECKING:
    import geopandas as gpd

    from geo.periods import Window

from geo.cli._common import EXIT_OK, add_common_inputs, area_wards, input_files, load_inputs


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``geo hotspots`` to the subcommands."""
    p = sub.add_parser("hotspots", help="find and rank hotspots of a category; export the list")
    p.set_defaults(run=run)
    add_common_inputs(p)
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


def run(args: argparse.Namespace) -> int:
    """Run ``geo hotspots``; return its exit status."""
    from geo import pipeline

    wards = area_wards(args)
    paths, load_settings = input_files(args)
    loaded = load_inputs(
        args,
        paths,
        wards=wards,
        settings=replace(DEFAULT_SETTINGS, load=load_settings),
        strict=True,
    )
    result = loaded.result
    cats = [c for c in args.category.split("+") if c]
    check_categories(cats)
    if result.accepted.empty:
        msg = "no incidents were accepted from the files given"
        raise GeoInputError(msg)
    spots, members, window = pipeline.category_hotspots(
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
