"""Time loading police.uk files with the full validation, next to a plain pandas.read_csv.

Usage::

    python benchmarks/bench_load.py ../shared/data/police_uk   # the 13 full Kent months
    python benchmarks/bench_load.py data/                       # the shipped Sevenoaks months

Prints the best of ``--repeat`` runs (default 3) for each, in seconds and rows per second.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from geo.boundaries import read_wards
from geo.datasets import get_path
from geo.incidents import expand_paths, load_incidents


def _best(fn: object, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    files = expand_paths([args.folder])
    wards = read_wards(get_path("wards"))

    t_pandas, frames = _best(lambda: [pd.read_csv(f, dtype=str) for f in files], args.repeat)
    rows = sum(len(f) for f in frames)
    t_geo, result = _best(lambda: load_incidents(files, wards=wards), args.repeat)

    print(f"files: {len(files)}, rows: {rows:,}")
    print(f"pandas.read_csv (no validation): {t_pandas:6.2f} s  {rows / t_pandas:>10,.0f} rows/s")
    print(f"geo load_incidents (validated):  {t_geo:6.2f} s  {rows / t_geo:>10,.0f} rows/s")
    accepted, rejected = len(result.accepted), len(result.rejected)
    print(f"  accepted {accepted:,}, rejected {rejected:,}: {result.reasons}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
