"""Ward boundaries (GeoJSON, GeoPackage, Shapefile) in EPSG:27700, ward selection, study areas."""

from __future__ import annotations

import difflib
import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

from geo import misplaced
from geo._errors import GeoDataWarning, GeoInputError, InputFileError
from geo.crs import BNG, WGS84, points_to_bng, to_bng

_CODE_PATTERNS = (r"^WD(\d\d)CD$", r"^ward_?code$", r"^code$", r"^gss_?code$")
_NAME_PATTERNS = (r"^WD(\d\d)NM$", r"^ward_?name$", r"^name$")

_BNG_BOUNDS = (-10_000.0, -10_000.0, 710_000.0, 1_300_000.0)
"""Eastings/northings a British National Grid dataset can plausibly hold (metres)."""


def _pick_column(columns: list[str], patterns: tuple[str, ...]) -> str | None:
    """Return the first column that matches a pattern; for WDyyCD prefer the newest year."""
    for pattern in patterns:
        hits = [c for c in columns if re.match(pattern, c, flags=re.IGNORECASE)]
        if hits:
            return max(hits, key=lambda c: _year_of(c, pattern))
    return None


def _year_of(column: str, pattern: str) -> int:
    """Return the two-digit year in a ``WDyyCD`` style column, or 0."""
    found = re.match(pattern, column, flags=re.IGNORECASE)
    groups = found.groups() if found else ()
    return int(groups[0]) if groups and groups[0] else 0


def _check_crs_fits(gdf: gpd.GeoDataFrame, source: str) -> None:
    """Refuse coordinates that cannot be in the CRS the file declares, naming one that fits.

    Wards must lie in Great Britain (`_BNG_BOUNDS`). When they do not as declared, the
    other readings of `geo.misplaced` (axes swapped, British National Grid, Web
    Mercator, Irish Grid) are tried on the wards' centres and the one that puts them in
    Great Britain is named.
    """
    minx, miny, maxx, maxy = gdf.total_bounds
    declared = gdf.crs.to_string()
    if gdf.crs.is_geographic and (
        abs(minx) > 180 or abs(maxx) > 180 or abs(miny) > 90 or abs(maxy) > 90
    ):
        hint = _crs_hint(gdf, misplaced.LONLAT, misfit=True) or (
            "they look like British National Grid metres: fix the file's CRS or pass "
            "crs='EPSG:27700'"
        )
        msg = (
            f"{source}: coordinates run to ({maxx:.0f}, {maxy:.0f}) but the file declares "
            f"degrees ({declared}); {hint}"
        )
        raise InputFileError(msg)
    if gdf.crs.equals(BNG):
        lo_x, lo_y, hi_x, hi_y = _BNG_BOUNDS
        if minx < lo_x or miny < lo_y or maxx > hi_x or maxy > hi_y or (maxx - minx) < 1:
            hint = _crs_hint(gdf, misplaced.EASTNORTH, misfit=True)
            msg = (
                f"{source}: bounds ({minx:.4f}, {miny:.4f}, {maxx:.4f}, {maxy:.4f}) do not fit "
                "British National Grid metres, which the file declares"
                + (f"; {hint}" if hint else "")
            )
            raise InputFileError(msg)
    elif gdf.crs.is_geographic:
        hint = _crs_hint(gdf, misplaced.LONLAT)
        if hint:
            msg = f"{source}: the wards are not in Great Britain as declared ({declared}); {hint}"
            raise InputFileError(msg)


