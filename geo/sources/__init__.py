"""Input sources: one module per file layout, and the ordered registry the loader walks.

Each source module exposes

``NAME``
    A short name (``"police.uk"``, ``"csu_log"``, ``"speeding"``).
``detect(header, column_map=None) -> bool``
    Whether a file with this header is of this layout.
``used_columns(header, context) -> list[str]``
    The columns ``parse`` reads; the reader keeps only these.
``parse(table, context) -> DataFrame``
    One row per data row with the incident fields, ``x``/``y`` in EPSG:27700,
    ``reason`` ("" if the row is fine) and ``detail``; optionally the place as
    written (``given_a``, ``given_b``, ``given_kind``: `_common.given_columns`), so a
    file whose rows are nearly all outside the district is told which swap of
    columns or other CRS would fit (`geo.misplaced`).

`SOURCES` is tried in order and the first source whose ``detect`` says yes parses the
file. Adding a layout is one module and one entry here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType

import pandas as pd

from geo._errors import InputFileError
from geo._tables import RawTable
from geo.sources import csu_log, police_uk, speeding
from geo.sources._common import (
    DEFAULT_CONTEXT,
    ParseContext,
    reject_hostile_text,
)

SOURCES: tuple[ModuleType, ...] = (police_uk, speeding, csu_log)
"""Source modules in the order they are tried (police.uk first, CSU logs last)."""

__all__ = ["DEFAULT_CONTEXT", "SOURCES", "ParseContext", "detect_source", "parse_table"]


def detect_source(header: list[str], column_map: Mapping[str, str] | None = None) -> ModuleType:
    """
    Return the first source in `SOURCES` that recognises `header`.

    Parameters
    ----------
    header
        The file's column names.
    column_map
        CSU field -> header, for CSU logs with other names.

    Returns
    -------
    module
        One of `SOURCES`.

    Raises
    ------
    InputFileError
        Saying which columns each layout needs (without the file name).

    Examples
    --------
    >>> detect_source(["Month", "Longitude", "Latitude", "Crime type"]).NAME
    'police.uk'
    """
    for source in SOURCES:
        if source.detect(header, column_map):
            return source
    msg = (
        f"wrong columns {header[:12]}: expected a police.uk street-level file "
        f"({', '.join(police_uk.REQUIRED)}), a CSU log (date, category and "
        "longitude/latitude, easting/northing or postcode) or a speeding file "
        "(speed survey, Speedwatch, complaint or STATS19 collision; see geo.speed_sites)"
    )
    raise InputFileError(msg)


def parse_table(table: RawTable, context: ParseContext = DEFAULT_CONTEXT) -> pd.DataFrame:
    """
    Parse a table with its source, then reject rows with hostile text in used columns.

    Parameters
    ----------
    table
        The file's rows as text.
    context
        Column map, gazetteer, settings and clock.

    Returns
    -------
    pandas.DataFrame
        The source's parsed rows, with ``field too long`` and ``text with control
        characters`` taking precedence over the source's own reasons.

    Raises
    ------
    InputFileError
        If no source recognises the header (the message starts with the file name).
    """
    try:
        source = detect_source(table.header, context.column_map)
    except InputFileError as err:
        msg = f"{table.source}: {err}"
        raise InputFileError(msg) from err
    parsed = source.parse(table, context)
    if table.plain_text:  # the reader proved there is nothing to find
        return parsed
    used = source.used_columns(table.header, context)
    return reject_hostile_text(parsed, table.rows, used)
