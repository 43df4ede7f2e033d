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

from geo._errors import InputFileError
from geo._tables import RawTable
from geo.sources._common import (
    DEFAULT_CONTEXT,
    NUMERIC_DATE,
    ParseContext,
    coordinates,
    date_order,
    first_reason,
    parse_dates,
)
from geo.speed_sites import resolve_columns
from geo.taxonomy import category_for

MONTH_FIRST = "occurred_month_first"
"""The parsed column holding the month-first reading of dates whose order cannot be told."""

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
    limit = context.clock() + pd.Timedelta(days=context.settings.future_tolerance_days)
    occurred, precision, out_of_range, month_first = _dates_as_written(
        table, cols, limit, context.settings.date_order
    )
    x, y, where_reason, given = coordinates(rows, cols, context.gazetteer)
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
            **given,
            **({} if month_first is None else {MONTH_FIRST: month_first}),
        }
    )


def _dates_as_written(
    table: RawTable, cols: Mapping[str, str], limit: pd.Timestamp, order_given: str = "auto"
) -> tuple[pd.Series, pd.Series, np.ndarray, pd.Series | None]:
    """Parse the date column in the order the whole column shows (`date_order`).

    `order_given` (``LoadSettings.date_order``) other than ``"auto"`` is used as given.
    A column whose order cannot be told (no part over 12) is read day first, unless that
    puts rows after `limit` (the future): then the file is refused in one line, since
    reading it either way could be wrong. Otherwise the fourth value is the month-first
    reading of such a column (None when the order is told), so the loader can refuse
    the file if its day-first months fall outside the other files' span
    (`geo.incidents`).
    """
    date = table.rows[cols["date"]]
    time = table.rows[cols["time"]] if "time" in cols else None
    order = date_order(date) if order_given == "auto" else order_given
    parsed = parse_dates(date, time, month_first=order == "month")
    if order != "unknown":
        return (*parsed, None)
    parts = date.astype(str).str.extract(NUMERIC_DATE)
    either_way = (parts[0].notna() & (parts[0] != parts[1])).to_numpy()
    future = either_way & (parsed[0] > limit).to_numpy()
    if future.any():
        first = date[future].iloc[0].strip()
        msg = (
            f"{table.source}: dates such as {first[:20]!r} could be day/month or month/day, and "
            f"read day first {int(future.sum())} rows fall in the future; write "
            "the dates as YYYY-MM-DD (or pass the order: --date-order day or month)"
        )
        raise InputFileError(msg)
    if not either_way.any():
        return (*parsed, None)
    month_first = parse_dates(date, time, month_first=True)[0]
    return (*parsed, month_first.where(pd.Series(either_way, index=date.index), parsed[0]))


def rename_columns(path: Path, mapping: Mapping[str, str], out: Path) -> Path:
    r"""
    Write a copy of a log whose headers differ, with its columns named as a CSU log's.

    The Data page's column-mapping step: the user says which of the file's columns
    holds the date, the category, the place, ...; the copy names those columns
    with the field names (`CSU_COLUMNS`) and prefixes every other column with
    ``unused: `` so that no other column is mistaken for one. Only the header
    changes; every data row is copied as it was, so the row accounting is the
    file's own.

    Parameters
    ----------
    path
        A CSV (UTF-8 or Windows-1252) or XLSX file.
    mapping
        Field (``date``, ``category``, ``postcode``, ...) -> the file's column name.
    out
        Where to write the copy (same suffix as `path`).

    Returns
    -------
    pathlib.Path
        `out`.

    Raises
    ------
    ValueError
        For a field that is not a CSU log field, or a column the file does not have.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "log.csv").write_text("When,Issue,Where,type\n14/09/2025,ASB,TN13 1AA,x\n")
    >>> copy = rename_columns(folder / "log.csv", {"date": "When", "category": "Issue",
    ...                       "postcode": "Where"}, folder / "mapped.csv")
    >>> copy.read_text().splitlines()
    ['date,category,postcode,unused: type', '14/09/2025,ASB,TN13 1AA,x']
    """
    import csv
    import io

    unknown = sorted(set(mapping) - set(CSU_COLUMNS))
    if unknown:
        msg = f"not CSU log fields: {unknown}; expected some of {sorted(CSU_COLUMNS)}"
        raise ValueError(msg)
    field_of = {column: field for field, column in mapping.items()}

    def renamed(header: list[str]) -> list[str]:
        missing = sorted(set(field_of) - {h.strip() for h in header})
        if missing:
            msg = f"the file has no column {missing[0]!r}"
            raise ValueError(msg)
        return [field_of.get(h.strip(), f"unused: {h}") for h in header]

    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        import openpyxl

        from geo._tables import check_xlsx_budget

        check_xlsx_budget(path)  # the same budget as the loader, before openpyxl allocates
        book = openpyxl.load_workbook(path)
        sheet = book.worksheets[0]
        header = ["" if c.value is None else str(c.value) for c in sheet[1]]
        for cell, name in zip(sheet[1], renamed(header), strict=True):
            cell.value = name
        book.save(out)
        return out
    from geo._tables import decode_text

    text = decode_text(path.read_bytes())  # UTF-8 line by line, else Windows-1252
    first, newline, rest = text.partition("\n")
    header = next(csv.reader([first.rstrip("\r")]))
    line = io.StringIO()
    csv.writer(line, lineterminator="").writerow(renamed(header))
    out.write_text(
        line.getvalue() + ("\r" if first.endswith("\r") else "") + newline + rest, encoding="utf-8"
    )
    return out
