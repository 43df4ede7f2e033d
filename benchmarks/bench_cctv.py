"""Backtest the camera plan: the share of next month's ASB + criminal damage in camera view.

Usage::

    python benchmarks/bench_cctv.py data/ --months 2025-07,2025-08,2025-09

For each test month, plans the week starting on its first Monday from data before
that month only (no plan history: a fresh start each month), then counts the
month's ASB and criminal damage incidents within the view radius of the planned
camera sites. The baseline puts the same number of cameras on the map points with
the most ASB + criminal damage in the three months before (a sergeant's "top
locations" list). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import numpy as np
import pandas as pd

from geo.pipeline import run_week
from geo.planner import CCTV_CATEGORIES
from geo.resources import read_resources


def _first_monday(month: str) -> dt.date:
    day = pd.Period(month, freq="M").to_timestamp().date()
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def _share_covered(incidents: pd.DataFrame, xy: np.ndarray, radius_m: float) -> tuple[int, int]:
    if len(incidents) == 0:
        return 0, 0
    px, py = incidents.geometry.x.to_numpy(), incidents.geometry.y.to_numpy()
    if len(xy) == 0:
        return 0, len(incidents)
    d = np.hypot(px[:, None] - xy[None, :, 0], py[:, None] - xy[None, :, 1])
    return int((d <= radius_m).any(axis=1).sum()), len(incidents)


def _top_count_sites(incidents: pd.DataFrame, month: pd.Period, n: int) -> np.ndarray:
    start = (month - 3).to_timestamp()
    recent = incidents[
        (incidents["occurred"] >= start) & (incidents["occurred"] < month.to_timestamp())
    ]
    xy = pd.DataFrame({"x": recent.geometry.x.round(1), "y": recent.geometry.y.round(1)})
    counts = xy.value_counts().rename("n").reset_index()
    counts = counts.sort_values(["n", "x", "y"], ascending=[False, True, True]).head(n)
    return counts[["x", "y"]].to_numpy()


def _share(covered: int, total: int) -> str:
    return f"{covered} / {total} ({covered / max(total, 1):.1%})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--months", default="2025-07,2025-08,2025-09")
    args = parser.parse_args()
    radius = read_resources().cctv.view_radius_m
    rows = []
    for month in args.months.split(","):
        week = _first_monday(month)
        start = time.perf_counter()
        run = run_week(args.paths, week=week, db=None)
        seconds = time.perf_counter() - start
        # the test month's incidents: loaded again without the cut-off at the week
        everything = run.loaded.accepted
        period = pd.Period(month, freq="M")
        target = everything[everything["category"].isin(CCTV_CATEGORIES)
                            & (everything["occurred"].dt.to_period("M") == period)]  # fmt: skip
        cams = run.plan.deployments[run.plan.deployments["resource"] == "cctv"]
        planned = _share_covered(target, cams[["x", "y"]].to_numpy(dtype=float), radius)
        history = everything[everything["category"].isin(CCTV_CATEGORIES)]
        top = _top_count_sites(history, period, len(cams))
        baseline = _share_covered(target, top, radius)
        rows.append((month, len(cams), planned, baseline, seconds))
    print("| test month | cameras | planned sites: covered / incidents | top-count sites | time |")
    print("|---|---:|---:|---:|---:|")
    for month, n, planned, baseline, secs in rows:
        print(f"| {month} | {n} | {_share(*planned)} | {_share(*baseline)} | {secs:.1f} s |")
    planned = (sum(r[2][0] for r in rows), sum(r[2][1] for r in rows))
    baseline = (sum(r[3][0] for r in rows), sum(r[3][1] for r in rows))
    print(f"| all | | {_share(*planned)} | {_share(*baseline)} | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
