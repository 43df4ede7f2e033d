"""What the unit has to deploy: read from ``resources.toml``, overridden per week.

The shipped ``resources.toml`` holds the Sevenoaks CSU's real numbers from its own
reports: 5 mobile CCTV cameras (12 in earlier years; the partnership's target is
75 % of cameras deployed at any one time), 6 speed indicator boards, about one
Environmental Visual Audit (EVA) a month, and PCSO hot-spot patrol hours. The
sergeant changes a week's numbers with `WeekOverrides` (a camera in repair, a
site off limits, a site pinned).
"""

from __future__ import annotations

import itertools
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from geo._config import Bound, check_keys, read_toml
from geo._errors import GeoDataWarning, GeoInputError
from geo.datasets import unit_file


def default_resources_path(home: Path | None = None) -> Path:
    """
    Return the resources file to use: ``resources.toml`` in the state folder `home`, if kept.

    Otherwise the shipped file (the Sevenoaks CSU's numbers).
    """
    return unit_file("resources", home)


def _positive(name: str, value: float) -> None:
    if not value > 0:
        msg = f"{name} must be positive, got {value!r}"
        raise GeoInputError(msg)


@dataclass(frozen=True, slots=True, kw_only=True)
class CctvResources:
    """
    Mobile CCTV cameras.

    Attributes
    ----------
    cameras
        Cameras the unit owns.
    view_radius_m
        How far a camera sees usefully (metres): an incident within it is covered.
    min_weeks, max_weeks
        A camera stays at least `min_weeks` on a site (locked in place), and moves
        after `max_weeks` (so that it is not taken for granted).
    target_deployed_share
        The partnership's target share of cameras deployed at once (0.75).
    move_gain
        Between its minimum and maximum stay, a camera moves only if moving raises
        the predicted harm covered by all cameras by at least this share (0.25 =
        25 %): moving costs a site survey, an engineer's visit and community notice.
    """

    cameras: int = 5
    view_radius_m: float = 100.0
    min_weeks: int = 4
    max_weeks: int = 12
    target_deployed_share: float = 0.75
    move_gain: float = 0.25

    def __post_init__(self) -> None:
        _positive("view_radius_m", self.view_radius_m)
        if self.cameras < 0 or not 1 <= self.min_weeks <= self.max_weeks:
            msg = f"cctv: need cameras >= 0 and 1 <= min_weeks <= max_weeks, got {self}"
            raise GeoInputError(msg)


@dataclass(frozen=True, slots=True, kw_only=True)
class SpeedBoardResources:
    """
    Speed indicator boards.

    Attributes
    ----------
    boards
        Boards the unit owns.
    min_weeks, max_weeks
        Weeks a board stays on a site (1-2).
    max_limit_mph
        Boards go only on roads with this speed limit or lower (40 mph).
    rest_weeks
        A site that had a board is not given one again for this many weeks.
    evidence_months
        Speeding evidence counts for this many months before the week.
    same_road_m
        Two sites on a road of the same name within this distance count as one
        road: never two boards on one road.
    """

    boards: int = 6
    min_weeks: int = 1
    max_weeks: int = 2
    max_limit_mph: float = 40.0
    rest_weeks: int = 4
    evidence_months: int = 12
    same_road_m: float = 2000.0

    def __post_init__(self) -> None:
        if self.boards < 0 or not 1 <= self.min_weeks <= self.max_weeks or self.rest_weeks < 0:
            msg = f"speed_board: need boards >= 0, 1 <= min_weeks <= max_weeks, got {self}"
            raise GeoInputError(msg)


@dataclass(frozen=True, slots=True, kw_only=True)
class EvaResources:
    """
    Environmental Visual Audits (a walk-round of a problem place with partners).

    Attributes
    ----------
    per_month
        EVAs the partnership can hold in four weeks (about 1).
    lookback_months
        A place audited within this many months is not suggested again.
    """

    per_month: int = 1
    lookback_months: int = 6


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


@dataclass(frozen=True, slots=True, kw_only=True)
class PatrolResources:
    """
    PCSO hot-spot patrols.

    Attributes
    ----------
    hours_per_week
        PCSO hours available for hot-spot visits this week.
    visit_minutes
        Minutes per visit: Koper (1995) found 10-16 minute stops give the longest
        residual deterrence, so 15.
    max_hotspots
        Hot spots the visits are spread over (the top ones by predicted harm).
    officers
        The PCSOs who make the visits, each with the week's shifts (`Officer`);
        empty: visits are planned without a day, time or officer.
    """

    hours_per_week: float = 20.0
    visit_minutes: int = 15
    max_hotspots: int = 6
    officers: tuple[Officer, ...] = ()

    def __post_init__(self) -> None:
        if self.hours_per_week < 0 or not 1 <= self.visit_minutes <= 120 or self.max_hotspots < 1:
            msg = f"patrol: need hours >= 0, 1 <= visit_minutes <= 120, max_hotspots >= 1: {self}"
            raise GeoInputError(msg)


@dataclass(frozen=True, slots=True, kw_only=True)
class Resources:
    """Everything the unit can deploy in a week."""

    cctv: CctvResources = CctvResources()
    speed_boards: SpeedBoardResources = SpeedBoardResources()
    eva: EvaResources = EvaResources()
    patrols: PatrolResources = PatrolResources()
    extra: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    """Sections of registered resource kinds with no built-in class, as read."""


