"""Hotspots of incidents: clusters, significance, trend, class, harm and stable identity.

Method
------
**Clusters.** DBSCAN (Ester et al. 1996, KDD-96, 226-231) on the distinct map
points of the window's incidents, each weighted by how many incidents share it
(scikit-learn's ``sample_weight``). police.uk snaps every incident to an
anonymised map point, so weighting the ~1,400 distinct points gives exactly the
clusters of clustering every row, at a fraction of the work, and lets one busy
point be a hotspot by itself. DBSCAN was chosen over HDBSCAN because its two
parameters mean something on the street (a radius in metres, a number of
incidents), it is fast (well under a second for Kent), and HDBSCAN's
scikit-learn version does not take sample weights.

**Significance.** Getis-Ord Gi* (Ord & Getis 1995, *Geographical Analysis*
27(4), 286-306) of the window's counts on a grid clipped to the district, with
PySAL esda's ``G_Local(star=True)``. Bins follow ArcGIS's Hot Spot Analysis:
+3/+2/+1 for hot spots at 99/95/90 % confidence from the z-score, with a
Benjamini-Hochberg false discovery rate correction per level (``esda.fdr``),
-3/-2/-1 for cold spots, 0 not significant. Counts of crime on 250 m cells are
sparse, so the normal p-value alone flags a cell with one burglary in an empty
district; a cell must also pass on esda's conditional permutations. esda 2.9.0
(what pip installs on Python 3.11) has no ``alternative=`` argument and folds
its ``p_sim`` into a one-directional value that calls every empty cell among
empty cells a 99 % cold spot, so the p-values are counted from its simulations
instead (`permutation_p`). Conditional permutation holds a cell's own count
fixed: a lone busy cell with quiet neighbours is not a Gi* hot spot (a hot
spot is a high value among high values), though DBSCAN still finds it. A
hotspot carries the best (highest) bin of the cells its outline touches.

Only the cells whose analytical z-score alone would give them a bin are
permuted (typically 150-250 of the district's 6,200 cells), with esda's own
random draws, so the bins are those of esda permuting every cell (tested on
the shipped data) in a tenth of the time and without importing esda, libpysal
or scikit-learn; ``gi_star_bins(method="all")`` still runs esda itself.

**Windows.** ``as_of="2025-09", months=3`` is the window 2025-07..2025-09
inclusive, compared with the previous window 2025-04..2025-06; the slices are
months. ``as_of="2025-09-28", weeks=4`` is 2025-09-01..2025-09-28 against
2025-08-04..2025-08-31, in week slices, counting only incidents dated to the
day. A slice "has data" when any incident of any category falls in it (months)
or when it lies within the span of the day-dated records (weeks): the shipped
police.uk data has no months 2024-05..2024-12, and a slice in such a gap is
unknown, not zero.

**Trend** compares the window with the previous one: ``new`` (none before),
``up 40 %``, ``steady`` (within ±10 %), ``down 25 %``, or ``no data`` when the
previous window has no slice with data. When either window only partly has
data, the change is per slice with data and the words say so (``up 40 % (per
month; data for 1 of 3 earlier months)``).

**Class**, over the slices with data of the window and the window before, in
the spirit of ArcGIS's emerging hot spot analysis and sfhotspot's classes
(rates are incidents per slice with data):

- ``new``: none in the previous window, some now;
- ``diminishing``: the rate now is at most two thirds of the rate before;
- ``emerging``: the rate now is at least 1.5 times the rate before;
- ``persistent``: incidents in every slice with data of both windows;
- ``intermittent``: anything else (busy in some slices, quiet in others).

When the previous window has no data at all, only ``persistent`` (every slice
of the window has incidents) or ``intermittent`` can be said.

**Harm** is the sum over the hotspot's incidents of its category's weight in
`geo.taxonomy.HARM_WEIGHTS` (Cambridge Crime Harm Index days: residential
burglary 274, criminal damage 2; ASB, speeding and any category without a
weight get the floor of 1), times the incident's evidence ``weight`` where the
source gives one (speeding evidence, `geo.speed_sites.evidence_weight`). Hotspots
are ranked by harm (or by count), ties broken by count, then id.

**Identity.** An id is the category code plus the centroid's easting and
northing in tens of metres, an 8-figure grid reference (``ASB+CD-55250-15530``
is 552,500 E 155,300 N); given the previous run's hotspots, a new hotspot
overlapping a previous one of the same category keeps its id.

Nothing here is specific to police.uk: categories, sources and weights come
from the incidents table.
"""

from __future__ import annotations

import functools
import itertools
import math
import warnings
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse

from geo import periods
from geo._errors import GeoInputError
from geo._validate import check_gdf
from geo.boundaries import district_outline
from geo.crs import BNG
from geo.grid import cell_centres, count_in_cells, make_grid
from geo.periods import Window, data_coverage, trend_class, trend_words
from geo.settings import HotspotParams
from geo.taxonomy import HARM_WEIGHTS

NOISE = -1
"""Cluster label of incidents in no hotspot (as in scikit-learn)."""

HOTSPOT_COLUMNS: tuple[str, ...] = (
    "hotspot_id",
    "category",
    "rank",
    "n_incidents",
    "n_prior",
    "change_pct",
    "trend",
    "trend_class",
    "harm",
    "gi_bin",
    "ward_names",
    "top_locations",
    "centroid_x",
    "centroid_y",
    "geometry",
)
"""Columns of `find_hotspots`' result."""

