"""The maximal covering location problem for camera sites, on the demand that can be covered.

Church & ReVelle (1974), "The maximal covering location problem", *Papers of the
Regional Science Association* 32, 101-118: choose ``p`` sites so that the most
demand weight lies within ``radius`` of a chosen site. The model is written here in
PuLP (a dozen lines) and solved by PuLP's bundled CBC; importing PySAL spopt for the
same model costs about 1.4 s in every new process (it loads its regionalisation
modules, libpysal and scikit-learn), which a command-line plan cannot afford. The
test suite checks this model against spopt's `MCLP` on random instances.

Demand points out of reach of every candidate site cannot change the answer, so
they are dropped before the model is built: on the district's data about 92 of
11,774 points remain and the solve takes a tenth of a second, not ten.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd


def cover_matrix(demand: gpd.GeoDataFrame, sites: pd.DataFrame) -> np.ndarray:
    """Return distances (metres) from every demand point (rows) to every site (columns)."""
    dx = demand.geometry.x.to_numpy()[:, None] - sites["x"].to_numpy(dtype=float)[None, :]
    dy = demand.geometry.y.to_numpy()[:, None] - sites["y"].to_numpy(dtype=float)[None, :]
    return np.hypot(dx, dy)


def coverable(distances: np.ndarray, radius_m: float) -> np.ndarray:
    """
    Tell which demand points lie within `radius_m` of at least one candidate site.

    Examples
    --------
    >>> coverable(np.array([[50.0, 500.0], [300.0, 400.0]]), 100).tolist()
    [True, False]
    """
    if distances.shape[1] == 0:
        return np.zeros(distances.shape[0], dtype=bool)
    return (distances <= radius_m).any(axis=1)


def covered_weight(
    distances: np.ndarray, weights: np.ndarray, chosen: np.ndarray, radius_m: float
) -> float:
    """Return the total weight within `radius_m` of any chosen site."""
    if not chosen.any():
        return 0.0
    return float(weights[(distances[:, chosen] <= radius_m).any(axis=1)].sum())


def solve_mclp(
    distances: np.ndarray, weights: np.ndarray, *, radius_m: float, p: int, locked: np.ndarray
) -> np.ndarray:
    """
    Choose `p` sites covering the most weight, keeping the `locked` ones.

    Parameters
    ----------
    distances
        Demand points x candidate sites, metres.
    weights
        Demand weight per point (forecast harm).
    radius_m
        A point within this distance of a chosen site is covered.
    p
        Sites to choose (at least the number locked).
    locked
        Boolean per site: must be chosen.

    Returns
    -------
    numpy.ndarray
        Boolean per site: chosen.

    Notes
    -----
    Only demand points some candidate can cover enter the model (`coverable`): the
    others add the same nothing to every choice. Deterministic: CBC runs
    single-threaded with a fixed seed, and candidates come in site-id order.

    Examples
    --------
    >>> d = np.array([[0, 500, 500], [50, 500, 500], [500, 0, 500], [500, 500, 0],
    ...               [900, 900, 900]], float)
    >>> solve_mclp(d, np.array([5, 5, 3, 1.0, 100.0]), radius_m=100, p=2,
    ...            locked=np.array([False, False, True])).tolist()
    [True, False, True]
    """
    n_sites = distances.shape[1]
    p = min(p, n_sites)
    if p <= 0 or n_sites == 0:
        return np.zeros(n_sites, dtype=bool)
    keep = coverable(distances, radius_m) & (np.asarray(weights, dtype=float) > 0)
    if p >= n_sites:
        return np.ones(n_sites, dtype=bool)
    if not keep.any():  # nothing to cover: keep the locked sites, place nothing new
        return locked.copy()
    return _solve(distances[keep], np.asarray(weights, dtype=float)[keep], radius_m, p, locked)


def _solve(
    distances: np.ndarray, weights: np.ndarray, radius_m: float, p: int, locked: np.ndarray
) -> np.ndarray:
    """Build and solve the MCLP: binary site choices, coverage in [0, 1] (integral at optimum)."""
    import pulp

    n_points, n_sites = distances.shape
    reach = distances <= radius_m
    model = pulp.LpProblem("mclp", pulp.LpMaximize)
    site = [model.add_variable(f"x{j}", cat="Binary") for j in range(n_sites)]
    cover = [model.add_variable(f"y{i}", lowBound=0, upBound=1) for i in range(n_points)]
    model += pulp.lpSum(float(w) * y for w, y in zip(weights, cover, strict=True))
    model += pulp.lpSum(site) == p
    for i in range(n_points):
        model += cover[i] <= pulp.lpSum(site[j] for j in np.flatnonzero(reach[i]))
    for j in np.flatnonzero(locked):
        model += site[j] == 1
    with warnings.catch_warnings():  # PuLP 3.3 says its bundled CBC goes in 4.0; pinned below 4
        warnings.filterwarnings("ignore", message=".*PULP_CBC_CMD.*", category=DeprecationWarning)
        solver = pulp.PULP_CBC_CMD(msg=False, threads=1, options=["randomSeed 42"])
    model.solve(solver)
    return np.array([(v.value() or 0) > 0.5 for v in site])
