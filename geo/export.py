"""Exports partners can open: XLSX, CSV and GeoJSON in the users' words, with provenance.

Every export carries an "about" block: what it is, the data period, the source
files, the settings in sentences, and when it was made. XLSX puts it on an
"About" sheet; CSV writes it to a sidecar ``<name>.about.txt`` (a comment header
would break spreadsheets' column detection); GeoJSON carries it as a top-level
``about`` member, which QGIS ignores and keeps.

XLSX and CSV speak the users' words (`geo.labels.display_frame`): headings in
words, categories, significance and patterns in words, no raw site ids, no bare
British National Grid metres. Every sheet with places has ``Longitude (WGS84)``
and ``Latitude (WGS84)`` (6 decimals; an outline's centre); shapes are also kept
as ``Shape (WKT, British National Grid)``, well-known text in EPSG:27700 metres
rounded to the metre, which QGIS's "Delimited Text" layer reads back. XLSX has
column widths, a frozen header row and real date cells; a date known only to
the month is shown as a month (``Jul 2025``). GeoJSON keeps the internal codes
in its ``properties`` (for QGIS and scripts), in WGS84 terms only: no BNG column.

Every text cell goes through the sink-side helpers of `geo.safe_text`
(`~geo.safe_text.xlsx_text`, `~geo.safe_text.csv_cell`): formulas never run and
control characters never break a workbook. Numbers are left alone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo._errors import GeoInputError
from geo.crs import BNG, to_bng, to_wgs84
from geo.labels import KINDS, category_words, display_frame, hotspot_title
from geo.safe_text import EXCEL_CELL_LIMIT, csv_cell, is_missing, xlsx_text

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from geo.settings import HotspotParams

FORMATS = (".csv", ".xlsx", ".geojson")
"""File types `write_table` writes, by suffix."""

EXCEL_CELL_MAX = EXCEL_CELL_LIMIT
"""The most characters an Excel cell holds."""

BNG_COLUMNS = frozenset({"centroid_x", "centroid_y", "x", "y", "easting", "northing", "wkt_bng"})
"""Columns in British National Grid metres, never in GeoJSON properties."""

MONTH_FORMAT, DAY_FORMAT, TIME_FORMAT = "mmm yyyy", "dd mmm yyyy", "dd mmm yyyy hh:mm"
"""XLSX number formats of a date known to the month, to the day, and to the minute."""

_MAX_WIDTH = 60


def safe_cell(value: object) -> object:
    """
    Neutralise a text cell a spreadsheet would run as a formula (`geo.safe_text.csv_cell`).

    Examples
    --------
    >>> safe_cell("=HYPERLINK(1)"), safe_cell("On or near Station Road"), safe_cell(-3)
    ("'=HYPERLINK(1)", 'On or near Station Road', -3)
    """
    return csv_cell(value)


def geometry_text(geometry: gpd.GeoSeries) -> pd.Series:
    """
    Return geometries as WKT in their CRS, rounded to whole units, for a spreadsheet cell.

    A shape too detailed for one Excel cell gets a note instead.

    Examples
    --------
    >>> import shapely
    >>> geometry_text(gpd.GeoSeries([shapely.Point(551424.6, 168575.2), None])).tolist()
    ['POINT (551425 168575)', '']
    """
    text = pd.Series(
        shapely.to_wkt(geometry.to_numpy(), rounding_precision=0), index=geometry.index
    )
    text = text.fillna("")
    too_long = text.str.len() > EXCEL_CELL_MAX
    return text.mask(too_long, "(too detailed for a spreadsheet cell: export GeoJSON)")


def lonlat(frame: gpd.GeoDataFrame) -> pd.DataFrame:
    """
    Return each row's place as ``longitude`` and ``latitude`` (WGS84, 6 decimals).

    A point is itself; an outline is its centre (taken in British National Grid).

    Examples
    --------
    >>> from geo.testing import make_incidents
    >>> lonlat(make_incidents([(0, 0)])).round(3).iloc[0].tolist()
    [0.185, 51.276]
    """
    shapes = frame.geometry if frame.crs is None or frame.crs == BNG else to_bng(frame).geometry
    centres = gpd.GeoSeries(shapes.centroid, crs=BNG).to_crs(4326)
    empty = shapes.isna() | shapes.is_empty
    lon = np.where(empty, np.nan, centres.x.round(6))
    lat = np.where(empty, np.nan, centres.y.round(6))
    return pd.DataFrame({"longitude": lon, "latitude": lat}, index=frame.index)


def flat_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """
    Return `frame` without its geometry; shapes become ``longitude``, ``latitude`` and ``wkt_bng``.

    Longitude and latitude are added unless the table already has them.
    """
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame.columns:
        return pd.DataFrame(frame)
    plain = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    if not {"longitude", "latitude"} <= set(plain.columns):
        plain = pd.concat([plain, lonlat(frame)], axis=1)
    if frame.crs is not None and frame.crs != BNG:
        frame = to_bng(frame)
    return plain.assign(wkt_bng=geometry_text(frame.geometry).to_numpy())


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a flat copy of `frame` (`flat_frame`) with every text cell made formula-safe."""
    out = flat_frame(frame).copy()
    for col in out.columns:
        out[col] = _guarded(out[col])
    return out


