"""Public-safe summaries for PACT panels: counts by ward and by square, never a point.

PACT (Partners and Communities Together) panels are public meetings, so
everything this module returns may be shown to anyone. The disclosure control
is the one used for published official statistics on small areas (the ONS
approach to small counts: fixed reporting periods, counts rounded to base 5,
small cells suppressed):

- **fixed, non-overlapping periods.** A public view covers one whole calendar
  quarter (January-March, April-June, July-September, October-December), and
  only a quarter whose three months are all loaded (`public_periods`). No two
  offered views nest or overlap, so no view can be subtracted from another
  (Jan-Sep minus Jan-Aug is not offered: `period_refusal` says why);
- **rounding to base 5.** Every count shown (ward, 500 m square, area total,
  top issue, month, a year earlier) is rounded on its own to the nearest
  multiple of 5 (`public_count`). The area total is rounded independently of
  its wards, so the total minus the other wards never gives a ward's count:
  every number that happens to be exact is a multiple of 5, so any sum or
  difference of them is a multiple of 5 and never a count of 1 to 4;
- **small-cell suppression.** A count below `PublicMapRules.min_count` (5) is
  "fewer than 5", never a number; squares below it are not returned at all;
- **trends from published numbers only.** A percentage change is computed from
  the two rounded counts, so it reveals nothing the rounded counts do not.

Rounding is deterministic (the same incidents always give the same number), so
the "a year earlier" column of one quarter repeats the other quarter's own
figures rather than giving a second noisy reading of them. Nothing public says
which numbers happen to be exact: a `PublicCount` is only the text shown and the
number it shows.

- **CSU logs as a series of their own.** police.uk records are public, so anyone
  can count them exactly. A number counting police.uk and CSU rows together
  would give the CSU part away by subtraction (shown 5, police.uk 4: one to three
  CSU reports). So every main number counts police.uk records only, and CSU log
  rows (when ``PublicMapRules.include_csu_logs`` is on) are published as their
  own series (`CsuSeries`: area total, wards, top issues), each number rounded
  and suppressed on its own and never added to a police.uk count.

What is not protected: rounding leaves intervals, and a reader who combines a
quarter's ward, square, month and category tables can narrow a suppressed count
to a range (never to one value by subtraction of exact figures). If the data
behind a quarter change (a re-issued police.uk month, CSU logs switched on), the
two versions differ by a rounded amount. CSU log rows are counted only when
`PublicMapRules.include_csu_logs` is on (`public_rows`), and only in `CsuSeries`.

Areas are sets of wards, read from ``pact_areas.toml`` (`read_pact_areas`).
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo._config import check_keys, read_toml
from geo._errors import GeoInputError
from geo._validate import check_gdf
from geo.crs import BNG
from geo.datasets import get_path
from geo.pact_actions import PublicAction
from geo.periods import DEFAULT_TREND_RULES, Window, change_words, months_window
from geo.settings import PublicMapRules, TrendRules
from geo.taxonomy import LABELS

NO_COMPARISON = "no comparison data"
"""What a trend says when the data do not cover the same period a year earlier."""

TOO_FEW = "too few to compare"
"""What a trend says when either period has fewer than the threshold."""

QUARTER_MONTHS = 3
"""Public periods are whole calendar quarters of this many months."""

CSU_SOURCES: frozenset[str] = frozenset({"csu_log"})
"""Values of the incidents' ``source`` column that are CSU logs (not public data)."""

PLACE_NEAR_M = 300.0
"""A square is named after a place (GeoNames) whose point is this close to its centre."""

WARD_ISSUES = 3
"""How many top issues each ward lists."""


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
class PublicCount:
    """
    One number as a public page shows it.

    Attributes
    ----------
    shown
        The text displayed: a count rounded to the nearest 5 ("25"), or
        "fewer than 5".
    value
        The number shown (for colours and charts), None when suppressed.
        Whether it is the true count is not recorded: nothing public may say so.
    """

    shown: str
    value: int | None

    def as_json(self) -> dict[str, object]:
        """Return ``{"shown": ...}``, as `geo pact --json` prints it."""
        return {"shown": self.shown}


