"""Backtest every forecast method and write the Markdown report to docs/forecast.md.

Usage::

    python benchmarks/bench_forecast.py data/ --out docs/forecast.md \
        --kent /work/shared/data/police_uk

The shipped Sevenoaks months are always run; ``--kent DIR`` adds a county-wide
run on the full Kent files (incidents outside the Sevenoaks wards kept, the grid
covering the area within 1 km of any Kent map point, since no Kent boundary
ships). Test months 2025-07..09 and validation months 2025-04..06, each fitted
on earlier months only (rolling origin); the default method's settings were
chosen on the validation months. Categories: ASB, burglary, and ASB + criminal
damage. The report also shows which parts of the default method the backtest
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
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.spatial import cKDTree
from sklearn.ensemble import HistGradientBoostingRegressor

from geo.boundaries import district_outline, read_wards
from geo.datasets import get_path
from geo.evaluate import COVERAGES_PCT, backtest, flag_cells, measures, month_counts
from geo.forecast import risk_surface
from geo.grid import make_grid
from geo.incidents import load_incidents
from geo.settings import DEFAULT_SETTINGS, ForecastParams, LoadSettings

CATEGORIES = ("asb", "burglary", "asb+criminal_damage")
TEST = ("2025-07", "2025-08", "2025-09")
VALIDATION = ("2025-04", "2025-05", "2025-06")
HEADLINE = (0.5, 1.0, 2.0)
RELATED = ("criminal_damage", "violence", "public_order", "vehicle_crime", "shoplifting")
"""Categories whose rates are features of the gradient-boosted candidate."""
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
        naive = risk_surface(incidents, categories=categories, target=month, grid=grid,
                             method="naive")["score"].to_numpy()  # fmt: skip
        scores = naive + 0.5 * actual / (actual.max() + 1)  # counts are whole: only ties move
        for cov in COVERAGES_PCT:
            hit, pai = measures(flag_cells(scores, areas, ids, cov / 100), actual, areas)
            rows.append({"method": "naive, ties by the test month", "month": month,
                         "coverage_pct": cov, "hit_rate": hit, "pai": pai})  # fmt: skip
    return pd.DataFrame(rows)


def _monthly_counts(incidents: gpd.GeoDataFrame, grid: gpd.GeoDataFrame) -> dict:
    """Count every category in every cell for every month with data: {category: (months, cells)}."""
    months = sorted({str(m) for m in incidents["occurred"].dt.to_period("M")})
    return {"months": months, **{c: np.stack([month_counts(incidents, grid, categories=c, month=m)
                                              for m in months])
                                 for c in sorted(incidents["category"].unique())}}  # fmt: skip


def _cell_features(counts: dict, category: str, t: int, near: sparse.csr_matrix) -> np.ndarray:
    """Features of every cell from the months before index `t` (rates, recency, neighbours)."""
    every = sum(v for k, v in counts.items() if k != "months")
    own = sum(counts[c] for c in category.split("+"))[:t]
    rate, place = own.sum(0) / t, every[:t].sum(0) / t
    others = [counts[c][:t].sum(0) / t for c in RELATED if c in counts]
    return np.column_stack([rate, own[-1], own[-3:].mean(0), (own > 0).mean(0), near @ rate,
                            place, near @ place, (every[:t] > 0).mean(0), *others])  # fmt: skip


def gbm_rows(incidents: gpd.GeoDataFrame, grid: gpd.GeoDataFrame, *, categories: str,
             months: tuple) -> pd.DataFrame:  # fmt: skip
    """
    Backtest a gradient-boosted model (Poisson loss) on cell features, a candidate for `default`.

    For each test month it learns next month's count from the features of every
    earlier month that has at least four months of history before it, on this
    area's cells only, then ranks the cells of the test month.
    """
    counts = _monthly_counts(incidents, grid)
    centres = np.column_stack([grid.geometry.centroid.x, grid.geometry.centroid.y])
    tree = cKDTree(centres)
    near = tree.sparse_distance_matrix(tree, 1.5 * PARAMS.cell_m, output_type="coo_matrix")
    near = sparse.csr_matrix((np.ones(near.nnz), (near.row, near.col)), shape=(len(grid),) * 2)
    own = sum(counts[c] for c in categories.split("+"))
    areas, ids, rows = grid["area_m2"].to_numpy(), grid["cell_id"].tolist(), []
    for month in months:
        t = counts["months"].index(month)
        x = np.vstack([_cell_features(counts, categories, u, near) for u in range(4, t)])
        y = np.concatenate([own[u] for u in range(4, t)])
        model = HistGradientBoostingRegressor(loss="poisson", max_iter=200, learning_rate=0.05,
                                              max_leaf_nodes=7, min_samples_leaf=100,
                                              random_state=0).fit(x, y)  # fmt: skip
        scores = model.predict(_cell_features(counts, categories, t, near))
        for cov in COVERAGES_PCT:
            hit, pai = measures(flag_cells(scores, areas, ids, cov / 100), own[t], areas)
            rows.append({"method": "gradient boosting", "month": month, "coverage_pct": cov,
                         "hit_rate": hit, "pai": pai})  # fmt: skip
    return pd.DataFrame(rows)


def method_table(res: pd.DataFrame) -> list[str]:
    """Markdown: mean hit rate (min-max) per method and coverage, PAI and PEI at 1 %."""
    head = " | ".join(f"{c:g} %" for c in COVERAGES_PCT)
    lines = [f"| method | {head} | PAI 1 % | PEI 1 % |",
             "|---|" + "---:|" * (len(COVERAGES_PCT) + 2)]  # fmt: skip
    for method, rows in res.groupby("method", sort=False):
        cells = []
        for cov in COVERAGES_PCT:
            h = rows[rows["coverage_pct"] == cov]["hit_rate"]
            cells.append(f"{h.mean():.3f} ({h.min():.2f}-{h.max():.2f})")
        at1 = rows[rows["coverage_pct"] == 1.0]
        pei = f"{at1['pei'].mean():.2f}" if "pei" in at1 and at1["pei"].notna().any() else "-"
        lines.append(f"| {method} | " + " | ".join(cells) + f" | {at1['pai'].mean():.1f} | {pei} |")
    return lines


def ratios(res: pd.DataFrame, method: str) -> list[float]:
    """Mean hit rate of `method` over that of naive, at the headline coverages."""
    means = res.groupby(["method", "coverage_pct"])["hit_rate"].mean()
    return [means[method, cov] / means["naive", cov] for cov in HEADLINE]


def variant_table(
    incidents: gpd.GeoDataFrame, grid: gpd.GeoDataFrame, category: str, *, gbm: bool
) -> list[str]:
    """Markdown: each variant's hit rate over naive's, on validation and test months."""
    head = " | ".join(f"{m} {c:g} %" for m in ("val", "test") for c in HEADLINE)
    lines = [f"| {category}: hit rate / naive | {head} |", "|---|" + "---:|" * 6]
    for name, params in VARIANTS.items():
        cells = []
        for months in (VALIDATION, TEST):
            res = backtest(incidents, grid, categories=category, test_months=months,
                           methods=["naive", "default"], params=params)  # fmt: skip
            cells += [f"{r:.3f}" for r in ratios(res, "default")]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    if gbm:
        cells = []
        for months in (VALIDATION, TEST):
            res = backtest(incidents, grid, categories=category, test_months=months,
                           methods=["naive"], params=PARAMS)  # fmt: skip
            both = pd.concat([res, gbm_rows(incidents, grid, categories=category, months=months)])
            cells += [f"{r:.3f}" for r in ratios(both, "gradient boosting")]
        lines.append("| gradient boosting on cell features (instead) | " + " | ".join(cells) + " |")
    return lines


def category_section(incidents: gpd.GeoDataFrame, grid: gpd.GeoDataFrame, cat: str) -> list[str]:
    """Markdown for one category: the method table on the test months, and the ratios."""
    start = time.perf_counter()
    res = backtest(incidents, grid, categories=cat, test_months=TEST, params=PARAMS)
    secs = time.perf_counter() - start
    ceiling = ceiling_rows(incidents, grid, categories=cat, months=TEST)
    n = res.groupby("month")["n_test"].first().tolist()
    ratio = ratios(pd.concat([res, ceiling]), "default")
    tie = ratios(pd.concat([res, ceiling]), "naive, ties by the test month")
    return [
        f"### {cat} (test incidents per month: {n}; all methods {secs:.1f} s)", "",
        *method_table(pd.concat([res, ceiling], ignore_index=True)), "",
        "default / naive hit rate: "
        + ", ".join(f"{c:g} %: {r:.3f}" for c, r in zip(HEADLINE, ratio, strict=True)),
        "",
        "ceiling of tie-breaking (naive, ties by the test month) / naive: "
        + ", ".join(f"{c:g} %: {r:.3f}" for c, r in zip(HEADLINE, tie, strict=True)),
        "",
    ]  # fmt: skip


def report(
    incidents: gpd.GeoDataFrame, grid: gpd.GeoDataFrame, title: str, *, gbm: bool
) -> list[str]:
    """Markdown for one area: every category's method table, then the variants."""
    lines = [f"## {title}", "", f"Grid {PARAMS.cell_m:.0f} m, {len(grid):,} cells; "
             f"{len(incidents):,} incidents loaded.", ""]  # fmt: skip
    for cat in CATEGORIES:
        lines += category_section(incidents, grid, cat)
    lines += [f"### What the backtest supports ({title})", "",
              "The default method with one part switched off or changed; hit rate over naive's "
              f"on the validation months ({', '.join(VALIDATION)}, used to choose the settings) "
              f"and the test months ({', '.join(TEST)}).", ""]  # fmt: skip
    for cat in CATEGORIES:
        lines += [*variant_table(incidents, grid, cat, gbm=gbm), ""]
    return lines


