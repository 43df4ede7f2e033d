"""Load police.uk street-level files and CSU incident logs into one incidents table.

Every data row of every file ends up either accepted (one Point incident in
EPSG:27700 with its ward) or rejected with its source file, line and a reason in
words. Counts in = accepted + rejected, for each file and in total; `LoadResult`
and `FileReport` check it when they are made.

The kind of each file is recognised from its header by the source registry in
`geo.sources` (police.uk street-level CSVs, the speeding layouts, CSU logs as CSV or
XLSX), and parsed by that source's module.

Rejection reasons, checked in this order (the first that applies is given):
``malformed row``, ``field too long``, ``text with control characters``, ``no date``,
``unparseable date``, ``date out of range``, ``date in the future``, ``no category``,
``unknown category``, ``implausible numbers`` (speeding files), ``no coordinates``,
``coordinates out of range``, ``unknown postcode``, ``outside the district``.

Hostile text is refused per row, never per file, and only in the columns the loader
reads (the others are dropped): a field longer than `MAX_FIELD_CHARS` (Excel's cell
limit) is ``field too long``; a field holding a control character (C0 or C1, DEL,
hence every ANSI escape sequence and NUL; tab and line breaks inside quotes are fine)
is ``text with control characters``. Such rows are rejected rather than cleaned:
a damaged row is shown to the analyst in the rejected table, and nothing the loader
accepts can break an XLSX export or a terminal. ``date out of range`` is a date
before `DATE_MIN` or after `DATE_MAX`; ``date in the future`` is a police.uk month
after the current month, or a dated row more than ``future_tolerance_days`` after now.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pandas.api.types import union_categoricals

from geo import misplaced, parse_cache
from geo._errors import InputFileError
from geo._tables import (
    CSV_SUFFIXES,
    XLSX_SUFFIXES,
    RawTable,
    iter_tables,
    read_ahead,
    release_memory,
)
from geo._validate import check_gdf
from geo.crs import BNG, bng_box_to_lonlat
from geo.duplicates import SeenIncidents
from geo.gazetteer import Gazetteer
from geo.settings import LoadSettings
from geo.sources import ParseContext, detect_source, parse_table
from geo.sources._common import (  # noqa: F401 - re-exported for callers of geo.incidents
    CONTROL_CHARACTERS,
    DATE_MAX,
    DATE_MIN,
    FAR_OUTSIDE,
    MAX_FIELD_CHARS,
    OUTSIDE,
)
from geo.sources.csu_log import (
    CSU_COLUMNS,  # noqa: F401 - re-exported
    MONTH_FIRST,
)
from geo.sources.police_uk import REQUIRED as POLICE_UK_REQUIRED  # noqa: F401 - re-exported
from geo.speed_sites import speed_kind

INCIDENT_COLUMNS: tuple[str, ...] = (
    "incident_id",
    "category",
    "source_category",
    "source",
    "occurred",
    "date_precision",
    "location",
    "ward_code",
    "ward_name",
    "source_file",
    "line",
    "geometry",
)
"""Columns of the incidents table, in order (DESIGN.md, "Data contracts")."""

REJECTED_COLUMNS: tuple[str, ...] = ("source_file", "line", "reason", "detail")
"""Columns of the rejected-rows table."""

FAR_METRES = 1000.0
"""Beyond this distance from the district a rejected point's detail is "over 1 km outside"."""

DEFAULT_LOAD = LoadSettings()
"""Load settings used when none are given."""


