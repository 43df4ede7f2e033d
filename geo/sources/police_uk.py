"""police.uk street-level CSV: ``Crime ID, Month, ..., Longitude, Latitude, ..., Crime type``.

Months only (``date_precision = "month"``, ``occurred`` = the first of the month);
points are anonymised "map points" shared by many incidents; ASB rows have no
Crime ID and identical ASB rows are separate incidents, never merged. police.uk
publishes one file per force per month, so each row keeps the force that published it
(``reported_by``: the ``Reported by`` column, else ``Falls within``) for
`geo.duplicates`, which counts a force's month once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo._tables import RawTable, arrow_text
from geo.crs import lonlat_to_bng
from geo.misplaced import LONLAT
from geo.sources._common import (
    DATE_MAX,
    DATE_MIN,
    DEFAULT_CONTEXT,
    FAR_OUTSIDE,
    OUTSIDE,
    ParseContext,
    far_outside,
    first_reason,
    given_columns,
    lonlat_checks,
    per_distinct,
)
from geo.taxonomy import POLICE_UK_CATEGORY

NAME = "police.uk"
"""The ``source`` value of the rows this module parses."""

REQUIRED: tuple[str, ...] = ("Month", "Longitude", "Latitude", "Crime type")
"""Columns a police.uk street-level file must have."""

USED: tuple[str, ...] = (*REQUIRED, "Crime ID", "Location", "Reported by", "Falls within")
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
        ``now`` (months after the current month are in the future) and ``region``.

    Returns
    -------
    pandas.DataFrame
        One row per data row: the incident fields, ``reported_by`` (the publishing
        force, "" if the file names none), ``x``/``y`` (BNG) and ``reason`` ("" if the
        row is fine) with ``detail``.
    """
    rows = table.rows
    label = rows["Crime type"].str.strip()
    category = pd.Series(per_distinct(label, _category_of), index=rows.index)
    month_text = rows["Month"].str.strip()
    month = pd.Series(per_distinct(month_text, _month_of), index=rows.index)
    this_month = context.clock().to_period("M").to_timestamp()
    out_of_range = ((month < DATE_MIN) | (month > DATE_MAX)).to_numpy(dtype=bool)
    future = (month > this_month).to_numpy(dtype=bool)
    lon_missing, lon_bad, lon_v, lat_v = lonlat_checks(rows["Longitude"], rows["Latitude"])
    reason = first_reason(
        [
            ((month_text == "").to_numpy(), "no date"),
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
    far = far_outside(lon_v, lat_v, context.region) & (reason == "")
    reason[far] = OUTSIDE
    ok = reason == ""
    x, y = np.full(len(rows), np.nan), np.full(len(rows), np.nan)
    x[ok], y[ok] = lonlat_to_bng(lon_v[ok], lat_v[ok])
    detail = np.full(len(rows), "", dtype=object)
    unknown = reason == "unknown category"
    detail[unknown] = label[unknown].to_numpy(dtype=object)
    dated = np.isin(reason, ["unparseable date", "date out of range", "date in the future"])
    detail[dated] = rows["Month"][dated].to_numpy(dtype=object)
    detail[far] = FAR_OUTSIDE
    return pd.DataFrame(
        {
            "line": rows["line"],
            "incident_id": _incident_ids(rows, Path(table.source).stem),
            "category": category,
            "source_category": label,
            "source": "police.uk",
            "occurred": month.where(ok),
            "date_precision": "month",
            "location": rows.get("Location", pd.Series("", index=rows.index)).str.strip(),
            "reported_by": _forces(rows),
            "x": x,
            "y": y,
            "reason": reason,
            "detail": detail,
            **given_columns(lon_v, lat_v, LONLAT),
        }
    )


def _category_of(labels: pd.Series) -> np.ndarray:
    """Return our category of each distinct police.uk crime type (NaN where unknown)."""
    return labels.map(POLICE_UK_CATEGORY).to_numpy(dtype=object)


def _forces(rows: pd.DataFrame) -> pd.Series:
    """Return each row's publishing force: ``Reported by``, else ``Falls within``, else ""."""
    blank = pd.Series("", index=rows.index)
    reported = rows.get("Reported by", blank).str.strip()
    within = rows.get("Falls within", blank).str.strip()
    return reported.where(reported != "", within)


def _month_of(texts: pd.Series) -> np.ndarray:
    """Return the first day of each distinct ``YYYY-MM`` text (NaT where not a month)."""
    return pd.to_datetime(texts, format="%Y-%m", errors="coerce").to_numpy()


def _incident_ids(rows: pd.DataFrame, stem: str) -> pd.Series:
    """Return the Crime ID, or ``<file stem>:<line>`` where it is blank (ASB rows have none).

    Built with Arrow's string kernels, so no Python string is made per row.
    """
    line = pc.cast(pa.array(rows["line"].to_numpy()), pa.string())
    fallback = pc.binary_join_element_wise(f"{stem}:", line, "")
    if "Crime ID" not in rows:
        return arrow_text(fallback, rows.index)
    crime_id = pc.utf8_trim_whitespace(pa.array(rows["Crime ID"]))
    return arrow_text(pc.if_else(pc.equal(crime_id, ""), fallback, crime_id), rows.index)
