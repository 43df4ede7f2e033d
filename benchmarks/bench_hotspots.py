"""Time the hotspot run for each category on a folder of police.uk files.

Usage::

    python benchmarks/bench_hotspots.py data/
    python benchmarks/bench_hotspots.py ../shared/data/police_uk   # the 13 full Kent months

With the shipped Sevenoaks wards, rows outside the district are rejected on load, so
the Kent run times the load of ~197,000 rows plus the same hotspot work; pass
``--keep-outside`` to cluster every Kent incident (the Gi* grid still covers the district).
"""

from __future__ import annotations

import argparse
import time

from geo.boundaries import read_wards
from geo.datasets import get_path
from geo.hotspots import find_hotspots
from geo.incidents import load_incidents
from geo.settings import LoadSettings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--as-of", default="2025-09")
    parser.add_argument("--keep-outside", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="runs per category (best kept)")
    args = parser.parse_args()
    wards = read_wards(get_path("wards"))
    start = time.perf_counter()
    settings = LoadSettings(keep_outside_district=args.keep_outside)
    incidents = load_incidents(args.paths, wards=wards, settings=settings).accepted
    print(f"load: {time.perf_counter() - start:.2f} s, {len(incidents):,} incidents")
    print(f"window: 3 months to {args.as_of}; best of {args.repeat} runs")
    for cat in ("asb", "burglary", "criminal_damage", "asb+criminal_damage"):
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            spots = find_hotspots(
                incidents, categories=cat, as_of=args.as_of, months=3, wards=wards
            )
            times.append(time.perf_counter() - start)
        n_in = int(spots["n_incidents"].sum())
        bins = spots["gi_bin"].value_counts().sort_index().to_dict()
        print(f"{cat:<22} {min(times):6.2f} s  {len(spots):4d} hotspots  "
              f"{n_in:5d} incidents in them  Gi* bins {bins}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