@dataclass(frozen=True, slots=True, eq=False)
class FileReport:
    """
    What happened to one input file.

    Attributes
    ----------
    source_file
        The file's name.
    kind
        ``"police.uk"`` or ``"csu_log"``, or ``""`` if the file could not be read.
    rows_in, accepted, rejected
        Data rows read, accepted and rejected; ``rows_in == accepted + rejected``.
    reasons
        Rejection reason -> count.
    error
        None, or a one-line message if the whole file could not be read.
    months
        ``YYYY-MM`` -> accepted rows in that month, so a person sees what a file covers.
    note
        ``""``, or one line saying which swap of columns or other CRS would put a file
        whose rows are nearly all outside the district inside it (`geo.misplaced`).
    """

    source_file: str
    kind: str
    rows_in: int
    accepted: int
    rejected: int
    reasons: Mapping[str, int] = field(default_factory=dict)
    error: str | None = None
    months: Mapping[str, int] = field(default_factory=dict)
    note: str = ""

    def __post_init__(self) -> None:
        if self.accepted + self.rejected != self.rows_in:
            msg = (
                f"{self.source_file}: rows lost ({self.rows_in} in, "
                f"{self.accepted} accepted, {self.rejected} rejected)"
            )
            raise RuntimeError(msg)


@dataclass(frozen=True, slots=True, eq=False)
class LoadResult:
    """
    Incidents that passed validation, and every row that did not.

    Attributes
    ----------
    accepted
        The incidents table (`INCIDENT_COLUMNS`), Points in EPSG:27700.
    rejected
        One row per rejected input row (`REJECTED_COLUMNS`).
    rows_in
        Data rows read from all files (headers and blank lines excluded).
    files
        One `FileReport` per file, in the order loaded.
    """

    accepted: gpd.GeoDataFrame
    rejected: pd.DataFrame
    rows_in: int
    files: tuple[FileReport, ...] = ()

    def __post_init__(self) -> None:
        if len(self.accepted) + len(self.rejected) != self.rows_in:
            msg = (
                f"rows lost: {self.rows_in} in, {len(self.accepted)} accepted, "
                f"{len(self.rejected)} rejected"
            )
            raise RuntimeError(msg)

    @property
    def reasons(self) -> dict[str, int]:
        """Rejection reason -> count, most common first."""
        counts = self.rejected["reason"].value_counts()
        return {str(k): int(v) for k, v in counts[counts > 0].items()}

    @property
    def errors(self) -> list[str]:
        """One-line messages for files that could not be read at all."""
        return [f.error for f in self.files if f.error]


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """
    Turn files and folders into a sorted list of input files.

    A folder stands for the ``.csv`` and ``.xlsx`` files directly inside it (not
    in its subfolders, so ``data/gazetteer/`` is never read as incidents).

    Parameters
    ----------
    paths
        Files and folders.

    Returns
    -------
    list of pathlib.Path
        Files, folders expanded in name order.

    Raises
    ------
    InputFileError
        If a path does not exist, or a folder holds no CSV or XLSX file.
    """
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p
                for p in path.iterdir()
                if p.is_file() and p.suffix.lower() in CSV_SUFFIXES | XLSX_SUFFIXES
            )
            if not found:
                msg = f"{path}: the folder holds no .csv or .xlsx file"
                raise InputFileError(msg)
            out.extend(found)
        elif path.exists():
            out.append(path)
        else:
            msg = f"{path.name}: no such file or folder ({path})"
            raise InputFileError(msg)
    return out