WARD_COLUMNS: tuple[str, ...] = (
    "category",
    "rank",
    "ward_code",
    "ward_name",
    "n_incidents",
    "n_prior",
    "change_pct",
    "trend",
    "trend_class",
    "harm",
)
"""Columns of `ward_table`'s result."""

_CODES = {
    "asb": "ASB",
    "burglary": "BUR",
    "criminal_damage": "CD",
    "speeding": "SPD",
    "vehicle_crime": "VEH",
    "violence": "VIO",
    "public_order": "PO",
}

DEFAULT_PARAMS = HotspotParams()


def _as_tuple(categories: str | Sequence[str]) -> tuple[str, ...]:
    if isinstance(categories, str):
        return tuple(c for c in categories.split("+") if c)
    return tuple(categories)


def cluster_incidents(
    incidents: gpd.GeoDataFrame, *, eps_m: float = 150.0, min_incidents: int = 6
) -> np.ndarray:
    """
    Label each incident with its DBSCAN cluster (`NOISE` for none).

    Incidents sharing a map point are clustered once, weighted by their number,
    so a point with `min_incidents` incidents is a cluster by itself.

    Parameters
    ----------
    incidents
        Points in EPSG:27700.
    eps_m
        DBSCAN radius in metres.
    min_incidents
        Incidents (summed over map points) within `eps_m` of a core point.

    Examples
    --------
    >>> from geo.testing import make_incidents
    >>> pts = make_incidents([(0, 0)] * 3 + [(40, 0)] * 3 + [(900, 900)])
    >>> cluster_incidents(pts, eps_m=50, min_incidents=5).tolist()
    [0, 0, 0, 0, 0, 0, -1]
    """
    if len(incidents) == 0:
        return np.array([], dtype=int)
    xy = np.column_stack([incidents.geometry.x.round(1), incidents.geometry.y.round(1)])
    sites, inverse, weight = np.unique(xy, axis=0, return_inverse=True, return_counts=True)
    labels = weighted_dbscan(sites, weight, eps_m=eps_m, min_weight=min_incidents)
    return labels[inverse.ravel()]