@dataclass(frozen=True, slots=True, kw_only=True)
class WeekOverrides:
    """
    The sergeant's changes for one week.

    Attributes
    ----------
    cameras, boards
        At most this many units usable this week, or None for all.
    patrol_hours
        PCSO hours this week, or None for the usual.
    out_of_service
        Named units not usable this week ("Camera 3" in repair, "Board 2" lent out).
    excluded_sites
        Site ids that must not be used this week (off limits; for cameras, the
        area within a camera's view of the site).
    pinned_sites
        Site ids where a camera must be this week.
    """

    cameras: int | None = None
    boards: int | None = None
    patrol_hours: float | None = None
    out_of_service: frozenset[str] = field(default_factory=frozenset)
    excluded_sites: frozenset[str] = field(default_factory=frozenset)
    pinned_sites: tuple[str, ...] = ()


BOUNDS: Mapping[str, Mapping[str, Bound]] = {
    "cctv": {
        "cameras": Bound(True, 0, 200),
        "view_radius_m": Bound(False, 10, 1000, "metres"),
        "min_weeks": Bound(True, 1, 104, "weeks"),
        "max_weeks": Bound(True, 1, 104, "weeks"),
        "target_deployed_share": Bound(False, 0, 1),
        "move_gain": Bound(False, 0, 10),
    },
    "speed_board": {
        "boards": Bound(True, 0, 200),
        "min_weeks": Bound(True, 1, 104, "weeks"),
        "max_weeks": Bound(True, 1, 104, "weeks"),
        "max_limit_mph": Bound(False, 10, 70, "mph"),
        "rest_weeks": Bound(True, 0, 104, "weeks"),
        "evidence_months": Bound(True, 1, 120, "months"),
        "same_road_m": Bound(False, 0, 20000, "metres"),
    },
    "eva": {
        "per_month": Bound(True, 0, 31),
        "lookback_months": Bound(True, 0, 120, "months"),
    },
    "patrol": {
        "hours_per_week": Bound(False, 0, 2000, "hours"),
        "visit_minutes": Bound(True, 1, 120, "minutes"),
        "max_hotspots": Bound(True, 1, 200),
    },
}
"""Every setting of ``resources.toml``, by section (the kind's key): its type and allowed
range (the app's controls use the same bounds)."""

_SECTIONS = {
    "cctv": ("cctv", CctvResources),
    "speed_board": ("speed_boards", SpeedBoardResources),
    "eva": ("eva", EvaResources),
    "patrol": ("patrols", PatrolResources),
}
"""Section of ``resources.toml`` (the resource kind's key) -> (`Resources` field, class)."""

OLD_SECTION_NAMES: Mapping[str, str] = {"speed_boards": "speed_board", "patrols": "patrol"}
"""Section names before they were the kinds' keys -> the name now; still read, with a note."""


_CLAIMED: set[str] = set()
"""Sections that registered resource kinds claim (their keys), beside `_SECTIONS`."""


def claim_section(name: str) -> None:
    """Accept a ``[name]`` section in resources files: a registered kind's own settings."""
    _CLAIMED.add(name)


def release_section(name: str) -> None:
    """Stop accepting a section claimed with `claim_section`."""
    _CLAIMED.discard(name)


def read_resources(path: Path | None = None) -> Resources:
    """
    Read a resources TOML file: one section per resource kind, named by its key.

    The sections are ``[cctv]``, ``[speed_board]``, ``[eva]`` and ``[patrol]`` (with
    ``[[patrol.officers]]``), plus any registered kind's own. The names used before,
    ``[speed_boards]`` and ``[patrols]``, are still read, with a `GeoDataWarning` saying
    what to rename (the ``geo`` command prints it as one line).

    Parameters
    ----------
    path
        The file; defaults to the shipped ``resources.toml``.

    Returns
    -------
    Resources
        Missing keys take the defaults documented on each class.

    Raises
    ------
    GeoInputError
        If the file is not TOML, or has unknown sections or keys, or bad values, or a
        section under both its old and its new name.

    Examples
    --------
    >>> r = read_resources()
    >>> r.cctv.cameras, r.speed_boards.boards
    (5, 6)
    """
    path = path or default_resources_path()
    name_of_file = Path(path).name
    data = _renamed_sections(read_toml(Path(path), "resources"), name_of_file)
    unknown = sorted(set(data) - set(_SECTIONS) - _CLAIMED)
    if unknown:
        msg = f"{name_of_file}: unknown sections {unknown}; expected {sorted(_SECTIONS)}"
        raise GeoInputError(msg)
    parts = {}
    for name, (attribute, cls) in _SECTIONS.items():
        values = check_keys(
            data.get(name, {}),
            [f.name for f in fields(cls)],
            file=name_of_file,
            where=f"[{name}]",
        )
        for key, value in values.items():
            if name == "patrol" and key == "officers":
                continue  # a list of officers, checked by read_officers
            BOUNDS[name][key].check(value, file=name_of_file, key=f"{name}.{key}")
        if name == "patrol" and "officers" in values:
            values = {**values, "officers": read_officers(values["officers"], name_of_file)}
        try:
            parts[attribute] = cls(**values)
        except TypeError as err:
            msg = f"{name_of_file}: [{name}] {err}"
            raise GeoInputError(msg) from err
    extra = {k: dict(v) for k, v in data.items() if k not in _SECTIONS}
    return Resources(**parts, extra=extra)


def _renamed_sections(data: Mapping[str, object], file: str) -> dict[str, object]:
    """Move sections under their old names to the kinds' keys, saying so once."""
    out = dict(data)
    for old, new in OLD_SECTION_NAMES.items():
        if old not in out:
            continue
        if new in out:
            msg = f"{file}: [{old}] and [{new}] are the same section; keep [{new}] only"
            raise GeoInputError(msg)
        out[new] = out.pop(old)
        warnings.warn(
            f"{file}: the section [{old}] is now called [{new}] (the kind's key); "
            f"rename it (it is still read)",
            GeoDataWarning,
            stacklevel=3,
        )
    return out
