"""The quarterly report's pictures: a static map of wards and hotspots, and a chart of months.

Drawn with matplotlib's object interface on the Agg canvas (no pyplot, no global state,
no display, no network), returned as PNG bytes for a Word document or an HTML page.
"""

from __future__ import annotations

import io

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

HOTSPOT_COLOURS = {"asb+criminal_damage": "#d95f02", "burglary": "#1b9e77"}
"""Fill of each hotspot category on the map (others: grey)."""

DPI = 150
"""Resolution of the pictures (dots per inch)."""


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    return out.getvalue()


LABEL_GAP_M = 900.0
"""Hotspot numbers closer than this (metres) are moved apart, with a line to their place."""


def _free_place(at: tuple[float, float], placed: list[tuple[float, float]]) -> tuple[float, float]:
    """
    Return where to write a number near `at` that is clear of those already `placed`.

    Examples
    --------
    >>> _free_place((0.0, 0.0), [])
    (0.0, 0.0)
    >>> _free_place((0.0, 0.0), [(0.0, 0.0)])
    (900.0, 0.0)
    """
    for ring in range(4):
        for step in range(8 if ring else 1):
            angle = np.pi / 4 * step
            x = at[0] + ring * LABEL_GAP_M * float(np.cos(angle))
            y = at[1] + ring * LABEL_GAP_M * float(np.sin(angle))
            if all(np.hypot(x - px, y - py) >= LABEL_GAP_M for px, py in placed):
                return (round(x, 6), round(y, 6))
    return at


def hotspot_map(wards: gpd.GeoDataFrame, spots: gpd.GeoDataFrame, *, title: str) -> bytes:
    """
    Draw the wards outlined and labelled with their names, and the hotspots numbered.

    Parameters
    ----------
    wards
        Ward polygons with ``ward_name`` (EPSG:27700).
    spots
        Hotspot polygons with ``number`` (the number the report's table gives them)
        and ``category`` (EPSG:27700).
    title
        The picture's title.

    Returns
    -------
    bytes
        A PNG.
    """
    fig = Figure(figsize=(8.0, 8.0))
    ax = fig.add_subplot()
    wards.boundary.plot(ax=ax, color="#555555", linewidth=0.6)
    halo = [patheffects.withStroke(linewidth=2, foreground="white")]
    for ward in wards.itertuples():
        spot = ward.geometry.representative_point()
        ax.annotate(
            str(ward.ward_name),
            (spot.x, spot.y),
            ha="center",
            va="center",
            fontsize=5,
            color="#333333",
            path_effects=halo,
        )
    placed: list[tuple[float, float]] = []
    for spot in spots.itertuples():
        colour = HOTSPOT_COLOURS.get(str(spot.category), "#7570b3")
        gpd.GeoSeries([spot.geometry]).plot(
            ax=ax, color=colour, alpha=0.6, edgecolor=colour, linewidth=1.5
        )
        centre = spot.geometry.centroid
        where = _free_place((centre.x, centre.y), placed)
        placed.append(where)
        ax.annotate(
            str(spot.number),
            (centre.x, centre.y),
            xytext=where,
            textcoords="data",
            ha="center",
            va="center",
            fontsize=7,
            fontweight="bold",
            color="white",
            bbox={"boxstyle": "circle,pad=0.2", "facecolor": colour, "edgecolor": "white"},
            arrowprops={"arrowstyle": "-", "color": colour, "linewidth": 0.8},
        )
    ax.set_title(title, fontsize=10)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return _png(fig)


def month_chart(counts: pd.DataFrame, *, title: str, quarter: tuple[str, str]) -> bytes:
    """
    Draw incidents per month, one line per series; months with no data are gaps.

    Parameters
    ----------
    counts
        One row per month (``YYYY-MM`` index, in order), one column per series;
        missing (NaN) where the month is not loaded, never zero.
    title
        The picture's title.
    quarter
        The first and last month of the report's quarter, shaded.

    Returns
    -------
    bytes
        A PNG.
    """
    fig = Figure(figsize=(8.0, 3.6))
    ax = fig.add_subplot()
    x = np.arange(len(counts))
    for column in counts.columns:
        ax.plot(x, counts[column].to_numpy(dtype=float), marker="o", markersize=3, label=column)
    months = list(counts.index)
    if quarter[0] in months and quarter[1] in months:
        ax.axvspan(months.index(quarter[0]) - 0.5, months.index(quarter[1]) + 0.5, alpha=0.12)
    step = max(1, len(months) // 12)
    ax.set_xticks(x[::step], [pd.Period(m, "M").strftime("%b %Y") for m in months[::step]])
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    ax.set_ylabel("Incidents a month")
    ax.set_ylim(bottom=0)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)
