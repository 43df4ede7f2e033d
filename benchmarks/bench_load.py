"""Time and peak memory of ``geo validate`` against a plain ``pandas.read_csv``, whole processes.

Usage::

    python benchmarks/bench_load.py /work/shared/data/police_uk            # 13 Kent months
    python benchmarks/bench_load.py /work/shared/data/police_uk --copies 10  # 1.97 M rows
    python benchmarks/bench_load.py /work/shared/data/police_uk --copies 10 --one-file

Each side runs as its own Python process (``geo validate FILES --json`` and a process
that reads the same files with ``pandas.read_csv(dtype=str)``), ``--repeat`` times
(default 3); the median wall time and the median peak resident memory (``ru_maxrss``
of the finished child) are printed, with the ratio geo / pandas. ``--copies N`` makes N
copies of every file in a temporary folder under /tmp first (removed afterwards);
``--one-file`` joins them into one CSV instead (a 405 MB file for ten copies, which
``geo`` reads in pieces of ``geo._tables.READ_BUDGET`` bytes).
The parse cache is off for the cold figures (``GEO_PARSE_CACHE=off``, a fresh
``GEO_HOME`` on every run); ``--warm`` adds the figure for a second ``geo validate``
that reads the cache filled by a first one.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_PANDAS = (
    "import sys, pandas as pd\n"
    "n = sum(len(pd.read_csv(f, dtype=str)) for f in sys.argv[1:])\n"
    "print(n)\n"
)


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run one child process; return (seconds, peak RSS in MiB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, _, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    if "Traceback" in err:
        msg = f"{cmd[:3]} failed:\n{err}"
        raise SystemExit(msg)
    return seconds, usage.ru_maxrss / 1024


def _median(cmd: list[str], repeat: int, *, warm: bool = False) -> tuple[float, float]:
    times, peaks = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as home:
            env = {**os.environ, "GEO_HOME": home, "GEO_PARSE_CACHE": "on" if warm else "off"}
            if warm:
                _run(cmd, env)
            seconds, peak = _run(cmd, env)
        times.append(seconds)
        peaks.append(peak)
    return statistics.median(times), statistics.median(peaks)


def _copies(files: list[Path], n: int, folder: Path) -> list[Path]:
    out = []
    for i in range(n):
        for f in files:
            target = folder / f"{f.stem}-copy{i}{f.suffix}"
            shutil.copyfile(f, target)
            out.append(target)
    return out


def _one_file(files: list[Path], folder: Path) -> list[Path]:
    """Join the files' rows under the first file's header into one CSV."""
    target = folder / "joined.csv"
    with target.open("wb") as out:
        for i, f in enumerate(files):
            with f.open("rb") as handle:
                header = handle.readline()
                if i == 0:
                    out.write(header)
                shutil.copyfileobj(handle, out)
    return [target]


def main() -> int:
    """Run the benchmark; print medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--copies", type=int, default=1, help="read N copies of every file")
    parser.add_argument("--one-file", action="store_true", help="join the copies into one CSV")
    parser.add_argument("--warm", action="store_true", help="also time a run from the cache")
    args = parser.parse_args()

    files = sorted(p for p in args.folder.iterdir() if p.suffix.lower() == ".csv")
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        if args.copies > 1:
            files = _copies(files, args.copies, Path(tmp))
        if args.one_file:
            files = _one_file(files, Path(tmp))
        names = [str(f) for f in files]
        size = sum(f.stat().st_size for f in files) / 2**20
        geo_cmd = [sys.executable, "-m", "geo", "validate", *names, "--json"]
        pandas_cmd = [sys.executable, "-c", _PANDAS, *names]
        t_pd, m_pd = _median(pandas_cmd, args.repeat)
        t_geo, m_geo = _median(geo_cmd, args.repeat)
        warm = _median(geo_cmd, args.repeat, warm=True) if args.warm else None
    print(f"files: {len(files)}, {size:.0f} MiB  (copies: {args.copies}, median of {args.repeat})")
    print(f"pandas.read_csv : {t_pd:7.2f} s  peak {m_pd:8.1f} MiB")
    print(f"geo validate    : {t_geo:7.2f} s  peak {m_geo:8.1f} MiB")
    print(f"ratio geo/pandas: time {t_geo / t_pd:5.2f}x  peak memory {m_geo / m_pd:5.2f}x")
    if warm is not None:
        print(f"geo validate, warm cache: {warm[0]:7.2f} s  peak {warm[1]:8.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
