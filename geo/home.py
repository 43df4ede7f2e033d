"""Where the tool keeps its state: ``GEO_HOME``, never the source tree.

The plan store, users and audit trail, uploads and the parsed-incident cache live
in one folder: the one the caller names (the ``geo`` command and the app pass
``GEO_HOME`` from `geo.switches`), else the user's data folder as `platformdirs`
gives it (``~/.local/share/sevenoaks-geo`` on Linux). Every function here takes
that folder as ``home``; None means the user's data folder.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import tempfile
from pathlib import Path

from platformdirs import user_data_dir

from geo._errors import GeoInputError

APP_NAME = "sevenoaks-geo"
"""The folder name under the user's data folder."""


MAX_UPLOAD_BYTES = 50 * 1024 * 1024
"""The largest file the app accepts as an upload (50 MB, about 250,000 police.uk rows)."""


def geo_home(home: Path | None = None) -> Path:
    """
    Return the state folder, creating it.

    Parameters
    ----------
    home
        The folder ``GEO_HOME`` names (`geo.switches.Switches.home`); None for the
        user's data folder.

    Raises
    ------
    GeoInputError
        In one line saying what to do, if the folder is a file or cannot be made.
    """
    if home is None:
        home = Path(user_data_dir(APP_NAME, appauthor=False))
        named = f"the state folder {home}"
    else:
        named = f"GEO_HOME {home}"
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


def home_writable(home: Path | None = None) -> bool:
    """
    Tell whether the state folder takes a new file (not read-only, not full); checked once.

    Parameters
    ----------
    home
        As `geo_home`.

    Returns
    -------
    bool
        False if a small file cannot be written there (the parse cache is then not used,
        and saving plans or users fails with the store's own message).
    """
    return _writable(str(geo_home(home)))


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


def check_home(home: Path | None = None) -> str | None:
    """
    Check the state folder once at start.

    Parameters
    ----------
    home
        As `geo_home`.

    Returns
    -------
    str or None
        None if it is usable; a one-line note if it can be read but not written.

    Raises
    ------
    GeoInputError
        In one line, if it is a file or cannot be made (`geo_home`).
    """
    folder = geo_home(home)
    if home_writable(home):
        return None
    return (
        f"{folder} is read-only or full: working without the parse cache; plans and users "
        "cannot be saved until GEO_HOME is a folder you can write"
    )


def default_store(home: Path | None = None) -> Path:
    """Return the plan store's path: ``plans.sqlite`` in the state folder (`geo_home`)."""
    return geo_home(home) / "plans.sqlite"


def uploads_dir(home: Path | None = None) -> Path:
    """Return the folder uploaded files are kept in: ``uploads`` in the state folder."""
    path = geo_home(home) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir(home: Path | None = None) -> Path:
    """Return the folder of derived caches (parsed incidents): ``cache`` in the state folder."""
    path = geo_home(home) / "cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- uploads -----------------------------------------------------------------------------------


def safe_upload_name(name: str) -> str:
    """
    Reduce an uploaded file's name to a safe, short file name (keeping its suffix).

    Examples
    --------
    >>> safe_upload_name("../../etc/" + "x" * 300 + ".csv")[-8:], len(safe_upload_name("a" * 300))
    ('xxxx.csv', 80)
    >>> safe_upload_name("Crime log <Mar>.xlsx")
    'Crime log _Mar_.xlsx'
    """
    base = Path(name.replace("\\", "/")).name or "upload"
    stem, suffix = Path(base).stem, Path(base).suffix.lower()[:6]
    stem = "".join(c if c.isalnum() or c in " -_.()" else "_" for c in stem).strip(" .") or "upload"
    return stem[: 80 - len(suffix)] + suffix


def owner_folder(owner: str, home: Path | None = None) -> Path:
    """
    Return the folder one person's uploads are kept in: ``uploads/<owner hash>``.

    The folder is named by a hash of the user name, so names never become paths, and
    no one's uploads are in another's folder.

    Parameters
    ----------
    owner
        The signed-in user's name (or the app's name for this computer).
    home
        As `geo_home`.
    """
    key = hashlib.sha256(owner.encode("utf-8")).hexdigest()[:16]
    folder = uploads_dir(home) / key
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_upload(name: str, data: bytes, owner: str, home: Path | None = None) -> Path:
    """
    Keep an uploaded file in its owner's folder, under its content hash.

    The same bytes uploaded again are the same file (not written twice); the file is
    written whole (a temporary file, then a rename), so no reader sees half of it.

    Parameters
    ----------
    name
        The name the file was uploaded under (reduced by `safe_upload_name`).
    data
        Its bytes, at most `MAX_UPLOAD_BYTES`.
    owner
        Whose upload it is (`owner_folder`).
    home
        As `geo_home`.

    Returns
    -------
    pathlib.Path
        ``uploads/<owner hash>/<content hash>/<safe name>``.

    Raises
    ------
    ValueError
        In one line, if the file is larger than `MAX_UPLOAD_BYTES`.

    Examples
    --------
    >>> import tempfile
    >>> home = Path(tempfile.mkdtemp())
    >>> kept = save_upload("../log <1>.CSV", b"date,category", "J Smith", home)
    >>> kept.name, kept.read_bytes(), kept.parent.parent == owner_folder("J Smith", home)
    ('log _1_.csv', b'date,category', True)
    >>> save_upload("log.csv", b"date,category", "J Smith", home).parent == kept.parent
    True
    """
    if len(data) > MAX_UPLOAD_BYTES:
        msg = (
            f"{safe_upload_name(name)} is {len(data) / 1e6:.0f} MB: the most one upload may "
            f"be is {MAX_UPLOAD_BYTES / 1e6:.0f} MB; split it by month"
        )
        raise ValueError(msg)
    digest = hashlib.sha256(data).hexdigest()[:16]
    folder = owner_folder(owner, home) / digest
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / safe_upload_name(name)
    if not path.exists():
        write_whole(path, data)
    return path


def write_whole(path: Path, data: bytes) -> None:
    """Write a file so that no reader ever sees half of it (a temporary file, then a rename)."""
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".part") as tmp:
        tmp.write(data)
    os.replace(tmp.name, path)