def sevenoaks(paths: list[str], boundaries: Path | None) -> list[str]:
    """Report on the shipped district: incidents inside the wards, a grid clipped to them."""
    wards = read_wards(boundaries or get_path("wards"))
    incidents = load_incidents(paths, wards=wards).accepted
    grid = make_grid(district_outline(wards), cell_m=PARAMS.cell_m)
    return report(incidents, grid, f"Sevenoaks ({' '.join(paths)})", gbm=True)


def kent(folder: str) -> list[str]:
    """Report on all of Kent: every incident kept, a grid within 1 km of any map point."""
    wards = read_wards(get_path("wards"))
    keep = LoadSettings(keep_outside_district=True)
    incidents = load_incidents([folder], wards=wards, settings=keep).accepted
    x, y = incidents.geometry.x, incidents.geometry.y
    incidents = incidents[x.between(535_000, 650_000) & y.between(100_000, 185_000)]  # Kent only
    area = shapely.union_all(incidents.geometry.drop_duplicates().buffer(1000).to_numpy())
    grid = make_grid(area, cell_m=PARAMS.cell_m)
    return report(incidents, grid, f"All of Kent ({folder})", gbm=False)  # too slow county-wide


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--boundaries", type=Path, default=None)
    parser.add_argument("--kent", default=None, help="folder of the full Kent police.uk files")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    command = " ".join(["python benchmarks/bench_forecast.py", *sys.argv[1:]])
    lines = [
        "# Forecast backtest", "",
        f"Made {dt.date.today().isoformat()} by `{command}` (the script writes this file; "
        "no figure in it is typed by hand). Each test month is forecast from earlier months "
        "only. Mean hit rate over the test months (min-max in brackets); PAI and PEI at 1 %.",
        "", f"Default method settings: `{PARAMS!r}`", "",
    ]  # fmt: skip
    start = time.perf_counter()
    lines += sevenoaks(args.paths, args.boundaries)
    if args.kent:
        lines += kent(args.kent)
    lines += [f"Whole run: {time.perf_counter() - start:.0f} s.", ""]
    text = "\n".join(lines)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