def load_incidents(
    paths: Iterable[str | Path],
    *,
    wards: gpd.GeoDataFrame,
    settings: LoadSettings = DEFAULT_LOAD,
    column_map: Mapping[str, str] | None = None,
    gazetteer: Gazetteer | None = None,
    strict: bool = True,
    now: dt.datetime | None = None,
    cache: bool = True,
    home: Path | None = None,
) -> LoadResult:
    """
    Load police.uk files and CSU logs into one incidents table.

    Parameters
    ----------
    paths
        Files and folders (see `expand_paths`).
    wards
        Ward polygons in EPSG:27700 (`geo.boundaries.read_wards`); incidents get
        their ward by point-in-polygon, and points outside every ward are
        rejected as "outside the district" unless the settings keep them.
    settings
        See `LoadSettings`.
    column_map
        For CSU logs with other headers: CSU field (a key of `CSU_COLUMNS`) ->
        the file's header, e.g. ``{"date": "When", "category": "Issue"}``.
    gazetteer
        Postcode centroids; defaults to the shipped one, loaded only if needed.
    strict
        If True, a file that cannot be read raises `InputFileError`; if False it
        is reported in ``files`` with its error and loading goes on.
    now
        The time used to reject future dates; defaults to the current time.
    cache
        Use the parse cache (`geo.parse_cache`): a file already loaded with the same
        content, name, wards, settings and clock is read back from GeoParquet under
        ``cache`` in the state folder instead of being parsed again. Not used with a
        custom `gazetteer`, or when the state folder cannot be written. The ``geo``
        command and the app pass False for ``GEO_PARSE_CACHE=off``.
    home
        The state folder holding the cache (`geo.home.geo_home`; None for the user's
        data folder); the ``geo`` command and the app pass ``GEO_HOME``.

    Returns
    -------
    LoadResult
        The incidents, the rejected rows and a report per file.

    Raises
    ------
    InputFileError
        If a path does not exist, or (when `strict`) a file cannot be read.

    Examples
    --------
    >>> from geo.boundaries import read_wards
    >>> from geo.datasets import get_path
    >>> wards = read_wards(get_path("wards"))
    >>> month = get_path("police_uk") / "2025-09-sevenoaks-street.csv"
    >>> result = load_incidents([month], wards=wards)
    >>> result.rows_in == len(result.accepted) + len(result.rejected)
    True
    """
    accepted, rejected, reports = [], [], []
    for loaded in iter_files(
        paths,
        wards=wards,
        settings=settings,
        column_map=column_map,
        gazetteer=gazetteer,
        strict=strict,
        now=now,
        cache=cache,
        home=home,
    ):
        reports.append(loaded.report)
        if loaded.entry is not None:
            accepted.append(loaded.entry.accepted)
            rejected.append(loaded.entry.rejected)
    return LoadResult(
        accepted=_concat_accepted(accepted),
        rejected=_concat_rejected(rejected),
        rows_in=sum(r.rows_in for r in reports),
        files=tuple(reports),
    )


@dataclass(frozen=True, slots=True, eq=False)
class LoadedFile:
    """
    One file's outcome, as `iter_files` yields it.

    Attributes
    ----------
    report
        Its counts and reasons (or its error).
    entry
        Its accepted incidents and rejected rows; None if it could not be read.
    """

    report: FileReport
    entry: parse_cache.CachedFile | None


