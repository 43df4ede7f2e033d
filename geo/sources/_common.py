"""What every input source shares: the parse context and the vectorised row checks.

Rejection reasons, checked in this order (the first that applies is given):
``malformed row`` (the reader), ``field too long``, ``text with control characters``,
``no date``, ``unparseable date``, ``date out of range``, ``date in the future``,
``no category``, ``unknown category``, ``implausible numbers`` (speeding files),
``no coordinates``, ``coordinates out of range``, ``unknown postcode``, ``outside the
district`` (the ward join in `geo.incidents`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo._tables import PLAIN_FIELD_LIMIT
from geo.crs import lonlat_to_bng
from geo.gazetteer import Gazetteer, load_gazetteer
from geo.misplaced import EASTNORTH, LONLAT
from geo.settings import LoadSettings


@dataclass(frozen=True, slots=True, kw_only=True)
class ParseContext:
    """
    Everything a source's ``parse`` needs besides the table.

    Attributes
    ----------
    column_map
        CSU field -> the file's header, for CSU logs with other headers.
    gazetteer
        Postcode centroids; None loads the shipped one when a postcode is met.
    settings
        Load settings (future tolerance, ...).
    now
        The time used to reject future dates; None means the real clock.
    region
        ``(min_lon, min_lat, max_lon, max_lat)``: a box beyond which a point is over
        1 km from the district, so a row that passes every other check there is rejected
        as ``outside the district`` without being projected or joined to wards (a force's
        file read for one district). None (the default, and when outside points are
        kept) checks every point against the wards.
    """

    column_map: Mapping[str, str] | None = None
    gazetteer: Gazetteer | None = None
    settings: LoadSettings = field(default_factory=LoadSettings)
    now: dt.datetime | None = None
    region: tuple[float, float, float, float] | None = None

    def clock(self) -> pd.Timestamp:
        """
        Return `now`, or the current time if it is None.

        Returns
        -------
        pandas.Timestamp
            The time future dates are measured from.
        """
        return pd.Timestamp(self.now or dt.datetime.now())


DEFAULT_CONTEXT = ParseContext()
"""A context with no column map, the shipped gazetteer, default settings and the real clock."""


MAX_FIELD_CHARS = PLAIN_FIELD_LIMIT
"""Longest text field accepted (the most characters an Excel cell holds)."""

DATE_MIN = pd.Timestamp("1900-01-01")
DATE_MAX = pd.Timestamp("2100-12-31 23:59:59")
"""Dates outside [DATE_MIN, DATE_MAX] are rejected as "date out of range"."""

CONTROL_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
"""Characters that make a text field unusable (regular expression class)."""

OUTSIDE = "outside the district"
FAR_OUTSIDE = "over 1 km outside"
"""The reason and detail of a point outside every ward, and the detail beyond 1 km."""

_BNG_RANGE = ((0.0, 700_000.0), (0.0, 1_300_000.0))
_DAY_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d/%m/%y", "%d.%m.%Y")
_MONTH_FIRST_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y", "%m/%d/%y", "%m.%d.%Y")
_TIME_FORMATS = (" %H:%M:%S", " %H:%M", "T%H:%M:%S", "T%H:%M")


def first_reason(checks: Sequence[tuple[np.ndarray, str]], n: int) -> np.ndarray:
    """Return the first failing check's reason per row, or "" where all pass."""
    if n == 0:
        return np.array([], dtype=object)
    return np.select([c for c, _ in checks], [r for _, r in checks], default="").astype(object)


_DECIMAL = r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d{1,4})?\s*$"


def to_float(text: pd.Series) -> np.ndarray:
    """
    Parse a text column as floats, vectorised; NaN where it is not a plain decimal.

    Parameters
    ----------
    text
        Text values (surrounding spaces are allowed).

    Returns
    -------
    numpy.ndarray
        Floats; ``inf`` for overflowing exponents; NaN for anything else.

    Examples
    --------
    >>> to_float(pd.Series([" 0.17 ", "51.4", "abc", "", "1e400"])).tolist()
    [0.17, 51.4, nan, nan, inf]
    """
    try:
        arr = pa.array(text, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        arr = pa.array(text.astype(str).to_numpy(dtype=object), type=pa.string())
    if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.string())
    plain = pc.fill_null(pc.match_substring_regex(arr, _DECIMAL), False)
    picked = pc.if_else(plain, pc.utf8_trim_whitespace(arr), pa.scalar(None, arr.type))
    try:
        return pc.cast(picked, pa.float64()).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:
        return pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)


