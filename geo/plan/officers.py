"""The PCSOs who make hot-spot visits, and their weekly shifts (``[[patrol.officers]]``).

The patrol kind (`geo.plan.patrols`) reads them from its section of ``resources.toml``;
the scheduler (`geo.plan.schedule`) places each visit inside one of their shifts.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from geo._errors import GeoInputError

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
"""Day names a shift may start with, Monday first (``datetime.date.weekday`` order)."""


@dataclass(frozen=True, slots=True)
class Shift:
    """
    One weekly shift: a day and the minutes after midnight it starts and ends.

    Examples
    --------
    >>> Shift.parse("Wed 14:00-22:00")
    Shift(day=2, start=840, end=1320)
    >>> str(Shift.parse("mon 8:00-16:30"))
    'Mon 08:00-16:30'
    """

    day: int
    start: int
    end: int

    @classmethod
    def parse(cls, text: str) -> Shift:
        """
        Read ``"Mon 08:00-16:00"`` (a day name, then start and end, end up to 24:00).

        Raises
        ------
        ValueError
            In words, for an unknown day, an unreadable time, or an end not after the start.
        """
        match = _SHIFT.fullmatch(str(text).strip())
        if match is None:
            msg = f"{text!r} is not a shift like 'Mon 08:00-16:00'"
            raise ValueError(msg)
        day = match["day"][:3].capitalize()
        if day not in DAYS:
            msg = f"{text!r} has an unknown day {match['day']!r} (use {', '.join(DAYS)})"
            raise ValueError(msg)
        start, end = _minutes(match["start"], text), _minutes(match["end"], text)
        if end <= start:
            msg = f"{text!r} ends before it starts (a shift past midnight is two shifts)"
            raise ValueError(msg)
        return cls(DAYS.index(day), start, end)

    def __str__(self) -> str:
        """Write the shift back as ``"Mon 08:00-16:00"``."""
        return f"{DAYS[self.day]} {clock(self.start)}-{clock(self.end)}"


_SHIFT = re.compile(r"(?P<day>[A-Za-z]+)\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})")


def _minutes(hhmm: str, text: str) -> int:
    hours, minutes = (int(p) for p in hhmm.split(":"))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        msg = f"{text!r} has an impossible time {hhmm!r}"
        raise ValueError(msg)
    return hours * 60 + minutes


def clock(minutes: int) -> str:
    """
    Write minutes after midnight as ``HH:MM``.

    Examples
    --------
    >>> clock(495)
    '08:15'
    """
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True, slots=True)
class Officer:
    """
    A PCSO who makes hot-spot visits, with the weekly shifts they work.

    Attributes
    ----------
    name
        As it is shown on calendars and task sheets ("PCSO 4567 Jones").
    shifts
        The week's shifts, in day and time order, none overlapping.
    """

    name: str
    shifts: tuple[Shift, ...]


def read_officers(raw: object, where: str) -> tuple[Officer, ...]:
    """
    Read the ``[[patrol.officers]]`` tables of a resources file.

    Parameters
    ----------
    raw
        The value of ``patrol.officers`` as TOML read it.
    where
        The file's name, for messages.

    Returns
    -------
    tuple of Officer
        In file order.

    Raises
    ------
    GeoInputError
        One line naming the file, the officer and the problem: not a table, an
        unknown key, no name, a repeated name, no shifts, a bad day or time, or
        shifts that overlap.

    Examples
    --------
    >>> [o.name for o in read_officers([{"name": "PCSO 1 A", "shifts": ["Mon 08:00-16:00"]}], "r")]
    ['PCSO 1 A']
    >>> try:
    ...     read_officers([{"name": "B", "shifts": ["Mon 08:00-12:00", "Mon 11:00-13"]}], "r")
    ... except GeoInputError as err:
    ...     print(err)
    r: [[patrol.officers]] 1 ('B') shifts: 'Mon 11:00-13' is not a shift like 'Mon 08:00-16:00'
    """
    if not isinstance(raw, list):
        msg = f"{where}: patrol.officers must be a list of [[patrol.officers]] tables"
        raise GeoInputError(msg)
    out: list[Officer] = []
    for i, item in enumerate(raw, start=1):
        at = f"{where}: [[patrol.officers]] {i}"
        if not isinstance(item, dict):
            msg = f"{at} is not a table with name and shifts"
            raise GeoInputError(msg)
        unknown = sorted(set(item) - {"name", "shifts"})
        if unknown:
            msg = f"{at} has unknown keys {unknown}; expected ['name', 'shifts']"
            raise GeoInputError(msg)
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            msg = f"{at} name: give the officer's name as text"
            raise GeoInputError(msg)
        name = " ".join(name.split())
        at = f"{at} ({name!r})"
        if any(o.name == name for o in out):
            msg = f"{at} name: {name!r} is listed twice"
            raise GeoInputError(msg)
        out.append(Officer(name, _read_shifts(item.get("shifts"), at)))
    return tuple(out)


def _read_shifts(raw: object, at: str) -> tuple[Shift, ...]:
    """Read one officer's shifts, sorted, refusing overlaps."""
    if not isinstance(raw, list) or not raw or not all(isinstance(s, str) for s in raw):
        msg = f"{at} shifts: give a list of shifts like ['Mon 08:00-16:00']"
        raise GeoInputError(msg)
    shifts = []
    for text in raw:
        try:
            shifts.append((Shift.parse(text), text))
        except ValueError as err:
            msg = f"{at} shifts: {err}"
            raise GeoInputError(msg) from err
    shifts.sort(key=lambda s: (s[0].day, s[0].start))
    for (a, text_a), (b, text_b) in itertools.pairwise(shifts):
        if a.day == b.day and b.start < a.end:
            msg = f"{at} shifts: {text_b!r} overlaps {text_a!r}"
            raise GeoInputError(msg)
    return tuple(s for s, _ in shifts)
