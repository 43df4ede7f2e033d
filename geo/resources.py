"""What the unit has to deploy: ``resources.toml``, one section per resource kind.

Each registered kind (`geo.schema.ResourceKind`) names its own section by its key
(``[cctv]``, ``[speed_board]``, ``[eva]``, ``[patrol]``) and brings the frozen
dataclass that holds it, with each setting's allowed range; this module reads a file
against whatever kinds it is given and knows none of them by name. The shipped
``resources.toml`` holds the Sevenoaks CSU's real numbers from its own reports (5 mobile
CCTV cameras, 6 speed indicator boards, about one EVA a month, PCSO hot-spot hours).

The sergeant changes a week's numbers with `WeekOverrides`: an amount per kind (at
most 3 cameras, 10 patrol hours), named units out of service, sites off limits or
pinned.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from geo._config import check_keys, read_toml
from geo._errors import GeoDataWarning, GeoInputError
from geo.datasets import unit_file

if TYPE_CHECKING:
    from geo.schema import ResourceKind


def default_resources_path(home: Path | None = None) -> Path:
    """
    Return the resources file to use: ``resources.toml`` in the state folder `home`, if kept.

    Otherwise the shipped file (the Sevenoaks CSU's numbers).
    """
    return unit_file("resources", home)


@dataclass(frozen=True, slots=True)
class Resources:
    """
    Everything the unit can deploy in a week: each kind's settings, by the kind's key.

    Attributes
    ----------
    sections
        Kind key -> the kind's settings (an instance of `ResourceKind.settings`, or
        the section as read for a kind with no settings class).

    Examples
    --------
    >>> r = Resources({"eva": {"per_month": 1}})
    >>> r.of("eva")
    {'per_month': 1}
    >>> r.of("drone")
    Traceback (most recent call last):
    ...
    KeyError: "no settings for the resource kind 'drone' (kinds: ['eva'])"
    """

    sections: Mapping[str, object] = field(default_factory=dict)

    def of(self, key: str) -> object:
        """
        Return one kind's settings.

        Raises
        ------
        KeyError
            If the kind has no section here (it was not registered when the file was read).
        """
        if key not in self.sections:
            msg = f"no settings for the resource kind {key!r} (kinds: {sorted(self.sections)})"
            raise KeyError(msg)
        return self.sections[key]


@dataclass(frozen=True, slots=True, kw_only=True)
class WeekOverrides:
    """
    The sergeant's changes for one week.

    Attributes
    ----------
    amounts
        Kind key -> this week's amount (`geo.schema.WeekAmount`: at most this many
        cameras, these PCSO hours); a kind not named keeps its usual amount. Given as
        a mapping, kept as sorted pairs so that overrides can be compared and cached.
    out_of_service
        Named units not usable this week ("Camera 3" in repair, "Board 2" lent out).
    excluded_sites
        Site ids that must not be used this week (off limits; for a kind with a
        reach, such as a camera's view, the area within it too).
    pinned_sites
        Site ids where a unit must be this week (of the kinds that take pins).

    Examples
    --------
    >>> o = WeekOverrides(amounts={"patrol": 10, "cctv": 3})
    >>> o.amounts, o.amount("cctv"), o.amount("eva")
    ((('cctv', 3.0), ('patrol', 10.0)), 3.0, None)
    """

    amounts: Mapping[str, float] | tuple[tuple[str, float], ...] = ()
    out_of_service: frozenset[str] = field(default_factory=frozenset)
    excluded_sites: frozenset[str] = field(default_factory=frozenset)
    pinned_sites: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        pairs = self.amounts.items() if isinstance(self.amounts, Mapping) else self.amounts
        object.__setattr__(self, "amounts", tuple(sorted((k, float(v)) for k, v in pairs)))

    def amount(self, key: str) -> float | None:
        """Return this week's amount of a kind, or None for the usual."""
        return dict(self.amounts).get(key)


def read_resources_file(path: Path, kinds: Sequence[ResourceKind]) -> Resources:
    """
    Read a resources TOML file against the given resource kinds: one section each.

    A kind's section is named by its key; a section under one of the kind's former
    names (`ResourceKind.former_sections`, e.g. ``[speed_boards]``) is still read, with
    a `GeoDataWarning` saying what to rename (the ``geo`` command prints it as one line).
    A kind with no section takes its settings class's defaults.

    Parameters
    ----------
    path
        The file.
    kinds
        The resource kinds whose sections the file may hold
        (`geo.plan.registry.read_resources` gives the registered ones).

    Returns
    -------
    Resources
        One entry per kind.

    Raises
    ------
    GeoInputError
        If the file is not TOML, or has unknown sections or keys, or bad values, or a
        section under both its old and its new name.
    """
    name_of_file = Path(path).name
    data = _renamed_sections(read_toml(Path(path), "resources"), kinds, name_of_file)
    known = [k.key for k in kinds]
    unknown = sorted(set(data) - set(known))
    if unknown:
        msg = f"{name_of_file}: unknown sections {unknown}; expected {sorted(known)}"
        raise GeoInputError(msg)
    return Resources({k.key: read_section(k, data.get(k.key, {}), name_of_file) for k in kinds})


def read_section(kind: ResourceKind, raw: object, file: str) -> object:
    """
    Read one kind's section: known keys only, numbers in their ranges, other values by readers.

    Parameters
    ----------
    kind
        The kind (its `settings` class, `bounds` and `readers`).
    raw
        The section as TOML read it (``{}`` when the file has none).
    file
        The file's name, for messages.

    Returns
    -------
    object
        An instance of the kind's settings class, or the section itself for a kind
        with none.

    Raises
    ------
    GeoInputError
        One line naming the file, the section and the key.
    """
    where = f"[{kind.key}]"
    if kind.settings is None:
        return dict(
            check_keys(raw, list(raw) if isinstance(raw, dict) else [], file=file, where=where)
        )
    values = dict(
        check_keys(raw, [f.name for f in dataclasses.fields(kind.settings)], file=file, where=where)
    )
    for key, value in values.items():
        if key in kind.readers:
            values[key] = kind.readers[key](value, file)
        elif key in kind.bounds:
            kind.bounds[key].check(value, file=file, key=f"{kind.key}.{key}")
    try:
        return kind.settings(**values)
    except TypeError as err:
        msg = f"{file}: {where} {err}"
        raise GeoInputError(msg) from err


def _renamed_sections(
    data: Mapping[str, object], kinds: Sequence[ResourceKind], file: str
) -> dict[str, object]:
    """Move sections under a kind's former names to its key, saying so once."""
    out = dict(data)
    for k in kinds:
        for old in k.former_sections:
            if old not in out:
                continue
            if k.key in out:
                msg = f"{file}: [{old}] and [{k.key}] are the same section; keep [{k.key}] only"
                raise GeoInputError(msg)
            out[k.key] = out.pop(old)
            warnings.warn(
                f"{file}: the section [{old}] is now called [{k.key}] (the kind's key); "
                f"rename it (it is still read)",
                GeoDataWarning,
                stacklevel=3,
            )
    return out
