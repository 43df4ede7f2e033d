"""Load police.uk street-level files and CSU incident logs into one incidents table.

Every data row of every file ends up either accepted (one Point incident in
EPSG:27700 with its ward) or rejected with its source file, line and a reason in
words. Counts in = accepted + rejected, for each file and in total; `LoadResult`
and `FileReport` check it when they are made.

Two input kinds are recognised from the header:

police.uk street-level CSV
    ``Crime ID, Month, Reported by, Falls within, Longitude, Latitude, Location,
    LSOA code, LSOA name, Crime type, Last outcome category, Context``. Months
    only (``date_precision = "month"``, ``occurred`` = the first of the month);
    points are anonymised "map points" shared by many incidents; ASB rows have
    no Crime ID and identical ASB rows are separate incidents, never merged.
CSU incident log (CSV or XLSX)
    A date (to the day, with a time where known), a category and a location as
    longitude/latitude, easting/northing or a postcode (geocoded offline with
    `geo.gazetteer`). Accepted column names are in `CSU_COLUMNS`; other headers
    can be mapped with ``column_map``.

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

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo._errors import InputFileError
from geo._tables import CSV_SUFFIXES, XLSX_SUFFIXES, RawTable, read_table
from geo._validate import check_gdf
from geo.crs import BNG, lonlat_to_bng
from geo.gazetteer import Gazetteer, load_gazetteer
from geo.settings import LoadSettings
from geo.speeding import (
    SPEED_KINDS,
    bad_numbers,
    collision_road,
    evidence_weight,
    location_columns,
    numeric,
    resolve_columns,
    speed_kind,
)
from geo.taxonomy import POLICE_UK_CATEGORY, category_for

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

POLICE_UK_REQUIRED: tuple[str, ...] = ("Month", "Longitude", "Latitude", "Crime type")
"""Columns a police.uk street-level file must have."""

POLICE_UK_USED: tuple[str, ...] = (*POLICE_UK_REQUIRED, "Crime ID", "Location")
"""Columns of a police.uk file that the loader reads (the others are dropped)."""

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

DEFAULT_LOAD = LoadSettings()
"""Load settings used when none are given."""

MAX_FIELD_CHARS = 32_767
"""Longest text field accepted (the most characters an Excel cell holds)."""

DATE_MIN = pd.Timestamp("1900-01-01")
DATE_MAX = pd.Timestamp("2100-12-31 23:59:59")
"""Dates outside [DATE_MIN, DATE_MAX] are rejected as "date out of range"."""

CONTROL_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
"""Characters that make a text field unusable (regular expression class)."""

_BNG_RANGE = ((0.0, 700_000.0), (0.0, 1_300_000.0))
_DAY_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d/%m/%y", "%d.%m.%Y")
_TIME_FORMATS = (" %H:%M:%S", " %H:%M", "T%H:%M:%S", "T%H:%M")


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
    """

    source_file: str
    kind: str
    rows_in: int
    accepted: int
    rejected: int
    reasons: Mapping[str, int] = field(default_factory=dict)
    error: str | None = None

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
        return {str(k): int(v) for k, v in self.rejected["reason"].value_counts().items()}

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
    check_gdf(wards, name="wards", columns=["ward_code", "ward_name"])
    accepted, rejected, reports = [], [], []
    for path in expand_paths(paths):
        try:
            table = read_table(path)
            parsed = _parse(
                table, column_map=column_map, gazetteer=gazetteer, settings=settings, now=now
            )
        except InputFileError as err:
            if strict:
                raise
            reports.append(FileReport(path.name, "", 0, 0, 0, error=str(err)))
            continue
        good, bad = _finalise(parsed, table, wards=wards, settings=settings)
        accepted.append(good)
        rejected.append(bad)
        reasons = {str(k): int(v) for k, v in bad["reason"].value_counts().items()}
        kind = str(parsed["source"].iloc[0]) if len(parsed) else _kind(table.header, column_map)
        reports.append(FileReport(path.name, kind, table.rows_in, len(good), len(bad), reasons))
    return LoadResult(
        accepted=_concat_accepted(accepted),
        rejected=_concat_rejected(rejected),
        rows_in=sum(r.rows_in for r in reports),
        files=tuple(reports),
    )