def _crs_hint(gdf: gpd.GeoDataFrame, kind: str, *, misfit: bool = False) -> str:
    """Name the reading that puts the wards' centres in Great Britain, or return "".

    Only when the centres are not in Great Britain as declared (`kind` is how the
    declared CRS reads them: ``misplaced.LONLAT`` or ``misplaced.EASTNORTH``), or
    `misfit` says the declared CRS is already known not to fit.
    """
    bounds = gdf.geometry.bounds
    a = ((bounds["minx"] + bounds["maxx"]) / 2).to_numpy(dtype=float)
    b = ((bounds["miny"] + bounds["maxy"]) / 2).to_numpy(dtype=float)
    x, y = points_to_bng(WGS84 if kind == misplaced.LONLAT else BNG, a, b)
    lo_x, lo_y, hi_x, hi_y = _BNG_BOUNDS
    with np.errstate(invalid="ignore"):
        in_gb = (x >= lo_x) & (x <= hi_x) & (y >= lo_y) & (y <= hi_y)
    if misfit:
        in_gb[:] = False
    if in_gb.mean() > 1 - misplaced.SHARE:
        return ""
    tally = misplaced.Tally.of(a, b, np.full(len(a), kind, dtype=object), ~in_gb)
    found = misplaced.best_reading(tally, _BNG_BOUNDS)
    if found is None:
        return ""
    reading, kind, share = found
    fix = (
        "write the file with longitude (or easting) first"
        if reading.swap
        else f"fix the file's CRS or pass crs='{reading.crs}'"
    )
    fall = f"{misplaced.percent(share)} of the wards fall in Great Britain"
    return f"{reading.words[kind]}, {fall}: {fix}"


def _repair(gdf: gpd.GeoDataFrame, source: str) -> gpd.GeoDataFrame:
    """Make invalid polygons valid, keeping only their polygonal parts, and warn about it."""
    invalid = ~gdf.geometry.is_valid
    if not invalid.any():
        return gdf
    names = ", ".join(gdf.loc[invalid, "ward_name"].astype(str))
    repaired = shapely.make_valid(gdf.geometry.to_numpy())
    polygonal = [_polygonal_part(g) for g in repaired]
    warnings.warn(
        f"{source}: repaired {int(invalid.sum())} invalid ward polygon(s): {names}",
        GeoDataWarning,
        stacklevel=3,
    )
    return gdf.set_geometry(gpd.GeoSeries(polygonal, index=gdf.index, crs=gdf.crs))


def _polygonal_part(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep the Polygon/MultiPolygon parts of a (possibly mixed) geometry."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def read_wards(
    path: str | Path,
    *,
    code_col: str | None = None,
    name_col: str | None = None,
    crs: str | None = None,
) -> gpd.GeoDataFrame:
    """
    Read ward boundaries and return them validated, in British National Grid.

    Parameters
    ----------
    path
        A GeoJSON, GeoPackage or Shapefile of ward polygons.
    code_col, name_col
        The columns holding the ward code and name. Detected when not given:
        ``WDyyCD``/``WDyyNM`` (newest year first), ``ward_code``/``ward_name``,
        ``CODE``/``NAME``, ``gss_code``.
    crs
        The CRS to assume when the file declares none (a Shapefile without
        ``.prj``), or to override a wrong declaration.

    Returns
    -------
    geopandas.GeoDataFrame
        ``ward_code``, ``ward_name`` and ``geometry`` (Polygon/MultiPolygon) in
        EPSG:27700, sorted by ward code.

    Raises
    ------
    InputFileError
        If the file cannot be read, has no features, no polygons, no code or
        name column, no CRS, or coordinates that do not fit its declared CRS.

    Warns
    -----
    GeoDataWarning
        When invalid polygons were repaired (the message names the wards).

    Examples
    --------
    >>> from geo.datasets import get_path
    >>> wards = read_wards(get_path("wards"))
    >>> len(wards), wards.crs.to_epsg()
    (26, 27700)
    """
    source = Path(path).name
    gdf = _read_file(Path(path))
    if crs is not None:
        gdf = gdf.set_crs(crs, allow_override=True)
    if gdf.crs is None:
        msg = f"{source}: the file declares no CRS; pass crs= (e.g. 'EPSG:27700')"
        raise InputFileError(msg)
    empty = gdf.geometry.isna() | gdf.geometry.is_empty
    if empty.any():
        msg = (
            f"{source}: {int(empty.sum())} feature(s) have an empty geometry (feature "
            f"{int(empty.to_numpy().argmax()) + 1} first); remove them or draw their wards"
        )
        raise InputFileError(msg)
    polygons = gdf.geom_type.isin(["Polygon", "MultiPolygon"])
    if not polygons.any():
        kinds = sorted(set(gdf.geom_type.dropna())) or ["no geometry"]
        msg = f"{source}: no ward polygons found (geometries are {kinds})"
        raise InputFileError(msg)
    if not polygons.all():
        msg = f"{source}: {int((~polygons).sum())} feature(s) are not polygons"
        raise InputFileError(msg)
    _check_crs_fits(gdf, source)
    wards = _standard_columns(gdf, source, code_col=code_col, name_col=name_col)
    _check_ward_names(wards, source)
    wards = _repair(wards, source)
    return to_bng(wards).sort_values("ward_code", ignore_index=True)


