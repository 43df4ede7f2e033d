"""Backtest every forecast method and write the Markdown report to docs/forecast.md.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_forecast.py data/ --out docs/forecast.md \
        --kent /work/shared/data/police_uk /work/shared/data/police_uk_more

The shipped Sevenoaks months are always run; ``--kent DIR ...`` adds a county-wide
run on the full Kent files (incidents outside the Sevenoaks wards kept, the grid
covering the area within 1 km of any Kent map point, since no Kent boundary
ships). Validation months 2025-04..06 and test months 2025-07..09, each fitted on
earlier months only (rolling origin); the default method's settings, and the
choice of default, are made on the validation months only. Every method is
shown, ``learned`` (the pooled gradient-boosted model of `geo.forecast`) beside
naive, recent, KDE, prospective and default, with hit rate, PAI and PEI at 0.5,
1, 2 and 5 % of the area. Categories: ASB, burglary, and ASB + criminal damage.
The Sevenoaks report also shows which parts of the default method the backtest
supports (the same method with one part switched off), and a ceiling: naive
with its ties broken by the test month itself.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geo.boundaries import district_outline, read_wards
from geo.datasets import get_path
from geo.evaluate import COVERAGES_PCT, backtest, flag_cells, measures, month_counts
from geo.forecast import LEARNED, LEARNED_FEATURES, fit_learned, learned_features, risk_surface
from geo.grid import make_grid
from geo.incidents import load_incidents
from geo.settings import DEFAULT_SETTINGS, ForecastParams, LoadSettings

CATEGORIES = ("asb", "burglary", "asb+criminal_damage")
TEST = ("2025-07", "2025-08", "2025-09")
VALIDATION = ("2025-04", "2025-05", "2025-06")
HEADLINE = (0.5, 1.0, 2.0)
PARAMS = DEFAULT_SETTINGS.forecast
VARIANTS: dict[str, ForecastParams] = {
    "default": PARAMS,
    "without place prior": replace(PARAMS, prior_months=0.0),
    "without smoothing": replace(PARAMS, smooth_weight=0.0),
    "without recent blend": replace(PARAMS, blend_recent=0.0),
    "place prior only": replace(PARAMS, blend_recent=0.0, smooth_weight=0.0),
    "place prior x2": replace(PARAMS, prior_months=2 * PARAMS.prior_months),
    "place prior x0.5": replace(PARAMS, prior_months=PARAMS.prior_months / 2),
}
"""The default method, and the same method with one part switched off or changed."""


def ceiling_rows(
    incidents: gpd.GeoDataFrame, grid: gpd.GeoDataFrame, *, categories: str, months: tuple
) -> pd.DataFrame:
    """Naive with its ties broken by the test month: the best any reordering of ties can do."""
    areas, ids, rows = grid["area_m2"].to_numpy(), grid["cell_id"].tolist(), []
    for month in months:
        actual = month_counts(incidents, grid, categories=categories, month=month)
        naive = risk_surface(
            incidents, categories=categories, target=month, grid=grid, method="naive"
        )["score"].to_numpy()
        scores = naive + 0.5 * actual / (actual.max() + 1)  # counts are whole: only ties move
        for cov in COVERAGES_PCT:
            hit, pai = measures(flag_cells(scores, areas, ids, cov / 100), actual, areas)
            rows.append(
                {
                    "method": "naive, ties by the test month",
                    "month": month,
                    "coverage_pct": cov,
                    "hit_rate": hit,
                    "pai": pai,
                }
            )
    return pd.DataFrame(rows)


def method_table(res: pd.DataFrame) -> list[str]:
    """Markdown: mean hit rate (min-max) per method and coverage, then mean PAI and PEI."""
    head = " | ".join(f"{c:g} %" for c in COVERAGES_PCT)
    pai = " | ".join(f"PAI {c:g} %" for c in COVERAGES_PCT)
    pei = " | ".join(f"PEI {c:g} %" for c in COVERAGES_PCT)
    lines = [f"| method | {head} | {pai} | {pei} |", "|---|" + "---:|" * (3 * len(COVERAGES_PCT))]
    for method, rows in res.groupby("method", sort=False):
        cells, pais, peis = [], [], []
        for cov in COVERAGES_PCT:
            at = rows[rows["coverage_pct"] == cov]
            h = at["hit_rate"]
            cells.append(f"{h.mean():.3f} ({h.min():.2f}-{h.max():.2f})")
            pais.append(f"{at['pai'].mean():.1f}")
            has_pei = "pei" in at and at["pei"].notna().any()
            peis.append(f"{at['pei'].mean():.2f}" if has_pei else "-")
        lines.append(f"| {method} | " + " | ".join(cells + pais + peis) + " |")
    return lines


def ratios(res: pd.DataFrame, method: str) -> list[float]:
    """Mean hit rate of `method` over that of naive, at the headline coverages."""
    means = res.groupby(["method", "coverage_pct"])["hit_rate"].mean()
    return [means[method, cov] / means["naive", cov] for cov in HEADLINE]


def variant_table(incidents: gpd.GeoDataFrame, grid: gpd.GeoDataFrame, category: str) -> list[str]:
    """Markdown: each variant's hit rate over naive's, on validation and test months."""
    head = " | ".join(f"{m} {c:g} %" for m in ("val", "test") for c in HEADLINE)
    lines = [f"| {category}: hit rate / naive | {head} |", "|---|" + "---:|" * 6]
    for name, params in VARIANTS.items():
        cells = []
        for months in (VALIDATION, TEST):
            res = backtest(
                incidents,
                grid,
                categories=category,
                test_months=months,
                methods=["naive", "default"],
                params=params,
            )
            cells += [f"{r:.3f}" for r in ratios(res, "default")]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def category_section(
    incidents: gpd.GeoDataFrame, grid: gpd.GeoDataFrame, cat: str, summary: list[dict]
) -> list[str]:
    """Markdown for one category: the method tables on validation and test months."""
    lines = []
    for label, months in (("validation", VALIDATION), ("test", TEST)):
        start = time.perf_counter()
        res = backtest(incidents, grid, categories=cat, test_months=months, params=PARAMS)
        secs = time.perf_counter() - start
        print(f"{cat} {label}: {secs:.0f} s", file=sys.stderr, flush=True)
        if label == "test":
            res = pd.concat([res, ceiling_rows(incidents, grid, categories=cat, months=months)])
        n = res.groupby("month")["n_test"].first().dropna().astype(int).tolist()
        lines += [
            f"### {cat}, {label} months {', '.join(months)} (incidents per month: {n}; "
            f"all methods {secs:.0f} s)",
            "",
            *method_table(res),
            "",
        ]
        for method in ("default", "learned"):
            r = ratios(res, method)
            pairs = list(zip(HEADLINE, r, strict=True))
            summary.append(
                {
                    "category": cat,
                    "months": label,
                    "method": method,
                    **{f"{c:g} %": v for c, v in pairs},
                }
            )
            words = ", ".join(f"{c:g} %: {v:.3f}" for c, v in pairs)
            lines.append(f"{method} / naive hit rate: {words}")
        lines.append("")
    return lines


def summary_table(summary: list[dict]) -> list[str]:
    """Markdown: default and learned over naive, per category, on validation and test months."""
    lines = [
        "| category | months | method | " + " | ".join(f"{c:g} %" for c in HEADLINE) + " |",
        "|---|---|---|" + "---:|" * len(HEADLINE),
    ]
    for row in summary:
        vals = " | ".join(f"{row[f'{c:g} %']:.3f}" for c in HEADLINE)
        lines.append(f"| {row['category']} | {row['months']} | {row['method']} / naive | {vals} |")
    return lines


def closing_note(summary: list[dict], title: str) -> list[str]:
    """Markdown: is learned better than default on the validation months, and what that means."""

    def at1(cat: str, months: str, method: str) -> float:
        rows = [
            r for r in summary if (r["category"], r["months"], r["method"]) == (cat, months, method)
        ]
        return float(rows[0]["1 %"])

    wins = [
        c for c in CATEGORIES if at1(c, "validation", "learned") > at1(c, "validation", "default")
    ]
    verdict = "beats" if len(wins) == len(CATEGORIES) else "does not beat"
    lines = [
        f"**Closing note ({title}).** On the validation months, learned {verdict} default "
        f"at 1 % of the area in every category (it is ahead in: {', '.join(wins) or 'none'})"
        ", so "
        + ("it may become the default." if verdict == "beats" else "default stays.")
        + " At 1 %, hit rate over naive's:"
    ]
    for cat in CATEGORIES:
        lines.append(
            f"- {cat}: default/naive {at1(cat, 'validation', 'default'):.3f} (validation), "
            f"{at1(cat, 'test', 'default'):.3f} (test); learned/naive "
            f"{at1(cat, 'validation', 'learned'):.3f} (validation), "
            f"{at1(cat, 'test', 'learned'):.3f} (test)."
        )
    return [*lines, ""]


def report(
    incidents: gpd.GeoDataFrame, grid: gpd.GeoDataFrame, title: str, *, variants: bool
) -> list[str]:
    """Markdown for one area: every category's method tables, a summary, then the variants."""
    incidents = incidents[incidents["category"] != "speeding"]
    months = sorted({str(m) for m in incidents["occurred"].dt.to_period("M")})
    lines = [
        f"## {title}",
        "",
        f"Grid {PARAMS.cell_m:.0f} m, {len(grid):,} cells; "
        f"{len(incidents):,} incidents loaded, {len(months)} months with data "
        f"({', '.join(months)}).",
        "",
    ]
    summary: list[dict] = []
    for cat in CATEGORIES:
        lines += category_section(incidents, grid, cat, summary)
    lines += [f"### Summary ({title}): hit rate over naive's", "", *summary_table(summary), ""]
    lines += closing_note(summary, title)
    if variants:
        lines += [
            f"### What the backtest supports ({title})",
            "",
            "The default method with one part switched off or changed; hit rate over "
            f"naive's on the validation months ({', '.join(VALIDATION)}, used to choose the "
            f"settings) and the test months ({', '.join(TEST)}).",
            "",
        ]
        for cat in CATEGORIES:
            lines += [*variant_table(incidents, grid, cat), ""]
    return lines