def weighted_dbscan(
    xy: np.ndarray, weight: np.ndarray, *, eps_m: float, min_weight: float
) -> np.ndarray:
    """
    Cluster weighted points as scikit-learn's ``DBSCAN(eps, min_samples).fit(xy, weight)`` does.

    A point is a core point when the weights within `eps_m` of it (itself included)
    add up to `min_weight`; clusters are the core points chained within `eps_m`,
    numbered in order of their first core point, and a border point joins the
    lowest-numbered cluster among its core neighbours (the one scikit-learn's
    expansion reaches first). Written with a KD-tree and connected components so
    that a command-line run does not pay scikit-learn's import (about 1.4 s here);
    the test suite checks the labels against scikit-learn's.

    Examples
    --------
    >>> weighted_dbscan(np.array([[0.0, 0], [40, 0], [900, 900]]), np.array([3, 3, 1]),
    ...                 eps_m=50, min_weight=5).tolist()
    [0, 0, -1]
    """
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    n = len(xy)
    pairs = cKDTree(xy).query_pairs(eps_m, output_type="ndarray")
    i, j = np.concatenate([pairs[:, 0], pairs[:, 1]]), np.concatenate([pairs[:, 1], pairs[:, 0]])
    near = np.asarray(weight, dtype=float) + np.bincount(i, weights=weight[j], minlength=n)
    core = near >= min_weight
    both = core[i] & core[j]
    graph = sparse.coo_matrix((np.ones(int(both.sum())), (i[both], j[both])), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    labels = np.full(n, NOISE, dtype=int)
    core_idx = np.flatnonzero(core)
    if len(core_idx) == 0:
        return labels
    first = {}  # component -> cluster number, in order of each cluster's first core point
    for k in core_idx:
        first.setdefault(component[k], len(first))
    labels[core_idx] = [first[component[k]] for k in core_idx]
    border = ~core[i] & core[j]  # a non-core point i with a core neighbour j
    if border.any():
        best = pd.Series(labels[j[border]]).groupby(i[border]).min()
        labels[best.index.to_numpy()] = best.to_numpy()
    return labels


GI_METHODS = ("confirm", "all")
"""Ways `gi_star_bins` runs its permutations: only where they can matter, or everywhere."""


def gi_star_bins(
    counts: np.ndarray,
    cells: gpd.GeoDataFrame,
    *,
    cell_m: float,
    permutations: int = 999,
    fdr: bool = True,
    seed: int = 12345,
    method: str = "confirm",
) -> np.ndarray:
    """
    Return ArcGIS-style Gi* confidence bins (-3..3) for counts on grid cells.

    Parameters
    ----------
    counts
        Count per cell.
    cells
        The cells (EPSG:27700); neighbours are cells whose centres are within
        1.5 cells (the 8 around, the "queen" neighbours), and each cell is its own
        neighbour (Gi*, ``star=True``).
    cell_m
        Cell size, for the neighbour distance.
    permutations, seed
        Conditional permutations for the pseudo p-values, and their seed.
    fdr
        Apply a Benjamini-Hochberg false discovery rate correction.
    method
        ``"confirm"`` (default): the analytical z-score of every cell, and
        permutations only for the cells whose z-score alone would give them a
        bin, drawn exactly as esda 2.9 draws them; ``"all"``: esda's
        ``G_Local`` permuting every cell (slower, and imports esda, libpysal and
        scikit-learn). Both give the same bins for the same seed: a cell whose
        z-score is not significant gets bin 0 whatever its permutations say.

    Returns
    -------
    numpy.ndarray
        One int per cell (see `permutation_p` and `confidence_bins`).

    Raises
    ------
    GeoInputError
        For an unknown `method`.

    Examples
    --------
    A busy block of four cells among quiet ones on a 10 x 10 grid:

    >>> from geo.grid import make_grid
    >>> cells = make_grid(shapely.box(0, 0, 1000, 1000), cell_m=100)
    >>> counts = np.ones(len(cells), dtype=int)
    >>> counts[[44, 45, 54, 55]] = 9
    >>> bins = gi_star_bins(counts, cells, cell_m=100)
    >>> int(bins.max()), int((bins > 0).sum())
    (3, 12)
    """
    if method not in GI_METHODS:
        msg = f"method must be one of {GI_METHODS}, not {method!r}"
        raise GeoInputError(msg)
    n = len(cells)
    if n < 3 or not np.any(counts):
        return np.zeros(n, dtype=int)
    centres = cell_centres(cells)
    y = np.asarray(counts, dtype=float)
    if method == "all":
        return _gi_star_bins_esda(
            y, centres, cell_m=cell_m, permutations=permutations, fdr=fdr, seed=seed
        )
    adjacency = gi_neighbours(centres, 1.5 * cell_m)
    z = gi_star_z(y, adjacency)
    maybe = np.flatnonzero(confidence_bins(z, np.zeros(n), np.zeros(n), fdr=fdr))
    p_hot, p_cold = np.ones(n), np.ones(n)
    if len(maybe):
        observed = (adjacency @ y + y)[maybe]
        simulated = _permuted_sums(y, adjacency, maybe, permutations=permutations, seed=seed)
        p_hot[maybe], p_cold[maybe] = permutation_p(observed / y.sum(), simulated / y.sum())
    return confidence_bins(z, p_hot, p_cold, fdr=fdr)


def _gi_star_bins_esda(
    y: np.ndarray, centres: np.ndarray, *, cell_m: float, permutations: int, fdr: bool, seed: int
) -> np.ndarray:
    """Gi* bins with esda's ``G_Local`` permuting every cell (``method="all"``)."""
    from esda.getisord import G_Local
    from libpysal.weights import DistanceBand

    with warnings.catch_warnings():
        # esda 2.9 warns that its permutation alternative will change and uses np.row_stack;
        # the p-values are counted in permutation_p, so both warnings are moot.
        warnings.simplefilter("ignore", DeprecationWarning)
        # a grid of mostly empty cells makes esda divide 0 by 0 for some cells: those get
        # NaN z-scores and are treated as not significant.
        warnings.simplefilter("ignore", RuntimeWarning)
        # libpysal says when the grid falls apart into pieces (an island cell): harmless here.
        warnings.simplefilter("ignore", UserWarning)
        w = DistanceBand(centres, threshold=1.5 * cell_m, binary=True, silence_warnings=True)
        g = G_Local(y, w, transform="B", permutations=permutations, star=True, seed=seed)
    return confidence_bins(np.asarray(g.Zs), *permutation_p(g.Gs, g.rGs), fdr=fdr)


def gi_neighbours(centres: np.ndarray, threshold: float) -> sparse.csr_matrix:
    """
    Return the binary neighbour matrix of points within `threshold` of each other.

    The same pairs as libpysal's ``DistanceBand(binary=True)`` (a KD-tree's
    pairs at most `threshold` apart, a point not its own neighbour), without
    importing libpysal.

    Examples
    --------
    >>> xy = np.array([[0.0, 0.0], [100.0, 0.0], [300.0, 0.0]])
    >>> gi_neighbours(xy, 150.0).toarray().tolist()
    [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    """
    from scipy.spatial import cKDTree

    tree = cKDTree(centres)
    pairs = tree.sparse_distance_matrix(tree, max_distance=threshold, output_type="coo_matrix")
    pairs = pairs.tocsr()
    pairs.data = (pairs.data > 0).astype(float)
    pairs.eliminate_zeros()
    return pairs


def gi_star_z(y: np.ndarray, adjacency: sparse.csr_matrix) -> np.ndarray:
    """
    Return the analytical Gi* z-score of each cell, each cell its own neighbour.

    Ord & Getis (1995), in the operations and order of esda 2.9's
    ``G_Local(star=True, transform="B")``, so the values are the same to the bit.
    A z-score esda would compute as NaN (no variance) is NaN here too.

    Parameters
    ----------
    y
        Count per cell.
    adjacency
        From `gi_neighbours` (no self-pairs).

    Examples
    --------
    >>> adjacency = gi_neighbours(np.array([[0.0, 0], [1, 0], [2, 0], [3, 0]]), 1.0)
    >>> gi_star_z(np.array([4.0, 4, 0, 0]), adjacency).round(2).tolist()
    [1.73, 1.0, -1.0, -1.73]
    """
    n = len(y)
    total = y.sum()
    statistic = (adjacency @ y + y) / total
    mean = total / n
    variance = (y**2).sum() / n - mean**2
    cardinality = np.asarray(adjacency.sum(axis=1)).ravel() + 1.0
    expected = cardinality / n
    expected_variance = cardinality * (n - cardinality)
    expected_variance /= n - 1
    expected_variance *= 1 / n**2
    expected_variance *= variance / (mean**2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (statistic - expected) / np.sqrt(expected_variance)


def _permuted_sums(
    y: np.ndarray, adjacency: sparse.csr_matrix, cells: np.ndarray, *, permutations: int, seed: int
) -> np.ndarray:
    """
    Return each of `cells`' neighbourhood sums under conditional permutation.

    The draws are esda 2.9's (``esda.crand.vec_permutations``): for each
    permutation, the first ``max_card`` of a permutation of the ``n - 1`` other
    cells from ``RandomState(seed)``; cell ``i`` takes the first ``k_i`` of
    them (its number of neighbours) and keeps its own count. A cell without
    neighbours (an island) simulates 0, as in esda. Shape ``(len(cells),
    permutations)``.
    """
    n = len(y)
    cardinality = np.diff(adjacency.indptr)
    max_card = int(cardinality.max())
    out = np.zeros((len(cells), permutations))
    if max_card == 0:
        return out
    draws = _draws(n, max_card, permutations, seed)
    for row, i in enumerate(cells):
        k_i = cardinality[i]
        if k_i == 0:
            continue
        picked = draws[:, :k_i]
        out[row] = y[picked + (picked >= i)].sum(axis=1) + y[i]
    return out


@functools.lru_cache(maxsize=8)
def _draws(n: int, max_card: int, permutations: int, seed: int) -> np.ndarray:
    """Return esda 2.9's permuted ids (``vec_permutations``), kept for the next run on the grid."""
    rng = np.random.RandomState(seed)  # esda's legacy stream, for the same draws
    draws = np.empty((permutations, max_card), dtype=np.int64)
    for k in range(permutations):
        draws[k] = rng.permutation(n - 1)[:max_card]
    draws.flags.writeable = False
    return draws


def fdr_cutoff(p_values: np.ndarray, alpha: float) -> float:
    """
    Return the Benjamini-Hochberg p-value cut-off (esda 2.9's ``fdr``, without importing esda).

    When no p-value passes, the Bonferroni bound ``alpha / n`` is returned.

    Examples
    --------
    >>> fdr_cutoff(np.array([0.001, 0.02, 0.5, 0.9]), 0.05)
    0.025
    >>> fdr_cutoff(np.array([0.2, 0.5]), 0.05)
    0.025
    """
    n = len(p_values)
    p_sort = np.sort(p_values)[::-1]
    p_fdr = np.arange(n, 0, -1) * alpha / n
    passing = np.flatnonzero(p_sort < p_fdr)
    return float(alpha / n) if len(passing) == 0 else float(p_fdr[passing[0]])


def permutation_p(observed: np.ndarray, simulated: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """
    Return each cell's one-sided pseudo p-values for "hot" and for "cold".

    esda 2.9.0 (the last release for Python 3.11) has no ``alternative=``
    argument, and its ``p_sim`` is *folded*: it counts the permutations at least
    as large as the observed value, or the rest when those are the majority. On
    sparse counts that is wrong: an empty cell among empty cells ties with almost
    every permutation, ``larger`` is all of them, and folding turns that into the
    smallest p-value, a "99 % cold spot" wherever nothing happened. So the
    p-values are counted here from esda's simulations (``rGs``), ties counting
    against significance on both sides.

    Parameters
    ----------
    observed
        Gi* per cell (``G_Local.Gs``), shape ``(n,)``.
    simulated
        Gi* per cell and permutation (``G_Local.rGs``), shape ``(n, permutations)``.

    Returns
    -------
    tuple of numpy.ndarray
        ``(p_hot, p_cold)``: ``(1 + #(sim >= obs)) / (1 + permutations)`` and
        the same with ``<=``.

    Examples
    --------
    >>> sims = np.array([[0.0, 0.0, 0.0, 0.1], [0.1, 0.2, 0.3, 0.4]])
    >>> p_hot, p_cold = permutation_p(np.array([0.0, 0.5]), sims)
    >>> p_hot.tolist(), p_cold.tolist()
    ([1.0, 0.2], [0.8, 1.0])
    """
    obs = np.asarray(observed, dtype=float)[:, None]
    sims = np.asarray(simulated, dtype=float)
    tol = 1e-12 * np.maximum(1.0, np.abs(obs))  # Gs and rGs sum in different orders
    k = sims.shape[1] + 1
    p_hot = ((sims >= obs - tol).sum(axis=1) + 1) / k
    p_cold = ((sims <= obs + tol).sum(axis=1) + 1) / k
    return p_hot, p_cold


def confidence_bins(
    z: np.ndarray, p_hot: np.ndarray, p_cold: np.ndarray, *, fdr: bool = True
) -> np.ndarray:
    """
    Turn Gi* z-scores and permutation p-values into ArcGIS-style bins -3..3.

    As in ArcGIS's Hot Spot Analysis, a cell's bin comes from its Gi* z-score:
    +3/+2/+1 for a hot spot at 99/95/90 % confidence (two-sided normal p-value at
    most 0.01/0.05/0.10), -3/-2/-1 for a cold spot, each level tested with the
    Benjamini-Hochberg cut-off over all cells (`fdr_cutoff`) when `fdr` is true.
    Counts are sparse and skewed, so the normal p-value alone overstates some
    cells: a cell must also pass the same level on its conditional-permutation
    p-value on the same side (two-sided, ``2 p_hot`` or ``2 p_cold``, not
    FDR-corrected: with 999 permutations it cannot go below 0.002). 0 is not
    significant, as is a cell with no z-score.

    Examples
    --------
    Without FDR, on hand-picked values (the fourth cell fails on its z-score,
    the sixth on its permutations):

    >>> z = np.array([4.0, 2.5, 1.9, 1.0, -3.0, 4.0, np.nan])
    >>> p_hot = np.array([0.001, 0.02, 0.04, 0.01, 0.999, 0.3, 0.001])
    >>> confidence_bins(z, p_hot, 1 - p_hot, fdr=False).tolist()
    [3, 2, 1, 0, -3, 0, 0]

    With FDR over 10 cells, a lone z of 2.7 (p = 0.0069) passes only the 90 %
    level, whose cut-off for the smallest of 10 p-values is 0.10 / 10:

    >>> z, p_hot = np.array([2.7] + [0.0] * 9), np.array([0.001] + [0.5] * 9)
    >>> confidence_bins(z, p_hot, 1 - p_hot, fdr=True).tolist()
    [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    """
    z = np.nan_to_num(np.asarray(z, dtype=float), nan=0.0)
    p_norm = np.array([math.erfc(abs(v) / math.sqrt(2)) for v in z])  # two-sided
    sign = np.sign(z).astype(int)
    p_side = np.where(sign > 0, np.asarray(p_hot, float), np.asarray(p_cold, float))
    p_perm = np.minimum(1.0, 2.0 * np.nan_to_num(p_side, nan=1.0))
    bins = np.zeros(len(z), dtype=int)
    for level, alpha in ((1, 0.10), (2, 0.05), (3, 0.01)):
        cut = fdr_cutoff(p_norm, alpha) if fdr else alpha
        significant = (p_norm <= cut) & (p_perm <= alpha) & (sign != 0)
        bins[significant] = level * sign[significant]
    return bins


def incident_harm(incidents: pd.DataFrame) -> pd.Series:
    """
    Return each incident's harm: its category's weight times its evidence weight.

    The category weight is `geo.taxonomy.HARM_WEIGHTS` (1 for a category without
    one); the evidence weight is the ``weight`` column where a source gives one
    (speeding evidence), else 1.

    Examples
    --------
    >>> incident_harm(pd.DataFrame({"category": ["burglary", "asb", "speeding", "other"],
    ...                             "weight": [np.nan, np.nan, 7.0, np.nan]})).tolist()
    [274.0, 1.0, 7.0, 1.0]
    """
    harm = incidents["category"].map(HARM_WEIGHTS).fillna(1.0).astype(float)
    if "weight" in incidents.columns:
        harm = harm * pd.to_numeric(incidents["weight"], errors="coerce").fillna(1.0)
    return harm


def _code(categories: tuple[str, ...]) -> str:
    return "+".join(_CODES.get(c, c.upper()) for c in categories)


def find_hotspots(
    incidents: gpd.GeoDataFrame,
    *,
    categories: str | Sequence[str],
    as_of: str,
    months: int | None = 3,
    weeks: int | None = None,
    wards: gpd.GeoDataFrame,
    params: HotspotParams = DEFAULT_PARAMS,
    previous: gpd.GeoDataFrame | None = None,
    rank_by: str = "harm",
    area: shapely.Geometry | None = None,
) -> gpd.GeoDataFrame:
    """
    Find the hotspots of `categories` in the window ending `as_of`.

    Parameters
    ----------
    incidents
        The incidents table (`geo.incidents`), EPSG:27700. Other categories are
        used only to tell which months have data.
    categories
        A category, a list of them, or ``"asb+criminal_damage"``.
    as_of
        The window's last month (``"YYYY-MM"``) or, with `weeks`, last day.
    months, weeks
        Window length. With `weeks`, only incidents dated to the day count
        (police.uk rows are months only).
    wards
        Ward polygons (EPSG:27700): the Gi* grid is clipped to them (unless `area`
        is given) and each hotspot names its wards ("outside the wards" for its
        incidents in none, kept with ``LoadSettings(keep_outside_district=True)``).
    params
        See `geo.settings.HotspotParams`.
    previous
        Last run's hotspots: a hotspot overlapping one of them keeps its id.
    rank_by
        ``"harm"`` (default) or ``"count"``.
    area
        The study area the Gi* grid covers, EPSG:27700 (`geo.boundaries.study_area`
        for a run that keeps incidents outside the wards); default: the wards' union.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per hotspot, `HOTSPOT_COLUMNS`, EPSG:27700, sorted by ``rank``.
        Empty (with those columns) when the window has no hotspot.

    Raises
    ------
    GeoInputError
        If `incidents` or `wards` break their contract.
    """
    needed = ["category", "occurred", "date_precision", "location", "ward_name"]
    check_gdf(incidents, name="incidents", columns=needed, geom_types={"Point"})
    check_gdf(wards, name="wards", columns=["ward_code", "ward_name"])
    if rank_by not in ("harm", "count"):
        msg = f"rank_by must be 'harm' or 'count', not {rank_by!r}"
        raise GeoInputError(msg)
    cats = _as_tuple(categories)
    window = periods.window(as_of, months=None if weeks else months, weeks=weeks)
    pool = incidents[incidents["category"].isin(cats)]
    now, prior = _in_window(pool, window), _in_window(pool, window, prior=True)
    labels = cluster_incidents(now, eps_m=params.eps_for(cats), min_incidents=params.min_for(cats))
    members = now.assign(cluster=labels)
    members = members[members["cluster"] != NOISE]
    if members.empty:
        return _empty()
    covered = data_coverage(incidents, window)
    cells = make_grid(district_outline(wards) if area is None else area, cell_m=params.cell_m)
    bins = gi_star_bins(
        count_in_cells(now, cells),
        cells,
        cell_m=params.cell_m,
        permutations=params.permutations,
        fdr=params.fdr,
        seed=params.seed,
    )
    rows = _describe_clusters(members, prior, cats, window, covered, params)
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=BNG)
    out["gi_bin"] = _best_bin(out, cells, bins)
    out["hotspot_id"] = _identify(out, cats, previous, params.match_overlap)
    key = "harm" if rank_by == "harm" else "n_incidents"
    out = out.sort_values([key, "n_incidents", "hotspot_id"], ascending=[False, False, True])
    out["rank"] = np.arange(1, len(out) + 1)
    return out[list(HOTSPOT_COLUMNS)].reset_index(drop=True)


def _empty() -> gpd.GeoDataFrame:
    data = {c: pd.Series(dtype=object) for c in HOTSPOT_COLUMNS if c != "geometry"}
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=BNG), crs=BNG)