def iter_files(
    paths: Iterable[str | Path],
    *,
    wards: gpd.GeoDataFrame,
    settings: LoadSettings = DEFAULT_LOAD,
    column_map: Mapping[str, str] | None = None,
    gazetteer: Gazetteer | None = None,
    strict: bool = True,
    now: dt.datetime | None = None,
    cache: bool = True,
    home: Path | None = None,
) -> Iterator[LoadedFile]:
    """
    Load files one at a time, so a caller that only counts holds one file at a time.

    Parameters are those of `load_incidents`, which gathers what this yields.

    Yields
    ------
    LoadedFile
        One per file, in the order of `expand_paths`; except that a CSU log whose
        day/month order cannot be told from its values comes after every other file,
        and is refused (an error, or `InputFileError` when `strict`) if read day first
        it has rows in months before the earliest or after the latest of the others.

    Raises
    ------
    InputFileError
        If a path does not exist, or (when `strict`) a file cannot be read.
    """
    check_gdf(wards, name="wards", columns=["ward_code", "ward_name"])
    ward_index = _WardIndex.build(wards)
    region = None if settings.keep_outside_district else ward_index.region(FAR_METRES)
    context = ParseContext(
        column_map=column_map, gazetteer=gazetteer, settings=settings, now=now, region=region
    )
    seen = SeenIncidents()
    span: set[str] = set()  # the months of the files whose dates are told
    undecided: list[tuple[Path, parse_cache.CachedFile]] = []
    use_cache = cache and gazetteer is None and parse_cache.enabled(home)
    ward_key = parse_cache.wards_hash(wards) if use_cache else ""
    jobs = []  # (path, cache key, whether it must be read)
    for path in expand_paths(paths):
        key = (
            parse_cache.file_key(
                path, wards=ward_key, settings=settings, column_map=column_map, now=now
            )
            if use_cache and path.is_file()
            else None
        )
        jobs.append((path, key, not (key and parse_cache.stored(key, home))))
    pieces = read_ahead(  # a table and its file's end marker: the next file's table is read
        _file_pieces([path for path, _, read in jobs if read], context), depth=2
    )
    try:
        for path, key, read in jobs:
            entry = None if read else parse_cache.read(key, home)
            if entry is None:  # not cached, or a damaged entry: parsed here
                tables = _tables_of(pieces if read else _file_pieces([path], context), path)
                try:
                    entry = _parse_file(tables, context, ward_index)
                except InputFileError as err:
                    if strict:
                        raise
                    yield LoadedFile(FileReport(path.name, "", 0, 0, 0, error=str(err)), None)
                    continue
                if key:
                    parse_cache.write(key, entry, home)
            if entry.month_first is not None:  # judged once every other file is loaded
                undecided.append((path, entry))
                continue
            entry = _without_duplicates(entry, seen, path.name)  # after the cache: per load
            report = _report(path, entry)
            span.update(report.months)
            yield LoadedFile(report, entry)
    finally:
        pieces.close()
    for path, entry in undecided:
        error = _outside_span(path.name, entry, span)
        if error and strict:
            raise InputFileError(error)
        if error:
            yield LoadedFile(FileReport(path.name, "", 0, 0, 0, error=error), None)
            continue
        entry = _without_duplicates(entry, seen, path.name)
        yield LoadedFile(_report(path, entry), entry)


def _outside_span(source: str, entry: parse_cache.CachedFile, span: set[str]) -> str:
    """Refuse a log whose day/month order cannot be told if, read day first, it leaves `span`.

    `span` holds the months of the other files loaded with it; a log loaded alone, or
    whose day-first months all lie between their earliest and latest, is kept (read day
    first, the UK's way). Returns the one-line error, or "".
    """
    day_first = _month_counts(entry.accepted["occurred"])
    if not span or not day_first:
        return ""
    lo, hi = min(span), max(span)
    outside = sum(n for month, n in day_first.items() if not lo <= month <= hi)
    if not outside:
        return ""

    def months(counts: Iterable[str]) -> str:
        first, last = min(counts, default=""), max(counts, default="")
        return "no month" if not first else first if first == last else f"{first} to {last}"

    return (
        f"{source}: its dates could be day/month or month/day: read day first they fall in "
        f"{months(day_first)} ({outside} rows outside the other files' {months(span)}), read "
        f"month first in {months(entry.month_first or {})}; write the dates as yyyy-mm-dd, "
        "or pass the order (--date-order day or month)"
    )


def _parse_file(
    tables: Iterator[RawTable], context: ParseContext, wards: _WardIndex
) -> parse_cache.CachedFile:
    """Parse one file's tables with the cycle collector paused; close `tables` after."""
    try:
        with _gc_paused():
            return _load_file(tables, context, wards)
    finally:
        tables.close()  # the rest of a file that failed part-way is skipped


