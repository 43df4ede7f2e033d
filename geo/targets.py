"""The partnership's success measures (``targets.toml``) and whether a period met them.

Each measure names a category, a comparison (year on year) and a target change in
percent ("burglary reduced by 2 %" is ``target = -2``). For a period it gives the
police.uk count, the count in the same months a year before, the change with its 95 %
range, and a verdict in words:

- **met**: the change is beyond chance and at or below the target;
- **not met**: the change is beyond chance and above the target;
- **too few to tell**: the change is within chance, so no verdict can honestly be given;
- **no comparison data**: some months of the period or of the year before are not
  loaded. A month with no data is unknown, never zero.

"Within chance" is judged by two exact tests of two Poisson counts over equal months:
the E-test (`scipy.stats.poisson_means_test`, Krishnamoorthy and Thomson 2004) gives the
p-value, and the conditional binomial test (this period's share of both counts) gives the
95 % range of the change (Clopper-Pearson). The change is beyond chance only when the
p-value is below 0.05 *and* the range leaves out no change, so a verdict is never
claimed on a range that holds zero.

"All crime" counts every police.uk crime category; anti-social behaviour is not a crime
and is left out of it (it has a measure of its own).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
from scipy import stats

from geo._config import read_toml
from geo._errors import GeoInputError
from geo.datasets import unit_file
from geo.periods import Window
from geo.taxonomy import CATEGORIES, LABELS, POLICE_UK_CATEGORY

ALL_CRIME = "all_crime"
"""The category of a measure on every police.uk crime category (ASB left out)."""

COMPARISONS: tuple[str, ...] = ("year on year",)
"""The comparisons a measure may make."""

TARGET_RANGE: tuple[float, float] = (-100.0, 100.0)
"""Allowed targets, in percent."""

ALPHA = 0.05
"""A change is beyond chance when its p-value is below this and its 95 % range leaves out 0."""

VERDICTS: tuple[str, ...] = ("met", "not met", "too few to tell", "no comparison data")
"""Every verdict a measure can get."""

_KEYS = ("category", "comparison", "target")
_CRIME_CATEGORIES = frozenset(POLICE_UK_CATEGORY.values()) - {"asb"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Measure:
    """
    One success measure.

    Attributes
    ----------
    category
        `ALL_CRIME` or one of `geo.taxonomy.CATEGORIES`.
    comparison
        One of `COMPARISONS`.
    target
        The change in percent that meets the measure (-2 = reduced by 2 %).
    """

    category: str
    comparison: str = "year on year"
    target: float

    @property
    def label(self) -> str:
        """The measure's category in words ("All crime", "Burglary")."""
        return "All crime" if self.category == ALL_CRIME else LABELS[self.category]

    @property
    def target_words(self) -> str:
        """
        The target in words.

        Examples
        --------
        >>> Measure(category="burglary", target=-2).target_words
        'reduced by 2 %'
        >>> Measure(category="asb", target=0).target_words
        'no rise'
        """
        if self.target == 0:
            return "no rise"
        verb = "reduced" if self.target < 0 else "up by no more than"
        return f"{verb} {'by ' if self.target < 0 else ''}{abs(self.target):g} %"


@dataclass(frozen=True, slots=True, kw_only=True)
class MeasureResult:
    """
    One measure judged on one period.

    Attributes
    ----------
    measure
        The measure.
    period, before
        The period and the same months a year before.
    now, then
        Their counts; None where a month is not loaded.
    change_pct, low_pct, high_pct
        The change in percent and its 95 % range (None without a comparison; `high_pct`
        is ``inf`` when the year before had none).
    p_value
        The E-test's two-sided p-value for "no change".
    verdict
        One of `VERDICTS`.
    missing
        The months (``YYYY-MM``) of either period that are not loaded.
    """

    measure: Measure
    period: Window
    before: Window
    now: int | None
    then: int | None
    change_pct: float | None
    low_pct: float | None
    high_pct: float | None
    p_value: float | None
    verdict: str
    missing: tuple[str, ...]

    @property
    def change_words(self) -> str:
        """
        The change and its 95 % range, e.g. "up 9 % (95 % range -13 % to +37 %)".

        Examples
        --------
        >>> from geo.periods import months_window
        >>> r = judge(Measure(category="burglary", target=-2), months_window("2025-01", "2025-03"),
        ...           now=167, then=153)
        >>> r.change_words
        'up 9 % (95 % range -13 % to +37 %)'
        """
        if self.now is None or self.then is None:
            return "no comparison"
        if self.now + self.then == 0:
            return "none in either"
        if self.change_pct is None:  # none a year before: no percentage
            head = "up from none"
        else:
            pct = round(self.change_pct)
            head = "no change" if pct == 0 else f"{'up' if pct > 0 else 'down'} {abs(pct)} %"
        return f"{head} (95 % range {_signed(self.low_pct)} to {_signed(self.high_pct)})"

    @property
    def words(self) -> str:
        """The result in one sentence, with the numbers behind the verdict."""
        m = self.measure
        if self.verdict == "no comparison data":
            return (
                f"{m.label}: no comparison data, as {', '.join(self.missing)} "
                f"{'is' if len(self.missing) == 1 else 'are'} not loaded "
                "(a month with no data is unknown, not zero)."
            )
        head = (
            f"{m.label}: {self.now:,} in {self.period.long_words()} against {self.then:,} in "
            f"{self.before.long_words()}, {self.change_words}; "
            f"target {m.target_words}: {self.verdict}"
        )
        if self.verdict == "too few to tell":
            return f"{head}, as a change this size is within chance (p = {self.p_value:.2f})."
        return f"{head} (p = {self.p_value:.3f})."