def _describe_clusters(
    members: gpd.GeoDataFrame,
    prior: gpd.GeoDataFrame,
    cats: tuple[str, ...],
    window: Window,
    covered: np.ndarray,
    params: HotspotParams,
) -> list[dict[str, object]]:
    """
    Describe every cluster at once: outline, counts, trend, class, harm, wards, top locations.

    The same values as describing each cluster on its own, in cluster order, with
    one pass over the incidents instead of one per cluster (an all-Kent window has
    about 300 clusters).

    Parameters
    ----------
    members
        The window's incidents in a cluster, with their ``cluster`` label.
    prior
        The previous window's incidents of the same categories.
    cats
        The categories.
    window
        The window and the previous one.
    covered
        Which slices have data (`geo.periods.data_coverage`).
    params
        For the outline's buffer.

    Returns
    -------
    list of dict
        One row per cluster, lowest label first.
    """
    members = members.iloc[np.argsort(members["cluster"].to_numpy(), kind="stable")]
    _, group = np.unique(members["cluster"].to_numpy(), return_inverse=True)
    group = group.ravel()
    n_groups = int(group.max()) + 1
    outlines = cluster_outlines(members.geometry.to_numpy(), group, buffer_m=params.buffer_m)
    spot, row = points_inside(prior.geometry.to_numpy(), outlines)
    counts = group_slice_counts(window, prior["occurred"].iloc[row], spot, n_groups)
    counts += group_slice_counts(window, members["occurred"], group, n_groups)
    n_incidents = np.bincount(group, minlength=n_groups)
    n_prior = np.bincount(spot, minlength=n_groups)
    harm = group_sums(incident_harm(members).to_numpy(), group, n_groups)
    wards = ranked_counts(members["ward_name"].fillna("outside the wards"), group, n_groups)
    places = members["location"].fillna("").replace("", "unnamed place")
    top = ranked_counts(places, group, n_groups, limit=3)
    centres = shapely.centroid(outlines)
    rows = []
    for g in range(n_groups):
        now, before = counts[g, window.n :], counts[g, : window.n]
        change, trend = trend_words(now, before, covered, unit=window.unit)
        rows.append(
            {
                "category": "+".join(cats),
                "n_incidents": int(n_incidents[g]),
                "n_prior": int(n_prior[g]),
                "change_pct": change,
                "trend": trend,
                "trend_class": trend_class(now, before, covered),
                "harm": round(float(harm[g]), 2),
                "ward_names": "; ".join(name for name, _ in wards[g]),
                "top_locations": "; ".join(f"{loc}: {k}" for loc, k in top[g]),
                "centroid_x": round(float(shapely.get_x(centres[g])), 1),
                "centroid_y": round(float(shapely.get_y(centres[g])), 1),
                "geometry": outlines[g],
            }
        )
    return rows


