"""Paths of the data and boundaries shipped in the repository.

The shipped files live beside the package (``data/`` and ``boundaries/`` at the
repository root), so the package is meant to be installed in editable mode
(``pip install -e .``) from a checkout.
"""

from __future__ import annotations

from pathlib import Path

from geo._errors import GeoInputError

REPO_ROOT = Path(__file__).resolve().parents[1]
"""The repository checkout this package was installed from."""

_PATHS = {
    "wards": REPO_ROOT / "boundaries" / "sevenoaks_wards.geojson",
    "police_uk": REPO_ROOT / "data",
    "gazetteer": REPO_ROOT / "data" / "gazetteer" / "codepoint_open_2014_sevenoaks.csv",
}


def get_path(name: str) -> Path:
    """
    Return the path of a shipped dataset.

    Parameters
    ----------
    name
        One of ``"wards"`` (the district's 26 wards, GeoJSON), ``"police_uk"``
        (the folder of monthly police.uk files for the district) or
        ``"gazetteer"`` (postcode centroids).

    Returns
    -------
    pathlib.Path
        The file or folder.

    Raises
    ------
    GeoInputError
        If `name` is unknown or the file is missing from the checkout.

    Examples
    --------
    >>> get_path("wards").name
    'sevenoaks_wards.geojson'
    """
    if name not in _PATHS:
        msg = f"no shipped dataset called {name!r}; expected one of {sorted(_PATHS)}"
        raise GeoInputError(msg)
    path = _PATHS[name]
    if not path.exists():
        msg = f"shipped dataset {name!r} is missing at {path}: is this a full checkout?"
        raise GeoInputError(msg)
    return path
