"""Where the tool keeps its state: ``GEO_HOME``, never the source tree.

The plan store, users and audit trail, uploads and the parsed-incident cache live
in one folder: the ``GEO_HOME`` environment variable if set, else the user's data
folder as `platformdirs` gives it (``~/.local/share/sevenoaks-geo`` on Linux).
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

APP_NAME = "sevenoaks-geo"
"""The folder name under the user's data folder."""


def geo_home() -> Path:
    """Return the state folder (``GEO_HOME``, else the user's data folder), creating it."""
    raw = os.environ.get("GEO_HOME", "").strip()
    home = Path(raw).expanduser() if raw else Path(user_data_dir(APP_NAME, appauthor=False))
    home.mkdir(parents=True, exist_ok=True)
    return home


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
