"""Time `geo plan` against `geo validate` on the same files, as whole processes.

Usage::

    python benchmarks/bench_plan.py data/ --week 2025-10-06 [--repeat 3]

Each command runs in a fresh process with a fresh ``GEO_HOME`` (no plan history,
no caches), ``--repeat`` times; the medians and their ratio are printed. The
target (issue 9) is ``geo plan`` at most 2x ``geo validate``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time


def timed(cmd: list[str]) -> float:
    """Run `cmd` in a fresh GEO_HOME and return its wall time in seconds."""
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "GEO_HOME": home}
        start = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--week", default="2025-10-06")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    geo = [sys.executable, "-m", "geo"]
    commands = {
        "validate": [*geo, "validate", *args.paths, "--json"],
        "plan": [*geo, "plan", *args.paths, "--week", args.week, "--json"],
    }
    medians = {}
    for name, cmd in commands.items():
        runs = [timed(cmd) for _ in range(args.repeat)]
        medians[name] = statistics.median(runs)
        print(
            f"geo {name:<9} median {medians[name]:6.2f} s  runs "
            + " ".join(f"{r:.2f}" for r in runs)
        )
    print(f"plan / validate: {medians['plan'] / medians['validate']:.2f}x (target: at most 2x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