@dataclass(frozen=True, slots=True)
class PublicIssue:
    """
    One of the area's top issues: a category, its public count and its trend.

    Attributes
    ----------
    category
        The category code (e.g. ``"anti_social_behaviour"``).
    label
        The category in words.
    count
        The public count in the period.
    change
        The trend against the same quarter a year earlier, in words.
    """

    category: str
    label: str
    count: PublicCount
    change: str

    @property
    def words(self) -> str:
        """The issue in a sentence fragment, e.g. "Anti-social behaviour: 45 (up 12% ...)"."""
        if not self.change:
            return f"{self.label}: {self.count.shown}"
        return f"{self.label}: {self.count.shown} ({self.change})"

    def as_json(self) -> dict[str, object]:
        """Return ``{"category", "label", "shown"}`` and ``"change"`` when there is one."""
        out: dict[str, object] = {"category": self.category, "label": self.label}
        out |= self.count.as_json()
        return out | ({"change": self.change} if self.change else {})


@dataclass(frozen=True, slots=True)
class CsuSeries:
    """
    CSU log reports of one area and quarter, published apart from police.uk counts.

    Every number is rounded and suppressed on its own (`public_count`) and never
    added to a police.uk count, so subtracting public police.uk counts tells a
    reader nothing about it.

    Attributes
    ----------
    total
        The area's CSU reports.
    wards
        ``(ward name, count, top issues)`` per ward, in the area's order.
    issues
        The area's most common CSU categories.
    """

    total: PublicCount
    wards: tuple[tuple[str, PublicCount, tuple[PublicIssue, ...]], ...]
    issues: tuple[PublicIssue, ...]

    def as_json(self) -> dict[str, object]:
        """Return the series as `geo pact --json` prints it (``csu_logs``)."""
        return {
            "source": "CSU logs",
            "total": self.total.as_json(),
            "wards": [
                {"ward": name, **count.as_json(), "top_issues": [i.as_json() for i in issues]}
                for name, count, issues in self.wards
            ],
            "top_issues": [i.as_json() for i in self.issues],
        }


@dataclass(frozen=True, slots=True, eq=False)
class PublicView:
    """
    Everything a PACT page shows for one area and quarter; all of it public-safe.

    Attributes
    ----------
    area, period
        What the view is of (`period` is one of `public_periods`).
    wards
        One row per ward of the area (``ward_name``, ``count``, ``shown``,
        ``last_year``, ``change``), ward polygons in
        EPSG:27700. ``count`` is the rounded number shown (missing where
        ``shown`` says "fewer than N").
    cells
        Squares with at least the threshold count (``cell_id``, ``name``,
        ``count``, ``shown``),
        clipped to the area, EPSG:27700; ``name`` says where the square is
        ("around Hextable Green"), ``count`` as for wards.
    monthly
        ``month`` (first day of the month of this period), ``series`` ("this
        period" / "a year earlier"), ``count`` (the rounded number, missing when
        suppressed or not covered), ``shown``.
    total
        The area's count.
    last_year
        The area's count in the same quarter a year earlier, None when the data
        do not cover it.
    change
        The area's trend against the same quarter a year earlier, in words.
    issues
        The most common categories with their counts and trends.
    ward_issues
        Each ward's most common categories (no trend), by ward name.
    sources
        Which sources the main numbers count: always ("police.uk",).
    csu
        CSU log reports as their own series, when ``rules.include_csu_logs``.
    rules
        The rules the view was made with.
    actions
        "You said, we did": what was done in each ward in the quarter, from
        deployments the sergeant marked publishable (`geo.pact_actions`); empty
        unless added with `dataclasses.replace`.
    """

    area: PactArea
    period: Window
    wards: gpd.GeoDataFrame
    cells: gpd.GeoDataFrame
    monthly: pd.DataFrame
    total: PublicCount
    last_year: PublicCount | None
    change: str
    issues: tuple[PublicIssue, ...]
    ward_issues: dict[str, tuple[PublicIssue, ...]]
    sources: tuple[str, ...]
    csu: CsuSeries | None
    rules: PublicMapRules
    actions: tuple[PublicAction, ...] = ()

    @property
    def comparable(self) -> bool:
        """Whether the same quarter a year earlier is loaded (else no year-before columns)."""
        return self.last_year is not None

    @property
    def total_shown(self) -> str:
        """The area's count in words ("310", "fewer than 5")."""
        return self.total.shown

    @property
    def top_issues(self) -> tuple[str, ...]:
        """The top issues in words, e.g. "Anti-social behaviour: 45 (down 10% ...)"."""
        return tuple(issue.words for issue in self.issues)

    def ward_issue_words(self, ward: str) -> str:
        """Return a ward's top issues in words ("Violence and sexual offences: 25; ...")."""
        issues = self.ward_issues.get(ward, ())
        return "; ".join(i.words for i in issues) or f"none with {self.rules.min_count} or more"

    @property
    def table(self) -> pd.DataFrame:
        """The ward table in words, for display and download (year-before columns if loaded)."""
        columns = {
            "Ward": self.wards["ward_name"],
            self.period.long_words(): self.wards["shown"],
            "Top issues": [self.ward_issue_words(w) for w in self.wards["ward_name"]],
        }
        if self.comparable:
            columns |= {"A year earlier": self.wards["last_year"], "Change": self.wards["change"]}
        if self.csu is not None:
            csu = {name: count.shown for name, count, _ in self.csu.wards}
            columns["CSU log reports"] = [csu[w] for w in self.wards["ward_name"]]
        return pd.DataFrame(columns).reset_index(drop=True)

    @property
    def year_before_note(self) -> str | None:
        """Said once above the table when the year before is not loaded, else None."""
        if self.comparable:
            return None
        before = self.period.year_before().long_words()
        return f"{before} is not loaded, so there is no comparison with a year earlier."


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
    areas = _typed_areas(read_toml(path, "PACT areas"), path.name)
    known = None if wards is None else list(wards["ward_name"])
    problems = _area_problems(areas, known)
    if problems:
        msg = f"{path.name}: " + "; ".join(problems)
        raise GeoInputError(msg)
    return areas


