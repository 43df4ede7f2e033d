"""Public-safe summaries for PACT panels: counts by ward and by cell, never a point.

PACT (Partners and Communities Together) panels are public meetings, so
everything this module returns may be shown to anyone:

- counts are by ward and by square cells of at least 250 m
  (`PublicMapRules.cell_m`), never by incident, and no geometry is a point;
- a count below `PublicMapRules.min_count` (5) is never given as a number: it is
  "fewer than 5" in every table, tooltip and chart, and its numeric column
  holds a missing value;
- where a table's total is shown, a suppressed count could be recovered by
  subtraction (total minus the shown parts). So when the suppressed parts add
  up to between 1 and 4, the smallest shown part is suppressed as well, until
  they do not (secondary suppression, `suppressed_mask`); such a count reads
  "withheld", not "fewer than 5", which would be untrue;
- a trend is given only when both periods' counts are 5 or more, so a
  percentage never reveals a small count;
- cells with fewer than 5 incidents are not returned at all.

What is not protected: ward, cell and monthly counts are three partitions of the
same incidents, and a determined reader who combines all three can narrow down a
suppressed count in some cases. The totals involved are still counts of
police.uk records whose points police.uk has already snapped to anonymous map
points.

Areas are sets of wards, read from ``pact_areas.toml`` (`read_pact_areas`).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo._errors import GeoInputError
from geo._validate import check_gdf
from geo.crs import BNG
from geo.datasets import get_path
from geo.settings import PublicMapRules
from geo.taxonomy import LABELS

"""The shipped PACT areas file."""

NO_COMPARISON = "no comparison data"
"""What a trend says when the data do not cover the same period a year earlier."""

TOO_FEW = "too few to compare"
"""What a trend says when either period has fewer than the threshold."""

WITHHELD = "withheld"
"""What a count hidden by secondary suppression says (it is not small, but would reveal one)."""

PUBLIC_WARD_COLUMNS: tuple[str, ...] = (
    "ward_name",
    "count",
    "shown",
    "last_year",
    "change",
    "geometry",
)
"""Columns of the public ward table (`public_view().wards`)."""

PUBLIC_CELL_COLUMNS: tuple[str, ...] = ("cell_id", "count", "shown", "geometry")
"""Columns of the public cell table (`public_view().cells`)."""


@dataclass(frozen=True, slots=True)
class PactArea:
    """
    One PACT panel's area.

    Attributes
    ----------
    name
        The panel's name, e.g. "Swanley".
    wards
        The names of the wards it covers, as in the ward boundaries.
    """

    name: str
    wards: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Period:
    """
    A run of whole calendar months, both ends included.

    Attributes
    ----------
    first, last
        Months as ``"YYYY-MM"``.

    Examples
    --------
    >>> p = Period("2025-01", "2025-04")
    >>> p.label, p.year_before().label
    ('January to April 2025', 'January to April 2024')
    """

    first: str
    last: str

    def __post_init__(self) -> None:
        if not all(re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", str(m)) for m in (self.first, self.last)):
            msg = f"months must be written YYYY-MM, got {self.first!r} and {self.last!r}"
            raise GeoInputError(msg)
        if pd.Period(self.last, "M") < pd.Period(self.first, "M"):
            msg = f"the period ends ({self.last}) before it starts ({self.first})"
            raise GeoInputError(msg)

    @property
    def months(self) -> pd.PeriodIndex:
        """Every month in the period."""
        return pd.period_range(self.first, self.last, freq="M")

    @property
    def label(self) -> str:
        """The period in words, e.g. "January to April 2025"."""
        start, end = pd.Period(self.first, "M"), pd.Period(self.last, "M")
        if start == end:
            return start.strftime("%B %Y")
        if start.year == end.year:
            return f"{start.strftime('%B')} to {end.strftime('%B %Y')}"
        return f"{start.strftime('%B %Y')} to {end.strftime('%B %Y')}"

    def year_before(self) -> Period:
        """Return the same months a year earlier."""
        shift = [(pd.Period(m, "M") - 12).strftime("%Y-%m") for m in (self.first, self.last)]
        return Period(*shift)

    def contains(self, occurred: pd.Series) -> np.ndarray:
        """Return a mask of the dates in `occurred` that fall in the period."""
        months = pd.to_datetime(occurred).dt.to_period("M")
        return months.isin(self.months).to_numpy()


@dataclass(frozen=True, slots=True, eq=False)
class PublicView:
    """
    Everything a PACT page shows for one area and period; all of it public-safe.

    Attributes
    ----------
    area, period
        What the view is of.
    wards
        One row per ward of the area (`PUBLIC_WARD_COLUMNS`), ward polygons in
        EPSG:27700; ``count`` is missing where ``shown`` says "fewer than N"
        or "withheld".
    cells
        Square cells with at least the threshold count (`PUBLIC_CELL_COLUMNS`),
        clipped to the area, EPSG:27700.
    monthly
        ``month`` (first day), ``series`` ("this period" / "a year earlier"),
        ``count`` (missing when suppressed or not covered), ``shown``.
    total_shown
        The area's count in words ("312", "fewer than 5").
    change
        The area's trend against the same months a year earlier, in words.
    top_issues
        The most common categories, in words with their counts and trends.
    """

    area: PactArea
    period: Period
    wards: gpd.GeoDataFrame
    cells: gpd.GeoDataFrame
    monthly: pd.DataFrame
    total_shown: str
    change: str
    top_issues: tuple[str, ...]

    @property
    def table(self) -> pd.DataFrame:
        """The ward table in words, for display and download."""
        return pd.DataFrame(
            {
                "Ward": self.wards["ward_name"],
                self.period.label: self.wards["shown"],
                "A year earlier": self.wards["last_year"],
                "Change": self.wards["change"],
            }
        ).reset_index(drop=True)


# --- areas -------------------------------------------------------------------------------------


def read_pact_areas(
    path: str | Path | None = None, *, wards: gpd.GeoDataFrame | None = None
) -> tuple[PactArea, ...]:
    """
    Read PACT areas from a TOML file of ``[[area]]`` tables (``name``, ``wards``).

    Parameters
    ----------
    path
        The file; defaults to the shipped ``pact_areas.toml``.
    wards
        If given, every ward name must be one of ``wards["ward_name"]``.

    Returns
    -------
    tuple of PactArea
        In file order.

    Raises
    ------
    GeoInputError
        If the file is malformed, a name repeats, an area has no wards, a ward is
        in two areas, or (with `wards`) a ward name is unknown; the message names
        every problem and suggests the nearest known ward name.

    Examples
    --------
    >>> [a.name for a in read_pact_areas()][:3]
    ['Swanley', 'Edenbridge', 'West Kingsdown']
    """
    path = Path(path) if path is not None else get_path("pact_areas")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        areas = tuple(PactArea(str(a["name"]), tuple(map(str, a["wards"]))) for a in raw["area"])
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as err:
        msg = f"{path.name}: cannot read PACT areas ({err}); expected [[area]] with name and wards"
        raise GeoInputError(msg) from err
    known = None if wards is None else list(wards["ward_name"])
    problems = _area_problems(areas, known)
    if problems:
        msg = f"{path.name}: " + "; ".join(problems)
        raise GeoInputError(msg)
    return areas


def _area_problems(areas: Sequence[PactArea], known: list[str] | None) -> list[str]:
    problems = []
    names = [a.name for a in areas]
    problems += [
        f"area {n!r} appears twice" for n in sorted({n for n in names if names.count(n) > 1})
    ]
    problems += [f"area {a.name!r} has no wards" for a in areas if not a.wards]
    listed = [w for a in areas for w in a.wards]
    problems += [
        f"ward {w!r} is in two areas" for w in sorted({w for w in listed if listed.count(w) > 1})
    ]
    for w in [] if known is None else sorted(set(listed) - set(known)):
        near = difflib.get_close_matches(w, known, n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        problems.append(f"unknown ward {w!r}{hint}")
    return problems


def area_wards(wards: gpd.GeoDataFrame, area: PactArea) -> gpd.GeoDataFrame:
    """
    Return the wards of `area`, in the area's order.

    Parameters
    ----------
    wards
        All wards (``ward_name``, polygons).
    area
        The PACT area.

    Returns
    -------
    geopandas.GeoDataFrame
        The rows of `wards` named in the area.
    """
    check_gdf(wards, name="wards", columns=["ward_name"], geom_types={"Polygon", "MultiPolygon"})
    picked = wards.set_index("ward_name").reindex(list(area.wards))
    missing = picked.index[picked.geometry.isna()].tolist()
    if missing:
        msg = f"PACT area {area.name!r} names wards not in the boundaries: {missing}"
        raise GeoInputError(msg)
    return gpd.GeoDataFrame(picked.reset_index(), geometry="geometry", crs=wards.crs)


# --- small-number rules ------------------------------------------------------------------------


def show_count(count: int, rules: PublicMapRules) -> str:
    """
    Return a count as public text: the number, or "fewer than N" below the threshold.

    Examples
    --------
    >>> rules = PublicMapRules()
    >>> show_count(12, rules), show_count(4, rules), show_count(0, rules)
    ('12', 'fewer than 5', 'fewer than 5')
    """
    return str(int(count)) if count >= rules.min_count else f"fewer than {rules.min_count}"


def suppressed_mask(counts: Sequence[int], rules: PublicMapRules) -> np.ndarray:
    """
    Say which counts of a table with a shown total must be hidden.

    Counts below the threshold are hidden (primary suppression). If the hidden
    counts then add up to between 1 and threshold - 1, the total minus the shown
    counts would reveal a small number, so the smallest shown counts are hidden
    too until the hidden sum reaches the threshold (secondary suppression).

    Parameters
    ----------
    counts
        The parts of one total.
    rules
        The threshold.

    Returns
    -------
    numpy.ndarray of bool
        True where a count must be shown as "fewer than N" or hidden.

    Examples
    --------
    >>> suppressed_mask([12, 3, 40], PublicMapRules()).tolist()
    [True, True, False]
    >>> suppressed_mask([12, 0, 40], PublicMapRules()).tolist()
    [False, True, False]
    """
    values = np.asarray(counts, dtype=np.int64)
    hidden = values < rules.min_count
    for i in np.argsort(values, kind="stable"):
        if not 0 < values[hidden].sum() < rules.min_count:
            break
        hidden[i] = True
    return hidden


def change_words(now: int, before: int | None, rules: PublicMapRules) -> str:
    """
    Describe the change from `before` to `now` without revealing a small count.

    Parameters
    ----------
    now, before
        Counts for the period and the same months a year earlier; `before` is
        None when the data do not cover the earlier months.
    rules
        The threshold: below it in either period there is no percentage.

    Returns
    -------
    str
        "up 20% on a year earlier", "down 8% ...", "about the same as a year
        earlier" (within 5%), `TOO_FEW` or `NO_COMPARISON`.

    Examples
    --------
    >>> rules = PublicMapRules()
    >>> change_words(60, 50, rules), change_words(4, 50, rules), change_words(60, None, rules)
    ('up 20% on a year earlier', 'too few to compare', 'no comparison data')
    """
    if before is None:
        return NO_COMPARISON
    if now < rules.min_count or before < rules.min_count:
        return TOO_FEW
    pct = round(100 * (now - before) / before)
    if abs(pct) < 5:
        return "about the same as a year earlier"
    return f"{'up' if pct > 0 else 'down'} {abs(pct)}% on a year earlier"


# --- the public view ---------------------------------------------------------------------------


def months_covered(incidents: pd.DataFrame) -> frozenset[pd.Period]:
    """Return the months that have at least one incident: the months the data cover."""
    return frozenset(pd.to_datetime(incidents["occurred"]).dt.to_period("M").unique())


def public_view(
    incidents: gpd.GeoDataFrame,
    wards: gpd.GeoDataFrame,
    *,
    area: PactArea,
    period: Period,
    rules: PublicMapRules,
    covered: Iterable[pd.Period] | None = None,
) -> PublicView:
    """
    Summarise the incidents of one PACT area and period for a public audience.

    Parameters
    ----------
    incidents
        Incidents with ``category``, ``occurred`` and ``ward_name`` (the
        incidents table of `geo.incidents`), EPSG:27700. Pass police.uk records
        for a public page.
    wards
        All wards, EPSG:27700.
    area, period
        What to summarise.
    rules
        Cell size and small-count threshold.
    covered
        The months the data cover; defaults to the months `incidents` has any
        row in. A comparison is made only if every month a year earlier is covered.

    Returns
    -------
    PublicView
        Ward and cell counts, monthly series, total, trend and top issues.

    Examples
    --------
    >>> from geo.boundaries import read_wards
    >>> from geo.datasets import get_path
    >>> from geo.incidents import load_incidents
    >>> wards = read_wards(get_path("wards"))
    >>> months = [get_path("police_uk") / f"{y}-0{m}-sevenoaks-street.csv"
    ...           for y in (2024, 2025) for m in (1, 2)]
    >>> incidents = load_incidents(months, wards=wards).accepted
    >>> swanley = read_pact_areas(wards=wards)[0]
    >>> view = public_view(incidents, wards, area=swanley, period=Period("2025-01", "2025-02"),
    ...                    rules=PublicMapRules())
    >>> view.total_shown, view.change
    ('315', 'down 6% on a year earlier')
    """
    check_gdf(incidents, name="incidents", columns=["category", "occurred", "ward_name"])
    covered = months_covered(incidents) if covered is None else frozenset(covered)
    before = period.year_before()
    comparable = set(before.months) <= covered
    local = incidents[incidents["ward_name"].isin(area.wards)]
    now_rows = local[period.contains(local["occurred"])]
    before_rows = local[before.contains(local["occurred"])] if comparable else None
    shapes = area_wards(wards, area)
    return PublicView(
        area=area,
        period=period,
        wards=_ward_counts(shapes, now_rows, before_rows, rules),
        cells=public_cells(now_rows, outline=shapes.union_all(), rules=rules),
        monthly=_monthly(local, period, covered, rules),
        total_shown=show_count(len(now_rows), rules),
        change=change_words(
            len(now_rows), None if before_rows is None else len(before_rows), rules
        ),
        top_issues=_top_issues(now_rows, before_rows, rules),
    )


def _ward_counts(
    shapes: gpd.GeoDataFrame,
    now_rows: pd.DataFrame,
    before_rows: pd.DataFrame | None,
    rules: PublicMapRules,
) -> gpd.GeoDataFrame:
    names = shapes["ward_name"]
    now = now_rows["ward_name"].value_counts().reindex(names, fill_value=0).to_numpy()
    hide_now = suppressed_mask(now, rules)
    if before_rows is None:
        last_year = [NO_COMPARISON] * len(names)
        change = [NO_COMPARISON] * len(names)
    else:
        before = before_rows["ward_name"].value_counts().reindex(names, fill_value=0).to_numpy()
        hide_before = suppressed_mask(before, rules)
        last_year = _shown_series(before, hide_before, rules)
        change = [
            TOO_FEW if hn or hb else change_words(int(n), int(b), rules)
            for n, b, hn, hb in zip(now, before, hide_now, hide_before, strict=True)
        ]
    return gpd.GeoDataFrame(
        {
            "ward_name": names.to_numpy(),
            "count": pd.array(np.where(hide_now, pd.NA, now), dtype="Int64"),
            "shown": _shown_series(now, hide_now, rules),
            "last_year": last_year,
            "change": change,
        },
        geometry=shapes.geometry.to_numpy(),
        crs=shapes.crs,
    )


def _shown_series(counts: np.ndarray, hidden: np.ndarray, rules: PublicMapRules) -> list[str]:
    """Put counts in words: small ones "fewer than N", secondary-suppressed ones `WITHHELD`."""
    return [
        WITHHELD if h and c >= rules.min_count else show_count(int(c), rules)
        for c, h in zip(counts, hidden, strict=True)
    ]


def public_cells(
    incidents: gpd.GeoDataFrame, *, outline: shapely.Geometry, rules: PublicMapRules
) -> gpd.GeoDataFrame:
    """
    Count incidents in square cells and keep only the cells at or above the threshold.

    Cells are aligned to the British National Grid (corners at multiples of
    ``rules.cell_m``), so the same cell has the same id in every period, and are
    clipped to `outline` so no cell reaches outside the area.

    Parameters
    ----------
    incidents
        Points in EPSG:27700.
    outline
        The area's outline (EPSG:27700).
    rules
        Cell size and threshold.

    Returns
    -------
    geopandas.GeoDataFrame
        `PUBLIC_CELL_COLUMNS`; ``cell_id`` is ``"E<easting>N<northing>"`` of the
        cell's lower-left corner in metres; polygons in EPSG:27700.

    Examples
    --------
    >>> from geo.testing import make_incidents
    >>> points = make_incidents([(10, 10)] * 6 + [(900, 900)] * 2)
    >>> cells = public_cells(points, outline=shapely.box(0, 0, 7e5, 7e5), rules=PublicMapRules())
    >>> cells[["cell_id", "shown"]].to_dict("records")
    [{'cell_id': 'E552500N155000', 'shown': '6'}]
    """
    size = rules.cell_m
    ix = np.floor(incidents.geometry.x.to_numpy() / size).astype(np.int64)
    iy = np.floor(incidents.geometry.y.to_numpy() / size).astype(np.int64)
    counts = pd.Series(1, index=pd.MultiIndex.from_arrays([ix, iy])).groupby(level=[0, 1]).sum()
    counts = counts[counts >= rules.min_count]
    cx = counts.index.get_level_values(0).to_numpy() if len(counts) else np.array([], np.int64)
    cy = counts.index.get_level_values(1).to_numpy() if len(counts) else np.array([], np.int64)
    boxes = shapely.box(cx * size, cy * size, (cx + 1) * size, (cy + 1) * size)
    cells = gpd.GeoDataFrame(
        {
            "cell_id": [f"E{x * size:.0f}N{y * size:.0f}" for x, y in zip(cx, cy, strict=True)],
            "count": pd.array(counts.to_numpy(), dtype="Int64"),
            "shown": [show_count(int(c), rules) for c in counts],
        },
        geometry=shapely.intersection(boxes, outline),
        crs=BNG,
    )
    return cells[~cells.geometry.is_empty].reset_index(drop=True)


def _monthly(
    local: pd.DataFrame, period: Period, covered: frozenset[pd.Period], rules: PublicMapRules
) -> pd.DataFrame:
    months = pd.to_datetime(local["occurred"]).dt.to_period("M").value_counts()
    parts = []
    for series, span in (("this period", period), ("a year earlier", period.year_before())):
        counts = months.reindex(span.months, fill_value=0).to_numpy()
        hidden = suppressed_mask(counts, rules)
        absent = ~np.isin(span.months, list(covered))
        parts.append(
            pd.DataFrame(
                {
                    "month": period.months.to_timestamp(),
                    "series": series,
                    "count": pd.array(np.where(hidden | absent, pd.NA, counts), dtype="Int64"),
                    "shown": np.where(absent, "no data", _shown_series(counts, hidden, rules)),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _top_issues(
    now_rows: pd.DataFrame, before_rows: pd.DataFrame | None, rules: PublicMapRules, n: int = 3
) -> tuple[str, ...]:
    now = now_rows["category"].value_counts()
    before = None if before_rows is None else before_rows["category"].value_counts()
    issues = []
    for category, count in now[now >= rules.min_count].head(n).items():
        earlier = None if before is None else int(before.get(category, 0))
        issues.append(
            f"{LABELS.get(category, category)}: {count} ({change_words(count, earlier, rules)})"
        )
    return tuple(issues)


def check_public(frame: pd.DataFrame, rules: PublicMapRules, *, name: str = "frame") -> None:
    """
    Refuse a frame that a public map or table must not show.

    Parameters
    ----------
    frame
        A table (or GeoDataFrame) about to be shown publicly.
    rules
        The threshold.
    name
        The argument's name, for the message.

    Raises
    ------
    GeoInputError
        If it has point geometries, or a number below the threshold in any
        numeric column (counts below the threshold must be missing values).
    """
    problems = []
    if isinstance(frame, gpd.GeoDataFrame) and len(frame):
        kinds = set(frame.geom_type.dropna())
        if kinds - {"Polygon", "MultiPolygon"}:
            problems.append(f"has {sorted(kinds)} geometries; only areas may be shown")
    for column in frame.select_dtypes("number").columns:
        values = pd.to_numeric(frame[column]).dropna()
        if (values < rules.min_count).any():
            problems.append(f"column {column!r} holds counts below {rules.min_count}")
    if problems:
        msg = f"`{name}` is not public-safe: " + "; ".join(problems)
        raise GeoInputError(msg)
