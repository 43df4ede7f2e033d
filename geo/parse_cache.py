"""A cache of parsed, validated input files, kept as GeoParquet under ``GEO_HOME/cache``.

`geo.incidents.load_incidents` asks here before reading a file. An entry is found by
a key made of

- the file's content hash (sha256 of its bytes) and its name (incident ids and the
  ``source_file`` column use the name),
- `LOADER_VERSION`, bumped whenever parsing or validation changes,
- the ward boundaries' hash (codes, names and geometry),
- everything else that changes a row's fate: the load settings, the column map and
  the clock (the day, or the exact ``now`` when one is given), because "date in the
  future" depends on it.

A changed file has another hash and is read again. An entry that cannot be read, or
whose stored key does not match, is ignored and rebuilt. Writes go to a temporary
file that is then renamed, so a crash never leaves half an entry. The loaders'
``cache=False`` bypasses the cache; the ``geo`` command and the app pass it from
``GEO_PARSE_CACHE=off`` (`geo.switches`; benchmarks of cold reads). Each function
takes the state folder as ``home`` (`geo.home.geo_home`; None for the user's data folder).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geo._errors import GeoInputError
from geo.home import cache_dir, home_writable
from geo.settings import LoadSettings

LOADER_VERSION = 4
"""Bump when parsing or validation changes, so old cache entries are not used."""


@dataclass(frozen=True, slots=True, eq=False)
class CachedFile:
    """
    One input file as the loader left it.

    Attributes
    ----------
    accepted
        The file's accepted incidents.
    rejected
        The file's rejected rows.
    kind
        The file's kind (``police.uk``, ``csu_log``, a speeding layout).
    rows_in
        Data rows read.
    note
        ``""``, or one line on why nearly every row is outside the district
        (`geo.misplaced.note`).
    month_first
        None, or for a CSU log whose day/month order cannot be told, ``YYYY-MM`` ->
        accepted rows in that month read month first (``accepted`` is read day first).
    """

    accepted: gpd.GeoDataFrame
    rejected: pd.DataFrame
    kind: str
    rows_in: int
    note: str = ""
    month_first: Mapping[str, int] | None = None


def enabled(home: Path | None = None) -> bool:
    """
    Tell whether the cache can be used: the state folder can be written.

    Parameters
    ----------
    home
        The state folder (`geo.home.geo_home`).

    Returns
    -------
    bool
        False when the state folder is read-only, full or unusable
        (`geo.home.home_writable`).
    """
    try:  # a read-only or full GEO_HOME: files are parsed each time, nothing is cached
        return home_writable(home)
    except GeoInputError:
        return False


def wards_hash(wards: gpd.GeoDataFrame) -> str:
    """
    Hash ward boundaries: codes, names and geometry (WKB), in order.

    Parameters
    ----------
    wards
        Ward polygons with ``ward_code`` and ``ward_name``.

    Returns
    -------
    str
        A hex sha256 digest.
    """
    digest = hashlib.sha256()
    for code, name, wkb in zip(
        wards["ward_code"].astype(str),
        wards["ward_name"].astype(str),
        shapely.to_wkb(wards.geometry.to_numpy()),
        strict=True,
    ):
        digest.update(f"{code}\x1f{name}\x1f".encode())
        digest.update(wkb)
    digest.update(str(wards.crs).encode())
    return digest.hexdigest()


def file_key(
    path: Path,
    *,
    wards: str,
    settings: LoadSettings,
    column_map: Mapping[str, str] | None,
    now: dt.datetime | None,
) -> str:
    """
    Return the cache key of one input file.

    Parameters
    ----------
    path
        The input file (its bytes are hashed).
    wards
        `wards_hash` of the ward boundaries.
    settings, column_map
        As given to the loader.
    now
        The loader's clock; None means the real clock, keyed by the day.

    Returns
    -------
    str
        A hex sha256 digest.
    """
    content = hashlib.sha256(path.read_bytes()).hexdigest()
    clock = now.isoformat() if now is not None else dt.date.today().isoformat()
    parts = [
        f"v{LOADER_VERSION}",
        content,
        path.name,
        wards,
        repr(settings),
        json.dumps(sorted((column_map or {}).items())),
        clock,
    ]
    return hashlib.sha256("\x1e".join(parts).encode()).hexdigest()


def _paths(key: str, home: Path | None) -> tuple[Path, Path, Path]:
    folder = cache_dir(home) / "incidents"
    return (
        folder / f"{key}.accepted.parquet",
        folder / f"{key}.rejected.parquet",
        folder / f"{key}.json",
    )


def stored(key: str, home: Path | None = None) -> bool:
    """
    Tell whether an entry is stored under `key` (it may still prove unusable to `read`).

    Parameters
    ----------
    key
        From `file_key`.
    home
        The state folder (`geo.home.geo_home`).

    Returns
    -------
    bool
        True if the entry's files exist.
    """
    return all(path.is_file() for path in _paths(key, home))


def read(key: str, home: Path | None = None) -> CachedFile | None:
    """
    Return the cached entry for `key`, or None if there is none or it is unusable.

    Parameters
    ----------
    key
        From `file_key`.
    home
        The state folder (`geo.home.geo_home`).

    Returns
    -------
    CachedFile or None
        None when missing, unreadable or stored under another key.
    """
    accepted_path, rejected_path, meta_path = _paths(key, home)
    if not meta_path.is_file():
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("key") != key or meta.get("version") != LOADER_VERSION:
            return None
        accepted = _restore(gpd.read_parquet(accepted_path), meta["object_columns"][0])
        rejected = _restore(pd.read_parquet(rejected_path), meta["object_columns"][1])
        if len(accepted) + len(rejected) != int(meta["rows_in"]):
            return None
        return CachedFile(
            accepted,
            rejected,
            str(meta["kind"]),
            int(meta["rows_in"]),
            str(meta.get("note", "")),
            meta.get("month_first"),
        )
    except Exception:  # any damaged entry is ignored and rebuilt
        return None


def write(key: str, entry: CachedFile, home: Path | None = None) -> None:
    """
    Store an entry under `key`; the small JSON record is written last, as the commit.

    Each file is written to a temporary name and renamed, so a crash never leaves an
    entry that looks whole. A failure to write (read-only folder, full disk) is not
    an error: the next load reads the file again.

    Parameters
    ----------
    key
        From `file_key`.
    entry
        What the loader made of the file.
    home
        The state folder (`geo.home.geo_home`).
    """
    accepted_path, rejected_path, meta_path = _paths(key, home)
    meta = {
        "key": key,
        "version": LOADER_VERSION,
        "kind": entry.kind,
        "rows_in": entry.rows_in,
        "note": entry.note,
        "month_first": None if entry.month_first is None else dict(entry.month_first),
        "object_columns": [_object_columns(entry.accepted), _object_columns(entry.rejected)],
    }
    suffix = f".{os.getpid()}.tmp"
    try:
        accepted_path.parent.mkdir(parents=True, exist_ok=True)
        for frame, target in ((entry.accepted, accepted_path), (entry.rejected, rejected_path)):
            tmp = target.with_name(target.name + suffix)
            frame.to_parquet(tmp, index=False)
            os.replace(tmp, target)
        tmp = meta_path.with_name(meta_path.name + suffix)
        tmp.write_text(json.dumps(meta), encoding="utf-8")
        os.replace(tmp, meta_path)
    except (OSError, ValueError):
        return


def _object_columns(frame: pd.DataFrame) -> list[str]:
    """Name the columns of generic ``object`` dtype (Parquet reads them back as ``str``)."""
    return [
        str(c)
        for c, t in frame.dtypes.items()
        if pd.api.types.is_object_dtype(t) and c != "geometry"
    ]


def _restore(frame: pd.DataFrame, object_columns: list[str]) -> pd.DataFrame:
    """Give columns back the ``object`` dtype they had when stored."""
    for col in object_columns:
        frame[col] = frame[col].astype(object)
    return frame