def _check_ward_names(wards: gpd.GeoDataFrame, source: str) -> None:
    """Refuse blank or repeated ward names or codes (case and spacing folded), in one line."""
    for column, what in (("ward_name", "name"), ("ward_code", "code")):
        text = wards[column].astype(str).where(wards[column].notna(), "")
        folded = text.map(_ward_key)
        blank = folded.isin(["", "none", "nan"]) | wards[column].isna()  # astype(str) of a null
        if blank.any():
            msg = (
                f"{source}: {int(blank.sum())} ward(s) have a blank {what} (feature "
                f"{int(blank.to_numpy().argmax()) + 1} first); every ward needs one"
            )
            raise InputFileError(msg)
        repeated = folded[folded.duplicated(keep=False)]
        if len(repeated):
            first = text[repeated.index[0]]
            times = int((folded == folded[repeated.index[0]]).sum())
            msg = (
                f"{source}: the ward {what} {first[:60]!r} appears {times} times; "
                "each ward must be one feature with its own name and code (dissolve "
                "the parts into one MultiPolygon)"
            )
            raise InputFileError(msg)


def _read_file(path: Path) -> gpd.GeoDataFrame:
    """Read any vector file pyogrio can, turning its failures into one-line errors."""
    if not path.exists():
        msg = f"{path.name}: no such file ({path})"
        raise InputFileError(msg)
    try:
        gdf = gpd.read_file(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as err:
        first_line = str(err).splitlines()[0] if str(err) else type(err).__name__
        msg = f"{path.name}: cannot be read as a GeoJSON, GeoPackage or Shapefile ({first_line})"
        raise InputFileError(msg) from err
    if gdf.empty:
        msg = f"{path.name}: the file has no features"
        raise InputFileError(msg)
    return gdf


def _standard_columns(
    gdf: gpd.GeoDataFrame, source: str, *, code_col: str | None, name_col: str | None
) -> gpd.GeoDataFrame:
    """Rename the detected (or given) code and name columns to ``ward_code``/``ward_name``."""
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    code = code_col or _pick_column(columns, _CODE_PATTERNS)
    name = name_col or _pick_column(columns, _NAME_PATTERNS)
    missing = [
        f"{what} column {given!r}" if given else f"a {what} column"
        for what, given, found in (("code", code_col, code), ("name", name_col, name))
        if found is None or found not in columns
    ]
    if missing:
        msg = (
            f"{source}: cannot find {' or '.join(missing)} among {columns}; "
            "pass code_col= and name_col="
        )
        raise InputFileError(msg)
    return gpd.GeoDataFrame(
        {
            "ward_code": gdf[code].astype(str).to_numpy(),
            "ward_name": gdf[name].astype(str).to_numpy(),
        },
        geometry=gdf.geometry.to_numpy(),
        crs=gdf.crs,
    )


def district_outline(wards: gpd.GeoDataFrame) -> shapely.Geometry:
    """
    Return the district as one geometry: the union of its wards.

    Parameters
    ----------
    wards
        Wards as returned by `read_wards`.

    Returns
    -------
    shapely.Geometry
        A Polygon or MultiPolygon in the wards' CRS.
    """
    return shapely.union_all(wards.geometry.to_numpy())


def _ward_key(text: str) -> str:
    """Compare ward names and codes without case or spaces: ``"Sevenoaks  eastern"``."""
    return "".join(str(text).split()).casefold()


def select_wards(wards: gpd.GeoDataFrame, spec: str | None) -> gpd.GeoDataFrame:
    """
    Return the wards an ``--area`` names: a comma-separated list of names or codes, or all.

    Names and codes match without regard to case or spaces. A ward name may itself hold
    a comma (``"Brasted, Chevening and Sundridge"``): at each place in the list the
    longest run of comma-separated pieces that names a ward is taken.

    Parameters
    ----------
    wards
        Wards as returned by `read_wards`.
    spec
        ``"all"``, None or an empty string for every ward; otherwise ward names and/or
        ward codes separated by commas.

    Returns
    -------
    geopandas.GeoDataFrame
        The selected rows of `wards`, in their order (by ward code), each once.

    Raises
    ------
    GeoInputError
        For a piece that names no ward (the one-line message lists close names), or a
        list that names none.

    Examples
    --------
    >>> from geo.datasets import get_path
    >>> wards = read_wards(get_path("wards"))
    >>> select_wards(wards, "hextable, E05005021")["ward_name"].tolist()
    ['Kemsing', 'Hextable']
    >>> select_wards(wards, "Brasted, Chevening and Sundridge,Eynsford")["ward_code"].tolist()
    ['E05009957', 'E05009958']
    >>> len(select_wards(wards, "all"))
    26
    """
    if spec is None or _ward_key(spec) in ("", "all"):
        return wards.copy()
    by_key: dict[str, int] = {}
    for position, (code, name) in enumerate(
        zip(wards["ward_code"], wards["ward_name"], strict=True)
    ):
        by_key.setdefault(_ward_key(code), position)
        by_key.setdefault(_ward_key(name), position)
    pieces = spec.split(",")
    chosen: list[int] = []
    start = 0
    while start < len(pieces):
        if not pieces[start].strip():
            start += 1
            continue
        for stop in range(len(pieces), start, -1):  # the longest run naming a ward
            key = _ward_key(",".join(pieces[start:stop]))
            if key in by_key:
                chosen.append(by_key[key])
                start = stop
                break
        else:
            raise GeoInputError(_unknown_ward(pieces[start].strip(), wards))
    if not chosen:
        msg = f"--area {spec!r} names no ward; give ward names or codes, or 'all'"
        raise GeoInputError(msg)
    return wards.iloc[sorted(set(chosen))].copy()


def _unknown_ward(text: str, wards: gpd.GeoDataFrame) -> str:
    """Say in one line that `text` names no ward, with close names."""
    names = wards["ward_name"].astype(str).tolist()
    close = difflib.get_close_matches(
        text.casefold(), [n.casefold() for n in names], n=3, cutoff=0.5
    )
    close_names = [n for n in names if n.casefold() in close]
    hint = (
        f"; did you mean {', '.join(repr(n) for n in close_names)}?"
        if close_names
        else f"; the boundary file has {len(names)} wards, e.g. {names[0]!r}"
    )
    return f"no ward called {text!r}{hint}"


def study_area(
    wards: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    *,
    keep_outside: bool,
    square_m: float = 1000.0,
) -> shapely.Geometry:
    """
    Return the area a run studies: the wards, plus where kept outside incidents are.

    Without `keep_outside` this is `district_outline` (every accepted incident is in a
    ward). With it, the wards are united with the 1 km British National Grid squares
    that hold at least one accepted incident. police.uk points are snapped to streets,
    so those squares approximate the inhabited area around and beyond the wards without
    inventing a boundary; open country with no incident is left out.

    Parameters
    ----------
    wards
        The selected wards (`read_wards`, `select_wards`), EPSG:27700.
    incidents
        The accepted incidents (points in EPSG:27700), of every category.
    keep_outside
        Whether incidents outside every ward were kept on load.
    square_m
        Side of the grid squares in metres (default 1,000; the pipeline passes
        `geo.settings.LoadSettings.study_square_m`).

    Returns
    -------
    shapely.Geometry
        A Polygon or MultiPolygon in EPSG:27700.

    Examples
    --------
    >>> from geo.datasets import get_path
    >>> wards = read_wards(get_path("wards"))
    >>> far = gpd.GeoDataFrame(geometry=gpd.points_from_xy([575_500], [155_500]), crs=BNG)
    >>> area = study_area(wards, far, keep_outside=True)
    >>> area.covers(shapely.box(575_000, 155_000, 576_000, 156_000))
    True
    >>> study_area(wards, far, keep_outside=False).equals(district_outline(wards))
    True
    """
    outline = district_outline(wards)
    if not keep_outside or len(incidents) == 0:
        return outline
    xy = shapely.get_coordinates(incidents.geometry.to_numpy())
    corners = np.unique(np.floor(xy / square_m), axis=0) * square_m
    squares = shapely.box(
        corners[:, 0], corners[:, 1], corners[:, 0] + square_m, corners[:, 1] + square_m
    )
    return shapely.union(outline, shapely.coverage_union_all(squares))
