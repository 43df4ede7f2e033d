"""Backtest every forecast method and write the Markdown table to docs/forecast.md.

Usage::

    python benchmarks/bench_forecast.py data/ --out docs/forecast.md
    python benchmarks/bench_forecast.py ../shared/data/police_uk --boundaries <district file>

Test months 2025-07..09 (rolling origin: each fitted on earlier months only);
validation months 2025-04..06 were used to choose the default method's settings.
Categories: ASB, burglary, and ASB + criminal damage.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import shapely

from geo.boundaries import district_outline, read_wards
from geo.datasets import get_path
from geo.evaluate import backtest
from geo.grid import make_grid
from geo.incidents import load_incidents
from geo.settings import DEFAULT_SETTINGS, LoadSettings

CATEGORIES = ("asb", "burglary", "asb+criminal_damage")
TEST = ("2025-07", "2025-08", "2025-09")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--boundaries", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--kent", action="store_true",
        help="keep incidents outside the wards and grid the area within 1 km of any map point "
        "(no Kent boundary ships), for a county-wide run on the full Kent files",
    )  # fmt: skip
    args = parser.parse_args()
    wards = read_wards(args.boundaries or get_path("wards"))
    keep = LoadSettings(keep_outside_district=args.kent)
    incidents = load_incidents(args.paths, wards=wards, settings=keep).accepted
    if args.kent:
        box = incidents.geometry.x.between(535_000, 650_000) & incidents.geometry.y.between(
            100_000, 185_000
        )
        inside_uk = incidents[box]  # Kent only: drops the strays in Salford, Islington, Basingstoke
        area = shapely.union_all(inside_uk.geometry.drop_duplicates().buffer(1000).to_numpy())
    else:
        area = district_outline(wards)
    grid = make_grid(area, cell_m=DEFAULT_SETTINGS.forecast.cell_m)
    lines = [
        "# Forecast backtest",
        "",
        f"Made {dt.date.today().isoformat()} by `python benchmarks/bench_forecast.py "
        f"{' '.join(args.paths)}`. Grid {DEFAULT_SETTINGS.forecast.cell_m:.0f} m, "
        f"{len(grid):,} cells; test months {', '.join(TEST)}, each fitted on earlier months only. "
        "Mean hit rate over the test months (min-max in brackets); PAI and PEI at 1 %.",
        "",
    ]
    for cat in CATEGORIES:
        start = time.perf_counter()
        res = backtest(incidents, grid, categories=cat, test_months=TEST,
                       params=DEFAULT_SETTINGS.forecast)  # fmt: skip
        secs = time.perf_counter() - start
        n = res.groupby("month")["n_test"].first().tolist()
        lines += [f"## {cat} (test incidents per month: {n}; {secs:.1f} s)", "",
                  "| method | 0.5 % | 1 % | 2 % | 5 % | PAI 1 % | PEI 1 % |",
                  "|---|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
        for method, rows in res.groupby("method", sort=False):
            cells = []
            for cov in (0.5, 1.0, 2.0, 5.0):
                h = rows[rows["coverage_pct"] == cov]["hit_rate"]
                cells.append(f"{h.mean():.3f} ({h.min():.2f}-{h.max():.2f})")
            at1 = rows[rows["coverage_pct"] == 1.0]
            lines.append(f"| {method} | " + " | ".join(cells)
                         + f" | {at1['pai'].mean():.1f} | {at1['pei'].mean():.2f} |")  # fmt: skip
        means = res.groupby(["method", "coverage_pct"])["hit_rate"].mean()
        ratio = [f"{cov} %: {means['default', cov] / means['naive', cov]:.3f}"
                 for cov in (0.5, 1.0, 2.0)]  # fmt: skip
        lines += ["", f"default / naive hit rate: {', '.join(ratio)}", ""]
    text = "\n".join(lines) + "\n"
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