def _without_duplicates(
    entry: parse_cache.CachedFile, seen: SeenIncidents, source_file: str
) -> parse_cache.CachedFile:
    """Move the accepted rows that repeat earlier data to the rejected rows (`geo.duplicates`)."""
    dup, of = seen.check(entry.accepted, source_file)
    if not dup.any():
        return entry
    rows = entry.accepted.loc[dup]
    repeated = pd.DataFrame(
        {
            "source_file": pd.Categorical([source_file] * len(rows)),
            "line": rows["line"].to_numpy(dtype=np.int64),
            "reason": pd.Categorical("duplicate of " + of[dup].astype(str)),
            "detail": pd.Categorical(rows["incident_id"].astype(str).to_numpy(dtype=object)),
        }
    )
    rejected = _concat_rejected([entry.rejected, repeated])
    rejected = rejected.sort_values("line", kind="stable", ignore_index=True)
    accepted = entry.accepted.loc[~dup].reset_index(drop=True)
    return parse_cache.CachedFile(
        accepted, rejected, entry.kind, entry.rows_in, entry.note, entry.month_first
    )


def _report(path: Path, entry: parse_cache.CachedFile) -> FileReport:
    """Count one file's accepted and rejected rows, its reasons and its months."""
    counts = entry.rejected["reason"].value_counts()
    reasons = {str(k): int(v) for k, v in counts[counts > 0].items()}
    return FileReport(
        path.name,
        entry.kind,
        entry.rows_in,
        len(entry.accepted),
        len(entry.rejected),
        reasons,
        months=_month_counts(entry.accepted["occurred"]),
        note=entry.note,
    )


def _file_pieces(paths: Sequence[Path], context: ParseContext) -> Iterator[tuple[Path, object]]:
    """Yield ``(path, table)`` for each table of each file, then ``(path, None)``.

    A file that cannot be read yields ``(path, error)`` instead of its end, so the
    error reaches the caller at that file's turn.
    """
    for path in paths:
        try:
            for table in iter_tables(path, select=_used_columns(path.name, context)):
                yield path, table
        except InputFileError as err:
            yield path, err
            continue
        yield path, None


def _tables_of(pieces: Iterator[tuple[Path, object]], path: Path) -> Iterator[RawTable]:
    """Yield the tables of `path` from `pieces` (raising its read error, if any).

    Closed before its end (the file failed while parsed), it skips the file's other
    pieces, so the next file starts where it should.
    """
    finished = False
    try:
        for where, item in pieces:
            if where != path:
                msg = f"read ahead out of order: {where} before {path}"
                raise RuntimeError(msg)
            if item is None or isinstance(item, InputFileError):
                finished = True
                if item is None:
                    return
                raise item
            yield item
        finished = True
    finally:
        if not finished:
            for _, item in pieces:
                if item is None or isinstance(item, InputFileError):
                    break


@dataclass(frozen=True, slots=True, eq=False)
class LoadSummary:
    """
    The counts of a load without its rows (what ``geo validate`` reports).

    Attributes
    ----------
    files
        One `FileReport` per file, in the order loaded.
    """

    files: tuple[FileReport, ...]

    @property
    def rows_in(self) -> int:
        """Data rows read from all files."""
        return sum(f.rows_in for f in self.files)

    @property
    def accepted(self) -> int:
        """Rows accepted."""
        return sum(f.accepted for f in self.files)

    @property
    def rejected(self) -> int:
        """Rows rejected."""
        return sum(f.rejected for f in self.files)

    @property
    def reasons(self) -> dict[str, int]:
        """Rejection reason -> count over all files, most common first."""
        total: dict[str, int] = {}
        for f in self.files:
            for reason, n in f.reasons.items():
                total[reason] = total.get(reason, 0) + n
        return dict(sorted(total.items(), key=lambda kv: -kv[1]))

    @property
    def errors(self) -> list[str]:
        """One-line messages for files that could not be read at all."""
        return [f.error for f in self.files if f.error]