def _typed_areas(raw: dict[str, object], file: str) -> tuple[PactArea, ...]:
    """Check the file's types: ``[[area]]`` tables of a ``name`` and a list of ``wards`` names."""
    check_keys(raw, ["area", "you_said_we_did"], file=file, where="the file")
    tables = raw.get("area")
    if not isinstance(tables, list) or not tables:
        msg = f"{file}: expected [[area]] tables, each with a name and a list of wards"
        raise GeoInputError(msg)
    areas = []
    for number, table in enumerate(tables, start=1):
        where = f"area {number}"
        check_keys(table, ["name", "wards"], file=file, where=where)
        name, wards = table.get("name"), table.get("wards")
        if not isinstance(name, str) or not name.strip():
            msg = f"{file}: {where}: name must be non-blank text, got {str(name)[:40]!r}"
            raise GeoInputError(msg)
        if not isinstance(wards, list) or not all(isinstance(w, str) and w.strip() for w in wards):
            msg = (
                f"{file}: {where} ({name[:40]!r}): wards must be a list of ward names "
                '(e.g. wards = ["Hextable"]), not blank'
            )
            raise GeoInputError(msg)
        areas.append(PactArea(name, tuple(wards)))
    return tuple(areas)


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


# --- periods -----------------------------------------------------------------------------------


def quarter_of(month: str) -> Window:
    """
    Return the calendar quarter that contains `month` (``"YYYY-MM"``).

    Examples
    --------
    >>> quarter_of("2025-08").long_words()
    'July to September 2025'
    """
    year, number = int(str(month)[:4]), int(months_window(month, month).first[5:])
    first = (number - 1) // QUARTER_MONTHS * QUARTER_MONTHS + 1
    return months_window(f"{year}-{first:02d}", f"{year}-{first + QUARTER_MONTHS - 1:02d}")


def public_periods(covered: Iterable[pd.Period]) -> tuple[Window, ...]:
    """
    Return the periods a public view offers: whole calendar quarters fully covered.

    A quarter is offered only when all three of its months are loaded, so a
    quarter shown while its data are partial can never later be differenced
    against the same quarter complete.

    Parameters
    ----------
    covered
        The months the data cover (`public_months`).

    Returns
    -------
    tuple of Window
        Oldest first; no two overlap.

    Examples
    --------
    >>> months = pd.period_range("2025-01", "2025-08", freq="M")
    >>> [p.long_words() for p in public_periods(months)]
    ['January to March 2025', 'April to June 2025']
    """
    return _full_quarters(frozenset(pd.Period(m, "M") for m in covered))


@functools.lru_cache(maxsize=16)
def _full_quarters(have: frozenset[pd.Period]) -> tuple[Window, ...]:
    quarters = {quarter_of(m.strftime("%Y-%m")) for m in have}
    full = [q for q in quarters if set(q.month_index()) <= have]
    return tuple(sorted(full, key=lambda q: q.first))


