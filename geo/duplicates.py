"""Count each incident once when the same data arrive twice in one load.

police.uk publishes one file per force per month ("2025-09-kent-street.csv",
"2025-09-btp-street.csv"): rows of a force's month that an earlier file of the load
already supplied (a copy, the same path given twice, a district file beside its force's
file) are rejected as ``duplicate of <earlier file>``, as are rows whose ``Crime ID`` an
earlier file held. Another force's file for the same month (British Transport Police
beside Kent Police) is another dataset and is kept. The force is the row's
``reported_by`` (police.uk's ``Reported by``, else ``Falls within``).

A CSU log row with its own incident id is a duplicate when an earlier row (in this file
or an earlier one) has the same id, category, time and place. Only rows that would
otherwise be accepted are checked, so rows in = accepted + rejected still holds, the
duplicates being rejected rows with that reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass(slots=True)
class SeenIncidents:
    """
    What the files loaded so far supplied: police.uk force months, Crime IDs, CSU rows.

    Attributes
    ----------
    months
        ``(force, "YYYY-MM")`` -> the first file that supplied that force's police.uk
        month.
    keys, files
        Hashes of Crime IDs and of CSU rows (id and content), and the index (into
        `names`) of the file each came from first.
    names
        File names, in the order loaded.
    """

    months: dict[tuple[str, str], str] = field(default_factory=dict)
    keys: list[np.ndarray] = field(default_factory=list)
    files: list[np.ndarray] = field(default_factory=list)
    names: list[str] = field(default_factory=list)

    def check(self, accepted: pd.DataFrame, source_file: str) -> tuple[np.ndarray, np.ndarray]:
        """
        Flag one file's accepted rows that repeat earlier data, then remember this file's.

        Parameters
        ----------
        accepted
            The file's accepted incidents (``source``, ``occurred``, ``incident_id``,
            ``category``, ``geometry``, ``line``, and ``reported_by`` for police.uk rows;
            a frame without it counts every force as one).
        source_file
            The file's name.

        Returns
        -------
        (numpy.ndarray, numpy.ndarray)
            A duplicate mask over the rows, and the name of the file each duplicate
            repeats ("" elsewhere).
        """
        n = len(accepted)
        dup = np.zeros(n, dtype=bool)
        of = np.full(n, "", dtype=object)
        if n == 0:
            return dup, of
        police = (accepted["source"] == "police.uk").to_numpy()
        pair = np.full(n, -1, dtype=np.int64)  # index into `pairs`, police.uk rows only
        pairs: list[tuple[str, str]] = []
        if police.any():
            pair[police], pairs = _force_months(accepted.loc[police])
            earlier = np.array([self.months.get(p) for p in pairs], dtype=object)
            hit = police.copy()
            hit[police] = pd.notna(earlier[pair[police]])
            dup[hit] = True
            of[hit] = earlier[pair[hit]]
        key, has_key = _row_keys(accepted, source_file, police)
        known = pd.Index(np.concatenate(self.keys)) if self.keys else pd.Index([], dtype="uint64")
        where = known.get_indexer(key)
        files = np.concatenate(self.files) if self.files else np.zeros(0, dtype=np.int64)
        before = has_key & (where >= 0) & ~dup
        dup[before] = True
        of[before] = np.array(self.names, dtype=object)[files[where[before]]]
        again = has_key & pd.Series(key).duplicated().to_numpy() & ~dup  # within this file
        dup[again] = True
        of[again] = source_file
        supplied = [pairs[i] for i in np.unique(pair[police & ~dup])]
        self._remember(source_file, supplied, key[has_key & ~dup])
        return dup, of

    def _remember(self, source_file: str, months: list[tuple[str, str]], keys: np.ndarray) -> None:
        index = len(self.names)
        self.names.append(source_file)
        for m in months:
            self.months.setdefault(m, source_file)
        self.keys.append(keys.astype(np.uint64))
        self.files.append(np.full(len(keys), index, dtype=np.int64))


def _force_months(rows: pd.DataFrame) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Give each police.uk row its ``(force, "YYYY-MM")`` pair.

    Returns each row's index into the list of distinct pairs, and that list. A file
    holds one force and a month or two, so the pairs are made once each, not per row.

    Examples
    --------
    >>> rows = pd.DataFrame(
    ...     {
    ...         "occurred": pd.to_datetime(["2025-09-01", "2025-09-01", "2025-08-01"]),
    ...         "reported_by": ["Kent Police", "British Transport Police", "Kent Police"],
    ...     }
    ... )
    >>> index, pairs = _force_months(rows)
    >>> [pairs[i] for i in index]  # doctest: +NORMALIZE_WHITESPACE
    [('Kent Police', '2025-09'), ('British Transport Police', '2025-09'),
     ('Kent Police', '2025-08')]
    """
    force = rows.get("reported_by", pd.Series("", index=rows.index)).fillna("").astype(str)
    force_codes, forces = pd.factorize(force)
    day_codes, days = pd.factorize(rows["occurred"])  # a month or two
    months = pd.DatetimeIndex(days).strftime("%Y-%m")
    combined = force_codes.astype(np.int64) * len(days) + day_codes
    distinct, index = np.unique(combined, return_inverse=True)
    pairs = [(str(forces[c // len(days)]), str(months[c % len(days)])) for c in distinct]
    return index.reshape(-1), pairs


def _row_keys(
    accepted: pd.DataFrame, source_file: str, police: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Hash each row's identity: a police.uk Crime ID, or a CSU row's own id and content.

    Rows whose id is the loader's ``<file stem>:<line>`` stand-in have no identity.
    """
    ids = accepted["incident_id"].astype(str).reset_index(drop=True)
    stem = source_file.rsplit(".", 1)[0]
    fallback = stem + ":" + pd.Series(accepted["line"].to_numpy()).astype(str)
    csu = (accepted["source"] == "csu_log").to_numpy()
    has_key = (ids != fallback).to_numpy() & (police | csu)
    key = np.zeros(len(ids), dtype=np.uint64)
    if not has_key.any():
        return key, has_key
    text = np.where(police, "police.uk\x1f", "csu\x1f") + ids
    if csu.any():
        rows = accepted.loc[csu]
        content = (
            rows["category"].astype(str)
            + "\x1f"
            + rows["occurred"].astype(str)
            + "\x1f"
            + rows.geometry.x.round(1).astype(str)
            + "\x1f"
            + rows.geometry.y.round(1).astype(str)
        )
        text[csu] = text[csu] + "\x1f" + content.to_numpy(dtype=object)
    key[has_key] = pd.util.hash_pandas_object(text[has_key], index=False).to_numpy(np.uint64)
    return key, has_key
