"""CSU incident log (CSV or XLSX): a date, a category and a place.

A date (to the day, with a time where known), a category and a location as
longitude/latitude, easting/northing or a postcode (geocoded offline with
`geo.gazetteer`). Accepted column names are in `CSU_COLUMNS`; other headers can be
mapped with ``column_map``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from geo._tables import RawTable
from geo.sources._common import (
    DEFAULT_CONTEXT,
    ParseContext,
    coordinates,
    first_reason,
    parse_dates,
)
from geo.speeding import resolve_columns
from geo.taxonomy import category_for

NAME = "csu_log"
"""The ``source`` value of the rows this module parses."""

CSU_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "incident_id": ("incident_id", "id", "reference", "ref", "log_number", "incident_number"),
    "date": ("date", "occurred", "incident_date", "date_occurred", "reported", "datetime"),
    "time": ("time", "incident_time", "time_occurred"),
    "category": ("category", "type", "incident_type", "crime_type", "offence"),
    "longitude": ("longitude", "lon", "lng", "long"),
    "latitude": ("latitude", "lat"),
    "easting": ("easting", "eastings", "x"),
    "northing": ("northing", "northings", "y"),
    "postcode": ("postcode", "post_code", "postal_code"),
    "location": ("location", "address", "street", "place", "description"),
}
"""CSU log fields and the header names accepted for each (case and spacing ignored)."""


def resolve(header: list[str], column_map: Mapping[str, str] | None) -> dict[str, str]:
    """
    Map CSU fields to the file's headers, by `column_map` first, then by known names.

    Parameters
    ----------
    header
        The file's column names.
    column_map
        CSU field -> header, or None.

    Returns
    -------
    dict
        CSU field -> the header's column, for the fields found.
    """
    resolved = resolve_columns(header, CSU_COLUMNS)
    for key, wanted in (column_map or {}).items():
        if key in CSU_COLUMNS and wanted in header:
            resolved[key] = wanted
    return resolved


def detect(header: list[str], column_map: Mapping[str, str] | None = None) -> bool:
    """
    Tell whether a header is a CSU log's: a date, a category and a place.

    Parameters
    ----------
    header
        The file's column names.
    column_map
        CSU field -> header, for other names.

    Returns
    -------
    bool
        True if a date, a category and longitude/latitude, easting/northing or a
        postcode are found.

    Examples
    --------
    >>> detect(["Date", "Category", "Postcode"])
    True
    >>> detect(["When", "Issue", "Where"])
    False
    """
    found = resolve(header, column_map).keys()
    has_place = (
        {"longitude", "latitude"} <= found
        or {"easting", "northing"} <= found
        or "postcode" in found
    )
    return {"date", "category"} <= found and has_place


def used_columns(header: list[str], context: ParseContext = DEFAULT_CONTEXT) -> list[str]:
    """
    Return the columns of `header` that `parse` reads.

    Parameters
    ----------
    header
        The file's column names.
    context
        Its ``column_map`` is honoured.

    Returns
    -------
    list of str
        The resolved columns, in header order.
    """
    wanted = set(resolve(header, context.column_map).values())
    return [c for c in header if c in wanted]


def parse(table: RawTable, context: ParseContext = DEFAULT_CONTEXT) -> pd.DataFrame:
    """
    Parse a CSU incident log into incident rows with a ``reason``.

    Parameters
    ----------
    table
        The file's rows as text.
    context
        Column map, gazetteer, settings and clock.

    Returns
    -------
    pandas.DataFrame
        One row per data row: the incident fields, ``x``/``y`` (BNG) and ``reason``
        ("" if the row is fine) with ``detail``.
    """
    rows = table.rows
    cols = resolve(table.header, context.column_map)
    blank = pd.Series("", index=rows.index)
    label = rows[cols["category"]].str.strip()
    category = label.map(lambda s: category_for(s) if s else None)
    occurred, precision, out_of_range = parse_dates(
        rows[cols["date"]], rows[cols["time"]] if "time" in cols else None
    )
    limit = context.clock() + pd.Timedelta(days=context.settings.future_tolerance_days)
    x, y, where_reason = coordinates(rows, cols, context.gazetteer)
    date_text = rows[cols["date"]].str.strip()
    reason = first_reason(
        [
            ((date_text == "").to_numpy(), "no date"),
            (occurred.isna().to_numpy() & ~out_of_range, "unparseable date"),
            (out_of_range, "date out of range"),
            ((occurred > limit).to_numpy(), "date in the future"),
            ((label == "").to_numpy(), "no category"),
            (category.isna().to_numpy(), "unknown category"),
            (where_reason != "", where_reason),
        ],
        len(rows),
    )
    detail = np.select(
        [
            reason == "unknown category",
            np.isin(reason, ["unparseable date", "date out of range", "date in the future"]),
            reason == "unknown postcode",
        ],
        [label, date_text, rows.get(cols.get("postcode"), blank)],
        default="",
    )
    stem = Path(table.source).stem
    ids = rows.get(cols.get("incident_id"), blank).str.strip()
    location = rows.get(cols.get("location"), blank).str.strip()
    postcode = rows.get(cols.get("postcode"), blank).str.strip()
    return pd.DataFrame(
        {
            "line": rows["line"],
            "incident_id": ids.where(ids != "", stem + ":" + rows["line"].astype(str)),
            "category": category,
            "source_category": label,
            "source": "csu_log",
            "occurred": occurred,
            "date_precision": precision,
            "location": location.where(location != "", postcode),
            "x": x,
            "y": y,
            "reason": reason,
            "detail": detail,
        }
    )