class RejectedCsv:
    """
    Write rejected rows to a CSV one file's rows at a time, every text cell formula-guarded.

    Use it as a context manager and call it with each batch of rows (`REJECTED_COLUMNS` of
    `geo.incidents`); the header is written when it opens, so a load with nothing
    rejected leaves a file with the header only. Categorical columns (a few distinct
    reasons and details over millions of rows) are guarded once per distinct value.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "rejected.csv"
    >>> rows = pd.DataFrame({"source_file": ["a.csv"], "line": [3],
    ...                      "reason": pd.Categorical(["no date"]), "detail": ["=1+1"]})
    >>> with RejectedCsv(path, list(rows.columns)) as sink:
    ...     sink(rows)
    >>> path.read_text().splitlines()
    ['source_file,line,reason,detail', "a.csv,3,no date,'=1+1"]
    """

    def __init__(self, path: Path, columns: list[str]) -> None:
        self.path = Path(path)
        self.columns = list(columns)
        self._handle = None

    def __enter__(self) -> RejectedCsv:
        self._handle = self.path.open("w", newline="", encoding="utf-8")
        pd.DataFrame(columns=self.columns).to_csv(self._handle, index=False)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __call__(self, rows: pd.DataFrame) -> None:
        """Append `rows` (its columns in the order given when opened)."""
        if self._handle is None:
            msg = "RejectedCsv is written inside a with block"
            raise RuntimeError(msg)
        guarded = pd.DataFrame({c: _guarded(rows[c]) for c in self.columns})
        guarded.to_csv(self._handle, index=False, header=False)