def period_refusal(period: Window, covered: Iterable[pd.Period]) -> str | None:
    """
    Say why a public view of `period` is not offered, or None when it is.

    Parameters
    ----------
    period
        The period asked for.
    covered
        The months the data cover.

    Returns
    -------
    str or None
        The reason in words.

    Examples
    --------
    >>> months = pd.period_range("2025-01", "2025-09", freq="M")
    >>> period_refusal(months_window("2025-07", "2025-09"), months) is None
    True
    >>> period_refusal(months_window("2025-01", "2025-08"), months)[:62]
    'public periods are whole calendar quarters that never overlap '
    """
    covered = list(covered)
    if quarter_of(period.first) != period:
        offered = ", ".join(f"{q.first}..{q.last}" for q in public_periods(covered)) or "none"
        return (
            "public periods are whole calendar quarters that never overlap "
            "(January-March, April-June, July-September, October-December), so that "
            f"no view can be subtracted from another; offered: {offered}"
        )
    have = {pd.Period(m, "M") for m in covered}
    missing = [m.strftime("%Y-%m") for m in period.month_index() if m not in have]
    if missing:
        return f"the data do not cover {', '.join(missing)}, so the quarter is not complete"
    return None


# --- small-number rules ------------------------------------------------------------------------


def public_count(count: int, rules: PublicMapRules) -> PublicCount:
    """
    Return a count as a public page shows it: rounded to base 5, or suppressed.

    A count below ``rules.min_count`` reads "fewer than N". Any other count is
    rounded to the nearest multiple of ``rules.rounding_base`` (halves up), and never
    below the threshold.

    Examples
    --------
    >>> rules = PublicMapRules()
    >>> [public_count(c, rules).shown for c in (0, 4, 5, 7, 8, 25, 1234)]
    ['fewer than 5', 'fewer than 5', '5', '5', '10', '25', '1,235']
    >>> public_count(25, rules) == public_count(27, rules)  # nothing says which is exact
    True
    """
    count = int(count)
    if count < rules.min_count:
        return PublicCount(f"fewer than {rules.min_count}", None)
    base = rules.rounding_base
    floor = -(-rules.min_count // base) * base
    shown = max(floor, (count + base // 2) // base * base)
    return PublicCount(f"{shown:,}", shown)


def public_change(
    now: int | None, before: int | None, rules: PublicMapRules, trends: TrendRules
) -> str:
    """
    Describe the change from `before` to `now`, given the numbers shown.

    Pass the rounded numbers a page shows (`PublicCount.value`), so the
    percentage reveals nothing they do not. The words are `geo.periods.change_words`'s,
    the same on every page, said for a public reader.

    Parameters
    ----------
    now, before
        The numbers shown for the period and the same months a year earlier;
        None when suppressed.
    rules
        The threshold: below it in either period there is no percentage.
    trends
        What counts as steady (`geo.settings.Settings.trends`).

    Returns
    -------
    str
        "up 20 % on a year earlier", "down 18 % ...", "about the same as a year
        earlier" (``steady``), or `TOO_FEW`.

    Examples
    --------
    >>> rules, trends = PublicMapRules(), TrendRules()
    >>> public_change(60, 50, rules, trends), public_change(None, 50, rules, trends)
    ('up 20 % on a year earlier', 'too few to compare')
    >>> public_change(55, 50, rules, trends)
    'about the same as a year earlier'
    """
    if now is None or before is None or now < rules.min_count or before < rules.min_count:
        return TOO_FEW
    words = change_words(now, before, rules=trends)
    return "about the same as a year earlier" if words == "steady" else f"{words} on a year earlier"


def _trend(
    now: PublicCount, before: PublicCount | None, rules: PublicMapRules, trends: TrendRules
) -> str:
    if before is None:
        return NO_COMPARISON
    return public_change(now.value, before.value, rules, trends)


# --- the public view ---------------------------------------------------------------------------


def months_covered(incidents: pd.DataFrame) -> frozenset[pd.Period]:
    """Return the months that have at least one incident: the months the data cover."""
    return frozenset(pd.to_datetime(incidents["occurred"]).dt.to_period("M").unique())


def public_months(incidents: pd.DataFrame) -> frozenset[pd.Period]:
    """
    Return the months a public view may cover: those with police.uk records.

    A month with only CSU log rows is not a police.uk month, and a quarter
    built on it would be incomplete.
    """
    if "source" not in incidents.columns:
        return months_covered(incidents)
    return months_covered(incidents[incidents["source"] == "police.uk"])


def public_rows(incidents: gpd.GeoDataFrame, rules: PublicMapRules) -> gpd.GeoDataFrame:
    """
    Keep the rows a public view may count.

    police.uk records always; CSU log rows only when ``rules.include_csu_logs``
    is on (they then go through the same rounding and suppression); other
    sources (speeding data) never.

    Examples
    --------
    >>> from geo.testing import make_incidents
    >>> rows = make_incidents([(0, 0)] * 3).assign(source=["police.uk", "csu_log", "speed"])
    >>> len(public_rows(rows, PublicMapRules()))
    1
    >>> len(public_rows(rows, PublicMapRules(include_csu_logs=True)))
    2
    """
    if "source" not in incidents.columns:
        return incidents
    allowed = {"police.uk", *(CSU_SOURCES if rules.include_csu_logs else ())}
    return incidents[incidents["source"].isin(allowed)]


def public_view(
    incidents: gpd.GeoDataFrame,
    wards: gpd.GeoDataFrame,
    *,
    area: PactArea,
    period: Window,
    rules: PublicMapRules,
    covered: Iterable[pd.Period] | None = None,
    places: gpd.GeoDataFrame | None = None,
    trends: TrendRules = DEFAULT_TREND_RULES,
) -> PublicView:
    """
    Summarise the incidents of one PACT area and quarter for a public audience.

    Parameters
    ----------
    incidents
        Incidents with ``category``, ``occurred`` and ``ward_name`` (the
        incidents table of `geo.incidents`), EPSG:27700. Rows that are not
        police.uk (or CSU logs, when ``rules.include_csu_logs``) are left out.
    wards
        All wards, EPSG:27700.
    area, period
        What to summarise; `period` must be one of `public_periods`.
    rules
        Cell size, small-count threshold, whether CSU logs count.
    covered
        The months the data cover; defaults to `public_months`. A comparison
        is made only if every month a year earlier is covered.
    places
        Place names (``name``, points, EPSG:27700) to name squares by, e.g.
        `geo.maps.places.place_names`; without them squares are named by
        their most common police.uk street.
    trends
        What counts as steady (`geo.settings.Settings.trends`; pass the tree's).

    Returns
    -------
    PublicView
        Ward and square counts, monthly series, total, trend and top issues.

    Raises
    ------
    GeoInputError
        If `period` is not offered (`period_refusal`).

    Examples
    --------
    >>> from geo.boundaries import read_wards
    >>> from geo.datasets import get_path
    >>> from geo.incidents import load_incidents
    >>> wards = read_wards(get_path("wards"))
    >>> months = [get_path("police_uk") / f"{y}-0{m}-sevenoaks-street.csv"
    ...           for y in (2024, 2025) for m in (1, 2, 3)]
    >>> incidents = load_incidents(months, wards=wards).accepted
    >>> swanley = read_pact_areas(wards=wards)[0]
    >>> q1 = months_window("2025-01", "2025-03")
    >>> view = public_view(incidents, wards, area=swanley, period=q1, rules=PublicMapRules())
    >>> view.total_shown, view.change
    ('460', 'down 11 % on a year earlier')
    """
    check_gdf(incidents, name="incidents", columns=["category", "occurred", "ward_name"])
    covered = public_months(incidents) if covered is None else frozenset(covered)
    refusal = period_refusal(period, covered)
    if refusal is not None:
        msg = f"{period.first}..{period.last}: {refusal}"
        raise GeoInputError(msg)
    rows = public_rows(incidents, rules)
    in_area = rows[rows["ward_name"].isin(area.wards)]
    is_csu = _is_csu(in_area)
    local = in_area[~is_csu]  # the main numbers: police.uk records only
    before = period.year_before()
    comparable = set(before.month_index()) <= covered
    now_rows = local[period.contains(local["occurred"])]
    before_rows = local[before.contains(local["occurred"])] if comparable else None
    shapes = area_wards(wards, area)
    total = public_count(len(now_rows), rules)
    last_year = None if before_rows is None else public_count(len(before_rows), rules)
    csu_rows = in_area[is_csu]
    csu_now = csu_rows[period.contains(csu_rows["occurred"])]
    return PublicView(
        area=area,
        period=period,
        wards=_ward_counts(shapes, now_rows, before_rows, rules, trends),
        cells=public_cells(
            now_rows, outline=shapes.union_all(), rules=rules, places=places, name=True
        ),
        monthly=_monthly(local, period, covered, rules),
        total=total,
        last_year=last_year,
        change=_trend(total, last_year, rules, trends),
        issues=_top_issues(now_rows, before_rows, rules, trends=trends),
        ward_issues=_ward_issues(area.wards, now_rows, rules),
        sources=("police.uk",),
        csu=_csu_series(area.wards, csu_now, rules) if rules.include_csu_logs else None,
        rules=rules,
    )


def _is_csu(rows: pd.DataFrame) -> np.ndarray:
    if "source" not in rows.columns:
        return np.zeros(len(rows), dtype=bool)
    return rows["source"].isin(CSU_SOURCES).to_numpy()


def _ward_issues(
    names: Sequence[str], rows: pd.DataFrame, rules: PublicMapRules
) -> dict[str, tuple[PublicIssue, ...]]:
    """Each ward's top issues, counted and rounded on their own (no trend)."""
    by_ward = dict(list(rows.groupby("ward_name", observed=True)))
    return {
        name: _top_issues(by_ward.get(name, rows.iloc[0:0]), None, rules, WARD_ISSUES)
        for name in names
    }


def _csu_series(names: Sequence[str], rows: pd.DataFrame, rules: PublicMapRules) -> CsuSeries:
    """CSU log rows of the quarter as their own rounded series (never added to police.uk)."""
    counts = rows["ward_name"].value_counts()
    issues = _ward_issues(names, rows, rules)
    wards = tuple(
        (str(name), public_count(int(counts.get(name, 0)), rules), issues[name]) for name in names
    )
    return CsuSeries(
        total=public_count(len(rows), rules),
        wards=wards,
        issues=_top_issues(rows, None, rules),
    )


def _ward_counts(
    shapes: gpd.GeoDataFrame,
    now_rows: pd.DataFrame,
    before_rows: pd.DataFrame | None,
    rules: PublicMapRules,
    trends: TrendRules,
) -> gpd.GeoDataFrame:
    names = shapes["ward_name"]
    now = [
        public_count(c, rules)
        for c in now_rows["ward_name"].value_counts().reindex(names, fill_value=0)
    ]
    if before_rows is None:
        before: list[PublicCount | None] = [None] * len(names)
    else:
        counts = before_rows["ward_name"].value_counts().reindex(names, fill_value=0)
        before = [public_count(c, rules) for c in counts]
    return gpd.GeoDataFrame(
        {
            "ward_name": names.to_numpy(),
            "count": _int_array([c.value for c in now]),
            "shown": [c.shown for c in now],
            "last_year": [NO_COMPARISON if b is None else b.shown for b in before],
            "change": [_trend(n, b, rules, trends) for n, b in zip(now, before, strict=True)],
        },
        geometry=shapes.geometry.to_numpy(),
        crs=shapes.crs,
    )


def _int_array(values: Sequence[int | None]) -> pd.arrays.IntegerArray:
    return pd.array([pd.NA if v is None else int(v) for v in values], dtype="Int64")


def public_cells(
    incidents: gpd.GeoDataFrame,
    *,
    outline: shapely.Geometry,
    rules: PublicMapRules,
    places: gpd.GeoDataFrame | None = None,
    name: bool = False,
) -> gpd.GeoDataFrame:
    """
    Count incidents in square cells and keep only the cells at or above the threshold.

    Cells are aligned to the British National Grid (corners at multiples of
    ``rules.cell_m``), so the same cell has the same id in every period, and are
    clipped to `outline` so no cell reaches outside the area. Counts are
    rounded like every public count (`public_count`).

    Parameters
    ----------
    incidents
        Points in EPSG:27700.
    outline
        The area's outline (EPSG:27700).
    rules
        Cell size and threshold.
    places
        Place names to name squares by (`square_names`).
    name
        Whether to name the squares (`square_names`); else ``name`` is the id.

    Returns
    -------
    geopandas.GeoDataFrame
        ``cell_id``, ``name``, ``count``, ``shown``; ``cell_id`` is
        ``"E<easting>N<northing>"`` of the cell's lower-left corner in metres,
        ``name`` where it is; polygons in EPSG:27700.

    Examples
    --------
    >>> from geo.testing import make_incidents
    >>> points = make_incidents([(10, 10)] * 6 + [(900, 900)] * 2)
    >>> cells = public_cells(points, outline=shapely.box(0, 0, 7e5, 7e5), rules=PublicMapRules())
    >>> cells[["cell_id", "shown"]].to_dict("records")
    [{'cell_id': 'E552500N155000', 'shown': '5'}]
    """
    size = rules.cell_m
    ix = np.floor(incidents.geometry.x.to_numpy() / size).astype(np.int64)
    iy = np.floor(incidents.geometry.y.to_numpy() / size).astype(np.int64)
    counts = pd.Series(1, index=pd.MultiIndex.from_arrays([ix, iy])).groupby(level=[0, 1]).sum()
    counts = counts[counts >= rules.min_count]
    cx = counts.index.get_level_values(0).to_numpy() if len(counts) else np.array([], np.int64)
    cy = counts.index.get_level_values(1).to_numpy() if len(counts) else np.array([], np.int64)
    boxes = shapely.box(cx * size, cy * size, (cx + 1) * size, (cy + 1) * size)
    shown = [public_count(c, rules) for c in counts]
    ids = [f"E{x * size:.0f}N{y * size:.0f}" for x, y in zip(cx, cy, strict=True)]
    cells = gpd.GeoDataFrame(
        {
            "cell_id": ids,
            "name": square_names(boxes, incidents, places) if name else ids,
            "count": _int_array([c.value for c in shown]),
            "shown": [c.shown for c in shown],
        },
        geometry=shapely.intersection(boxes, outline),
        crs=BNG,
    )
    return cells[~cells.geometry.is_empty].reset_index(drop=True)


def square_names(
    boxes: Sequence[shapely.Geometry],
    incidents: pd.DataFrame,
    places: gpd.GeoDataFrame | None,
) -> list[str]:
    """
    Name squares by where they are: "around <place>" or "around <street>".

    A square is named after a place (``places["name"]``) whose point is within
    `PLACE_NEAR_M` of its centre; otherwise after the street most of its
    police.uk records are "on or near" (the public street, never an address),
    taking the next street when a name is already used; otherwise "near
    <nearest place>".

    Parameters
    ----------
    boxes
        The squares (shapely polygons, EPSG:27700).
    incidents
        The points counted, with police.uk ``location`` if known.
    places
        ``name`` and points in EPSG:27700, or None.

    Returns
    -------
    list of str
        One name per square, distinct.

    Examples
    --------
    >>> from geo.testing import make_incidents
    >>> points = make_incidents([(10, 10)] * 5)
    >>> points[["source", "location"]] = ["police.uk", "On or near Hextable Green"]
    >>> box = shapely.buffer(points.geometry.iloc[0], 250, cap_style="square")
    >>> square_names([box], points, None), square_names([box], points.iloc[0:0], None)
    (['around Hextable Green'], ['near this square'])
    """
    used: set[str] = set()
    names = []
    xy = shapely.get_coordinates(incidents.geometry.to_numpy()) if len(incidents) else None
    for box in boxes:
        candidates = _near_places(box, places, PLACE_NEAR_M)
        candidates += _streets_in(box, incidents, xy)
        fallback = _near_places(box, places, np.inf)[:1] or ["this square"]
        pick = next((c for c in candidates if c not in used), None)
        text = f"around {pick}" if pick else f"near {fallback[0]}"
        while text in used or (pick is None and text in names):
            text += " (another square)"
        used.add(pick or text)
        names.append(text)
    return names


def _near_places(box: shapely.Geometry, places: gpd.GeoDataFrame | None, within: float) -> list:
    if places is None or not len(places):
        return []
    distance = places.geometry.distance(box.centroid)
    near = places.assign(distance=distance.to_numpy())
    near = near[near["distance"] <= within].sort_values(["distance", "name"])
    return [str(n) for n in near["name"]]


def _streets_in(box: shapely.Geometry, incidents: pd.DataFrame, xy: np.ndarray | None) -> list:
    if xy is None or "location" not in incidents.columns:
        return []
    minx, miny, maxx, maxy = box.bounds
    inside = (xy[:, 0] >= minx) & (xy[:, 0] < maxx) & (xy[:, 1] >= miny) & (xy[:, 1] < maxy)
    rows = incidents[inside]
    if "source" in rows.columns:
        rows = rows[rows["source"] == "police.uk"]  # police.uk streets are public; CSU text is not
    from geo.maps.places import street_name  # folium with it: only when squares are named

    streets = rows["location"].map(street_name).value_counts()
    streets = streets[streets.index != ""]
    ordered = sorted(streets.items(), key=lambda item: (-item[1], item[0]))
    return [street for street, _ in ordered]


def _monthly(
    local: pd.DataFrame, period: Window, covered: frozenset[pd.Period], rules: PublicMapRules
) -> pd.DataFrame:
    months = pd.to_datetime(local["occurred"]).dt.to_period("M").value_counts()
    parts = []
    for series, span in (("this period", period), ("a year earlier", period.year_before())):
        counts = [public_count(c, rules) for c in months.reindex(span.month_index(), fill_value=0)]
        absent = [m not in covered for m in span.month_index()]
        parts.append(
            pd.DataFrame(
                {
                    "month": period.month_index().to_timestamp(),
                    "series": series,
                    "count": _int_array(
                        [None if a else c.value for c, a in zip(counts, absent, strict=True)]
                    ),
                    "shown": [
                        "no data" if a else c.shown for c, a in zip(counts, absent, strict=True)
                    ],
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _top_issues(
    now_rows: pd.DataFrame,
    before_rows: pd.DataFrame | None,
    rules: PublicMapRules,
    n: int = 3,
    *,
    trends: TrendRules | None = None,
) -> tuple[PublicIssue, ...]:
    """Return the most common categories, each with its trend when `trends` are given."""
    now = now_rows["category"].value_counts()
    before = None if before_rows is None else before_rows["category"].value_counts()
    issues = []
    for category, count in now[now >= rules.min_count].items():
        shown = public_count(int(count), rules)
        earlier = None if before is None else public_count(int(before.get(category, 0)), rules)
        label = LABELS.get(str(category), str(category))
        use = trends is not None and earlier is not None
        change = _trend(shown, earlier, rules, trends) if use else ""  # type: ignore[arg-type]
        issues.append(PublicIssue(str(category), label, shown, change))
    # order by the number shown (then by name), so the order reveals nothing the numbers do not
    issues.sort(key=lambda issue: (-(issue.count.value or 0), issue.label))
    return tuple(issues[:n])


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


# --- the view as data --------------------------------------------------------------------------


def view_json(view: PublicView, *, squares: bool) -> dict[str, object]:
    """
    Return a public view as plain data, as `geo pact --json` prints it.

    Parameters
    ----------
    view
        From `public_view`.
    squares
        Whether to list the squares (the page shows them when asked).

    Returns
    -------
    dict
        ``area``, ``period`` (``from``, ``to``), ``sources`` (what the main
        numbers count: police.uk), ``total``, ``wards`` (each with its own
        ``top_issues``: ``category``, ``label``, ``shown``), ``squares`` (id
        and ``name``), ``top_issues``, ``trend``, ``notes``, ``you_said_we_did``
        (what was done, by ward, in words: ``ward``, ``kind``, ``words``,
        ``places``; only deployments marked publishable), and ``csu_logs``
        (CSU log reports as their own series) when they are included. Every
        number is ``{"shown": text}``: nothing says which numbers are exact.
        The year-before keys (``a_year_earlier``, ``change``) are left out
        where the year before is not loaded, and ``notes`` says so once.
    """
    wards = []
    for w in view.wards.itertuples():
        ward: dict[str, object] = {"ward": str(w.ward_name), "shown": str(w.shown)}
        ward["top_issues"] = [i.as_json() for i in view.ward_issues.get(str(w.ward_name), ())]
        if view.comparable:
            ward |= {"a_year_earlier": str(w.last_year), "change": str(w.change)}
        wards.append(ward)
    cells = view.cells if squares else view.cells.iloc[0:0]
    out: dict[str, object] = {
        "area": view.area.name,
        "period": {"from": view.period.first, "to": view.period.last},
        "sources": list(view.sources),
        "total": view.total.as_json(),
        "wards": wards,
        "squares": [
            {"square": str(c.cell_id), "name": str(c.name), "shown": str(c.shown)}
            for c in cells.itertuples()
        ],
        "top_issues": [i.as_json() for i in view.issues],
        "trend": {
            "change": view.change,
            "a_year_earlier": None if view.last_year is None else view.last_year.as_json(),
            "months": _months_json(view.monthly, comparable=view.comparable),
        },
        "notes": [view.year_before_note] if view.year_before_note else [],
        "you_said_we_did": [a.as_json() for a in view.actions],
    }
    if view.csu is not None:
        out["csu_logs"] = view.csu.as_json()
    return out


def _months_json(monthly: pd.DataFrame, *, comparable: bool) -> list[dict[str, object]]:
    now = monthly[monthly["series"] == "this period"].reset_index(drop=True)
    before = monthly[monthly["series"] == "a year earlier"].reset_index(drop=True)
    months = []
    for (_, n), (_, b) in zip(now.iterrows(), before.iterrows(), strict=True):
        month: dict[str, object] = {"month": n["month"].strftime("%Y-%m"), "shown": str(n["shown"])}
        if comparable:
            month["a_year_earlier"] = {"shown": str(b["shown"])}
        months.append(month)
    return months


def refused_json(period: Window, reason: str) -> dict[str, object]:
    """
    Return a period the public view does not offer, as `geo pact --json` prints it.

    Examples
    --------
    >>> refused_json(months_window("2025-01", "2025-08"), "not a quarter")
    {'period': {'from': '2025-01', 'to': '2025-08'}, 'refused': 'not a quarter'}
    """
    return {"period": {"from": period.first, "to": period.last}, "refused": reason}