def lonlat_checks(
    lon: pd.Series, lat: pd.Series
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(missing, out of range) masks and the parsed values of text longitude/latitude."""
    lon_v, lat_v = to_float(lon), to_float(lat)
    missing = (lon.str.strip() == "").to_numpy() | (lat.str.strip() == "").to_numpy()
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(lon_v) & np.isfinite(lat_v)
        ok &= (lon_v >= -180) & (lon_v <= 180) & (lat_v >= -90) & (lat_v <= 90)
    return missing, ~ok, lon_v, lat_v


def per_distinct(values: pd.Series, convert: Callable[[pd.Series], np.ndarray]) -> np.ndarray:
    """
    Apply `convert` to each distinct value once and spread the results to every row.

    A month column of 15,000 rows holds one or two distinct texts, so parsing those
    instead of every row is the difference between milliseconds and tens of them.

    Parameters
    ----------
    values
        Text values (no missing values).
    convert
        Takes the distinct values as a Series, returns one result per value.

    Returns
    -------
    numpy.ndarray
        One result per row of `values`.

    Examples
    --------
    >>> per_distinct(pd.Series(["a", "b", "a"]), lambda s: s.str.upper().to_numpy()).tolist()
    ['A', 'B', 'A']
    """
    codes, uniques = pd.factorize(values)
    return np.asarray(convert(pd.Series(uniques, dtype=object)))[codes]


def far_outside(lon: np.ndarray, lat: np.ndarray, region: tuple[float, ...] | None) -> np.ndarray:
    """
    Flag points outside the context's `region` box (none when there is no region).

    Parameters
    ----------
    lon, lat
        Degrees; NaN is never flagged (its row fails an earlier check).
    region
        ``ParseContext.region``.

    Returns
    -------
    numpy.ndarray
        Boolean mask.

    Examples
    --------
    >>> far_outside(np.array([0.19, 1.2, np.nan]), np.array([51.27, 51.3, 51.0]),
    ...             (0.0, 51.1, 0.4, 51.4)).tolist()
    [False, True, False]
    """
    if region is None:
        return np.zeros(len(lon), dtype=bool)
    lon0, lat0, lon1, lat1 = region
    with np.errstate(invalid="ignore"):
        inside = (lon >= lon0) & (lon <= lon1) & (lat >= lat0) & (lat <= lat1)
    return ~inside & np.isfinite(lon) & np.isfinite(lat)


NUMERIC_DATE = r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}\b"
"""A date written with the day and month first in some order (``09/14/2025``, ``14.09.25``)."""


def date_order(date: pd.Series) -> str:
    """
    Decide from the whole column whether numeric dates are day-first or month-first.

    A first part over 12 settles day-first (``14/09/2025``), a second part over 12
    month-first (``09/14/2025``). ISO dates (``2025-09-14``) do not count.

    Parameters
    ----------
    date
        The date column, as text.

    Returns
    -------
    str
        ``"day"``, ``"month"``, ``"both"`` (some rows each way: the file is read day-first
        and the rows that cannot be are rejected as ``unparseable date``), or ``"unknown"``
        (no part over 12: read day-first, the UK's way, unless that puts rows in the
        future; see `geo.sources.csu_log`).

    Examples
    --------
    >>> date_order(pd.Series(["09/01/2025", "09/30/2025"]))
    'month'
    >>> date_order(pd.Series(["01/09/2025", "30/09/2025", "2025-09-02"]))
    'day'
    >>> date_order(pd.Series(["01/09/2025", "02/09/2025"]))
    'unknown'
    """
    parts = date.astype(str).str.extract(NUMERIC_DATE).dropna()
    if parts.empty:
        return "unknown"
    first, second = parts[0].astype(int), parts[1].astype(int)
    day, month = bool((first > 12).any()), bool((second > 12).any())
    return {(True, False): "day", (False, True): "month", (True, True): "both"}.get(
        (day, month), "unknown"
    )


def parse_dates(
    date: pd.Series, time: pd.Series | None, *, month_first: bool = False
) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """Parse day dates with optional times; return (timestamps, precision, out of range).

    Timestamps outside [`DATE_MIN`, `DATE_MAX`] are NaT, flagged in the third value.
    `month_first` reads ``09/14/2025`` as 14 September (`date_order` decides it for a
    column); ISO dates are read as ISO either way.
    """
    text = date.str.strip()
    if time is not None:
        clock = time.str.strip()
        text = text.where(clock == "", text + " " + clock)
    parsed = pd.Series(pd.NaT, index=date.index, dtype="datetime64[us]")
    precision = pd.Series("", index=date.index, dtype=object)
    for day in _MONTH_FIRST_FORMATS if month_first else _DAY_FORMATS:
        for fmt, prec in [(day + t, "minute") for t in _TIME_FORMATS] + [(day, "day")]:
            todo = parsed.isna()
            if not todo.any():
                break
            got = pd.to_datetime(text[todo], format=fmt, errors="coerce")
            hit = got.notna()
            parsed.loc[got.index[hit]] = got[hit].astype("datetime64[us]")
            precision.loc[got.index[hit]] = prec
    out_of_range = ((parsed < DATE_MIN) | (parsed > DATE_MAX)).to_numpy(dtype=bool)
    return parsed.where(~out_of_range).astype("datetime64[ns]"), precision, out_of_range


def coordinates(
    rows: pd.DataFrame, cols: dict[str, str], gazetteer: Gazetteer | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Return eastings, northings, a coordinate reason and the numbers given, per CSU row.

    Tried in order: longitude/latitude, easting/northing, postcode. The fourth value is
    `given_columns`: each row's two numbers as written, for `geo.misplaced`.
    """
    n = len(rows)
    blank = pd.Series("", index=rows.index)
    lon, lat = rows.get(cols.get("longitude"), blank), rows.get(cols.get("latitude"), blank)
    east, north = rows.get(cols.get("easting"), blank), rows.get(cols.get("northing"), blank)
    post = rows.get(cols.get("postcode"), blank).str.strip()
    has_ll = ((lon.str.strip() != "") & (lat.str.strip() != "")).to_numpy()
    has_en = ((east.str.strip() != "") & (north.str.strip() != "")).to_numpy() & ~has_ll
    has_pc = (post != "").to_numpy() & ~has_ll & ~has_en
    x, y = np.full(n, np.nan), np.full(n, np.nan)
    reason = np.where(has_ll | has_en | has_pc, "", "no coordinates").astype(object)

    _, ll_bad, lon_v, lat_v = lonlat_checks(lon, lat)
    ll_x, ll_y = lonlat_to_bng(lon_v, lat_v)
    use = has_ll & ~ll_bad
    x[use], y[use] = ll_x[use], ll_y[use]
    reason[has_ll & ll_bad] = "coordinates out of range"

    e = pd.to_numeric(east, errors="coerce").to_numpy(dtype=float)
    nn = pd.to_numeric(north, errors="coerce").to_numpy(dtype=float)
    (x0, x1), (y0, y1) = _BNG_RANGE
    en_ok = np.isfinite(e) & np.isfinite(nn) & (e >= x0) & (e <= x1) & (nn >= y0) & (nn <= y1)
    use = has_en & en_ok
    x[use], y[use] = e[use], nn[use]
    reason[has_en & ~en_ok] = "coordinates out of range"

    if has_pc.any():
        gaz = gazetteer or load_gazetteer()
        px, py = gaz.lookup(post[has_pc])
        idx = np.flatnonzero(has_pc)
        known = np.isfinite(px) & np.isfinite(py)
        x[idx[known]], y[idx[known]] = px[known], py[known]
        reason[idx[~known]] = "unknown postcode"
    given = given_columns(
        np.where(has_ll, lon_v, np.where(has_en, e, np.nan)),
        np.where(has_ll, lat_v, np.where(has_en, nn, np.nan)),
        np.where(has_ll, LONLAT, np.where(has_en, EASTNORTH, "")),
    )
    return x, y, reason, given


def given_columns(a: np.ndarray, b: np.ndarray, kind: np.ndarray | str) -> dict[str, np.ndarray]:
    """
    Return the parsed-row columns that keep each row's place as written (`geo.misplaced`).

    Parameters
    ----------
    a, b
        The two numbers in column order (longitude, latitude or easting, northing).
    kind
        ``"lonlat"``, ``"en"`` or ``""`` per row (or one for all rows).

    Returns
    -------
    dict
        ``given_a``, ``given_b`` and ``given_kind`` (categorical); `geo.incidents`
        drops them once it has tallied the misplaced rows.
    """
    kinds = (
        pd.Categorical.from_codes(np.zeros(len(a), dtype=np.int8), categories=[kind])
        if isinstance(kind, str)
        else pd.Categorical(kind)
    )
    return {"given_a": a, "given_b": b, "given_kind": kinds}


def reject_hostile_text(parsed: pd.DataFrame, rows: pd.DataFrame, used: list[str]) -> pd.DataFrame:
    """Override the reason of rows whose used text is too long or holds control characters."""
    too_long = np.zeros(len(rows), dtype=bool)
    control = np.zeros(len(rows), dtype=bool)
    long_col = np.full(len(rows), "", dtype=object)
    ctrl_col = np.full(len(rows), "", dtype=object)
    for col in used:
        text = rows[col]
        hit_long = (text.str.len() > MAX_FIELD_CHARS).to_numpy(dtype=bool)
        hit_ctrl = text.str.contains(CONTROL_CHARACTERS, regex=True).to_numpy(dtype=bool)
        long_col[hit_long & ~too_long] = col
        ctrl_col[hit_ctrl & ~control] = col
        too_long |= hit_long
        control |= hit_ctrl
    if not (too_long.any() or control.any()):
        return parsed
    reason = parsed["reason"].to_numpy(dtype=object).copy()
    detail = parsed["detail"].to_numpy(dtype=object).copy()
    reason[control] = "text with control characters"
    detail[control] = "in " + ctrl_col[control].astype(str)
    reason[too_long] = "field too long"
    detail[too_long] = "over 32,767 characters in " + long_col[too_long].astype(str)
    return parsed.assign(reason=reason, detail=detail)