def _guarded(column: pd.Series) -> pd.Series | np.ndarray:
    """Formula-guard one column's text (`csv_cell`), a categorical once per distinct value.

    Columns of numbers, dates and other non-text values come back unchanged.
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        cats = np.array([csv_cell(c) for c in column.cat.categories], dtype=object)
        codes = column.cat.codes.to_numpy()
        if not len(cats):
            return np.full(len(codes), None, dtype=object)
        return np.where(codes >= 0, cats[np.maximum(codes, 0)], None)
    if column.dtype == object or pd.api.types.is_string_dtype(column):
        return column.map(csv_cell)
    return column


def settings_words(settings: object) -> str:
    """
    Say a settings object in sentences (a hotspot `~geo.settings.HotspotParams`, or any dataclass).

    Examples
    --------
    >>> from geo.settings import HotspotParams
    >>> print(settings_words(HotspotParams()))  # doctest: +NORMALIZE_WHITESPACE
    A hotspot is a group of at least 6 incidents within 150 m of each other (Burglary: 3
    within 250 m; Speeding: 3 within 150 m), outlined 50 m around. Its significance is
    Getis-Ord Gi* on 250 m squares, tested with 999 random permutations (seed 12345) and a
    false discovery rate correction. A hotspot keeps the previous run's reference when
    their outlines overlap by at least 30 %.
    """
    if settings is None:
        return ""
    fields = (
        {f.name for f in dataclasses.fields(settings)}
        if dataclasses.is_dataclass(settings)
        else set()
    )
    if {"eps_m", "min_incidents", "cell_m", "permutations"} <= fields:
        return _hotspot_settings_words(settings)  # type: ignore[arg-type]
    if fields:
        parts = [f"{f.replace('_', ' ')}: {getattr(settings, f)}" for f in sorted(fields)]
        return "; ".join(parts) + "."
    return str(settings)


def _hotspot_settings_words(p: HotspotParams) -> str:
    mins, radii = dict(p.min_incidents_by_category), dict(p.eps_m_by_category)
    special = [
        f"{category_words(c)}: {mins.get(c, p.min_incidents)} within {radii.get(c, p.eps_m):g} m"
        for c in sorted(set(mins) | set(radii))
    ]
    extra = f" ({'; '.join(special)})" if special else ""
    correction = " and a false discovery rate correction" if p.fdr else ""
    return (
        f"A hotspot is a group of at least {p.min_incidents} incidents within "
        f"{p.eps_m:g} m of each other{extra}, outlined {p.buffer_m:g} m around. "
        f"Its significance is Getis-Ord Gi* on {p.cell_m:g} m squares, tested with "
        f"{p.permutations} random permutations (seed {p.seed}){correction}. "
        f"A hotspot keeps the previous run's reference when their outlines overlap by at "
        f"least {p.match_overlap * 100:.0f} %."
    )


def about_block(
    *,
    title: str,
    period: str,
    sources: list[str],
    settings: object | None = None,
    now: dt.datetime | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """
    Build the provenance of an export, each entry a sentence or a list.

    Returns
    -------
    dict
        ``title``, ``data period``, ``sources``, ``licence``, ``settings`` (in
        sentences, `settings_words`), ``generated``, ``generated by`` and any
        `extra` entries, all text.
    """
    made = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    about = {
        "title": title,
        "data period": period,
        "sources": "; ".join(sources),
        "licence": "Contains public sector information licensed under the Open Government "
        "Licence v3.0 (data.police.uk); ward boundaries ONS, OGL v3.",
        "settings": settings_words(settings),
        "generated": made.isoformat(timespec="seconds"),
        "generated by": "geo (Sevenoaks CSU planner)",
    }
    about.update(dict(extra or {}))
    return about


def about_text(about: Mapping[str, str]) -> str:
    """
    Write the about block as plain sentences (the CSV sidecar).

    Examples
    --------
    >>> print(about_text({"title": "ASB hotspots", "data period": "2025-07 to 2025-09",
    ...                   "sources": "a.csv; b.csv", "generated": "2025-10-01T09:00:00+00:00",
    ...                   "generated by": "geo"}))
    ASB hotspots.
    <BLANKLINE>
    Data period: 2025-07 to 2025-09.
    Sources: a.csv; b.csv.
    Made on 1 October 2025 at 09:00 UTC by geo.
    """
    lines = [_sentence(about.get("title", "Export")), ""]
    for key, value in about.items():
        if key in ("title", "generated", "generated by") or not str(value).strip():
            continue
        lines.append(f"{_heading(key)}: {_sentence(value)}")
    if "generated" in about:
        lines.append(_made(about["generated"], about.get("generated by", "geo")))
    return "\n".join(lines)


def _heading(key: str) -> str:
    return key[:1].upper() + key[1:]


def _sentence(value: object) -> str:
    text = str(value).strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _made(stamp: str, by: str) -> str:
    try:
        when = dt.datetime.fromisoformat(stamp).astimezone(dt.UTC)
    except ValueError:
        return f"Made {stamp} by {by}."
    return f"Made on {when.day} {when:%B %Y} at {when:%H:%M} UTC by {by}."


def write_table(
    path: Path,
    sheets: Mapping[str, pd.DataFrame],
    *,
    about: Mapping[str, str],
) -> list[Path]:
    """
    Write one or more tables with their provenance, by the suffix of `path`.

    Parameters
    ----------
    path
        ``.xlsx`` (one sheet per table plus "About"), ``.csv`` (the first table,
        plus ``<stem>.about.txt``) or ``.geojson`` (the first table, which must be
        a GeoDataFrame; written in EPSG:4326 with internal codes).
    sheets
        Sheet name -> table with internal column names. A sheet named after one
        of `geo.labels.KINDS` (``hotspots``, ``incidents``, ``plan``, ``wards``)
        is shown as that kind.
    about
        From `about_block`.

    Returns
    -------
    list of pathlib.Path
        The files written.

    Raises
    ------
    GeoInputError
        For an unknown suffix, or a GeoJSON of a table with no geometry.
    """
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        msg = f"{path.name}: cannot export to {suffix or 'no suffix'}; use one of {FORMATS}"
        raise GeoInputError(msg)
    first_name, first = next(iter(sheets.items()))
    if suffix == ".xlsx":
        _write_xlsx(path, sheets, about)
        return [path]
    if suffix == ".csv":
        _write_csv(path, first_name, first)
        sidecar = path.with_suffix(".about.txt")
        sidecar.write_text(about_text(about) + "\n", encoding="utf-8")
        return [path, sidecar]
    _write_geojson(path, first, about)
    return [path]


def _kind(name: str) -> str:
    return name.lower() if name.lower() in KINDS else "hotspots"


def _words_frame(name: str, table: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Return the table for people (`display_frame` of `flat_frame`) and its month-only rows."""
    flat = flat_frame(table)
    month_only = _month_only(flat)
    for col in flat.columns:
        if isinstance(flat[col].dtype, pd.DatetimeTZDtype):  # Excel cannot hold time zones
            flat[col] = flat[col].dt.tz_convert("Europe/London").dt.tz_localize(None)
    shown = display_frame(flat, _kind(name))
    return shown.reset_index(drop=True), month_only.reset_index(drop=True)


