"""The arithmetic of an outcome: counts, comparison places and the 95 % range.

A deployed site was chosen because it was busy, so its count falls back afterwards
whatever is done (regression to the mean). Each deployment is therefore compared
with **comparison places** that were about as busy in the months before it:

- candidates are the map points of the kind's categories, each with a disc of the
  target's radius and a disc of the outer (buffer) radius; a candidate is picked (as
  a comparison or a placebo place) only where an incident was recorded in the months
  that pick it, as a planner picks sites from the months before (a point known only
  from the during months has at least that incident during, and would let the months
  being judged choose their own comparison);
- a candidate's area never overlaps a deployed site's, and candidates are thinned
  the way sites are chosen (busiest first, none nearer a busier one than two
  radii), so no two areas overlap, each incident is counted once, and the places
  regress to the mean as the chosen sites do;
- the `controls` candidates whose before-count is nearest the target's are taken.

The expected count is the target's before-count times the comparison places'
during/before ratio; ``fewer`` = expected - observed: a difference-in-differences
count in which the comparison's change is the (proportional) change of places as
busy as the target.

The 95 % range comes from **placebo deployments**: in every window of the same
length in the loaded months (the deployment's own and all others), the undeployed
places ranked where the deployed sites ranked are judged exactly as a deployment
is (`placebo_residuals`), and their Pearson residuals kept. Each replicate of
`null_draws` picks one window for all the deployments together, then one placebo
place per deployment, so the range holds both how much single places vary and
how much busy places as a group swing in one period (a swing that a bootstrap
over places alone treats as independent noise, giving ranges that are too narrow).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree


def counts_by_month(
    centres: np.ndarray, points: np.ndarray, months: np.ndarray, radius: float, n_months: int
) -> np.ndarray:
    """
    Count the points within `radius` of each centre, per month.

    Parameters
    ----------
    centres
        ``(n, 2)`` British National Grid metres.
    points
        ``(k, 2)`` incident points.
    months
        ``(k,)`` each point's month as a column index in ``0..n_months-1``.
    radius
        Metres (a point at exactly `radius` counts).
    n_months
        Columns of the result.

    Returns
    -------
    numpy.ndarray
        ``(n, n_months)`` integer counts.

    Examples
    --------
    >>> c = np.array([[0.0, 0.0], [1000.0, 0.0]])
    >>> p = np.array([[0.0, 50.0], [0.0, 100.0], [1000.0, 0.0], [0.0, 500.0]])
    >>> counts_by_month(c, p, np.array([0, 1, 1, 0]), 100.0, 2).tolist()
    [[1, 1], [0, 1]]
    """
    out = np.zeros((len(centres), n_months), dtype=np.int64)
    if len(centres) == 0 or len(points) == 0:
        return out
    pairs = cKDTree(centres).sparse_distance_matrix(
        cKDTree(points), radius * (1 + 1e-12), output_type="ndarray"
    )
    np.add.at(out, (pairs["i"], months[pairs["j"]]), 1)
    return out


def thin_peaks(
    candidate_xy: np.ndarray, candidate_before: np.ndarray, *, eligible: np.ndarray, spacing: float
) -> np.ndarray:
    """
    Keep the busiest eligible candidates, none nearer than `spacing` to a busier kept one.

    Comparison places are chosen the way sites are: sites are the busiest places
    around, so candidates are thinned the same way (a place next to a busy one is not a
    place of its own, and no two areas overlap); `nearest_in_count` then takes those
    whose before-count is nearest the target's.

    Examples
    --------
    >>> xy = np.array([[0.0, 0.0], [10.0, 0.0], [500.0, 0.0]])
    >>> thin_peaks(xy, np.array([5, 6, 3]), eligible=np.ones(3, bool), spacing=100.0).tolist()
    [1, 2]
    """
    before = candidate_before.astype(float)
    order = np.lexsort((np.arange(len(before)), -before))
    order = order[eligible[order]]
    if len(order) == 0:
        return np.empty(0, dtype=np.int64)
    neighbours = cKDTree(candidate_xy).query_ball_point(candidate_xy[order], spacing * (1 - 1e-9))
    blocked = np.zeros(len(candidate_xy), dtype=bool)
    kept = []
    for i, near in zip(order, neighbours, strict=True):
        if blocked[i]:
            continue
        kept.append(int(i))
        blocked[near] = True
    return np.sort(np.array(kept, dtype=np.int64))


def nearest_in_count(
    peaks: np.ndarray, candidate_before: np.ndarray, target_before: float, wanted: int
) -> np.ndarray:
    """Return the `wanted` peaks whose before-count is nearest `target_before` (ties by index)."""
    gap = np.abs(candidate_before[peaks].astype(float) - float(target_before))
    return peaks[np.lexsort((peaks, gap))][:wanted]


def _ratio(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Sum of `y` over sum of `x` along the last axis (1 where `x` sums to 0)."""
    sx, sy = x.sum(axis=-1), y.sum(axis=-1)
    return np.divide(sy, sx, out=np.ones_like(sy, dtype=float), where=sx > 0)