def sevenoaks(paths: list[str], boundaries: Path | None) -> tuple[gpd.GeoDataFrame, ...]:
    """Load the shipped district: incidents inside the wards, a grid clipped to them."""
    wards = read_wards(boundaries or get_path("wards"))
    incidents = load_incidents(paths, wards=wards).accepted
    incidents = incidents[incidents["category"] != "speeding"]
    return incidents, make_grid(district_outline(wards), cell_m=PARAMS.cell_m)


def kent(folders: list[str]) -> tuple[gpd.GeoDataFrame, ...]:
    """Load all of Kent: every incident kept, a grid within 1 km of any map point."""
    wards = read_wards(get_path("wards"))
    keep = LoadSettings(keep_outside_district=True)
    incidents = load_incidents(folders, wards=wards, settings=keep).accepted
    x, y = incidents.geometry.x, incidents.geometry.y
    incidents = incidents[x.between(535_000, 650_000) & y.between(100_000, 185_000)]  # Kent only
    area = shapely.union_all(incidents.geometry.drop_duplicates().buffer(1000).to_numpy())
    return incidents, make_grid(area, cell_m=PARAMS.cell_m)


def pooled_section(
    kent_inc: gpd.GeoDataFrame,
    kent_grid: gpd.GeoDataFrame,
    sev_inc: gpd.GeoDataFrame,
    sev_grid: gpd.GeoDataFrame,
) -> list[str]:
    """Markdown: learned trained on every Kent cell (earlier months), scored on Sevenoaks cells."""
    lines = [
        "## Sevenoaks, learned trained on all of Kent",
        "",
        "The same model fitted per month on the Kent cells (earlier months only, at most "
        f"{LEARNED.max_rows:,} cell-months), then applied to the Sevenoaks cells' own "
        "features. Not a method the app can run (it never reads the Kent files): it tells "
        "whether pooling across the county is worth shipping a trained model.",
        "",
        "| category | months | default / naive 1 % | learned (Sevenoaks) / naive 1 % "
        "| learned on Kent / naive 0.5 % | 1 % | 2 % |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    areas, ids = sev_grid["area_m2"].to_numpy(), sev_grid["cell_id"].tolist()
    for cat in CATEGORIES:
        for label, months in (("validation", VALIDATION), ("test", TEST)):
            res = backtest(
                sev_inc,
                sev_grid,
                categories=cat,
                test_months=months,
                methods=["naive", "default", "learned"],
                params=PARAMS,
            )
            rows = []
            for month in months:
                start = pd.Period(month, freq="M").to_timestamp()
                xs, ys, _ = learned_features(
                    kent_inc[kent_inc["occurred"] < start],
                    kent_grid,
                    categories=cat.split("+"),
                    target=month,
                )
                _, _, now = learned_features(
                    sev_inc[sev_inc["occurred"] < start],
                    sev_grid,
                    categories=cat.split("+"),
                    target=month,
                )
                scores = fit_learned(xs, ys).predict(now)
                actual = month_counts(sev_inc, sev_grid, categories=cat, month=month)
                for cov in COVERAGES_PCT:
                    hit, pai = measures(flag_cells(scores, areas, ids, cov / 100), actual, areas)
                    rows.append(
                        {
                            "method": "learned on Kent",
                            "month": month,
                            "coverage_pct": cov,
                            "hit_rate": hit,
                            "pai": pai,
                        }
                    )
            both = pd.concat([res, pd.DataFrame(rows)], ignore_index=True)
            d, own, pooled = (ratios(both, m) for m in ("default", "learned", "learned on Kent"))
            lines.append(
                f"| {cat} | {label} | {d[1]:.3f} | {own[1]:.3f} | "
                + " | ".join(f"{r:.3f}" for r in pooled)
                + " |"
            )
            print(f"pooled {cat} {label}", file=sys.stderr, flush=True)
    return [*lines, ""]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--boundaries", type=Path, default=None)
    parser.add_argument(
        "--kent", nargs="+", default=None, help="folders of the full Kent police.uk files"
    )
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    command = " ".join(["python benchmarks/bench_forecast.py", *sys.argv[1:]])
    lines = [
        "# Forecast backtest",
        "",
        f"Made {dt.date.today().isoformat()} by `{command}` (the script writes this file; "
        "no figure in it is typed by hand). Each test month is forecast from earlier months "
        "only (rolling origin); validation months choose, test months only report. Mean "
        "hit rate over the months (min-max in brackets), then mean PAI and PEI. The learned "
        "model is fitted per month on every cell of the area (at most `max_rows` "
        "cell-months: Kent-wide, rows of cells with no past incident are dropped and the "
        "rest sampled, seed 0).",
        "",
        f"Default method settings: `{PARAMS!r}`",
        "",
        f"Learned method settings: `{LEARNED!r}`; features: {', '.join(LEARNED_FEATURES)}.",
        "",
    ]
    start = time.perf_counter()
    sev_inc, sev_grid = sevenoaks(args.paths, args.boundaries)
    lines += report(sev_inc, sev_grid, f"Sevenoaks ({' '.join(args.paths)})", variants=True)
    if args.kent:
        kent_inc, kent_grid = kent(args.kent)
        title = f"All of Kent ({' '.join(args.kent)})"
        lines += report(kent_inc, kent_grid, title, variants=False)  # variants: Sevenoaks only
        lines += pooled_section(kent_inc, kent_grid, sev_inc, sev_grid)
    lines += [f"Whole run: {time.perf_counter() - start:.0f} s.", ""]
    text = "\n".join(lines)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
