"""Where the tool keeps its state: ``GEO_HOME``, never the source tree.

The plan store, users and audit trail, uploads and the parsed-incident cache live
in one folder: the ``GEO_HOME`` environment variable if set, else the user's data
folder as `platformdirs` gives it (``~/.local/share/sevenoaks-geo`` on Linux).
"""

from __future__ import annotations

import contextlib
import functools
import os
from pathlib import Path

from platformdirs import user_data_dir

from geo._errors import GeoInputError

APP_NAME = "sevenoaks-geo"
"""The folder name under the user's data folder."""


def geo_home() -> Path:
    """
    Return the state folder (``GEO_HOME``, else the user's data folder), creating it.

    Raises
    ------
    GeoInputError
        In one line saying what to do, if the folder is a file or cannot be made.
    """
    raw = os.environ.get("GEO_HOME", "").strip()
    home = Path(raw).expanduser() if raw else Path(user_data_dir(APP_NAME, appauthor=False))
    named = f"GEO_HOME {home}" if raw else f"the state folder {home}"
    if home.exists() and not home.is_dir():
        msg = f"{named} is a file, not a folder: set GEO_HOME to a folder (or unset it)"
        raise GeoInputError(msg)
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        msg = (
            f"{named} cannot be made ({err.strerror or err}): set GEO_HOME to a folder "
            "you can write"
        )
        raise GeoInputError(msg) from err
    return home


def home_writable() -> bool:
    """
    Tell whether the state folder takes a new file (not read-only, not full); checked once.

    Returns
    -------
    bool
        False if a small file cannot be written there (the parse cache is then not used,
        and saving plans or users fails with the store's own message).
    """
    return _writable(str(geo_home()))


@functools.cache
def _writable(folder: str) -> bool:
    probe = Path(folder) / f".geo-write-check.{os.getpid()}"
    try:
        probe.write_bytes(b"0" * 4096)
        probe.unlink()
    except OSError:
        with contextlib.suppress(OSError):
            probe.unlink()
        return False
    return True


def check_home() -> str | None:
    """
    Check the state folder once at start.

    Returns
    -------
    str or None
        None if it is usable; a one-line note if it can be read but not written.

    Raises
    ------
    GeoInputError
        In one line, if it is a file or cannot be made (`geo_home`).
    """
    home = geo_home()
    if home_writable():
        return None
    return (
        f"{home} is read-only or full: working without the parse cache; plans and users "
        "cannot be saved until GEO_HOME is a folder you can write"
    )


def default_store() -> Path:
    """Return the plan store's path: ``GEO_HOME/plans.sqlite``."""
    return geo_home() / "plans.sqlite"


def uploads_dir() -> Path:
    """Return the folder uploaded files are kept in: ``GEO_HOME/uploads``."""
    path = geo_home() / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    """Return the folder of derived caches (parsed incidents): ``GEO_HOME/cache``."""
    path = geo_home() / "cache"
    path.mkdir(parents=True, exist_ok=True)
    return path
