"""What the unit has to deploy: read from ``resources.toml``, overridden per week.

The shipped ``resources.toml`` holds the Sevenoaks CSU's real numbers from its own
reports: 5 mobile CCTV cameras (12 in earlier years; the partnership's target is
75 % of cameras deployed at any one time), 6 speed indicator boards, about one
Environmental Visual Audit (EVA) a month, and PCSO hot-spot patrol hours. The
sergeant changes a week's numbers with `WeekOverrides` (a camera in repair, a
site off limits, a site pinned).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from geo._config import Bound, check_keys, read_toml
from geo._errors import GeoInputError
from geo.datasets import get_path


def default_resources_path() -> Path:
    """
    Return the resources file to use: ``GEO_HOME/resources.toml`` if the unit keeps one.

    Otherwise the shipped file (the Sevenoaks CSU's numbers).
    """
    from geo.home import geo_home

    own = geo_home() / "resources.toml"
    return own if own.is_file() else get_path("resources")


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
            msg = f"speed_boards: need boards >= 0, 1 <= min_weeks <= max_weeks, got {self}"
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
    """

    hours_per_week: float = 20.0
    visit_minutes: int = 15
    max_hotspots: int = 6

    def __post_init__(self) -> None:
        if self.hours_per_week < 0 or not 1 <= self.visit_minutes <= 120 or self.max_hotspots < 1:
            msg = f"patrols: need hours >= 0, 1 <= visit_minutes <= 120, max_hotspots >= 1: {self}"
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
    "speed_boards": {
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
    "patrols": {
        "hours_per_week": Bound(False, 0, 2000, "hours"),
        "visit_minutes": Bound(True, 1, 120, "minutes"),
        "max_hotspots": Bound(True, 1, 200),
    },
}
"""Every setting of ``resources.toml``: its type and allowed range (the app's controls use
the same bounds)."""

_SECTIONS = {
    "cctv": CctvResources,
    "speed_boards": SpeedBoardResources,
    "eva": EvaResources,
    "patrols": PatrolResources,
}


def read_resources(path: Path | None = None) -> Resources:
    """
    Read a resources TOML file (sections ``cctv``, ``speed_boards``, ``eva``, ``patrols``).

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
        If the file is not TOML, or has unknown sections or keys, or bad values.

    Examples
    --------
    >>> r = read_resources()
    >>> r.cctv.cameras, r.speed_boards.boards
    (5, 6)
    """
    path = path or default_resources_path()
    data = read_toml(Path(path), "resources")
    from geo.schema import resource_kinds

    claimed = {k.key for k in resource_kinds()}
    unknown = sorted(set(data) - set(_SECTIONS) - claimed)
    if unknown:
        msg = f"{Path(path).name}: unknown sections {unknown}; expected {sorted(_SECTIONS)}"
        raise GeoInputError(msg)
    parts = {}
    for name, cls in _SECTIONS.items():
        values = check_keys(
            data.get(name, {}),
            [f.name for f in fields(cls)],
            file=Path(path).name,
            where=f"[{name}]",
        )
        for key, value in values.items():
            BOUNDS[name][key].check(value, file=Path(path).name, key=f"{name}.{key}")
        try:
            parts[name] = cls(**values)
        except TypeError as err:
            msg = f"{Path(path).name}: [{name}] {err}"
            raise GeoInputError(msg) from err
    extra = {k: dict(v) for k, v in data.items() if k not in _SECTIONS}
    return Resources(**parts, extra=extra)
