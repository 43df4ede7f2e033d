"""Time the weeks ahead (`geo.timeline.plan_ahead`): cold, warm, and one week more.

Usage::

    python benchmarks/bench_timeline.py [PATH ...] [--from 2025-10-06] [--weeks 8] [--repeat 3]

With no PATH it uses the shipped data. In a fresh store (no approved weeks), each
repeat clears the timeline's cache and plans `--weeks` weeks (cold); then asks again
(warm: every week cached), then for one week more (only the new week is planned).
Medians are printed, with the load time apart.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from geo import timeline
from geo.pipeline import load
from geo.plan.registry import read_resources


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--from", dest="first", default="2025-10-06")
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    first = dt.date.fromisoformat(args.first)
    start = time.perf_counter()
    loaded = load(args.paths)
    print(f"load: {time.perf_counter() - start:.2f} s ({len(loaded.accepted):,} incidents)")
    cold, warm, more = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "plans.sqlite"
        for _ in range(args.repeat):
            timeline._CACHE["loaded"] = None  # a cold cache
            for times, weeks in ((cold, args.weeks), (warm, args.weeks), (more, args.weeks + 1)):
                start = time.perf_counter()
                timeline.plan_ahead(
                    loaded, first=first, weeks=weeks, resources=read_resources(), db=db
                )
                times.append(time.perf_counter() - start)
    print(f"{args.weeks} weeks, cold: {statistics.median(cold):.2f} s (median of {args.repeat})")
    print(f"{args.weeks} weeks, warm (cached): {statistics.median(warm):.3f} s")
    print(f"{args.weeks + 1} weeks after {args.weeks}: {statistics.median(more):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
