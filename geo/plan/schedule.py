"""Patrol visits in the officers' shifts: a day, a start time and an officer for each.

The week's visits to each hot spot (`geo.plan.patrols`) are placed one at a time,
the hot spots taking turns, on 15-minute start times inside the officers' shifts
(`geo.plan.officers.Officer`). A start time is scored by

- **when incidents happen there**: where the data have times of day (CSU logs,
  ``date_precision == "minute"``), the share of the hot spot's timed incidents
  on that weekday and hour (smoothed, so a quiet hour is possible but less
  likely); where they have none (police.uk gives months only), every time is alike;
- **spread over the week**: a day that already has a visit to the place counts
  for less (one visit: half, two: a third);
- **unpredictability**: a small fixed-seed jitter, so that visits are not always
  at the start of a shift (the same week always gets the same times).

Koper (1995): visits last `visit_minutes` (10-16 minutes gives the longest
residual deterrence), never back to back at one place (at least `SAME_PLACE_GAP`
minutes between the starts of two visits there), and an officer has `TRAVEL`
minutes between two visits to get from one place to the next.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.plan.officers import DAYS, Officer, clock

STEP = 15
"""Minutes between possible start times in a shift."""

TRAVEL = 15
"""Minutes an officer has between two visits (to walk or drive to the next place)."""

SAME_PLACE_GAP = 120
"""Minutes at least between the starts of two visits to one place (not back to back)."""

MIN_TIMED = 5
"""Timed incidents a place needs before its hours steer the visits."""

KOPER_MINUTES = (10, 16)
"""Koper's (1995) visit length with the longest residual deterrence, in minutes."""


@dataclass(frozen=True, slots=True)
class Visit:
    """
    One scheduled visit.

    Attributes
    ----------
    place
        Position of the place in the list given to `schedule_visits`.
    day
        Day of the week, 0 = Monday.
    start
        Start, minutes after midnight (Europe/London wall-clock time).
    minutes
        Length of the visit.
    officer
        Who makes it.
    """

    place: int
    day: int
    start: int
    minutes: int
    officer: str

    def record(self, week: dt.date, number: int) -> dict[str, object]:
        """
        Return the visit as stored in a patrol row's ``numbers["schedule"]``.

        Examples
        --------
        >>> Visit(0, 2, 870, 15, "PCSO 1 A").record(dt.date(2025, 10, 6), 1)
        {'visit': 1, 'date': '2025-10-08', 'day': 'Wed', 'start': '14:30', 'minutes': 15, 'officer': 'PCSO 1 A'}
        """  # noqa: E501 (a doctest's output is one line)
        return {
            "visit": number,
            "date": (week + dt.timedelta(days=self.day)).isoformat(),
            "day": DAYS[self.day],
            "start": clock(self.start),
            "minutes": self.minutes,
            "officer": self.officer,
        }

    @classmethod
    def of_record(cls, record: dict[str, object], place: int = 0) -> Visit:
        """
        Return a visit from its stored record (`record`), at position `place`.

        Examples
        --------
        >>> rec = Visit(0, 2, 870, 15, "PCSO 1 A").record(dt.date(2025, 10, 6), 1)
        >>> Visit.of_record(rec)
        Visit(place=0, day=2, start=870, minutes=15, officer='PCSO 1 A')
        """
        hours, minutes = str(record["start"]).split(":")
        return cls(
            place=place,
            day=DAYS.index(str(record["day"])),
            start=int(hours) * 60 + int(minutes),
            minutes=int(record["minutes"]),  # type: ignore[call-overload]
            officer=str(record["officer"]),
        )


def hour_weights(
    incidents: gpd.GeoDataFrame, outline: shapely.Geometry, since: pd.Timestamp
) -> np.ndarray | None:
    """
    Count a place's incidents with a time of day by weekday and hour.

    Parameters
    ----------
    incidents
        Incidents (EPSG:27700) with ``occurred`` and ``date_precision``.
    outline
        The place (a hotspot outline).
    since
        Incidents before this are not counted.

    Returns
    -------
    numpy.ndarray or None
        A 7 x 24 array of counts (Monday first), or None when fewer than
        `MIN_TIMED` incidents there have a time of day.
    """
    timed = incidents[(incidents["date_precision"] == "minute") & (incidents["occurred"] >= since)]
    timed = timed[timed.within(outline)]
    if len(timed) < MIN_TIMED:
        return None
    when = pd.DatetimeIndex(timed["occurred"])
    counts = np.zeros((7, 24))
    np.add.at(counts, (when.day_of_week.to_numpy(), when.hour.to_numpy()), 1)
    return counts


