"""Check `geo outcomes` where the truth is known, and time it on a year of approved weeks.

::

    python benchmarks/bench_outcomes.py [PATH ...] [--plantings 200] [--out docs/outcomes.md]

PATH: police.uk files or folders (default: the shipped ``data/``). Each planting
takes a before/during pair of windows from the loaded months, ten busy camera
sites chosen on the before window (the busiest places at least 800 m apart,
starting at a random rank among the first ten), and a random share (20-90 %) of
the ASB and criminal damage within 100 m removed during the deployment. It
reports how often the pooled cctv ``target`` range holds the number removed, how
often it holds zero on the untouched copy, and how often it excludes zero on the
planted copy (power). Then it approves 52 weeks of plans into a fresh store (the
same camera sites, moved every 8 weeks) and times ``geo outcomes --json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from geo.outcomes import evaluate_outcomes
from geo.outcomes.planting import busy_sites, plant_reduction
from geo.pipeline import load, recorded_months
from geo.schema import DEPLOYMENT_COLUMNS
from geo.store import save_plan


def windows(incidents: pd.DataFrame, length: int) -> list[tuple[list[str], str, str]]:
    """Every (before months, first, last during month) with all 2 x `length` months loaded."""
    loaded = sorted(set(recorded_months(incidents).unique()))
    have = set(loaded)
    out = []
    for m in loaded:
        months = [m + i for i in range(2 * length)]
        if all(x in have for x in months):
            out.append(([str(x) for x in months[:length]], str(months[length]), str(months[-1])))
    return out


def coverage(incidents: pd.DataFrame, plantings: int, seed: int) -> list[dict[str, object]]:
    """Run the plantings; one record per planting."""
    rng = np.random.default_rng(seed)
    cases = [w for n in (2, 3) for w in windows(incidents, n)]
    out = []
    for _ in range(plantings):
        before, first, last = cases[rng.integers(len(cases))]
        sites = busy_sites(incidents, before, skip=int(rng.integers(0, 10)))
        share = float(rng.uniform(0.2, 0.9))
        p = plant_reduction(
            incidents, sites, first=first, last=last, share=share, seed=int(rng.integers(1e9))
        )
        planted = evaluate_outcomes(p.planted, p.deployments)["by_kind"][0]["target"]
        untouched = evaluate_outcomes(incidents, p.deployments)["by_kind"][0]["target"]
        out.append(
            {
                "months": len(before),
                "removed": p.removed,
                "holds_planted": planted["low"] <= p.removed <= planted["high"],
                "finds_it": planted["low"] > 0,
                "holds_zero": untouched["low"] <= 0 <= untouched["high"],
                "width": planted["high"] - planted["low"],
            }
        )
    return out


def table(records: list[dict[str, object]]) -> str:
    """Return the coverage table in Markdown."""
    frame = pd.DataFrame(records)
    lines = [
        "| windows | plantings | range holds the planted number | range holds 0, untouched "
        "| range excludes 0, planted | median removed | median width |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    groups = [(f"{n} months before, {n} during", g) for n, g in frame.groupby("months")]
    for name, g in [*groups, ("all", frame)]:
        lines.append(
            f"| {name} | {len(g)} | {g['holds_planted'].mean():.0%} | "
            f"{g['holds_zero'].mean():.0%} | {g['finds_it'].mean():.0%} | "
            f"{g['removed'].median():.0f} | {g['width'].median():.0f} |"
        )
    return "\n".join(lines).replace("%", " %")


def time_year(paths: list[str]) -> float:
    """Approve 52 weeks into a fresh store and time ``geo outcomes --json`` (median of 3)."""
    incidents = load(paths or None).accepted
    sites = busy_sites(incidents, ["2025-01", "2025-02", "2025-03"], n=5)
    monday = dt.date(2024, 10, 7)
    with tempfile.TemporaryDirectory() as home:
        db = Path(home) / "plans.sqlite"
        for week in range(52):
            start = monday + dt.timedelta(weeks=week)
            rows = []
            for i, (x, y) in enumerate(sites):
                move = (week // 8) % 2
                rows.append(
                    {
                        "resource": "cctv",
                        "unit": f"Camera {i + 1}",
                        "site_id": f"{x + move * 300:.0f}:{y:.0f}",
                        "site_name": f"Site {i + 1}{'b' if move else ''}",
                        "x": x + move * 300,
                        "y": y,
                        "hotspot_ids": "",
                        "start": start.isoformat(),
                        "end": (start + dt.timedelta(days=6)).isoformat(),
                        "weeks_on_site": 1,
                        "reason": "benchmark",
                        "status": "approved",
                        "changed_by": "",
                        "changed_at": "",
                        "change": "",
                        "numbers": {},
                    }
                )
            save_plan(
                db,
                week=start,
                deployments=pd.DataFrame(rows, columns=list(DEPLOYMENT_COLUMNS)),
                status="approved",
                saved_by="bench",
                base_version=0,
            )
        env = {**os.environ, "GEO_HOME": home}
        times = []
        for _ in range(3):
            t = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "geo", "outcomes", *paths, "--db", str(db), "--json"],
                check=True,
                env=env,
                stdout=subprocess.DEVNULL,
            )
            times.append(time.perf_counter() - t)
    return float(np.median(times))


def main() -> None:
    """Run the coverage check and the timing; print both, write the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", default=[])
    parser.add_argument("--plantings", type=int, default=200)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--out", type=Path, help="write the table into this Markdown file")
    args = parser.parse_args()
    incidents = load(args.paths or None).accepted
    t = time.perf_counter()
    records = coverage(incidents, args.plantings, args.seed)
    text = table(records)
    print(text)
    print(f"{args.plantings} plantings in {time.perf_counter() - t:.1f} s")
    seconds = time_year(args.paths)
    print(f"geo outcomes --json on 52 approved weeks (5 cameras): {seconds:.2f} s (median of 3)")
    if args.out is not None:
        body = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        start, end = "<!-- coverage table -->", "<!-- end coverage table -->"
        if start in body and end in body:
            head, rest = body.split(start, 1)
            body = f"{head}{start}\n{text}\n{end}{rest.split(end, 1)[1]}"
            args.out.write_text(body, encoding="utf-8")
        else:
            print(f"{args.out}: no coverage table markers; table not written", file=sys.stderr)


if __name__ == "__main__":
    main()