def _signed(pct: float | None) -> str:
    if pct is None or math.isinf(pct):
        return "no upper limit"
    return f"{round(pct):+d} %" if round(pct) else "0 %"


def default_targets_path(home: Path | None = None) -> Path:
    """Return the targets file to use: ``targets.toml`` in the state folder `home`, if kept."""
    return unit_file("targets", home)


def read_targets(path: str | Path | None = None) -> tuple[Measure, ...]:
    """
    Read success measures from a TOML file of ``[[measure]]`` tables.

    Parameters
    ----------
    path
        The file; default `default_targets_path`.

    Returns
    -------
    tuple of Measure
        In file order.

    Raises
    ------
    GeoInputError
        One line naming the file, the measure, the key and what is allowed, for the
        first problem: not TOML, no measures, an unknown or missing key, a wrong type,
        a category that does not exist, a target outside -100..100, a repeated measure.

    Examples
    --------
    >>> [(m.category, m.target) for m in read_targets()]
    [('all_crime', -1.0), ('burglary', -2.0), ('vehicle_crime', -2.0), ('asb', -2.0)]
    """
    path = Path(path) if path is not None else default_targets_path()
    data = read_toml(path, "success measures")  # UTF-8 (a BOM is fine), else one line
    unknown = sorted(set(data) - {"measure"})
    if unknown:
        msg = f"{path.name}: unknown key {unknown[0]!r}; expected [[measure]] tables only"
        raise GeoInputError(msg)
    tables = data.get("measure")
    if not isinstance(tables, list) or not tables:
        msg = f"{path.name}: no [[measure]] tables; expected at least one"
        raise GeoInputError(msg)
    measures = tuple(_measure(path.name, i, t) for i, t in enumerate(tables, start=1))
    seen: set[tuple[str, str]] = set()
    for i, m in enumerate(measures, start=1):
        if (m.category, m.comparison) in seen:
            msg = f"{path.name}: measure {i}: category {m.category!r} is measured twice"
            raise GeoInputError(msg)
        seen.add((m.category, m.comparison))
    return measures


def _measure(name: str, index: int, table: object) -> Measure:
    """Check one ``[[measure]]`` table and return it as a `Measure`."""
    where = f"{name}: measure {index}"
    if not isinstance(table, dict):
        msg = f"{where}: expected a table with keys {list(_KEYS)}"
        raise GeoInputError(msg)
    for key in table:
        if key not in _KEYS:
            msg = f"{where}: unknown key {key!r}; allowed keys: {', '.join(_KEYS)}"
            raise GeoInputError(msg)
    for key in _KEYS:
        if key not in table:
            msg = f"{where}: key {key!r} is missing"
            raise GeoInputError(msg)
    category, comparison, target = table["category"], table["comparison"], table["target"]
    allowed = (ALL_CRIME, *CATEGORIES)
    if not isinstance(category, str) or category not in allowed:
        msg = f"{where}: category {category!r} is not one of {', '.join(allowed)}"
        raise GeoInputError(msg)
    if not isinstance(comparison, str) or comparison not in COMPARISONS:
        msg = f"{where}: comparison {comparison!r} is not one of {', '.join(COMPARISONS)}"
        raise GeoInputError(msg)
    low, high = TARGET_RANGE
    if isinstance(target, bool) or not isinstance(target, int | float) or not low <= target <= high:
        msg = f"{where}: target {target!r} must be a number of percent from {low:g} to {high:g}"
        raise GeoInputError(msg)
    return Measure(category=category, comparison=comparison, target=float(target))