def _slots(officers: Sequence[Officer], minutes: int) -> list[tuple[int, int, int]]:
    """Return every (officer index, day, start) a visit of `minutes` fits in a shift."""
    out = []
    for i, officer in enumerate(officers):
        for shift in officer.shifts:
            out.extend(
                (i, shift.day, start) for start in range(shift.start, shift.end - minutes + 1, STEP)
            )
    return out


def schedule_visits(
    counts: Sequence[int],
    weights: Sequence[np.ndarray | None],
    officers: Sequence[Officer],
    *,
    minutes: int,
    seed: int,
) -> tuple[list[list[Visit]], int]:
    """
    Give each place's visits a day, a start time and an officer inside that officer's shifts.

    Parameters
    ----------
    counts
        Visits wanted at each place.
    weights
        Per place, `hour_weights` (incidents by weekday and hour) or None (no times
        known: visits spread evenly).
    officers
        Who can make the visits, and when.
    minutes
        Length of each visit.
    seed
        Seed of the jitter (the week's date ordinal: the same week, the same times).

    Returns
    -------
    tuple
        Per place its visits in time order, and how many visits did not fit.

    Examples
    --------
    >>> from geo.plan.officers import Shift
    >>> jones = Officer("Jones", (Shift.parse("Mon 08:00-12:00"),))
    >>> visits, left = schedule_visits([2, 1], [None, None], [jones], minutes=15, seed=1)
    >>> [[(clock(v.start), v.officer) for v in vs] for vs in visits], left
    ([[('08:15', 'Jones'), ('11:15', 'Jones')], [('08:45', 'Jones')]], 0)
    """
    slots = _slots(officers, minutes)
    rng = np.random.default_rng(seed)
    jitter = rng.random(len(slots)) * 0.1
    shares = [_hour_shares(w) for w in weights]
    busy: list[list[int]] = [[] for _ in officers]  # absolute starts of each officer's visits
    placed: list[list[Visit]] = [[] for _ in counts]
    left = 0
    for place in _turns(counts):
        best, best_score = None, -1.0
        for k, (o, day, start) in enumerate(slots):
            at = day * 1440 + start
            if any(abs(at - b) < minutes + TRAVEL for b in busy[o]):
                continue
            if any(abs(at - (v.day * 1440 + v.start)) < SAME_PLACE_GAP for v in placed[place]):
                continue
            same_day = sum(v.day == day for v in placed[place])
            hour = 1.0 if shares[place] is None else shares[place][day, start // 60]
            score = (hour + jitter[k]) / (1 + same_day)
            if score > best_score:
                best, best_score = (o, day, start), score
        if best is None:
            left += 1
            continue
        o, day, start = best
        busy[o].append(day * 1440 + start)
        placed[place].append(Visit(place, day, start, minutes, officers[o].name))
    return [sorted(vs, key=lambda v: (v.day, v.start)) for vs in placed], left


def _hour_shares(counts: np.ndarray | None) -> np.ndarray | None:
    """Scale counts by weekday and hour to 0-1, with a little for every hour (smoothing)."""
    if counts is None:
        return None
    smooth = counts + 0.25
    return smooth / smooth.max()


def _turns(counts: Sequence[int]) -> list[int]:
    """
    Return places in the order their visits are placed: one each, in turn.

    Examples
    --------
    >>> _turns([3, 1, 2])
    [0, 1, 2, 0, 2, 0]
    """
    out = []
    for r in range(max(counts, default=0)):
        out.extend(p for p, n in enumerate(counts) if n > r)
    return out


def when_words(visits: Sequence[Visit]) -> str:
    """
    Say a place's visits in a few words, grouped by officer.

    Examples
    --------
    >>> when_words([Visit(0, 0, 480, 15, "Jones"), Visit(0, 2, 870, 15, "Jones"),
    ...             Visit(0, 4, 1200, 15, "Patel")])
    'Mon 08:00 and Wed 14:30 (Jones); Fri 20:00 (Patel)'
    """
    by: dict[str, list[str]] = {}
    for v in visits:
        by.setdefault(v.officer, []).append(f"{DAYS[v.day]} {clock(v.start)}")
    return "; ".join(
        f"{', '.join(ts[:-1]) + ' and ' + ts[-1] if len(ts) > 1 else ts[0]} ({name})"
        for name, ts in by.items()
    )
