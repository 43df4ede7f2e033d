"""The environment switches, read in one place: the ``geo`` command and the app call here once.

No other module in `geo` reads the environment. `read_switches` (``os.environ``)
and `Switches.from_environ` (any mapping, for tests) turn the
variables into one frozen value; the entry points (`geo.cli.main`, the app's
``app_pages/_cache.switches``) pass its fields down as arguments: the state folder
to `geo.home` and the loaders, the parse cache switch to the loaders' ``cache=``,
the lock timeout to `geo.store.set_lock_timeout`. An unusable value falls back to
the default, as it always did; none of them is needed. ``docs/environment.md``
lists them.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from geo.store import DEFAULT_LOCK_TIMEOUT_S

_OFF = frozenset({"off", "0", "no"})
_ON = frozenset({"1", "true", "yes"})


@dataclass(frozen=True, slots=True)
class Switches:
    """
    What the environment asks of one run of the ``geo`` command or the app.

    Attributes
    ----------
    home
        ``GEO_HOME``: the state folder; None for the user's data folder
        (`geo.home.geo_home`).
    parse_cache
        False when ``GEO_PARSE_CACHE`` is ``off``, ``0`` or ``no``.
    lock_timeout
        ``GEO_LOCK_TIMEOUT``: seconds a writer waits for the plan store's lock.
    public
        ``GEO_PUBLIC`` is ``1``, ``true`` or ``yes``: the app serves the PACT page alone.
    plan_db
        ``GEO_PLAN_DB``: the app's plan store; None for ``plans.sqlite`` in the state folder.
    """

    home: Path | None = None
    parse_cache: bool = True
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT_S
    public: bool = False
    plan_db: Path | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Switches:
        """
        Read the switches from an environment (``os.environ`` at the entry points).

        Parameters
        ----------
        environ
            Variable name -> value.

        Returns
        -------
        Switches
            Blank or unusable values take the default: a lock timeout that is not a
            finite number 0 or more is ignored.

        Examples
        --------
        >>> Switches.from_environ({})
        Switches(home=None, parse_cache=True, lock_timeout=5.0, public=False, plan_db=None)
        >>> s = Switches.from_environ({"GEO_HOME": "/srv/geo", "GEO_PARSE_CACHE": " Off ",
        ...                            "GEO_LOCK_TIMEOUT": "0.25", "GEO_PUBLIC": "yes"})
        >>> s.home, s.parse_cache, s.lock_timeout, s.public
        (PosixPath('/srv/geo'), False, 0.25, True)
        >>> Switches.from_environ({"GEO_LOCK_TIMEOUT": "soon"}).lock_timeout
        5.0
        """
        home = environ.get("GEO_HOME", "").strip()
        plan_db = environ.get("GEO_PLAN_DB", "")
        return cls(
            home=Path(home).expanduser() if home else None,
            parse_cache=environ.get("GEO_PARSE_CACHE", "").strip().lower() not in _OFF,
            lock_timeout=_seconds(environ.get("GEO_LOCK_TIMEOUT", "")),
            public=environ.get("GEO_PUBLIC", "").strip().lower() in _ON,
            plan_db=Path(plan_db) if plan_db else None,
        )


def _seconds(raw: str) -> float:
    """Return `raw` as seconds (a finite number 0 or more), else the default."""
    try:
        value = float(raw.strip()) if raw.strip() else DEFAULT_LOCK_TIMEOUT_S
    except ValueError:
        return DEFAULT_LOCK_TIMEOUT_S
    return value if math.isfinite(value) and value >= 0 else DEFAULT_LOCK_TIMEOUT_S


def read_switches() -> Switches:
    """
    Read the switches from this process's environment: the one read of ``os.environ`` in `geo`.

    Returns
    -------
    Switches
        As `Switches.from_environ`.
    """
    return Switches.from_environ(os.environ)