def judge(measure: Measure, period: Window, *, now: int | None, then: int | None) -> MeasureResult:
    """
    Judge a measure from two counts over equal months (None: a month is not loaded).

    Parameters
    ----------
    measure
        The measure.
    period
        The period; the year before is the same months a year earlier.
    now, then
        The counts in the period and in the year before.

    Returns
    -------
    MeasureResult
        With ``missing`` empty (`evaluate_measures` fills it).

    Examples
    --------
    >>> from geo.periods import months_window
    >>> q1 = months_window("2025-01", "2025-03")
    >>> judge(Measure(category="criminal_damage", target=-2), q1, now=181, then=222).verdict
    'met'
    >>> judge(Measure(category="burglary", target=-2), q1, now=167, then=153).verdict
    'too few to tell'
    >>> judge(Measure(category="burglary", target=-2), q1, now=260, then=153).verdict
    'not met'
    >>> judge(Measure(category="burglary", target=-2), q1, now=160, then=None).verdict
    'no comparison data'
    """
    before = period.year_before()
    if now is None or then is None:
        return MeasureResult(
            measure=measure,
            period=period,
            before=before,
            now=now,
            then=then,
            change_pct=None,
            low_pct=None,
            high_pct=None,
            p_value=None,
            verdict="no comparison data",
            missing=(),
        )
    months = len(period.month_index())
    p_value = float(stats.poisson_means_test(now, months, then, months).pvalue)
    if now + then == 0:
        change, low, high = 0.0, None, None
    else:
        share = stats.binomtest(now, now + then, 0.5).proportion_ci(0.95, method="exact")
        change = math.inf if then == 0 else 100.0 * (now / then - 1.0)
        low, high = _ratio_pct(share.low), _ratio_pct(share.high)
    within_chance = low is None or high is None or p_value >= ALPHA or low <= 0.0 <= high
    if within_chance:
        verdict = "too few to tell"
    else:
        verdict = "met" if change <= measure.target else "not met"
    return MeasureResult(
        measure=measure,
        period=period,
        before=before,
        now=now,
        then=then,
        change_pct=None if math.isinf(change) else change,
        low_pct=low,
        high_pct=high,
        p_value=p_value,
        verdict=verdict,
        missing=(),
    )


def _ratio_pct(share: float) -> float:
    """Turn this period's share of both counts into the change in percent."""
    return math.inf if share >= 1.0 else 100.0 * (share / (1.0 - share) - 1.0)


def measure_rows(incidents: pd.DataFrame, measure: Measure) -> pd.DataFrame:
    """
    Return the police.uk rows a measure counts.

    Parameters
    ----------
    incidents
        Incidents with ``category``, ``source`` and ``occurred``.
    measure
        The measure.

    Returns
    -------
    pandas.DataFrame
        The rows of its category (every crime category for `ALL_CRIME`).
    """
    wanted = _CRIME_CATEGORIES if measure.category == ALL_CRIME else {measure.category}
    return incidents[(incidents["source"] == "police.uk") & incidents["category"].isin(wanted)]


def evaluate_measures(
    incidents: pd.DataFrame,
    period: Window,
    measures: Sequence[Measure],
    *,
    covered: frozenset[pd.Period],
) -> tuple[MeasureResult, ...]:
    """
    Judge every measure on `period` against the same months a year before.

    Parameters
    ----------
    incidents
        The loaded incidents.
    period
        The period (a quarter, for the report).
    measures
        The measures (`read_targets`).
    covered
        The months the data cover (police.uk months: `geo.pact.public_months`).

    Returns
    -------
    tuple of MeasureResult
        One per measure, in order. A measure whose months are not all loaded gets
        "no comparison data" and the missing months.

    Examples
    --------
    >>> from geo.pact import public_months
    >>> from geo.periods import months_window
    >>> from geo.pipeline import load
    >>> incidents = load().accepted
    >>> results = evaluate_measures(incidents, months_window("2025-01", "2025-03"), read_targets(),
    ...                             covered=public_months(incidents))
    >>> for r in results:
    ...     print(r.measure.category, r.now, r.then, r.verdict)
    all_crime 1645 1822 met
    burglary 167 153 too few to tell
    vehicle_crime 151 152 too few to tell
    asb 248 217 too few to tell
    """
    before = period.year_before()
    missing = tuple(
        m.strftime("%Y-%m") for p in (before, period) for m in p.month_index() if m not in covered
    )
    now_known = all(m in covered for m in period.month_index())
    then_known = all(m in covered for m in before.month_index())
    results = []
    for measure in measures:
        rows = pd.to_datetime(measure_rows(incidents, measure)["occurred"]).dt.to_period("M")
        # each period's count is unknown only where its own months are not loaded
        now = int(rows.isin(period.month_index()).sum()) if now_known else None
        then = int(rows.isin(before.month_index()).sum()) if then_known else None
        results.append(replace(judge(measure, period, now=now, then=then), missing=missing))
    return tuple(results)