def _month_only(frame: pd.DataFrame) -> pd.Series:
    """Tell which rows' dates are known only to the month."""
    if "date_precision" in frame.columns:
        return frame["date_precision"].astype(str).eq("month")
    dates = [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])]
    if not dates:
        return pd.Series(False, index=frame.index)
    values = pd.DatetimeIndex(frame[dates[0]])
    firsts = (values.day == 1) & (values.hour == 0) & (values.minute == 0)
    whole = bool(firsts[~values.isna()].all()) if (~values.isna()).any() else False
    return pd.Series(whole, index=frame.index)


def _csv_value(value: object, month_only: bool) -> object:
    if isinstance(value, pd.Timestamp):
        if month_only:
            return value.strftime("%Y-%m")
        return value.strftime("%Y-%m-%d" if value == value.normalize() else "%Y-%m-%d %H:%M")
    return csv_cell(value)


def _write_csv(path: Path, name: str, table: pd.DataFrame) -> None:
    shown, month_only = _words_frame(name, table)
    out = shown.astype(object)
    for col in out.columns:
        out[col] = [_csv_value(v, m) for v, m in zip(out[col], month_only, strict=True)]
    out.columns = [csv_cell(c) for c in out.columns]
    # CRLF line ends (as Excel writes them) make the csv module quote a lone "\r" too
    out.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")


def _write_geojson(path: Path, table: pd.DataFrame, about: Mapping[str, str]) -> None:
    if not isinstance(table, gpd.GeoDataFrame):
        msg = f"{path.name}: GeoJSON needs a table with geometry"
        raise GeoInputError(msg)
    shapes = to_wgs84(table)
    fields = pd.DataFrame(shapes.drop(columns=shapes.geometry.name))
    fields = fields.drop(columns=[c for c in fields.columns if c in BNG_COLUMNS])
    for col in fields.columns:
        if pd.api.types.is_datetime64_any_dtype(fields[col]):
            fields[col] = fields[col].dt.strftime("%Y-%m-%d %H:%M")
        else:
            fields[col] = _guarded(fields[col])
    body = json.loads(
        gpd.GeoDataFrame(fields, geometry=shapes.geometry.to_numpy(), crs=shapes.crs).to_json(
            drop_id=True
        )
    )
    body["about"] = dict(about)
    path.write_text(json.dumps(body), encoding="utf-8")


def _write_xlsx(path: Path, sheets: Mapping[str, pd.DataFrame], about: Mapping[str, str]) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for name, table in sheets.items():
        shown, month_only = _words_frame(name, table)
        title = _sheet_title(name, used)
        _fill_sheet(book.create_sheet(title), shown, month_only)
    rows = [(_heading(k), _sentence(v)) for k, v in about.items() if str(v).strip()]
    info = pd.DataFrame(rows, columns=["About this file", "Details"])
    _fill_sheet(book.create_sheet(_sheet_title("About", used)), info, None, wrap=True)
    book.save(path)


