"""Time the hotspot run for each category on a folder of police.uk files, Gi* old and new.

Usage::

    python benchmarks/bench_hotspots.py data/
    python benchmarks/bench_hotspots.py ../shared/data/police_uk --keep-outside  # all of Kent
    python benchmarks/bench_hotspots.py data/ --method all      # esda permuting every cell

With the shipped Sevenoaks wards, rows outside the district are rejected on load, so
the Kent run times the load of ~197,000 rows plus the same hotspot work; pass
``--keep-outside`` to cluster every Kent incident, with the Gi* grid over the study area
(`geo.boundaries.study_area`: the wards plus every 1 km square holding an incident), as
``geo hotspots --keep-outside`` does. ``--method both`` (the default) runs esda's
``G_Local`` on every cell (``all``, before issue #13) and the confirming path
(``confirm``, after), and checks their bins agree. The last lines sum, per method, the
hotspot and Gi* times over the categories.
"""

from __future__ import annotations

import argparse
import functools
import time

import geopandas as gpd
import numpy as np

import geo.hotspots
from geo.boundaries import read_wards, study_area
from geo.datasets import get_path
from geo.incidents import load_incidents
from geo.settings import LoadSettings

CATEGORIES = ("asb", "burglary", "criminal_damage", "asb+criminal_damage")


def _timed_gi(method: str, spent: list[float], bins: list[np.ndarray]):  # noqa: ANN202
    original = geo.hotspots.gi_star_bins

    @functools.wraps(original)
    def run(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        start = time.perf_counter()
        out = original(*args, **kwargs, method=method)
        spent.append(time.perf_counter() - start)
        bins.append(out)
        return out

    return original, run


def bench(
    incidents: gpd.GeoDataFrame,
    wards: gpd.GeoDataFrame,
    area: object,
    as_of: str,
    method: str,
    repeat: int,
    totals: dict[str, list[float]],
) -> dict[str, np.ndarray]:
    """Print best-of-`repeat` times per category for one Gi* method; return the Gi* bins.

    Adds the best run and Gi* times of each category to ``totals[method]``.
    """
    result = {}
    totals[method] = [0.0, 0.0]
    for cat in CATEGORIES:
        times, gi_times, bins = [], [], []
        original, geo.hotspots.gi_star_bins = _timed_gi(method, gi_times, bins)
        try:
            for _ in range(repeat):
                start = time.perf_counter()
                spots = geo.hotspots.find_hotspots(
                    incidents, categories=cat, as_of=as_of, months=3, wards=wards, area=area
                )
                times.append(time.perf_counter() - start)
        finally:
            geo.hotspots.gi_star_bins = original
        result[cat] = bins[0]
        totals[method][0] += min(times)
        totals[method][1] += min(gi_times)
        n_in = int(spots["n_incidents"].sum())
        counts = spots["gi_bin"].value_counts().sort_index().to_dict()
        print(
            f"  {method:<8} {cat:<22} run {min(times):5.2f} s  Gi* {min(gi_times):5.2f} s  "
            f"{len(spots):4d} hotspots  {n_in:5d} incidents  bins {counts}"
        )
    return result


def main() -> int:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--as-of", default="2025-09")
    parser.add_argument("--keep-outside", action="store_true")
    parser.add_argument("--method", choices=["all", "confirm", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=3, help="runs per category (best kept)")
    args = parser.parse_args()
    wards = read_wards(get_path("wards"))
    start = time.perf_counter()
    settings = LoadSettings(keep_outside_district=args.keep_outside)
    incidents = load_incidents(args.paths, wards=wards, settings=settings).accepted
    area = study_area(wards, incidents, keep_outside=args.keep_outside)
    print(
        f"load: {time.perf_counter() - start:.2f} s, {len(incidents):,} incidents; study "
        f"area {area.area / 1e6:,.0f} km2"
    )
    print(f"window: 3 months to {args.as_of}; best of {args.repeat} runs")
    methods = ["all", "confirm"] if args.method == "both" else [args.method]
    totals: dict[str, list[float]] = {}
    found = {m: bench(incidents, wards, area, args.as_of, m, args.repeat, totals) for m in methods}
    if len(found) == 2:
        same = all(np.array_equal(found["all"][c], found["confirm"][c]) for c in CATEGORIES)
        print(f"same Gi* bins from both methods: {same}")
    run = f"{', '.join(args.paths)}{' --keep-outside' if args.keep_outside else ''}"
    print(f"\nsummary for {run}: {len(incidents):,} incidents, {len(CATEGORIES)} categories")
    for method, (total, gi) in totals.items():
        when = {"all": "before (esda, every cell)", "confirm": "after (confirm)"}[method]
        print(f"  Gi* {when:<26} hotspots {total:6.2f} s  of which Gi* {gi:6.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
