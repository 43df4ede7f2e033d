"""Say why nearly every row of a file is outside the district: swapped axes or another CRS.

A file whose longitude and latitude columns are exchanged, or whose "longitude" holds
British National Grid eastings, Web Mercator or Irish Grid metres, loads with every row
rejected as ``outside the district`` or ``coordinates out of range``. When that is
nearly every row with coordinates (`SHARE`), each other reading of the numbers as
written is tried on those rows, and the one that puts most of them inside the
district's bounds is named in the file's note, with what to do.

A force's file read for one district has most rows outside too; no other reading puts
them inside, so it gets no note.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from geo.crs import BNG, WGS84, points_to_bng

SHARE = 0.9
"""The share of a file's rows with coordinates that must be misplaced for a note."""

FITS = 0.5
"""The share of misplaced rows another reading must put inside the district to be named."""

SAMPLE = 20_000
"""At most this many misplaced rows per file are kept to try the readings on."""

LONLAT = "lonlat"
EASTNORTH = "en"
"""How a row gave its place: longitude/latitude or easting/northing columns."""


@dataclass(frozen=True, slots=True)
class Reading:
    """
    One way of reading a row's two numbers (in the file's column order).

    Attributes
    ----------
    crs
        The CRS the numbers are read in.
    swap
        True to exchange the two numbers first.
    words
        How the note names the reading ("with longitude and latitude swapped").
    advice
        What to do, by the kind of columns the file used (`LONLAT`, `EASTNORTH`).
    """

    crs: str
    swap: bool
    words: dict[str, str]
    advice: dict[str, str]


_CONVERT = "convert them to longitude/latitude (EPSG:4326) or British National Grid"

READINGS: tuple[Reading, ...] = (
    Reading(
        WGS84,
        True,
        {
            LONLAT: "with longitude and latitude swapped",
            EASTNORTH: "read as latitude/longitude degrees",
        },
        {LONLAT: "check the column order", EASTNORTH: "put them in longitude/latitude columns"},
    ),
    Reading(
        WGS84,
        False,
        {EASTNORTH: "read as longitude/latitude degrees"},
        {EASTNORTH: "put them in longitude/latitude columns"},
    ),
    Reading(
        BNG,
        False,
        {LONLAT: "read as British National Grid eastings/northings (EPSG:27700)"},
        {LONLAT: "put them in easting/northing columns"},
    ),
    Reading(
        BNG,
        True,
        {
            LONLAT: "read as British National Grid northings/eastings (EPSG:27700)",
            EASTNORTH: "with easting and northing swapped",
        },
        {LONLAT: "put them in easting/northing columns", EASTNORTH: "check the column order"},
    ),
    Reading(
        "EPSG:3857",
        False,
        dict.fromkeys((LONLAT, EASTNORTH), "read as Web Mercator metres (EPSG:3857)"),
        dict.fromkeys((LONLAT, EASTNORTH), _CONVERT),
    ),
    Reading(
        "EPSG:29903",
        False,
        dict.fromkeys((LONLAT, EASTNORTH), "read as Irish Grid metres (EPSG:29903)"),
        dict.fromkeys((LONLAT, EASTNORTH), _CONVERT),
    ),
)
"""The other readings tried; one that is how the file's own columns read is skipped."""


@dataclass(frozen=True, slots=True, eq=False)
class Tally:
    """
    One table's rows with coordinates, and the misplaced ones' numbers as written.

    Attributes
    ----------
    with_coordinates
        Rows that gave two numbers for their place.
    misplaced
        Of those, rows outside the district or out of range.
    a, b
        The misplaced rows' two numbers in column order (at most `SAMPLE`).
    kind
        ``LONLAT`` or ``EASTNORTH`` per sampled row.
    """

    with_coordinates: int
    misplaced: int
    a: np.ndarray
    b: np.ndarray
    kind: np.ndarray

    @classmethod
    def of(
        cls, a: np.ndarray, b: np.ndarray, kind: Sequence[str] | np.ndarray, misplaced: np.ndarray
    ) -> Tally:
        """
        Count one table: `misplaced` marks rows outside the district or out of range.

        Parameters
        ----------
        a, b
            Each row's two numbers as written (NaN where it gave none).
        kind
            ``LONLAT`` or ``EASTNORTH`` per row (anything where `a`, `b` are NaN); only
            the sampled rows' are read, so a categorical Series costs nothing per row.
        misplaced
            Boolean mask.
        """
        given = np.isfinite(a) & np.isfinite(b)
        hit = np.flatnonzero(given & misplaced)[:SAMPLE]
        picked = kind[hit] if hasattr(kind, "__array__") else np.asarray(kind, dtype=object)[hit]
        kinds = np.asarray([str(k) for k in np.asarray(picked, dtype=object)], dtype=object)
        return cls(int(given.sum()), int((given & misplaced).sum()), a[hit], b[hit], kinds)


