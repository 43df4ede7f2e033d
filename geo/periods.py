"""Periods of time, one way everywhere: a window, the window before it, and the trend between.

Hotspots, the weekly plan, the PACT view, the quarterly report and its success
measures all compare "now" with "before" through one type, `Window`: a run of
whole months or whole weeks with the run of equal length before it, cut into
slices. `window` makes one ending on a day or month; `months_window` makes one
from its first and last month (a public quarter: "July to September 2025"), and
`Window.year_before` gives the same months a year earlier. They compare with one
set of `TrendRules` (`geo.settings.Settings.trends`: what counts as steady,
emerging or diminishing), so that "steady" means the same on every page and in
every export.

- A **month window** ending with ``2025-09`` of length 3 is Jul-Sep 2025; its
  previous window is Apr-Jun 2025.
- A **week window** ending on a day covers the whole weeks up to that day.
- Slices with no data at all (the months police.uk files are missing for, or weeks
  outside a CSU log) are *unknown*, not zero: trends compare per slice with data and
  say so, or say ``no data``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo._errors import GeoInputError
from geo.settings import TrendRules

DEFAULT_TREND_RULES = TrendRules()
"""The thresholds used when none are given (`geo.settings.Settings.trends` is the tree's)."""


@dataclass(frozen=True, slots=True)
class Window:
    """
    A window of time and the previous window of the same length, cut into slices.

    Make one with `window` (the window ending on a day or month) or `months_window`
    (a run of whole calendar months, both ends given: a public quarter, a report's
    quarter). Two windows are equal when their slices are.

    Attributes
    ----------
    unit
        ``"month"`` or ``"week"``: what a slice is.
    edges
        The ``2 n + 1`` slice boundaries from the start of the previous window to
        the (exclusive) end of the window: slices ``0..n-1`` are the previous
        window, ``n..2n-1`` the window.
    """

    unit: str
    edges: tuple[pd.Timestamp, ...]

    @property
    def n(self) -> int:
        """Slices per window."""
        return (len(self.edges) - 1) // 2

    @property
    def start(self) -> pd.Timestamp:
        """First instant of the window."""
        return self.edges[self.n]

    @property
    def end(self) -> pd.Timestamp:
        """First instant after the window."""
        return self.edges[-1]

    @property
    def prior_start(self) -> pd.Timestamp:
        """First instant of the previous window."""
        return self.edges[0]

    @property
    def first(self) -> str:
        """
        The window's first month, ``YYYY-MM`` (a week window's: the month of its first day).

        Examples
        --------
        >>> q = months_window("2025-07", "2025-09")
        >>> q.first, q.last
        ('2025-07', '2025-09')
        """
        return self.start.strftime("%Y-%m")

    @property
    def last(self) -> str:
        """The window's last month, ``YYYY-MM`` (a week window's: the month of its last day)."""
        return (self.end - pd.Timedelta(days=1)).strftime("%Y-%m")

    def _ends(self, prior: bool) -> tuple[pd.Timestamp, pd.Timestamp]:
        """Return the first instant and the last day of the window (or the previous one)."""
        first, after = (self.prior_start, self.start) if prior else (self.start, self.end)
        return first, after - pd.Timedelta(days=1)

    def label(self, *, prior: bool = False) -> str:
        """
        Say the window (or the previous one) with both ends, as dates.

        Examples
        --------
        >>> window("2025-09", months=3).label()
        '2025-07 to 2025-09'
        """
        first, last = self._ends(prior)
        fmt = "%Y-%m" if self.unit == "month" else "%Y-%m-%d"
        return f"{first.strftime(fmt)} to {last.strftime(fmt)}"

    def words(self, *, prior: bool = False) -> str:
        """
        Say the window in words, as a sergeant would.

        Examples
        --------
        >>> window("2025-09", months=3).words(), window("2025-09", months=1).words()
        ('Jul-Sep 2025', 'Sep 2025')
        >>> window("2025-02", months=3).words(prior=True)
        'Sep-Nov 2024'
        >>> window("2025-09-28", months=None, weeks=2).words()
        '15-28 Sep 2025'
        """
        first, last = self._ends(prior)
        if self.unit == "week":
            head = (
                first.strftime("%d %b %Y")
                if first.year != last.year
                else (
                    first.strftime("%d %b") if first.month != last.month else first.strftime("%d")
                )
            )
            return f"{head.lstrip('0')}-{last.strftime('%d %b %Y').lstrip('0')}"
        if self.n == 1:
            return last.strftime("%b %Y")
        head = first.strftime("%b %Y") if first.year != last.year else first.strftime("%b")
        return f"{head}-{last.strftime('%b %Y')}"

    def long_words(self, *, prior: bool = False) -> str:
        """
        Say the window (or the previous one) in full words, as a public page or a report title does.

        Examples
        --------
        >>> q = months_window("2025-01", "2025-04")
        >>> q.long_words(), q.year_before().long_words()
        ('January to April 2025', 'January to April 2024')
        >>> months_window("2024-11", "2025-01").long_words()
        'November 2024 to January 2025'
        >>> window("2025-09").long_words(prior=True)
        'April to June 2025'
        >>> months_window("2025-05", "2025-05").long_words()
        'May 2025'
        >>> window("2025-09-28", months=None, weeks=2).long_words()
        '15 September to 28 September 2025'
        """
        first, last = self._ends(prior)
        if self.unit == "week":
            start, end = f"{first.day} {first:%B}", f"{last.day} {last:%B %Y}"
            return f"{start}{f' {first.year}' if first.year != last.year else ''} to {end}"
        if first.to_period("M") == last.to_period("M"):
            return last.strftime("%B %Y")
        if first.year == last.year:
            return f"{first.strftime('%B')} to {last.strftime('%B %Y')}"
        return f"{first.strftime('%B %Y')} to {last.strftime('%B %Y')}"

    def month_index(self) -> pd.PeriodIndex:
        """
        Return the window's months, oldest first, as pandas periods (as `months`).

        Examples
        --------
        >>> months_window("2025-07", "2025-09").month_index()
        PeriodIndex(['2025-07', '2025-08', '2025-09'], dtype='period[M]')
        """
        return pd.period_range(self.first, self.last, freq="M")

    def months(self) -> list[str]:
        """
        Return the window's months, oldest first (``YYYY-MM``; a week window's months touched).

        Examples
        --------
        >>> window("2025-09", months=3).months()
        ['2025-07', '2025-08', '2025-09']
        """
        return [str(p) for p in self.month_index()]

    def year_before(self) -> Window:
        """
        Return the same months a year earlier, as a window of the same length.

        A week window goes back 52 weeks, so that its weeks start on the same weekday.

        Examples
        --------
        >>> before = months_window("2025-07", "2025-09").year_before()
        >>> before == months_window("2024-07", "2024-09"), before.words()
        (True, 'Jul-Sep 2024')
        >>> window("2025-09-28", months=None, weeks=2).year_before().words()
        '16-29 Sep 2024'
        """
        if self.unit == "week":
            last_day = self.end - pd.Timedelta(days=1) - pd.Timedelta(weeks=52)
            return window(last_day.strftime("%Y-%m-%d"), months=None, weeks=self.n)
        return window(str(pd.Period(self.last, "M") - 12), months=self.n)

    def contains(self, when: pd.Series, *, prior: bool = False) -> np.ndarray:
        """
        Tell which timestamps fall in the window (or the previous one).

        Examples
        --------
        >>> when = ["2025-06-30 23:59", "2025-07-01 00:00", "2025-09-30 23:59"]
        >>> dates = pd.Series(pd.to_datetime(when))
        >>> months_window("2025-07", "2025-09").contains(dates).tolist()
        [False, True, True]
        """
        lo, hi = (self.prior_start, self.start) if prior else (self.start, self.end)
        values = pd.to_datetime(when)
        return ((values >= lo) & (values < hi)).to_numpy()

    def slice_counts(self, occurred: pd.Series) -> np.ndarray:
        """
        Count dates per slice (``2 n`` ints); dates outside both windows are ignored.

        Examples
        --------
        >>> w = window("2025-09", months=2)  # 2025-08..09, after 2025-06..07
        >>> dates = pd.Series(pd.to_datetime(["2025-06-01", "2025-09-01", "2025-10-01"]))
        >>> w.slice_counts(dates).tolist()
        [1, 0, 0, 1]
        """
        idx = self.slice_index(occurred)
        return np.bincount(idx[idx >= 0], minlength=2 * self.n)

    def slice_index(self, occurred: pd.Series) -> np.ndarray:
        """
        Return each date's slice (``0`` to ``2 n - 1``), or -1 outside both windows.

        Examples
        --------
        >>> w = window("2025-09", months=2)  # 2025-08..09, after 2025-06..07
        >>> w.slice_index(pd.Series(pd.to_datetime(["2025-06-01", "2025-10-01"]))).tolist()
        [0, -1]
        """
        edges = pd.DatetimeIndex(self.edges).as_unit("ns")
        dates = pd.DatetimeIndex(pd.to_datetime(occurred)).as_unit("ns")
        idx = edges.searchsorted(dates, side="right") - 1
        return np.where((idx >= 0) & (idx < 2 * self.n), idx, -1)


def window(as_of: str, *, months: int | None = 3, weeks: int | None = None) -> Window:
    """
    Return the window ending with `as_of` and the previous one of the same length.

    Parameters
    ----------
    as_of
        ``"YYYY-MM"`` (the last month of a month window) or ``"YYYY-MM-DD"`` (the
        last day of a week window; a month window uses only its month).
    months, weeks
        Length of the window; give one (`weeks` wins when both are given).

    Examples
    --------
    >>> w = window("2025-09", months=3)
    >>> w.label(), w.label(prior=True)
    ('2025-07 to 2025-09', '2025-04 to 2025-06')
    >>> w = window("2025-09-28", months=None, weeks=4)
    >>> w.label(), w.label(prior=True), w.n
    ('2025-09-01 to 2025-09-28', '2025-08-04 to 2025-08-31', 4)
    """
    if weeks:
        end = pd.Timestamp(as_of).normalize() + pd.Timedelta(days=1)
        edges = [end - pd.Timedelta(weeks=k) for k in range(2 * weeks, -1, -1)]
        return Window("week", tuple(edges))
    n = months or 3
    last = pd.Period(as_of[:7], freq="M")
    edges = [(last - k + 1).to_timestamp() for k in range(2 * n, -1, -1)]
    return Window("month", tuple(edges))


def months_window(first: str, last: str) -> Window:
    """
    Return the month window from `first` to `last`, both included (and the months before it).

    Parameters
    ----------
    first, last
        Months as ``"YYYY-MM"``; `last` may equal `first` but not come before it.

    Raises
    ------
    GeoInputError
        When a month is not written ``YYYY-MM`` or the window ends before it starts.

    Examples
    --------
    >>> q = months_window("2025-07", "2025-09")
    >>> q == window("2025-09", months=3), q.words(prior=True)
    (True, 'Apr-Jun 2025')
    >>> months_window("2025-04", "2025-01")
    Traceback (most recent call last):
    geo._errors.GeoInputError: the period ends (2025-01) before it starts (2025-04)
    """
    if not all(re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", str(m)) for m in (first, last)):
        msg = f"months must be written YYYY-MM, got {first!r} and {last!r}"
        raise GeoInputError(msg)
    if last < first:  # YYYY-MM strings sort as the months do
        msg = f"the period ends ({last}) before it starts ({first})"
        raise GeoInputError(msg)
    n = (pd.Period(last, "M") - pd.Period(first, "M")).n + 1
    return window(last, months=n)


def data_coverage(incidents: pd.DataFrame, span: Window) -> np.ndarray:
    """
    Tell which slices of `span` have data (``2 n`` bools).

    A month has data when any incident of any category falls in it; a week when
    it lies within the span of the incidents dated to the day (a log that ends on
    the 10th says nothing about the 20th).

    Examples
    --------
    >>> w = window("2025-02", months=2)
    >>> seen = pd.DataFrame({"occurred": pd.to_datetime(["2024-04-01", "2025-01-01"]),
    ...                      "date_precision": "month"})
    >>> data_coverage(seen, w).tolist()
    [False, False, True, False]
    """
    if span.unit == "month":
        return span.slice_counts(incidents["occurred"]) > 0
    dated = incidents.loc[incidents["date_precision"] != "month", "occurred"]
    if dated.empty:
        return np.zeros(2 * span.n, dtype=bool)
    first, last = dated.min(), dated.max()
    edges = span.edges
    return np.array([edges[i + 1] > first and edges[i] <= last for i in range(2 * span.n)])


def _with_data(counts: Sequence[int], covered: Sequence[bool]) -> list[int]:
    return [int(c) for c, k in zip(counts, covered, strict=True) if k]


def trend_words(
    now: Sequence[int],
    before: Sequence[int],
    covered: Sequence[bool],
    *,
    unit: str = "month",
    rules: TrendRules = DEFAULT_TREND_RULES,
) -> tuple[float, str]:
    """
    Say how the window's count compares with the previous window's.

    Parameters
    ----------
    now, before
        Counts per slice of the window and of the previous window (``n`` each).
    covered
        Which of the ``2 n`` slices (previous window first) have data.
    unit
        What a slice is, for the words.
    rules
        The thresholds (``steady`` within ``rules.steady_pct``).

    Returns
    -------
    tuple
        The change in per cent (NaN when there were none before, or no data)
        and the words: ``new``, ``up 40 %``, ``steady``, ``down 25 %`` or
        ``no data``. When a window only partly has data, the change is per slice
        with data and the words say so.

    Examples
    --------
    >>> trend_words([3, 4, 7], [2, 3, 5], [True] * 6)
    (40.0, 'up 40 %')
    >>> trend_words([3, 4, 7], [0, 0, 0], [False] * 3 + [True] * 3)
    (nan, 'no data')
    >>> trend_words([3, 4, 8], [0, 0, 3], [False, False, True] + [True] * 3)
    (66.7, 'up 67 % (per month; data for 1 of 3 earlier months)')
    """
    n = len(now)
    seen, seen_before = _with_data(now, covered[n:]), _with_data(before, covered[:n])
    if not seen or not seen_before:
        return float("nan"), "no data"
    note = ""
    if len(seen) < n or len(seen_before) < n:
        now_part = f"{len(seen)} of {n} {unit}s, " if len(seen) < n else ""
        note = f" (per {unit}; data for {now_part}{len(seen_before)} of {n} earlier {unit}s)"
    if sum(seen_before) == 0:
        return float("nan"), ("new" if sum(seen) else "steady") + note
    rate_now, rate_before = sum(seen) / len(seen), sum(seen_before) / len(seen_before)
    pct = round(100.0 * (rate_now - rate_before) / rate_before, 1)
    if abs(pct) <= rules.steady_pct:
        return pct, "steady" + note
    return pct, f"{'up' if pct > 0 else 'down'} {abs(pct):.0f} %{note}"


def change_words(now: int, before: int | None, *, rules: TrendRules = DEFAULT_TREND_RULES) -> str:
    """
    Say how one total changed from one window to the previous, with the same thresholds.

    Examples
    --------
    >>> change_words(12, 10), change_words(10, 10), change_words(3, None), change_words(2, 0)
    ('up 20 %', 'steady', 'no data', 'new')
    """
    if before is None:
        return "no data"
    return trend_words([now], [before], [True, True], rules=rules)[1]


def trend_class(
    now: Sequence[int],
    before: Sequence[int],
    covered: Sequence[bool],
    *,
    rules: TrendRules = DEFAULT_TREND_RULES,
) -> str:
    """
    Classify a place from its counts per slice.

    ``new`` (none before), ``emerging`` (rate up by `rules.emerging_ratio`),
    ``diminishing`` (down to `rules.diminishing_ratio`), ``persistent`` (every
    slice with data has incidents) or ``intermittent``.

    Examples
    --------
    >>> trend_class([2, 3, 2], [1, 2, 3], [True] * 6)
    'persistent'
    >>> trend_class([2, 0, 2], [1, 2, 1], [True] * 6)
    'intermittent'
    >>> trend_class([5, 5, 5], [2, 3, 3], [True] * 6), trend_class([1, 1, 2], [3, 3, 3], [True] * 6)
    ('emerging', 'diminishing')
    >>> trend_class([0, 1, 2], [0, 0, 0], [True] * 6)
    'new'
    >>> trend_class([1, 2, 3], [0, 0, 0], [False] * 3 + [True] * 3)  # no data before
    'persistent'
    """
    n = len(now)
    seen, seen_before = _with_data(now, covered[n:]), _with_data(before, covered[:n])
    if seen and seen_before:
        rate_now, rate_before = sum(seen) / len(seen), sum(seen_before) / len(seen_before)
        if rate_before == 0:
            return "new" if rate_now > 0 else "intermittent"
        if rate_now <= rate_before * rules.diminishing_ratio:
            return "diminishing"
        if rate_now >= rate_before * rules.emerging_ratio:
            return "emerging"
    if seen and all(c > 0 for c in seen + seen_before):
        return "persistent"
    return "intermittent"
