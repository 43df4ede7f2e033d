"""Paths of the data shipped inside the package, found with `importlib.resources`.

The shipped files (the Sevenoaks wards, the police.uk months for the district, the
postcode gazetteer, the CSU's resources, the PACT areas and the success measures) live in
``geo/shipped/``, so an installed package (``pip install .``, not only an editable
checkout) finds them. In a checkout, ``data/``, ``boundaries/``, ``resources.toml``
``pact_areas.toml`` and ``targets.toml`` at the repository root are links to the same
files. A unit's own copy of a settings file under ``GEO_HOME`` wins over the shipped one
(`unit_file`).
"""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

from geo._errors import GeoInputError

_RELATIVE = {
    "wards": "boundaries/sevenoaks_wards.geojson",
    "police_uk": "data",
    "gazetteer": "data/gazetteer/codepoint_open_2014_sevenoaks.csv",
    "synthetic_speed": "data/synthetic",
    "resources": "resources.toml",
    "pact_areas": "pact_areas.toml",
    "targets": "targets.toml",
}


def shipped_root() -> Path:
    """
    Return the folder of the shipped data inside the installed package.

    Examples
    --------
    >>> shipped_root().name
    'shipped'
    """
    with as_file(files("geo") / "shipped") as root:  # a real folder: the package is not zipped
        return Path(root)


def get_path(name: str) -> Path:
    """
    Return the path of a shipped dataset.

    Parameters
    ----------
    name
        ``"wards"`` (the district's 26 wards, GeoJSON), ``"police_uk"`` (the folder
        of monthly police.uk files for the district), ``"gazetteer"`` (postcode
        centroids), ``"synthetic_speed"`` (the SYNTHETIC speeding sample),
        ``"resources"`` (the CSU's kit), ``"pact_areas"`` or ``"targets"`` (the
        partnership's success measures).

    Returns
    -------
    pathlib.Path
        The file or folder.

    Raises
    ------
    GeoInputError
        If `name` is unknown or the file is missing from the installation.

    Examples
    --------
    >>> get_path("wards").name
    'sevenoaks_wards.geojson'
    """
    if name not in _RELATIVE:
        msg = f"no shipped dataset called {name!r}; expected one of {sorted(_RELATIVE)}"
        raise GeoInputError(msg)
    path = shipped_root() / _RELATIVE[name]
    if not path.exists():
        msg = f"shipped dataset {name!r} is missing at {path}: is the package installed whole?"
        raise GeoInputError(msg)
    return path


def unit_file(name: str, home: Path | None = None) -> Path:
    """
    Return a settings file the unit may keep its own copy of: ``GEO_HOME/<file>`` if it does.

    Otherwise the shipped file (`get_path`). ``resources.toml`` and ``targets.toml``
    are found this way.

    Parameters
    ----------
    name
        A shipped dataset that is one file, e.g. ``"resources"`` or ``"targets"``.
    home
        The state folder (`geo.home.geo_home`; None for the user's data folder).

    Returns
    -------
    pathlib.Path
        The unit's file, else the shipped one.
    """
    from geo.home import geo_home

    own = geo_home(home) / Path(_RELATIVE.get(name, name)).name
    return own if own.is_file() else get_path(name)