def validate_files(
    paths: Iterable[str | Path],
    *,
    wards: gpd.GeoDataFrame,
    settings: LoadSettings = DEFAULT_LOAD,
    on_rejected: Callable[[pd.DataFrame], None] | None = None,
    cache: bool = True,
    home: Path | None = None,
) -> LoadSummary:
    """
    Check files as `load_incidents` would, holding one file's rows at a time.

    A force's year of files (or England's) can be validated in the memory of its
    largest file; the accepted rows are counted and dropped.

    Parameters
    ----------
    paths, wards, settings, cache, home
        As for `load_incidents` (files that cannot be read are reported, not raised).
    on_rejected
        Called with each file's rejected rows (`REJECTED_COLUMNS`), e.g. to append
        them to a CSV; None drops them after counting.

    Returns
    -------
    LoadSummary
        The per-file reports; the same counts `load_incidents` would give.

    Examples
    --------
    >>> from geo.boundaries import read_wards
    >>> from geo.datasets import get_path
    >>> wards = read_wards(get_path("wards"))
    >>> summary = validate_files([get_path("police_uk")], wards=wards)
    >>> summary.rows_in == summary.accepted + summary.rejected
    True
    """
    reports = []
    files = iter_files(paths, wards=wards, settings=settings, strict=False, cache=cache, home=home)
    for loaded in files:
        reports.append(loaded.report)
        if loaded.entry is not None and on_rejected is not None and len(loaded.entry.rejected):
            on_rejected(loaded.entry.rejected)
    return LoadSummary(tuple(reports))


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a file is parsed.

    Parsing makes a shapely object per accepted point and few reference cycles; the
    collector would walk every object already loaded each time a batch of points is
    made (5-10 % of a load's time), and it runs as usual once the file is done.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _load_file(
    tables: Iterable[RawTable], context: ParseContext, wards: _WardIndex
) -> parse_cache.CachedFile:
    """Parse and validate one file's tables (a large CSV's pieces, see `iter_tables`)."""
    goods, bads, kinds, tallies, rows_in, header = [], [], [], [], 0, []
    month_first: dict[str, int] | None = None
    for table in tables:
        parsed = parse_table(table, context)
        good, bad, tally, other = _finalise(parsed, table, wards=wards, settings=context.settings)
        goods.append(good)
        bads.append(bad)
        tallies.append(tally)
        if other is not None:
            month_first = month_first or {}
            for month, n in other.items():
                month_first[month] = month_first.get(month, 0) + n
        kinds.extend(parsed["source"].iloc[:1].astype(str))
        rows_in += table.rows_in
        header = table.header
        release_memory()
    kind = kinds[0] if kinds else _kind(header, context.column_map)
    note = misplaced.note(misplaced.combine(tallies), wards.bounds)
    if len(goods) == 1:
        return parse_cache.CachedFile(goods[0], bads[0], kind, rows_in, note, month_first)
    return parse_cache.CachedFile(
        _concat_accepted(goods), _concat_rejected(bads), kind, rows_in, note, month_first
    )


def _used_columns(source: str, context: ParseContext) -> Callable[[list[str]], list[str]]:
    """Return the reader's column selector: the columns the file's source parses."""

    def select(header: list[str]) -> list[str]:
        try:
            return detect_source(header, context.column_map).used_columns(header, context)
        except InputFileError as err:
            msg = f"{source}: {err}"
            raise InputFileError(msg) from err

    return select