def _concat_accepted(frames: Sequence[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    if not frames:
        return empty_incidents()
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=BNG)


def _concat_rejected(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    if not frames:
        return pd.DataFrame(
            {c: pd.Series(dtype="int64" if c == "line" else object) for c in REJECTED_COLUMNS}
        )
    return pd.concat(frames, ignore_index=True)


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


# --- recognising and parsing each kind of file -------------------------------------------------


def _kind(header: list[str], column_map: Mapping[str, str] | None) -> str:
    """Tell which kind of file a header belongs to, or raise with what is missing."""
    if all(c in header for c in POLICE_UK_REQUIRED):
        return "police.uk"
    speed = speed_kind(header)
    if speed is not None:
        return speed
    resolved = _resolve_csu(header, column_map)
    has_place = (
        ({"longitude", "latitude"} <= resolved.keys())
        or ({"easting", "northing"} <= resolved.keys())
        or ("postcode" in resolved)
    )
    if {"date", "category"} <= resolved.keys() and has_place:
        return "csu_log"
    msg = (
        f"wrong columns {header[:12]}: expected a police.uk street-level file "
        f"({', '.join(POLICE_UK_REQUIRED)}), a CSU log (date, category and "
        "longitude/latitude, easting/northing or postcode) or a speeding file "
        "(speed survey, Speedwatch, complaint or STATS19 collision; see geo.speeding)"
    )
    raise InputFileError(msg)


def _resolve_csu(header: list[str], column_map: Mapping[str, str] | None) -> dict[str, str]:
    """Map CSU fields to the file's headers, by `column_map` first, then by known names."""
    resolved = resolve_columns(header, CSU_COLUMNS)
    for key, wanted in (column_map or {}).items():
        if key in CSU_COLUMNS and wanted in header:
            resolved[key] = wanted
    return resolved


def _parse(
    table: RawTable,
    *,
    column_map: Mapping[str, str] | None,
    gazetteer: Gazetteer | None,
    settings: LoadSettings,
    now: dt.datetime | None,
) -> pd.DataFrame:
    """Turn a raw table into parsed rows with a ``reason`` ("" if the row is fine)."""
    try:
        kind = _kind(table.header, column_map)
    except InputFileError as err:
        msg = f"{table.source}: {err}"
        raise InputFileError(msg) from err
    if kind == "police.uk":
        parsed = _parse_police_uk(table, now=now)
        used = [c for c in POLICE_UK_USED if c in table.header]
    elif kind in SPEED_KINDS:
        parsed = _parse_speed(table, kind=kind, gazetteer=gazetteer, settings=settings, now=now)
        used = [*resolve_columns(table.header, SPEED_KINDS[kind]).values()]
        used += location_columns(table.header).values()
    else:
        parsed = _parse_csu(
            table, column_map=column_map, gazetteer=gazetteer, settings=settings, now=now
        )
        used = list(_resolve_csu(table.header, column_map).values())
    return _reject_hostile_text(parsed, table.rows, sorted(set(used)))


def _reject_hostile_text(parsed: pd.DataFrame, rows: pd.DataFrame, used: list[str]) -> pd.DataFrame:
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


def _first_reason(checks: Sequence[tuple[np.ndarray, str]], n: int) -> np.ndarray:
    """Return the first failing check's reason per row, or "" where all pass."""
    if n == 0:
        return np.array([], dtype=object)
    return np.select([c for c, _ in checks], [r for _, r in checks], default="").astype(object)


def _lonlat_checks(lon: pd.Series, lat: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(missing, out of range) masks for text longitude/latitude columns."""
    lon_v = pd.to_numeric(lon, errors="coerce")
    lat_v = pd.to_numeric(lat, errors="coerce")
    missing = (lon.str.strip() == "").to_numpy() | (lat.str.strip() == "").to_numpy()
    ok = np.isfinite(lon_v) & np.isfinite(lat_v) & lon_v.between(-180, 180) & lat_v.between(-90, 90)
    return missing, ~ok.to_numpy()


def _parse_police_uk(table: RawTable, *, now: dt.datetime | None) -> pd.DataFrame:
    rows = table.rows
    label = rows["Crime type"].str.strip()
    category = label.map(POLICE_UK_CATEGORY)
    month = pd.to_datetime(rows["Month"].str.strip(), format="%Y-%m", errors="coerce")
    this_month = pd.Timestamp(now or dt.datetime.now()).to_period("M").to_timestamp()
    out_of_range = ((month < DATE_MIN) | (month > DATE_MAX)).to_numpy(dtype=bool)
    future = (month > this_month).to_numpy(dtype=bool)
    lon_missing, lon_bad = _lonlat_checks(rows["Longitude"], rows["Latitude"])
    reason = _first_reason(
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
    lon = pd.to_numeric(rows["Longitude"], errors="coerce").where(ok)
    lat = pd.to_numeric(rows["Latitude"], errors="coerce").where(ok)
    x, y = lonlat_to_bng(lon.to_numpy(), lat.to_numpy())
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


def _parse_dates(
    date: pd.Series, time: pd.Series | None
) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """Parse day dates with optional times; return (timestamps, precision, out of range).

    Timestamps outside [`DATE_MIN`, `DATE_MAX`] are NaT, flagged in the third value.
    """
    text = date.str.strip()
    if time is not None:
        clock = time.str.strip()
        text = text.where(clock == "", text + " " + clock)
    parsed = pd.Series(pd.NaT, index=date.index, dtype="datetime64[us]")
    precision = pd.Series("", index=date.index, dtype=object)
    for day in _DAY_FORMATS:
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


def _csu_coordinates(
    rows: pd.DataFrame, cols: dict[str, str], gazetteer: Gazetteer | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return eastings, northings and a coordinate reason per CSU row.

    Tried in order: longitude/latitude, easting/northing, postcode.
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

    _, ll_bad = _lonlat_checks(lon, lat)
    ll_x, ll_y = lonlat_to_bng(
        pd.to_numeric(lon, errors="coerce").to_numpy(),
        pd.to_numeric(lat, errors="coerce").to_numpy(),
    )
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
    return x, y, reason


def _parse_csu(
    table: RawTable,
    *,
    column_map: Mapping[str, str] | None,
    gazetteer: Gazetteer | None,
    settings: LoadSettings,
    now: dt.datetime | None,
) -> pd.DataFrame:
    rows = table.rows
    cols = _resolve_csu(table.header, column_map)
    blank = pd.Series("", index=rows.index)
    label = rows[cols["category"]].str.strip()
    category = label.map(lambda s: category_for(s) if s else None)
    occurred, precision, out_of_range = _parse_dates(
        rows[cols["date"]], rows[cols["time"]] if "time" in cols else None
    )
    limit = pd.Timestamp(now or dt.datetime.now()) + pd.Timedelta(
        days=settings.future_tolerance_days
    )
    x, y, where_reason = _csu_coordinates(rows, cols, gazetteer)
    date_text = rows[cols["date"]].str.strip()
    reason = _first_reason(
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


def _parse_speed(
    table: RawTable,
    *,
    kind: str,
    gazetteer: Gazetteer | None,
    settings: LoadSettings,
    now: dt.datetime | None,
) -> pd.DataFrame:
    """Parse one speeding evidence file (see `geo.speeding`) into incident rows with a weight."""
    rows = table.rows
    cols = resolve_columns(table.header, SPEED_KINDS[kind])
    blank = pd.Series("", index=rows.index)
    occurred, precision, out_of_range = _parse_dates(rows[cols["date"]], None)
    limit = pd.Timestamp(now or dt.datetime.now()) + pd.Timedelta(
        days=settings.future_tolerance_days
    )
    x, y, where_reason = _csu_coordinates(rows, location_columns(table.header), gazetteer)
    fields = numeric(rows, cols, _SPEED_NUMBERS[kind])
    date_text = rows[cols["date"]].str.strip()
    reason = _first_reason(
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


# --- wards, and the split into accepted and rejected --------------------------------------------


def _finalise(
    parsed: pd.DataFrame, table: RawTable, *, wards: gpd.GeoDataFrame, settings: LoadSettings
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Join wards, apply the district rule and split rows into accepted and rejected."""
    ok = (parsed["reason"] == "").to_numpy()
    candidates = parsed[ok]
    points = gpd.GeoDataFrame(
        candidates.drop(columns=["x", "y", "reason", "detail"]),
        geometry=gpd.points_from_xy(candidates["x"], candidates["y"]),
        crs=BNG,
    )
    points = _assign_wards(points, wards)
    outside = points["ward_code"].isna().to_numpy()
    if not settings.keep_outside_district:
        where = parsed.index[ok][outside]
        parsed.loc[where, "reason"] = "outside the district"
        parsed.loc[where, "detail"] = _distance_outside(points[outside], wards)
        points = points[~outside]
    rejected_rows = parsed[parsed["reason"] != ""]
    rejected = pd.concat(
        [
            pd.DataFrame(
                {
                    "source_file": table.source,
                    "line": table.malformed["line"],
                    "reason": table.malformed["reason"],
                    "detail": table.malformed["detail"],
                }
            ),
            pd.DataFrame(
                {
                    "source_file": table.source,
                    "line": rejected_rows["line"],
                    "reason": rejected_rows["reason"],
                    "detail": rejected_rows["detail"],
                }
            ),
        ],
        ignore_index=True,
    ).sort_values("line", kind="stable", ignore_index=True)
    extra = [c for c in points.columns if c not in INCIDENT_COLUMNS]
    columns = list(INCIDENT_COLUMNS[:-1]) + extra + ["geometry"]
    accepted = points.assign(source_file=table.source)[columns].reset_index(drop=True)
    return accepted, rejected


def _distance_outside(points: gpd.GeoDataFrame, wards: gpd.GeoDataFrame) -> list[str]:
    """Say how far outside the district each point is, e.g. "35 m outside"."""
    if points.empty:
        return []
    district = shapely.union_all(wards.geometry.to_numpy())
    minx, miny, maxx, maxy = district.bounds
    x, y = points.geometry.x.to_numpy(), points.geometry.y.to_numpy()
    near = (x > minx - 1000) & (x < maxx + 1000) & (y > miny - 1000) & (y < maxy + 1000)
    metres = np.full(len(points), np.inf)
    metres[near] = shapely.distance(district, points.geometry.to_numpy()[near])
    return ["over 1 km outside" if m >= 1000 else f"{m:.0f} m outside" for m in metres]


def _assign_wards(points: gpd.GeoDataFrame, wards: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Add ``ward_code``/``ward_name`` by point-in-polygon (first ward by code on a tie)."""
    shapes = wards[["ward_code", "ward_name", "geometry"]].sort_values("ward_code")
    joined = gpd.sjoin(points, shapes, how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")].drop(columns="index_right")
    return joined.loc[points.index]
