"""``geo evaluate``: rolling-origin backtests of the forecast methods."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

import pandas as pd

from geo._errors import GeoInputError
from geo.boundaries import study_area
from geo.settings import DEFAULT_SETTINGS

if TYPE_CHECKING:
    pass

from geo.cli._common import (
    EXIT_OK,
    add_common_inputs,
    area_wards,
    load_files,
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``geo evaluate`` to the subcommands."""
    p = sub.add_parser("evaluate", help="backtest forecast methods on held-out months")
    p.set_defaults(run=run)
    add_common_inputs(p)
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


def run(args: argparse.Namespace) -> int:
    """Run ``geo evaluate``; return its exit status."""
    from geo.evaluate import backtest
    from geo.forecast import METHODS
    from geo.grid import make_grid

    wards = area_wards(args)
    incidents = load_files(args, strict=True, wards=wards).accepted
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
    area = study_area(
        wards,
        incidents,
        keep_outside=args.keep_outside,
        square_m=DEFAULT_SETTINGS.load.study_square_m,
    )
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