def _concat_accepted(frames: Sequence[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    if not frames:
        return empty_incidents()
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=BNG)


def _concat_rejected(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Stack rejected rows; text columns stay categorical (a few distinct values each)."""
    if not frames:
        return pd.DataFrame(
            {c: pd.Series(dtype="int64" if c == "line" else object) for c in REJECTED_COLUMNS}
        )
    return pd.DataFrame(
        {
            c: (
                np.concatenate([f[c].to_numpy(dtype=np.int64) for f in frames])
                if c == "line"
                else union_categoricals([_object_categories(f[c]) for f in frames])
            )
            for c in REJECTED_COLUMNS
        }
    )


def _object_categories(values: pd.Series) -> pd.Categorical:
    """Return `values` as a categorical with ``object`` categories (so all can be joined)."""
    cat = pd.Categorical(values)
    return pd.Categorical.from_codes(cat.codes, categories=pd.Index(cat.categories, dtype=object))


def empty_incidents() -> gpd.GeoDataFrame:
    """
    Return an incidents table with no rows and the right columns and CRS.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns `INCIDENT_COLUMNS`, EPSG:27700.
    """
    data = {c: pd.Series(dtype=object) for c in INCIDENT_COLUMNS if c != "geometry"}
    data["occurred"] = pd.Series(dtype="datetime64[ns]")
    data["line"] = pd.Series(dtype="int64")
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=BNG), crs=BNG)


# --- recognising each kind of file -------------------------------------------------------------


def _kind(header: list[str], column_map: Mapping[str, str] | None) -> str:
    """Name the kind of a file with no data rows to tell it (the source's ``NAME``)."""
    source = detect_source(header, column_map)
    if source.NAME == "speeding":
        return speed_kind(header) or source.NAME
    return source.NAME


# --- wards, and the split into accepted and rejected --------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class _WardIndex:
    """Ward polygons sorted by code, with a spatial index, for the point-in-ward join."""

    codes: np.ndarray
    names: np.ndarray
    shapes: np.ndarray
    tree: shapely.STRtree
    bounds: tuple[float, float, float, float]
    district: shapely.Geometry

    @classmethod
    def build(cls, wards: gpd.GeoDataFrame) -> _WardIndex:
        ordered = wards.sort_values("ward_code", kind="stable")
        shapes = ordered.geometry.to_numpy()
        minx, miny, maxx, maxy = shapely.total_bounds(shapes)
        return cls(
            codes=ordered["ward_code"].to_numpy(dtype=object),
            names=ordered["ward_name"].to_numpy(dtype=object),
            shapes=shapes,
            tree=shapely.STRtree(shapes),
            bounds=(float(minx), float(miny), float(maxx), float(maxy)),
            district=shapely.union_all(shapes),
        )

    def region(self, metres: float) -> tuple[float, float, float, float]:
        """Return a longitude/latitude box holding every point within `metres` of the wards."""
        minx, miny, maxx, maxy = self.bounds
        return bng_box_to_lonlat((minx - metres, miny - metres, maxx + metres, maxy + metres))

    def locate(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Return each point's ward position (first ward by code on a tie), -1 if none."""
        pos = np.full(len(x), -1, dtype=np.int64)
        minx, miny, maxx, maxy = self.bounds
        inside = np.isfinite(x) & np.isfinite(y)
        inside &= (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy)
        where = np.flatnonzero(inside)
        if not len(where):
            return pos
        points = shapely.points(x[where], y[where])
        point_i, ward_i = self.tree.query(points, predicate="within")
        order = np.lexsort((ward_i, point_i))
        point_i, ward_i = point_i[order], ward_i[order]
        first = np.r_[True, point_i[1:] != point_i[:-1]] if len(point_i) else point_i
        pos[where[point_i[first]]] = ward_i[first]
        return pos

    def distance_text(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Say how far outside the district each point is, e.g. "35 m outside"."""
        text = np.full(len(x), FAR_OUTSIDE, dtype=object)
        minx, miny, maxx, maxy = self.bounds
        far = FAR_METRES
        near = (x > minx - far) & (x < maxx + far) & (y > miny - far) & (y < maxy + far)
        if near.any():
            shapely.prepare(self.district)
            where = np.flatnonzero(near)
            points = shapely.points(x[where], y[where])
            close = shapely.dwithin(self.district, points, FAR_METRES)
            metres = shapely.distance(self.district, points[close])
            text[where[close]] = [
                FAR_OUTSIDE if m >= FAR_METRES else f"{m:.0f} m outside" for m in metres
            ]
        return text


def _finalise(
    parsed: pd.DataFrame, table: RawTable, *, wards: _WardIndex, settings: LoadSettings
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, misplaced.Tally, dict[str, int] | None]:
    """Join wards, apply the district rule and split rows into accepted and rejected.

    Also tallies the rows whose place is outside the district or out of range, with
    their numbers as written (`geo.misplaced`), and counts the accepted rows' months
    read month first when the file's day/month order cannot be told (else None).
    """
    reason = parsed["reason"].to_numpy(dtype=object)
    detail = parsed["detail"].to_numpy(dtype=object)
    x, y = parsed["x"].to_numpy(dtype=float), parsed["y"].to_numpy(dtype=float)
    ok = reason == ""
    pos = np.full(len(parsed), -1, dtype=np.int64)
    pos[ok] = wards.locate(x[ok], y[ok])
    outside = ok & (pos < 0)
    none = pd.Series(np.nan, index=parsed.index)  # a source that keeps no place as written
    tally = misplaced.Tally.of(
        parsed.get("given_a", none).to_numpy(dtype=float),
        parsed.get("given_b", none).to_numpy(dtype=float),
        parsed.get("given_kind", none).array,  # only the sampled rows' are read
        outside | np.isin(reason, [OUTSIDE, "coordinates out of range"]),
    )
    if not settings.keep_outside_district and outside.any():
        reason, detail = reason.copy(), detail.copy()
        reason[outside] = OUTSIDE
        detail[outside] = wards.distance_text(x[outside], y[outside])
        ok &= ~outside
    rejected = _rejected_rows(table, parsed["line"].to_numpy(), reason, detail, ~ok)
    drop = ["x", "y", "reason", "detail", *(c for c in _GIVEN if c in parsed)]
    month_first = None
    if MONTH_FIRST in parsed:
        month_first = _month_counts(parsed.loc[ok, MONTH_FIRST])
        drop.append(MONTH_FIRST)
    keep = parsed.loc[ok].drop(columns=drop)
    found = pos[ok]
    codes = np.where(found >= 0, wards.codes[np.maximum(found, 0)], None)
    names = np.where(found >= 0, wards.names[np.maximum(found, 0)], None)
    keep = keep.assign(source_file=table.source, ward_code=codes, ward_name=names)
    extra = [c for c in keep.columns if c not in INCIDENT_COLUMNS]
    columns = list(INCIDENT_COLUMNS[:-1]) + extra
    accepted = gpd.GeoDataFrame(
        keep[columns].reset_index(drop=True),
        geometry=gpd.GeoSeries(shapely.points(x[ok], y[ok]), crs=BNG),
        crs=BNG,
    )
    return accepted, rejected, tally, month_first


def _month_counts(occurred: pd.Series) -> dict[str, int]:
    """Count timestamps by ``YYYY-MM``, in month order."""
    months = occurred.dropna().dt.strftime("%Y-%m").value_counts().sort_index()
    return {str(k): int(v) for k, v in months.items()}


_GIVEN = ("given_a", "given_b", "given_kind")
"""The parsed columns that keep each row's place as written, for `geo.misplaced` only."""


def _rejected_rows(
    table: RawTable, line: np.ndarray, reason: np.ndarray, detail: np.ndarray, bad: np.ndarray
) -> pd.DataFrame:
    """Build the malformed and rejected rows of one file, in line order."""
    lines = np.concatenate([table.malformed["line"].to_numpy(dtype=np.int64), line[bad]])
    reasons = np.concatenate([table.malformed["reason"].to_numpy(dtype=object), reason[bad]])
    details = np.concatenate([table.malformed["detail"].to_numpy(dtype=object), detail[bad]])
    order = np.argsort(lines, kind="stable")
    return pd.DataFrame(
        {
            "source_file": pd.Categorical.from_codes(
                np.zeros(len(lines), dtype=np.int8), categories=[table.source]
            ),
            "line": lines[order],
            "reason": pd.Categorical(reasons[order]),
            "detail": pd.Categorical(details[order]),
        }
    )
