"""
The registry of resource kinds: what the unit deploys, each with its planner.

`geo.plan` registers the four built-in kinds (mobile CCTV, speed boards, EVAs, PCSO
patrols) when it is imported, and importing this module imports `geo.plan` first (it is
its package), so `resource_kinds` always holds them. A new kind (a dispersal order, a
second camera type) is one `register_kind` with its planner and what it brings
(`geo.schema.ResourceKind`): its section of ``resources.toml``, its candidate sites, its
week amount (a ``geo plan`` option and a control on the week page), its map symbol and
its export columns. Nothing else needs to change.
"""

from __future__ import annotations

from pathlib import Path

from geo._errors import GeoInputError
from geo.resources import Resources, default_resources_path, read_resources_file
from geo.schema import COLUMN_HEADINGS, ResourceKind

__all__ = [
    "default_resources",
    "kind",
    "read_resources",
    "register_kind",
    "resource_kinds",
    "unregister_kind",
    "visit_kinds",
]

_KINDS: dict[str, ResourceKind] = {}


def register_kind(kind: ResourceKind) -> ResourceKind:
    """
    Add a resource kind (or replace one with the same key); return it.

    Raises
    ------
    GeoInputError
        If the key is not a lower-case identifier, an export column has no heading,
        or the week amount names a setting with no range.
    """
    if not kind.key.isidentifier() or kind.key != kind.key.lower():
        msg = f"a resource kind's key must be a lower-case identifier, got {kind.key!r}"
        raise GeoInputError(msg)
    unknown = sorted(set(kind.export_columns) - set(COLUMN_HEADINGS))
    if unknown:
        msg = f"{kind.key}: export_columns {unknown} unknown; choose from {sorted(COLUMN_HEADINGS)}"
        raise GeoInputError(msg)
    if kind.amount is not None and kind.amount.setting not in kind.bounds:
        msg = f"{kind.key}: the week amount's setting {kind.amount.setting!r} has no bound"
        raise GeoInputError(msg)
    _KINDS[kind.key] = kind
    return kind


def unregister_kind(key: str) -> None:
    """Remove a resource kind (tests use it to undo a toy kind)."""
    _KINDS.pop(key, None)


def resource_kinds() -> tuple[ResourceKind, ...]:
    """
    Return every registered resource kind, in plan order.

    Examples
    --------
    >>> [k.key for k in resource_kinds()]
    ['cctv', 'speed_board', 'eva', 'patrol']
    """
    return tuple(sorted(_KINDS.values(), key=lambda k: (k.order, k.key)))


def visit_kinds() -> frozenset[str]:
    """
    Return the keys of the kinds whose rows are visits, not stays (`ResourceKind.visits`).

    Examples
    --------
    >>> sorted(visit_kinds())
    ['patrol']
    """
    return frozenset(k.key for k in resource_kinds() if k.visits)


def kind(key: str) -> ResourceKind | None:
    """Return the registered kind with `key`, or None."""
    return _KINDS.get(key)


def read_resources(path: Path | None = None) -> Resources:
    """
    Read a resources file with a section for every registered kind.

    Parameters
    ----------
    path
        The file; defaults to ``GEO_HOME/resources.toml`` if the unit keeps one, else
        the shipped file (`geo.resources.default_resources_path`).

    Returns
    -------
    Resources
        Every registered kind's settings; a kind with no section takes its defaults.

    Raises
    ------
    GeoInputError
        As `geo.resources.read_resources_file`.

    Examples
    --------
    >>> r = read_resources()
    >>> r.of("cctv").cameras, r.of("speed_board").boards
    (5, 6)
    """
    return read_resources_file(path or default_resources_path(), resource_kinds())


def default_resources(**sections: object) -> Resources:
    """
    Return every registered kind's default settings, with some kinds' settings given.

    Examples
    --------
    >>> from geo.plan.eva import EvaResources
    >>> default_resources(eva=EvaResources(per_month=2)).of("eva").per_month
    2
    >>> default_resources().of("cctv").cameras
    5
    """
    out = {k.key: (k.settings() if k.settings else {}) for k in resource_kinds()}
    unknown = sorted(set(sections) - set(out))
    if unknown:
        msg = f"no registered resource kinds {unknown}; kinds: {sorted(out)}"
        raise GeoInputError(msg)
    return Resources({**out, **sections})
