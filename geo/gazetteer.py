"""Postcode -> point, offline, from the shipped OS Code-Point Open extract.

The shipped gazetteer (``data/gazetteer/``) is Code-Point Open 2014 for the
district and its outcodes, already in British National Grid. Postcodes created
since 2014 are missing from it, so some real postcodes come back unknown.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geo._errors import InputFileError
from geo.datasets import get_path


def normalise_postcode(text: str) -> str:
    """
    Return a postcode in upper case with no spaces, for matching.

    Examples
    --------
    >>> normalise_postcode(" tn13 1aa "), normalise_postcode("TN8  5AA")
    ('TN131AA', 'TN85AA')
    """
    return re.sub(r"\s+", "", text).upper()


@dataclass(frozen=True, slots=True, eq=False)
class Gazetteer:
    """
    Postcode centroids in British National Grid.

    Attributes
    ----------
    points
        Indexed by normalised postcode, with ``easting`` and ``northing``.
    source
        Where the table came from, for provenance.
    """

    points: pd.DataFrame
    source: str

    def lookup(self, postcodes: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """
        Return eastings and northings for `postcodes` (NaN where unknown).

        Parameters
        ----------
        postcodes
            Postcodes in any spacing or case.

        Returns
        -------
        tuple of numpy.ndarray
            Eastings and northings, aligned with `postcodes`.
        """
        keys = postcodes.fillna("").astype(str).map(normalise_postcode)
        found = self.points.reindex(keys.to_numpy())
        return found["easting"].to_numpy(dtype=float), found["northing"].to_numpy(dtype=float)


@functools.cache
def load_gazetteer(path: Path | None = None) -> Gazetteer:
    """
    Read a Code-Point Open style CSV (``Postcode``, ``Eastings``, ``Northings``).

    Parameters
    ----------
    path
        The CSV; defaults to the shipped Sevenoaks extract.

    Returns
    -------
    Gazetteer
        One row per postcode (the first, if a postcode repeats).

    Raises
    ------
    InputFileError
        If the file lacks the three columns.

    Examples
    --------
    >>> gaz = load_gazetteer()
    >>> x, y = gaz.lookup(pd.Series(["TN13 1AA", "ZZ1 1ZZ"]))
    >>> bool(np.isfinite(x[0])), bool(np.isnan(x[1]))
    (True, True)
    """
    path = path or get_path("gazetteer")
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    needed = ["Postcode", "Eastings", "Northings"]
    if any(c not in table.columns for c in needed):
        msg = f"{path.name}: a gazetteer needs columns {needed}, found {list(table.columns)}"
        raise InputFileError(msg)
    points = pd.DataFrame(
        {
            "easting": pd.to_numeric(table["Eastings"], errors="coerce").to_numpy(),
            "northing": pd.to_numeric(table["Northings"], errors="coerce").to_numpy(),
        },
        index=table["Postcode"].map(normalise_postcode).to_numpy(),
    )
    points = points[~points.index.duplicated()]
    return Gazetteer(points=points, source=path.name)