def expected_from(
    control_before: np.ndarray, control_during: np.ndarray, target_before: float
) -> float:
    """
    Return what a place with `target_before` incidents would have had, judged by comparison places.

    The target's before-count times the places' during/before ratio; a target with
    none before has what the (equally quiet) places had on average.

    Examples
    --------
    >>> expected_from(np.array([4, 6]), np.array([2, 3]), 10)
    5.0
    >>> expected_from(np.array([0, 0]), np.array([1, 2]), 0)
    1.5
    """
    if target_before == 0:
        return float(np.asarray(control_during, dtype=float).mean())
    return float(target_before) * float(_ratio(control_before.astype(float), control_during))


@dataclass(frozen=True, slots=True)
class Window:
    """
    A before/during pair of month windows, as column indices of a count matrix.

    Attributes
    ----------
    before, during
        Column indices.
    eligible
        ``(n,)`` False for candidates near a site deployed in these months.
    """

    before: tuple[int, ...]
    during: tuple[int, ...]
    eligible: np.ndarray


@dataclass(frozen=True, slots=True)
class Placebos:
    """
    How far places that were not deployed to fell from their expected count.

    Attributes
    ----------
    residuals
        ``(W, n, k)``: in each of W windows, for each of n deployments, the k
        undeployed places whose before-count is nearest the deployment's, each's
        during count minus what its own comparison places expected.
    ring
        The same for the ring of the same places (None if not asked for).
    """

    residuals: np.ndarray
    ring: np.ndarray | None


FLOOR = 0.5
"""The smallest expected count a residual is scaled by (a place expecting none still varies)."""


def pearson(observed: float, expected: float) -> float:
    """
    Return the Pearson residual (observed - expected) / sqrt(expected), expected floored at `FLOOR`.

    Examples
    --------
    >>> pearson(13, 9.0)
    1.3333333333333333
    """
    return (observed - expected) / float(np.sqrt(max(expected, FLOOR)))