def cluster_outlines(points: np.ndarray, group: np.ndarray, *, buffer_m: float) -> np.ndarray:
    """
    Return each group's outline: the convex hull of its points, buffered by `buffer_m`.

    Parameters
    ----------
    points
        Point geometries, sorted by `group`.
    group
        Each point's group, ``0..k-1``, ascending.
    buffer_m
        The buffer in metres (16 segments a quarter circle, as ``Geometry.buffer``).

    Returns
    -------
    numpy.ndarray
        ``k`` polygons.

    Examples
    --------
    >>> pts = shapely.points([[0, 0], [10, 0], [0, 10], [100, 100]])
    >>> outlines = cluster_outlines(pts, np.array([0, 0, 0, 1]), buffer_m=5)
    >>> [round(shape.area) for shape in outlines]
    [299, 78]
    """
    hulls = shapely.convex_hull(shapely.multipoints(points, indices=group))
    return shapely.buffer(hulls, buffer_m, quad_segs=16)


def points_inside(points: np.ndarray, shapes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """
    Return the pairs (shape, point) of points within shapes, in shape then point order.

    Candidates come from a tree of the points' boxes, then each pair is tested with
    ``shapely.within``, the test ``GeoSeries.within`` makes.

    Parameters
    ----------
    points
        Point geometries.
    shapes
        Polygons.

    Returns
    -------
    tuple of numpy.ndarray
        ``(shape_index, point_index)``, int arrays of equal length; a point in two
        shapes appears twice.

    Examples
    --------
    >>> pts = shapely.points([[1, 1], [5, 5], [9, 9]])
    >>> shapes = np.array([shapely.box(0, 0, 6, 6), shapely.box(4, 4, 10, 10)])
    >>> [idx.tolist() for idx in points_inside(pts, shapes)]
    [[0, 0, 1, 1], [0, 1, 1, 2]]
    """
    if len(points) == 0 or len(shapes) == 0:
        return np.array([], dtype=np.intp), np.array([], dtype=np.intp)
    shape_idx, point_idx = shapely.STRtree(points).query(shapes)
    inside = shapely.within(points[point_idx], shapes[shape_idx])
    shape_idx, point_idx = shape_idx[inside], point_idx[inside]
    order = np.lexsort((point_idx, shape_idx))
    return shape_idx[order], point_idx[order]


def group_slice_counts(
    window: Window, occurred: pd.Series, group: np.ndarray, n_groups: int
) -> np.ndarray:
    """
    Count dates per group and slice, as `Window.slice_counts` does for each group alone.

    Parameters
    ----------
    window
        The window and the previous one (``2 n`` slices).
    occurred
        One date per row; dates outside both windows are ignored.
    group
        Each row's group, ``0..n_groups-1``.
    n_groups
        Number of groups.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_groups, 2 n)``, ints.

    Examples
    --------
    >>> w = periods.window("2025-09", months=2)  # 2025-08..09, after 2025-06..07
    >>> dates = pd.Series(pd.to_datetime(["2025-06-01", "2025-09-01", "2025-10-01"]))
    >>> group_slice_counts(w, dates, np.array([0, 1, 1]), 2).tolist()
    [[1, 0, 0, 0], [0, 0, 0, 1]]
    """
    n_slices = 2 * window.n
    idx = window.slice_index(occurred)
    keep = idx >= 0
    flat = np.asarray(group)[keep] * n_slices + idx[keep]
    return np.bincount(flat, minlength=n_groups * n_slices).reshape(n_groups, n_slices)


def group_sums(values: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """
    Sum `values` per group, each group added up as numpy adds up an array of its own.

    Numpy sums an array pairwise, so a group's float total depends on the order of
    the additions; summing each group's contiguous slice gives the very total of
    summing that group alone (``np.bincount`` would add in another order).

    Parameters
    ----------
    values
        Floats, sorted by `group`.
    group
        Each value's group, ``0..n_groups-1``, ascending.
    n_groups
        Number of groups.

    Returns
    -------
    numpy.ndarray
        ``n_groups`` floats (0 for a group with no value).

    Examples
    --------
    >>> group_sums(np.array([1.0, 2.0, 4.0]), np.array([0, 0, 2]), 3).tolist()
    [3.0, 0.0, 4.0]
    """
    bounds = np.searchsorted(group, np.arange(n_groups + 1))
    values = np.asarray(values, dtype=float)
    return np.array([values[a:b].sum() for a, b in itertools.pairwise(bounds)])


def ranked_counts(
    values: pd.Series, group: np.ndarray, n_groups: int, *, limit: int | None = None
) -> list[list[tuple[str, int]]]:
    """
    Count each group's values, most first, ties in alphabetical order.

    The order of ``values.value_counts()`` sorted by value, then stably by count,
    per group.

    Parameters
    ----------
    values
        Strings, no missing values.
    group
        Each value's group, ``0..n_groups-1``.
    n_groups
        Number of groups.
    limit
        Keep at most this many per group (default: all).

    Returns
    -------
    list of list of tuple
        Per group, ``(value, count)`` pairs.

    Examples
    --------
    >>> ranked_counts(pd.Series(["b", "a", "b", "c", "a", "c"]), np.array([0, 0, 0, 0, 1, 1]), 2)
    [[('b', 2), ('a', 1), ('c', 1)], [('a', 1), ('c', 1)]]
    """
    names, code = np.unique(values.to_numpy(dtype=object), return_inverse=True)
    group = np.asarray(group)
    pair = group * len(names) + code.ravel()
    pairs, counts = np.unique(pair, return_counts=True)
    pair_group, pair_code = np.divmod(pairs, len(names))
    order = np.lexsort((pair_code, -counts, pair_group))
    ranked: list[list[tuple[str, int]]] = [[] for _ in range(n_groups)]
    for i in order:
        g = int(pair_group[i])
        if limit is None or len(ranked[g]) < limit:
            ranked[g].append((str(names[pair_code[i]]), int(counts[i])))
    return ranked


def _best_bin(hotspots: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, bins: np.ndarray) -> np.ndarray:
    """Return the highest Gi* bin among the cells each outline touches (0 if none)."""
    idx_h, idx_c = cells.sindex.query(hotspots.geometry, predicate="intersects")
    best = pd.Series(bins[idx_c]).groupby(idx_h).max()
    return best.reindex(range(len(hotspots)), fill_value=0).to_numpy().astype(int)


def _identify(
    hotspots: gpd.GeoDataFrame,
    cats: tuple[str, ...],
    previous: gpd.GeoDataFrame | None,
    min_overlap: float,
) -> list[str]:
    """Give each hotspot an id: a previous overlapping one's, else code + 10 m grid ref."""
    xy = zip(hotspots["centroid_x"], hotspots["centroid_y"], strict=True)
    fresh = [f"{_code(cats)}-{x / 10:.0f}-{y / 10:.0f}" for x, y in xy]
    ids = list(fresh)
    if previous is not None and len(previous):
        same = previous[previous["category"] == "+".join(cats)]
        taken: set[str] = set()
        for i, shape in enumerate(hotspots.geometry):
            overlap = same.geometry.intersection(shape).area / np.minimum(same.area, shape.area)
            for j in np.argsort(-overlap.to_numpy(), kind="stable"):
                pid = same["hotspot_id"].iloc[j]
                if overlap.iloc[j] >= min_overlap and pid not in taken:
                    ids[i] = pid
                    taken.add(pid)
                    break
    seen: dict[str, int] = {}
    for i, h in enumerate(ids):  # two hotspots in one 10 m square: suffix the later
        seen[h] = seen.get(h, 0) + 1
        if seen[h] > 1:
            ids[i] = f"{h}-{seen[h]}"
    return ids


def _in_window(
    incidents: gpd.GeoDataFrame, window: Window, *, prior: bool = False
) -> gpd.GeoDataFrame:
    """Return the incidents of the window (or of the previous one); week windows need days."""
    pool = (
        incidents if window.unit == "month" else incidents[incidents["date_precision"] != "month"]
    )
    first, after = (window.prior_start, window.start) if prior else (window.start, window.end)
    return pool[(pool["occurred"] >= first) & (pool["occurred"] < after)]


def hotspot_incidents(
    incidents: gpd.GeoDataFrame,
    hotspots: gpd.GeoDataFrame,
    *,
    as_of: str,
    months: int | None = 3,
    weeks: int | None = None,
) -> gpd.GeoDataFrame:
    """
    Return the window's incidents of each hotspot's categories inside its outline.

    Parameters
    ----------
    incidents, as_of, months, weeks
        As given to `find_hotspots`.
    hotspots
        Its result.

    Returns
    -------
    geopandas.GeoDataFrame
        The incidents with a ``hotspot_id`` column (one row per incident and
        hotspot), in hotspot rank order.
    """
    if hotspots.empty:
        return incidents.iloc[:0].assign(hotspot_id=pd.Series(dtype=object))
    now = _in_window(incidents, periods.window(as_of, months=months, weeks=weeks))
    spot, row = points_inside(now.geometry.to_numpy(), hotspots.geometry.to_numpy())
    names = hotspots["category"].to_numpy(dtype=object)
    keep = np.zeros(len(spot), dtype=bool)
    for name in pd.unique(names):  # usually one category name for every hotspot
        mine = names[spot] == name
        keep[mine] = now["category"].isin(_as_tuple(name)).to_numpy()[row[mine]]
    ids = hotspots["hotspot_id"].to_numpy(dtype=object)[spot[keep]]
    return now.iloc[row[keep]].assign(hotspot_id=ids).reset_index(drop=True)


def ward_table(
    incidents: gpd.GeoDataFrame,
    wards: gpd.GeoDataFrame,
    *,
    categories: str | Sequence[str],
    as_of: str,
    months: int | None = 3,
    weeks: int | None = None,
) -> pd.DataFrame:
    """
    Rank wards per category by harm, with counts, trend and class ("priority wards").

    Parameters
    ----------
    incidents
        The incidents table (`geo.incidents`), with ``ward_code``.
    wards
        Every ward gets a row per category, with zeros where nothing happened.
    categories
        Categories to rank wards for, each on its own; ``"asb+criminal_damage"``
        in the list ranks the two together.
    as_of, months, weeks
        The window, as for `find_hotspots`.

    Returns
    -------
    pandas.DataFrame
        ``category``, ``rank`` (1 = most harm in that category, ties by count
        then name), ``ward_code``, ``ward_name``, ``n_incidents``, ``n_prior``,
        ``change_pct``, ``trend``, ``trend_class``, ``harm``.
    """
    check_gdf(wards, name="wards", columns=["ward_code", "ward_name"])
    window = periods.window(as_of, months=months, weeks=weeks)
    covered = data_coverage(incidents, window)
    names = [categories] if isinstance(categories, str) else list(categories)
    both = pd.concat([_in_window(incidents, window, prior=True), _in_window(incidents, window)])
    rows = []
    for name in names:
        pool = both[both["category"].isin(_as_tuple(name))]
        for ward in wards.itertuples():
            here = pool[pool["ward_code"] == ward.ward_code]
            counts = window.slice_counts(here["occurred"])
            now, before = counts[window.n :], counts[: window.n]
            change, trend = trend_words(now, before, covered, unit=window.unit)
            in_now = here["occurred"] >= window.start
            rows.append(
                {
                    "category": name,
                    "ward_code": ward.ward_code,
                    "ward_name": ward.ward_name,
                    "n_incidents": int(now.sum()),
                    "n_prior": int(before.sum()),
                    "change_pct": change,
                    "trend": trend,
                    "trend_class": trend_class(now, before, covered) if now.sum() else "",
                    "harm": round(float(incident_harm(here[in_now]).sum()), 2),
                }
            )
    table = pd.DataFrame(rows, columns=[c for c in WARD_COLUMNS if c != "rank"])
    table = table.sort_values(
        ["category", "harm", "n_incidents", "ward_name"], ascending=[True, False, False, True]
    )
    table.insert(1, "rank", table.groupby("category").cumcount() + 1)
    return table.reset_index(drop=True)


def months_held(incidents: pd.DataFrame) -> str:
    """
    Say which months the incidents cover, as runs of consecutive months.

    Examples
    --------
    >>> seen = pd.DataFrame({"occurred": pd.to_datetime(
    ...     ["2024-01-01", "2024-02-01", "2024-04-01", "2025-01-01", "2025-02-01", "2025-03-01"])})
    >>> months_held(seen)
    '2024-01 to 2024-02, 2024-04, 2025-01 to 2025-03'
    """
    held = sorted(set(incidents["occurred"].dt.to_period("M")))
    runs: list[list[pd.Period]] = []
    for month in held:
        if runs and month == runs[-1][-1] + 1:
            runs[-1].append(month)
        else:
            runs.append([month])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]} to {r[-1]}" for r in runs)
