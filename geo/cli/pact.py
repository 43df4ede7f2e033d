"""``geo pact``: exactly what the public PACT page shows, as text, JSON, an offline map or CSV.

::

    geo pact [PATH ...] --area NAME --period YYYY-MM..YYYY-MM [--period ...]
             [--squares] [--json] [--out FILE.html|FILE.csv]
             [--basemap none|online|pmtiles [--pmtiles URL]] [--include-csu-logs]

With no PATH it reads the shipped police.uk files. Each ``--period`` must be a
public period: one whole calendar quarter whose months are all loaded (see
`geo.pact` for the disclosure control). A period the public view does not offer
is refused: in ``--json`` output as ``{"period": {...}, "refused": reason}``,
otherwise as a line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
from pathlib import Path

import geopandas as gpd

from geo._errors import GeoInputError
from geo.boundaries import read_wards
from geo.cli._common import EXIT_BAD_INPUT, EXIT_OK, fail, load_inputs, plan_store
from geo.datasets import get_path
from geo.pact import (
    PactArea,
    PublicView,
    area_wards,
    period_refusal,
    public_months,
    public_view,
    read_pact_areas,
    refused_json,
    view_json,
)
from geo.pact_actions import quarter_actions, read_publish_rules
from geo.periods import Window, months_window
from geo.safe_text import terminal_text
from geo.settings import DEFAULT_SETTINGS, MapSettings, TrendRules

DEFAULT_MAP_SETTINGS = DEFAULT_SETTINGS.maps
"""The map settings `geo pact` uses unless told otherwise."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    """
    Add ``geo pact`` to the ``geo`` subcommands.

    Parameters
    ----------
    sub
        The ``geo`` parser's subparsers.
    """
    p = sub.add_parser(
        "pact",
        help="the public PACT view of one area: rounded counts for whole calendar quarters",
        description=__doc__.split("\n\n")[0],
    )
    p.add_argument(
        "paths", nargs="*", type=Path, help="police.uk CSVs or folders; default: the shipped data"
    )
    p.add_argument("--area", required=True, help="the PACT area's name, as in pact_areas.toml")
    p.add_argument(
        "--period",
        action="append",
        required=True,
        metavar="YYYY-MM..YYYY-MM",
        help="a whole calendar quarter, e.g. 2025-07..2025-09; repeat for more",
    )
    p.add_argument("--squares", action="store_true", help="include the squares' counts")
    p.add_argument("--json", action="store_true", help="print a JSON list, one object per period")
    p.add_argument("--out", type=Path, help="write the map (.html) or the table (.csv)")
    p.add_argument("--boundaries", type=Path, help="ward boundaries; default: the shipped wards")
    p.add_argument("--areas", type=Path, help="PACT areas TOML; default: the shipped one")
    p.add_argument(
        "--plans",
        type=Path,
        help="plan store for 'you said, we did' (deployments marked --publish); "
        "default: GEO_HOME's, if there is one",
    )
    p.add_argument(
        "--include-csu-logs",
        action="store_true",
        help="publish CSU log reports as their own rounded series (never added to police.uk)",
    )
    p.add_argument(
        "--basemap",
        choices=["none", "online", "pmtiles"],
        default=None,
        help="the map's basemap: none (offline), online (OpenStreetMap), pmtiles (--pmtiles)",
    )
    p.add_argument(
        "--pmtiles", default=None, help="URL or path (relative to the page) of a PMTiles file"
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """
    Run ``geo pact``.

    Parameters
    ----------
    args
        The parsed arguments.

    Returns
    -------
    int
        0 when every period was shown (or, with ``--json``, answered), 2 when
        an input cannot be used or (without ``--json``) a period is refused.
    """
    try:
        return _run(args)
    except GeoInputError as err:
        return fail("pact", err)


def _run(args: argparse.Namespace) -> int:
    periods = [parse_period(text) for text in args.period]
    if args.out is not None and (len(periods) != 1 or args.out.suffix not in {".html", ".csv"}):
        msg = f"{args.out}: --out writes one period's map (.html) or table (.csv)"
        raise GeoInputError(msg)
    wards = read_wards(args.boundaries or get_path("wards"))
    area = find_area(read_pact_areas(args.areas, wards=wards), args.area)
    if args.basemap == "pmtiles" and not args.pmtiles:
        msg = "--basemap pmtiles needs --pmtiles FILE"
        raise GeoInputError(msg)
    settings = dataclasses.replace(
        DEFAULT_MAP_SETTINGS,
        basemap=args.basemap or DEFAULT_MAP_SETTINGS.basemap,
        pmtiles_url=args.pmtiles or DEFAULT_MAP_SETTINGS.pmtiles_url,
        public=dataclasses.replace(
            DEFAULT_MAP_SETTINGS.public,
            include_csu_logs=args.include_csu_logs or DEFAULT_MAP_SETTINGS.public.include_csu_logs,
        ),
    )
    settings = dataclasses.replace(
        settings,
        public=dataclasses.replace(settings.public, actions=read_publish_rules(args.areas)),
    )
    incidents = load_inputs(args, args.paths or None, wards=wards).accepted
    answers = pact_answers(
        incidents,
        wards,
        area=area,
        periods=periods,
        settings=settings,
        trends=DEFAULT_SETTINGS.trends,
    )
    db = plan_store(args, args.plans)
    answers = [a if isinstance(a, dict) else with_actions(a, wards, db) for a in answers]
    if args.json:
        print(
            json.dumps(
                [a if isinstance(a, dict) else view_json(a, squares=args.squares) for a in answers],
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        for answer in answers:
            _print(answer, squares=args.squares)
    views = [a for a in answers if isinstance(a, PublicView)]
    if args.out is not None and not views:
        return fail("pact", f"{args.out}: not written, the period is refused")
    if args.out is not None:
        _write(args.out, views[0], squares=args.squares, settings=settings)
    refused = [a for a in answers if isinstance(a, dict)]
    return EXIT_BAD_INPUT if refused and not args.json else EXIT_OK


def parse_period(text: str) -> Window:
    """
    Read ``YYYY-MM..YYYY-MM`` (or one month ``YYYY-MM``).

    Examples
    --------
    >>> q = parse_period("2025-07..2025-09")
    >>> q.first, q.last, q == parse_period("2025-07 .. 2025-09")
    ('2025-07', '2025-09', True)
    """
    match = re.fullmatch(r"\s*(\d{4}-\d{2})\s*(?:\.\.\s*(\d{4}-\d{2}))?\s*", text)
    if match is None:
        msg = f"--period {text!r}: write it YYYY-MM..YYYY-MM, e.g. 2025-07..2025-09"
        raise GeoInputError(msg)
    return months_window(match.group(1), match.group(2) or match.group(1))


def find_area(areas: tuple[PactArea, ...], name: str) -> PactArea:
    """Return the area called `name` (case-insensitive), or refuse naming the known ones."""
    for area in areas:
        if area.name.casefold() == name.strip().casefold():
            return area
    msg = f"--area {name!r}: no such PACT area; known: {', '.join(a.name for a in areas)}"
    raise GeoInputError(msg)


def pact_answers(
    incidents: gpd.GeoDataFrame,
    wards: gpd.GeoDataFrame,
    *,
    area: PactArea,
    periods: list[Window],
    settings: MapSettings = DEFAULT_MAP_SETTINGS,
    trends: TrendRules = DEFAULT_SETTINGS.trends,
) -> list[PublicView | dict[str, object]]:
    """
    Answer each period: its public view, or a refusal (`geo.pact.refused_json`).

    Parameters
    ----------
    incidents
        The loaded incidents.
    wards
        All wards.
    area
        The PACT area.
    periods
        The periods asked for.
    settings
        Map settings; their ``public`` rules apply.
    trends
        What counts as steady (`geo.settings.Settings.trends`).

    Returns
    -------
    list
        One entry per period, in order.
    """
    from geo.maps.places import place_names  # folium with it: the squares are named

    covered = public_months(incidents)
    places = place_names()
    answers: list[PublicView | dict[str, object]] = []
    for period in periods:
        reason = period_refusal(period, covered)
        if reason is not None:
            answers.append(refused_json(period, reason))
            continue
        answers.append(
            public_view(
                incidents,
                wards,
                area=area,
                period=period,
                rules=settings.public,
                covered=covered,
                places=places,
                trends=trends,
            )
        )
    return answers


def with_actions(view: PublicView, wards: gpd.GeoDataFrame, db: Path | None) -> PublicView:
    """Return the view with "you said, we did" from the plan store (`geo.pact_actions`)."""
    actions = quarter_actions(
        db,
        area_wards(wards, view.area),
        months=view.period.months(),
        rules=view.rules.actions,
    )
    return dataclasses.replace(view, actions=actions)


def _print(answer: PublicView | dict[str, object], *, squares: bool) -> None:
    from geo.maps.pact import actions_by_ward, map_title  # the map code only when used

    if isinstance(answer, dict):
        period = answer["period"]
        print(
            f"geo pact: {period['from']}..{period['to']}: refused: {answer['refused']}",
            file=sys.stderr,
        )
        return
    print(terminal_text(map_title(answer)))
    if answer.year_before_note:
        print(terminal_text(f"  {answer.year_before_note}"))
    trend = f" ({answer.change})" if answer.comparable else ""
    print(terminal_text(f"  Total: {answer.total.shown}{trend}"))
    for ward in answer.wards.itertuples():
        trend = f" ({ward.change})" if answer.comparable else ""
        print(terminal_text(f"  {ward.ward_name}: {ward.shown}{trend}"))
        print(terminal_text(f"    Top issues: {answer.ward_issue_words(ward.ward_name)}"))
    if answer.top_issues:
        print(terminal_text("  Top issues in the area: " + "; ".join(answer.top_issues)))
    if answer.csu is not None:
        csu = "; ".join(f"{name}: {count.shown}" for name, count, _ in answer.csu.wards)
        print(
            terminal_text(
                f"  CSU log reports (counted on their own): {answer.csu.total.shown}; {csu}"
            )
        )
    if squares:
        for cell in answer.cells.itertuples():
            print(terminal_text(f"  Square {cell.name}: {cell.shown}"))
    for ward, sentences in actions_by_ward(answer):
        for words in sentences:
            print(terminal_text(f"  You said, we did: {ward}: {words}"))


def _write(path: Path, view: PublicView, *, squares: bool, settings: MapSettings) -> None:
    from geo.maps.pact import offline_page, public_csv  # the map code only when it is used

    try:
        if path.suffix == ".html":
            path.write_text(offline_page(view, squares=squares, settings=settings), "utf-8")
        else:
            path.write_bytes(public_csv(view, squares=squares))
    except OSError as err:
        msg = f"{path}: cannot write ({err.strerror})"
        raise GeoInputError(msg) from err
