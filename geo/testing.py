"""Builders of tiny synthetic worlds for tests, with answers you can derive by hand.

Everything is placed relative to `ORIGIN`, a point near Sevenoaks town centre in
EPSG:27700, so fixtures look like the real district.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geo.crs import BNG

ORIGIN = (552_500.0, 155_300.0)
"""A point near Sevenoaks town centre in EPSG:27700 (metres)."""

POLICE_UK_HEADER: tuple[str, ...] = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)
"""The exact column order of a police.uk street-level file."""


def make_incidents(
    offsets_m: Sequence[tuple[float, float]],
    *,
    category: str = "asb",
    occurred: str = "2025-09-01",
    crs: str | None = BNG,
) -> gpd.GeoDataFrame:
    """
    Build point incidents at (dx, dy) metres from `ORIGIN`.

    Parameters
    ----------
    offsets_m
        One (dx, dy) per incident.
    category
        The category of every incident.
    occurred
        The date of every incident (month precision).
    crs
        The CRS to declare (None for a frame with no CRS).

    Returns
    -------
    geopandas.GeoDataFrame
        Incidents with the contract's columns (wards "T01", locations "Test street").

    Examples
    --------
    >>> make_incidents([(0, 0), (10, 0)])[["incident_id", "category"]].to_dict("list")
    {'incident_id': ['t0', 't1'], 'category': ['asb', 'asb']}
    """
    x0, y0 = ORIGIN
    points = [shapely.Point(x0 + dx, y0 + dy) for dx, dy in offsets_m]
    n = len(points)
    return gpd.GeoDataFrame(
        {
            "incident_id": [f"t{i}" for i in range(n)],
            "category": [category] * n,
            "source_category": [category] * n,
            "source": ["test"] * n,
            "occurred": pd.to_datetime([occurred] * n),
            "date_precision": ["month"] * n,
            "location": ["On or near Test Street"] * n,
            "ward_code": ["T01"] * n,
            "ward_name": ["Test ward T01"] * n,
        },
        geometry=gpd.GeoSeries(points, crs=crs),
        crs=crs,
    )


def make_ward_grid(n_cols: int, n_rows: int, *, size_m: float = 1000.0) -> gpd.GeoDataFrame:
    """
    Build square "wards" in a grid whose lower-left corner is `ORIGIN`.

    Parameters
    ----------
    n_cols, n_rows
        Grid size.
    size_m
        Side of each square ward in metres.

    Returns
    -------
    geopandas.GeoDataFrame
        ``ward_code`` T01, T02, ... (row by row from the bottom), ``ward_name``
        "Test ward T01", ..., in EPSG:27700.

    Examples
    --------
    >>> make_ward_grid(2, 1)["ward_code"].tolist()
    ['T01', 'T02']
    """
    x0, y0 = ORIGIN
    boxes = [
        shapely.box(x0 + c * size_m, y0 + r * size_m, x0 + (c + 1) * size_m, y0 + (r + 1) * size_m)
        for r in range(n_rows)
        for c in range(n_cols)
    ]
    codes = [f"T{i + 1:02d}" for i in range(len(boxes))]
    return gpd.GeoDataFrame(
        {"ward_code": codes, "ward_name": [f"Test ward {c}" for c in codes]},
        geometry=boxes,
        crs=BNG,
    )


def police_uk_csv(rows: Sequence[dict[str, str]]) -> str:
    r"""
    Render rows as the text of a police.uk street-level file.

    Parameters
    ----------
    rows
        Each maps some of `POLICE_UK_HEADER` to values; the rest are empty.

    Returns
    -------
    str
        CSV text with the police.uk header, ``\\n`` line endings.
    """
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=POLICE_UK_HEADER, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: row.get(k, "") for k in POLICE_UK_HEADER})
    return out.getvalue()


def write_text(path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    """Write `text` to `path` in `encoding` and return the path."""
    path.write_bytes(text.encode(encoding))
    return path
