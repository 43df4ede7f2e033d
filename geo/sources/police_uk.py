"""police.uk street-level CSV: ``Crime ID, Month, ..., Longitude, Latitude, ..., Crime type``.

Months only (``date_precision = "month"``, ``occurred`` = the first of the month);
points are anonymised "map points" shared by many incidents; ASB rows have no
Crime ID and identical ASB rows are separate incidents, never merged.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from geo._tables import RawTable
from geo.crs import lonlat_to_bng
from geo.sources._common import (
    DATE_MAX,
    DATE_MIN,
    DEFAULT_CONTEXT,
    ParseContext,
    first_reason,
    lonlat_checks,
)
from geo.taxonomy import POLICE_UK_CATEGORY

NAME = "police.uk"
"""The ``source`` value of the rows this module parses."""

REQUIRED: tuple[str, ...] = ("Month", "Longitude", "Latitude", "Crime type")
"""Columns a police.uk street-level file must have."""

USED: tuple[str, ...] = (*REQUIRED, "Crime ID", "Location")
"""Columns the loader reads (the others are dropped)."""


def detect(header: list[str], column_map: object = None) -> bool:
    """
    Tell whether a header is a police.uk street-level file's.

    Parameters
    ----------
    header
        The file's column names.
    column_map
        Ignored (police.uk headers are fixed).

    Returns
    -------
    bool
        True if every `REQUIRED` column is present.

    Examples
    --------
    >>> detect(["Crime ID", "Month", "Longitude", "Latitude", "Crime type"])
    True
    """
    del column_map
    return all(c in header for c in REQUIRED)


def used_columns(header: list[str], context: ParseContext = DEFAULT_CONTEXT) -> list[str]:
    """
    Return the columns of `header` that `parse` reads.

    Parameters
    ----------
    header
        The file's column names.
    context
        Unused.

    Returns
    -------
    list of str
        `USED` columns present in the header.
    """
    del context
    return [c for c in USED if c in header]


def parse(table: RawTable, context: ParseContext = DEFAULT_CONTEXT) -> pd.DataFrame:
    """
    Parse a police.uk street-level table into incident rows with a ``reason``.

    Parameters
    ----------
    table
        The file's rows as text.
    context
        Only ``now`` is used (months after the current month are in the future).

    Returns
    -------
    pandas.DataFrame
        One row per data row: the incident fields, ``x``/``y`` (BNG) and ``reason``
        ("" if the row is fine) with ``detail``.
    """
    rows = table.rows
    label = rows["Crime type"].str.strip()
    codes, labels = pd.factorize(label)  # map each distinct label once
    lookup = pd.Series(labels, dtype=object).map(POLICE_UK_CATEGORY).to_numpy(dtype=object)
    category = pd.Series(np.append(lookup, np.nan)[codes], index=label.index)  # -1: the NaN
    month = pd.to_datetime(rows["Month"].str.strip(), format="%Y-%m", errors="coerce")
    this_month = context.clock().to_period("M").to_timestamp()
    out_of_range = ((month < DATE_MIN) | (month > DATE_MAX)).to_numpy(dtype=bool)
    future = (month > this_month).to_numpy(dtype=bool)
    lon_missing, lon_bad, lon_v, lat_v = lonlat_checks(rows["Longitude"], rows["Latitude"])
    reason = first_reason(
        [
            ((rows["Month"].str.strip() == "").to_numpy(), "no date"),
            (month.isna().to_numpy(), "unparseable date"),
            (out_of_range, "date out of range"),
            (future, "date in the future"),
            ((label == "").to_numpy(), "no category"),
            (category.isna().to_numpy(), "unknown category"),
            (lon_missing, "no coordinates"),
            (lon_bad, "coordinates out of range"),
        ],
        len(rows),
    )
    ok = reason == ""
    x, y = lonlat_to_bng(np.where(ok, lon_v, np.nan), np.where(ok, lat_v, np.nan))
    stem = Path(table.source).stem
    crime_id = (
        rows["Crime ID"].str.strip() if "Crime ID" in rows else pd.Series("", index=rows.index)
    )
    detail = np.where(reason == "unknown category", label, "")
    dated = ["unparseable date", "date out of range", "date in the future"]
    detail = np.where(np.isin(reason, dated), rows["Month"], detail)
    return pd.DataFrame(
        {
            "line": rows["line"],
            "incident_id": crime_id.where(crime_id != "", stem + ":" + rows["line"].astype(str)),
            "category": category,
            "source_category": label,
            "source": "police.uk",
            "occurred": month.where(ok),
            "date_precision": "month",
            "location": rows.get("Location", pd.Series("", index=rows.index)).str.strip(),
            "x": x,
            "y": y,
            "reason": reason,
            "detail": detail,
        }
    )