def placebo_residuals(
    matrix: np.ndarray,
    candidate_xy: np.ndarray,
    windows: list[Window],
    ranks: list[int],
    *,
    spacing: float,
    controls: int,
    pool: int,
    min_controls: int,
    ring: np.ndarray | None = None,
) -> Placebos:
    """
    Judge undeployed places as if deployed, in every window: the errors of the method itself.

    For each window and each deployment, the `pool` peaks (places thinned as sites
    are chosen) ranked by before-count where the deployment's site ranked among the
    places of its own window are placebo sites (sites are picked because they were
    among the busiest, and the busiest fall back most, so a placebo is picked the
    same way, by rank, not merely by count);
    each is compared with its own `controls` nearest peaks exactly as a deployment
    is, and its Pearson residual (during minus expected, over the root of expected)
    kept. Over windows these residuals
    carry what a bootstrap over places alone leaves out: a swing shared by busy
    places in one period.

    Parameters
    ----------
    matrix
        ``(n_candidates, n_months)`` counts within the target's radius.
    candidate_xy
        ``(n_candidates, 2)`` centres.
    windows
        The windows to use (each with its eligibility).
    ranks
        Each deployment's rank among the peaks of its own window (0: busiest).
    spacing, controls, pool, min_controls
        Peaks' spacing, comparison places per placebo, placebos per deployment per
        window, and the fewest peaks a window must have to be used.
    ring
        Optionally a second matrix (the buffer ring) judged at the same placebos
        with the same comparison places.

    Returns
    -------
    Placebos
        Residuals of the windows that had enough peaks (W may be 0).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> xy = np.column_stack([np.arange(40) * 1000.0, np.zeros(40)])
    >>> m = rng.poisson(3, size=(40, 4))
    >>> w = [Window((0, 1), (2, 3), np.ones(40, bool))]
    >>> p = placebo_residuals(m, xy, w, [0, 5], spacing=200.0, controls=10, pool=3,
    ...                       min_controls=10)
    >>> p.residuals.shape
    (1, 2, 3)
    """
    out, out_ring = [], []
    n = len(ranks)
    for window in windows:
        b, d = list(window.before), list(window.during)
        cb, cd = matrix[:, b].sum(axis=1), matrix[:, d].sum(axis=1)
        peaks = thin_peaks(candidate_xy, cb, eligible=window.eligible, spacing=spacing)
        if len(peaks) <= min_controls:
            continue
        if ring is not None:
            rb, rd = ring[:, b].sum(axis=1), ring[:, d].sum(axis=1)
        res = np.zeros((n, pool))
        res_ring = np.zeros((n, pool))
        by_rank = peaks[np.lexsort((peaks, -cb[peaks]))]
        for j, rank in enumerate(ranks):
            # the places ranked as the deployment's site was: chosen as it was chosen
            first = min(rank, len(by_rank) - pool)
            chosen = by_rank[max(first, 0) : max(first, 0) + pool]
            chosen = np.resize(chosen, pool)  # fewer peaks than the pool: repeat them
            for k, place in enumerate(chosen):
                ctrl = nearest_in_count(peaks[peaks != place], cb, cb[place], controls)
                res[j, k] = pearson(cd[place], expected_from(cb[ctrl], cd[ctrl], cb[place]))
                if ring is not None:
                    res_ring[j, k] = pearson(
                        rd[place], expected_from(rb[ctrl], rd[ctrl], rb[place])
                    )
        out.append(res)
        out_ring.append(res_ring)
    shape = (len(out), n, pool)
    residuals = np.array(out).reshape(shape)
    return Placebos(residuals, np.array(out_ring).reshape(shape) if ring is not None else None)


def null_draws(
    expected: list[float], residuals: np.ndarray, rng: np.random.Generator, replicates: int
) -> np.ndarray:
    """
    Draw what each deployment would have had if nothing had been done.

    Each replicate picks one window for all the deployments together (so a swing
    shared by busy places in one period moves them all at once, as it would) and,
    for each deployment, one of its placebo places in that window; the draw is
    the deployment's expected count plus that place's Pearson residual scaled to
    the deployment's expected count (times its square root), never below 0.

    Parameters
    ----------
    expected
        The n deployments' expected counts.
    residuals
        ``(W, n, k)`` from `placebo_residuals`.
    rng
        Seeded generator.
    replicates
        B.

    Returns
    -------
    numpy.ndarray
        ``(n, B)`` draws; summing over deployments gives the pooled draws.

    Examples
    --------
    >>> r = np.array([[[0.5, -0.5]], [[1.0, 0.0]]])
    >>> d = null_draws([4.0], r, np.random.default_rng(0), 1000)
    >>> d.shape, sorted(set(d[0].tolist()))
    ((1, 1000), [3.0, 4.0, 5.0, 6.0])
    """
    w_count, n, k = residuals.shape
    window = rng.integers(w_count, size=replicates)
    place = rng.integers(k, size=(n, replicates))
    picked = residuals[window[None, :], np.arange(n)[:, None], place]
    mean = np.asarray(expected, dtype=float)[:, None]
    return np.maximum(mean + picked * np.sqrt(np.maximum(mean, FLOOR)), 0.0)


def wdq(target: tuple[int, int], buffer: tuple[int, int], control: tuple[int, int]) -> float | None:
    """
    Return the Weighted Displacement Quotient (Bowers and Johnson 2003), or None if undefined.

    Each pair is (before, during). WDQ = (D1/C1 - D0/C0) / (T1/C1 - T0/C0); it is
    defined only when the target fell relative to the control (the denominator is
    negative). Positive: diffusion of benefit into the buffer; negative: displacement.

    Examples
    --------
    >>> wdq((20, 10), (30, 24), (100, 100))
    0.6
    >>> wdq((10, 12), (30, 24), (100, 100)) is None
    True
    """
    (t0, t1), (d0, d1), (c0, c1) = target, buffer, control
    if c0 <= 0 or c1 <= 0:
        return None
    success = t1 / c1 - t0 / c0
    if success >= 0:
        return None
    return round((d1 / c1 - d0 / c0) / success, 2)
