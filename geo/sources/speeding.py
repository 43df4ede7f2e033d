"""Speeding evidence layouts: speed surveys, Speedwatch, complaints and STATS19 collisions.

Detection and parsing only; the layouts' fields, the evidence weights and the site
building live in `geo.speed_sites`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from geo._errors import InputFileError
from geo._tables import RawTable
from geo.sources._common import (
    DEFAULT_CONTEXT,
    ParseContext,
    coordinates,
    first_reason,
    parse_dates,
)
from geo.speed_sites import (
    SPEED_KINDS,
    bad_numbers,
    collision_road,
    evidence_weight,
    location_columns,
    numeric,
    resolve_columns,
    speed_kind,
)

NAME = "speeding"
"""Rows carry their layout (``speed_survey``, ``speedwatch``, ...) as ``source``."""

_ROAD_NUMBER_FIELDS = {"road_class": ("first_road_class",), "road_number": ("first_road_number",)}


def detect(header: list[str], column_map: object = None) -> bool:
    """
    Tell whether a header is one of the speeding layouts (`geo.speed_sites.speed_kind`).

    Parameters
    ----------
    header
        The file's column names.
    column_map
        Ignored.

    Returns
    -------
    bool
        True for a speed survey, Speedwatch, complaint or collision file.

    Examples
    --------
    >>> detect(["date", "complaint", "road", "postcode"])
    True
    """
    del column_map
    return speed_kind(header) is not None


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
        The layout's fields, the location fields and the STATS19 road number fields.
    """
    del context
    kind = speed_kind(header)
    wanted = set(location_columns(header).values())
    wanted |= set(resolve_columns(header, _ROAD_NUMBER_FIELDS).values())
    if kind is not None:
        wanted |= set(resolve_columns(header, SPEED_KINDS[kind]).values())
    return [c for c in header if c in wanted]


def _kind(table: RawTable) -> str:
    kind = speed_kind(table.header)
    if kind is None:
        msg = f"{table.source}: not a speeding file"
        raise InputFileError(msg)
    return kind


_SPEED_LABELS = {
    "speed_survey": "Speed survey",
    "speedwatch": "Community Speedwatch session",
    "complaint": "Speeding complaint",
    "collision": "Road traffic collision",
}
_SPEED_NUMBERS = {
    "speed_survey": ("limit", "vehicles", "p85", "pct_over"),
    "speedwatch": ("limit", "checked", "reported"),
    "complaint": (),
    "collision": ("limit", "severity"),
}


def parse(table: RawTable, context: ParseContext = DEFAULT_CONTEXT) -> pd.DataFrame:
    """
    Parse one speeding evidence file (see `geo.speed_sites`) into incident rows with a weight.

    Parameters
    ----------
    table
        The file's rows as text.
    context
        Gazetteer, settings and clock.

    Returns
    -------
    pandas.DataFrame
        Incident rows with ``reason``/``detail`` and the speeding columns ``weight``,
        ``road``, ``speed_limit_mph`` and ``evidence``.
    """
    kind = _kind(table)
    rows = table.rows
    cols = resolve_columns(table.header, SPEED_KINDS[kind])
    blank = pd.Series("", index=rows.index)
    occurred, precision, out_of_range = parse_dates(rows[cols["date"]], None)
    limit = context.clock() + pd.Timedelta(days=context.settings.future_tolerance_days)
    x, y, where_reason, given = coordinates(rows, location_columns(table.header), context.gazetteer)
    fields = numeric(rows, cols, _SPEED_NUMBERS[kind])
    date_text = rows[cols["date"]].str.strip()
    reason = first_reason(
        [
            ((date_text == "").to_numpy(), "no date"),
            (occurred.isna().to_numpy() & ~out_of_range, "unparseable date"),
            (out_of_range, "date out of range"),
            ((occurred > limit).to_numpy(), "date in the future"),
            (bad_numbers(kind, fields), "implausible numbers"),
            (where_reason != "", where_reason),
        ],
        len(rows),
    )
    road = rows.get(cols.get("road"), blank).str.strip()
    if kind == "collision":
        road = collision_road(rows, table.header)
    site = rows.get(cols.get("site"), blank).str.strip()
    ids = rows.get(cols.get("id"), blank).str.strip()
    stem = Path(table.source).stem
    return pd.DataFrame(
        {
            "line": rows["line"],
            "incident_id": ids.where(ids != "", stem + ":" + rows["line"].astype(str)),
            "category": "speeding",
            "source_category": _SPEED_LABELS[kind],
            "source": kind,
            "occurred": occurred,
            "date_precision": precision,
            "location": site.where(site != "", road),
            "x": x,
            "y": y,
            "reason": reason,
            "detail": np.where(
                np.isin(reason, ["unparseable date", "date out of range"]), date_text, ""
            ),
            "weight": evidence_weight(kind, fields),
            "road": road,
            "speed_limit_mph": fields.get("limit", np.nan),
            "evidence": _evidence_text(kind, fields, rows, cols),
            **given,
        }
    )


def _evidence_text(
    kind: str, f: pd.DataFrame, rows: pd.DataFrame, cols: dict[str, str]
) -> pd.Series:
    """Say in words what each speeding row shows, for reasons and tables."""

    def num(col: str) -> pd.Series:
        return f[col].round(0).astype("Int64").astype(str)

    if kind == "speed_survey":
        return (
            num("vehicles")
            + " vehicles, 85th percentile "
            + num("p85")
            + " mph in a "
            + num("limit")
            + " limit, "
            + num("pct_over")
            + " % over the limit"
        )
    if kind == "speedwatch":
        return num("reported") + " of " + num("checked") + " vehicles reported by Speedwatch"
    if kind == "collision":
        return f["severity"].map({1: "fatal", 2: "serious", 3: "slight"}).fillna("unknown") + (
            " collision"
        )
    return "complaint: " + rows[cols["text"]].str.strip().str.slice(0, 120)