def _sheet_title(name: str, used: set[str]) -> str:
    bad = str.maketrans(dict.fromkeys("[]:*?/\\", " "))
    title = xlsx_text(str(name).translate(bad)).strip("'")[:31] or "Sheet"
    title = title[:1].upper() + title[1:]
    base, k = title, 1
    while title.lower() in used:
        k += 1
        title = f"{base[:28]} {k}"
    used.add(title.lower())
    return title


def _fill_sheet(
    sheet: Worksheet, frame: pd.DataFrame, month_only: pd.Series | None, *, wrap: bool = False
) -> None:
    """Write `frame` with a bold frozen header, widths, real dates and 6-decimal lon/lat."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet.append([xlsx_text(str(c)) for c in frame.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    months = month_only.to_numpy() if month_only is not None else np.zeros(len(frame), bool)
    for values, month in zip(frame.itertuples(index=False), months, strict=True):
        sheet.append([_xlsx_value(v) for v in values])
        row = sheet.max_row
        for j, v in enumerate(values, start=1):
            if isinstance(v, pd.Timestamp | dt.datetime) and not is_missing(v):
                cell = sheet.cell(row=row, column=j)
                cell.number_format = _date_format(pd.Timestamp(v), bool(month))
    for j, col in enumerate(frame.columns, start=1):
        letter = get_column_letter(j)
        if "(WGS84)" in str(col):
            for cell in sheet[letter][1:]:
                cell.number_format = "0.000000"
        sheet.column_dimensions[letter].width = _width(col, frame[col], wrap=wrap)
        if wrap:
            for cell in sheet[letter]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def _xlsx_value(value: object) -> object:
    if is_missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, bool | int | float | dt.datetime | dt.date):
        return value
    return xlsx_text(str(value))


def _date_format(value: pd.Timestamp, month_only: bool) -> str:
    if month_only:
        return MONTH_FORMAT
    return DAY_FORMAT if value == value.normalize() else TIME_FORMAT


def _width(header: object, values: pd.Series, *, wrap: bool) -> float:
    if pd.api.types.is_datetime64_any_dtype(values):
        longest = 17
    else:
        sample = values.head(500).map(lambda v: "" if is_missing(v) else str(v))
        longest = int(sample.str.len().max()) if len(sample) else 0
    cap = 90 if wrap else _MAX_WIDTH
    return float(min(cap, max(8, len(str(header)) + 2, longest + 2)))


def write_hotspots(
    path: Path,
    hotspots: gpd.GeoDataFrame,
    members: pd.DataFrame,
    *,
    about: Mapping[str, str],
) -> list[Path]:
    """
    Write a task-and-finish hotspot list.

    Parameters
    ----------
    path
        ``.xlsx``: sheets "Hotspots" (with longitude, latitude and each outline
        as BNG WKT), "Incidents" (the incidents inside them,
        `geo.hotspots.hotspot_incidents`, each with its place and its hotspot's
        name) and "About"; ``.csv``: the hotspots plus the ``.about.txt``
        sidecar; ``.geojson``: the outlines in EPSG:4326 for QGIS.
    hotspots
        From `geo.hotspots.find_hotspots`.
    members
        The incidents inside them.
    about
        From `about_block`.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    if path.suffix.lower() == ".geojson":
        return write_table(path, {"hotspots": hotspots}, about=about)
    members = _name_hotspots(members, hotspots)
    notes = {
        "significance": "Getis-Ord Gi* of the hotspot's busiest 250 m square: a hot spot at "
        "90, 95 or 99 % confidence, or not significant.",
        "hotspot reference": "The category and the outline's centre as an 8-figure grid "
        "reference; it stays the same from one run to the next while the hotspot overlaps.",
    }
    return write_table(path, {"hotspots": hotspots, "incidents": members}, about={**about, **notes})


def _name_hotspots(members: pd.DataFrame, hotspots: pd.DataFrame) -> pd.DataFrame:
    """Replace each incident's hotspot reference with the hotspot's title (rank, place, count)."""
    if "hotspot_id" not in members.columns or "hotspot_id" not in hotspots.columns:
        return members
    titles = {row["hotspot_id"]: hotspot_title(row) for _, row in hotspots.iterrows()}
    named = members.assign(hotspot_id=members["hotspot_id"].map(titles))
    return named.rename(columns={"hotspot_id": "hotspot"})
