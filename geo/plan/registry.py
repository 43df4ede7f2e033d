"""
The registry of resource kinds: what the unit deploys, each with its planner.

`geo.plan` registers the four built-in kinds (mobile CCTV, speed boards, EVAs, PCSO
patrols) when it is imported, and importing this module imports `geo.plan` first (it is
its package), so `resource_kinds` always holds them. A new kind (a dispersal order, a
second camera type) is one `register_kind` with its planner; its key may also name its
own section in ``resources.toml``.
"""

from __future__ import annotations

from geo._errors import GeoInputError
from geo.resources import claim_section, release_section
from geo.schema import ResourceKind

__all__ = ["kind", "register_kind", "resource_kinds", "unregister_kind"]

_KINDS: dict[str, ResourceKind] = {}


def register_kind(kind: ResourceKind) -> ResourceKind:
    """
    Add a resource kind (or replace one with the same key); return it.

    Raises
    ------
    GeoInputError
        If the key is not a lower-case identifier.
    """
    if not kind.key.isidentifier() or kind.key != kind.key.lower():
        msg = f"a resource kind's key must be a lower-case identifier, got {kind.key!r}"
        raise GeoInputError(msg)
    _KINDS[kind.key] = kind
    claim_section(kind.key)
    return kind


def unregister_kind(key: str) -> None:
    """Remove a resource kind (tests use it to undo a toy kind)."""
    _KINDS.pop(key, None)
    release_section(key)


def resource_kinds() -> tuple[ResourceKind, ...]:
    """
    Return every registered resource kind, in plan order.

    Examples
    --------
    >>> [k.key for k in resource_kinds()]
    ['cctv', 'speed_board', 'eva', 'patrol']
    """
    return tuple(sorted(_KINDS.values(), key=lambda k: (k.order, k.key)))


def kind(key: str) -> ResourceKind | None:
    """Return the registered kind with `key`, or None."""
    return {k.key: k for k in resource_kinds()}.get(key)
