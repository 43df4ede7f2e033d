"""Backtest the camera plan: the share of next month's ASB + criminal damage in camera view.

Usage::

    python benchmarks/bench_cctv.py data/
    python benchmarks/bench_cctv.py data/ --months 2025-07,2025-08,2025-09

By default every month whose three calendar months before it all hold data is a
test month (with the shipped history: 2022-04..11, 2024-04 and 2025-04..09). For
each test month, plans the week starting on its first Monday from data before
that month only (the load is cut at the 1st: police.uk incidents are dated the
1st of their month, so a cut at the Monday would leak the test month; no plan
history: a fresh start each month), then counts the month's ASB and criminal
damage incidents within the view radius of the planned camera sites. The
baseline puts the same number of cameras on the map points with the most ASB +
criminal damage in the three months before (a sergeant's "top locations" list).
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from geo.pipeline import Loaded, load, run_week
from geo.plan.demand import CCTV_CATEGORIES
from geo.plan.registry import read_resources


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


def _before(loaded: Loaded, month: pd.Period) -> Loaded:
    """Cut the load at the start of `month` (police.uk incidents are dated the 1st)."""
    res = loaded.result
    kept = res.accepted[res.accepted["occurred"] < month.to_timestamp()]
    cut = dataclasses.replace(res, accepted=kept, rows_in=len(kept) + len(res.rejected))
    return dataclasses.replace(loaded, result=cut)


def testable_months(occurred: pd.Series) -> list[str]:
    """Months with data whose three calendar months before all hold data."""
    have = set(occurred.dt.to_period("M"))
    return [str(m) for m in sorted(have) if all(m - k in have for k in (1, 2, 3))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--months", default=None, help="comma-separated; default: all testable")
    args = parser.parse_args()
    radius = read_resources().of("cctv").view_radius_m
    loaded = load(args.paths)
    everything = loaded.accepted
    crime = everything[everything["category"].isin(CCTV_CATEGORIES)]
    months = args.months.split(",") if args.months else testable_months(crime["occurred"])
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for month in months:
            start = time.perf_counter()
            period = pd.Period(month, freq="M")
            run = run_week(
                _before(loaded, period),
                week=_first_monday(month),
                resources=read_resources(),
                db=Path(tmp) / "plans.sqlite",
                history=False,
            )
            seconds = time.perf_counter() - start
            target = crime[crime["occurred"].dt.to_period("M") == period]
            cams = run.plan.deployments[run.plan.deployments["resource"] == "cctv"]
            planned = _share_covered(target, cams[["x", "y"]].to_numpy(dtype=float), radius)
            top = _top_count_sites(crime, period, len(cams))
            baseline = _share_covered(target, top, radius)
            rows.append((month, len(cams), planned, baseline, seconds))
    print(f"Camera view radius {radius:.0f} m; ASB + criminal damage of the test month.\n")
    print("| test month | cameras | planned sites: covered / incidents | top-count sites | time |")
    print("|---|---:|---:|---:|---:|")
    for month, n, planned, baseline, secs in rows:
        print(f"| {month} | {n} | {_share(*planned)} | {_share(*baseline)} | {secs:.1f} s |")
    planned = (sum(r[2][0] for r in rows), sum(r[2][1] for r in rows))
    baseline = (sum(r[3][0] for r in rows), sum(r[3][1] for r in rows))
    print(f"| all ({len(rows)} months) | | {_share(*planned)} | {_share(*baseline)} | |")
    wins = sum(r[2][0] > r[3][0] for r in rows)
    ties = sum(r[2][0] == r[3][0] for r in rows)
    print(
        f"\nPlanned sites cover more than top-count sites in {wins} of {len(rows)} months "
        f"({ties} level)."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