def combine(tallies: Sequence[Tally]) -> Tally:
    """
    Add up the tallies of a file's tables, keeping at most `SAMPLE` misplaced rows.

    Examples
    --------
    >>> one = Tally.of(np.array([51.4]), np.array([0.2]), np.array(["lonlat"]), np.array([True]))
    >>> both = combine([one, one])
    >>> both.with_coordinates, both.misplaced, len(both.a)
    (2, 2, 2)
    """
    if not tallies:
        empty = np.array([], dtype=float)
        return Tally(0, 0, empty, empty, np.array([], dtype=object))
    return Tally(
        sum(t.with_coordinates for t in tallies),
        sum(t.misplaced for t in tallies),
        np.concatenate([t.a for t in tallies])[:SAMPLE],
        np.concatenate([t.b for t in tallies])[:SAMPLE],
        np.concatenate([t.kind.astype(object) for t in tallies])[:SAMPLE],
    )


def note(tally: Tally, bounds: tuple[float, float, float, float]) -> str:
    """
    Say which other reading would put a mostly-outside file's rows inside the district.

    Parameters
    ----------
    tally
        The file's `combine`d tally.
    bounds
        The district's ``(minx, miny, maxx, maxy)`` in EPSG:27700.

    Returns
    -------
    str
        ``""`` unless at least `SHARE` of the rows with coordinates are misplaced and
        one reading puts at least `FITS` of them inside `bounds`; then one line such as
        ``every row is outside the district; with longitude and latitude swapped, 98 %
        would fall inside: check the column order``.

    Examples
    --------
    >>> swapped = Tally.of(np.array([51.39, 51.40]), np.array([0.17, 0.18]),
    ...                    np.array(["lonlat", "lonlat"]), np.array([True, True]))
    >>> note(swapped, (540_000.0, 150_000.0, 560_000.0, 175_000.0))
    'every row is outside the district; with longitude and latitude swapped, 100 % would fall inside: check the column order'
    """  # noqa: E501 - a doctest's expected output is one line
    if tally.with_coordinates == 0 or tally.misplaced < SHARE * tally.with_coordinates:
        return ""
    found = best_reading(tally, bounds)
    if found is None:
        return ""
    reading, kind, fits = found
    head = (
        "every row is outside the district"
        if tally.misplaced == tally.with_coordinates
        else f"{percent(tally.misplaced / tally.with_coordinates)} of the rows with "
        "coordinates are outside the district"
    )
    return (
        f"{head}; {reading.words[kind]}, {percent(fits)} would fall inside: {reading.advice[kind]}"
    )


def best_reading(
    tally: Tally, bounds: tuple[float, float, float, float]
) -> tuple[Reading, str, float] | None:
    """
    Find the other reading that puts most of the sampled rows inside `bounds`.

    Parameters
    ----------
    tally
        Misplaced rows' numbers as written (`Tally.of`).
    bounds
        ``(minx, miny, maxx, maxy)`` in EPSG:27700.

    Returns
    -------
    tuple or None
        ``(reading, kind, share inside)`` for the most common kind of columns, or None
        if no reading puts at least `FITS` of the rows inside.

    Examples
    --------
    >>> degrees = Tally.of(np.array([0.17]), np.array([51.4]), np.array(["en"]), np.array([True]))
    >>> reading, kind, share = best_reading(degrees, (540_000.0, 150_000.0, 560_000.0, 175_000.0))
    >>> reading.words[kind], share
    ('read as longitude/latitude degrees', 1.0)
    """
    if not len(tally.a):
        return None
    kinds, counts = np.unique(tally.kind.astype(str), return_counts=True)
    kind = str(kinds[counts.argmax()])
    best, best_share = None, 0.0
    for reading in READINGS:
        if kind not in reading.words:
            continue
        share = _inside_share(reading, tally, bounds)
        if share > best_share:
            best, best_share = reading, share
    if best is None or best_share < FITS:
        return None
    return best, kind, best_share


def _inside_share(
    reading: Reading, tally: Tally, bounds: tuple[float, float, float, float]
) -> float:
    """Return the share of the sampled rows that `reading` puts inside `bounds`."""
    a, b = (tally.b, tally.a) if reading.swap else (tally.a, tally.b)
    if reading.crs == WGS84:
        with np.errstate(invalid="ignore"):
            fine = (np.abs(a) <= 180) & (np.abs(b) <= 90)
        a, b = np.where(fine, a, np.nan), np.where(fine, b, np.nan)
    x, y = points_to_bng(reading.crs, a, b)
    minx, miny, maxx, maxy = bounds
    with np.errstate(invalid="ignore"):
        inside = (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy)
    return float(inside.mean()) if len(inside) else 0.0


def percent(share: float) -> str:
    """
    Say a share in whole per cent, never rounding a part up to 100 % or down to 0 %.

    Examples
    --------
    >>> percent(0.98), percent(0.999), percent(0.001), percent(1.0)
    ('98 %', 'over 99 %', 'under 1 %', '100 %')
    """
    pct = round(100 * share)
    if pct == 100 and share < 1:
        return "over 99 %"
    if pct == 0 and share > 0:
        return "under 1 %"
    return f"{pct} %"
