"""The arithmetic of an outcome: counts, comparison places and the 95 % range.

A deployed site was chosen because it was busy, so its count falls back afterwards
whatever is done (regression to the mean). Each deployment is therefore compared
with **comparison places** that were about as busy in the months before it:

- candidates are the map points of the kind's categories, each with a disc of the
  target's radius and a disc of the outer (buffer) radius;
- a candidate's area never overlaps a deployed site's, and candidates are thinned
  the way sites are chosen (busiest first, none nearer a busier one than two
  radii), so no two areas overlap, each incident is counted once, and the places
  regress to the mean as the chosen sites do;
- the `controls` candidates whose before-count is nearest the target's are taken.

The expected count is the target's before-count times the comparison places'
during/before ratio; ``fewer`` = expected - observed: a difference-in-differences
count in which the comparison's change is the (proportional) change of places as
busy as the target. The 95 % range is a bootstrap over comparison places with a
fixed seed: each replicate resamples the places, recomputes the ratio and
multiplies by one place's own during/expected ratio, so the range holds how much
such places vary among themselves, not Poisson noise alone.
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


def choose_controls(
    candidate_xy: np.ndarray,
    candidate_before: np.ndarray,
    target_before: int,
    *,
    eligible: np.ndarray,
    spacing: float,
    wanted: int,
) -> np.ndarray:
    """
    Pick comparison places chosen the way sites are: busiest first, then as busy as the target.

    Sites are chosen because they were the busiest places around, so the candidates
    are first thinned the same way: busiest first, each kept only if no busier kept
    place is nearer than `spacing` (a place next to a busy one is not a place of
    its own, and no two areas overlap). Of those, the `wanted` whose before-count is
    nearest the target's are taken.

    Parameters
    ----------
    candidate_xy
        ``(n, 2)`` candidate centres.
    candidate_before
        ``(n,)`` each candidate's count in the target's before months.
    target_before
        The target's count in those months.
    eligible
        ``(n,)`` False for candidates too near a deployed site.
    spacing
        Minimum distance between chosen centres (two radii).
    wanted
        How many to pick at most.

    Returns
    -------
    numpy.ndarray
        Indices into the candidates, nearest in before-count first.

    Examples
    --------
    >>> xy = np.array([[0.0, 0.0], [10.0, 0.0], [500.0, 0.0], [900.0, 0.0]])
    >>> choose_controls(xy, np.array([5, 6, 3, 9]), 5, eligible=np.ones(4, bool),
    ...                 spacing=100.0, wanted=2).tolist()
    [1, 2]
    """
    peaks = thin_peaks(candidate_xy, candidate_before, eligible=eligible, spacing=spacing)
    return nearest_in_count(peaks, candidate_before, target_before, wanted)


def thin_peaks(
    candidate_xy: np.ndarray, candidate_before: np.ndarray, *, eligible: np.ndarray, spacing: float
) -> np.ndarray:
    """
    Keep the busiest eligible candidates, none nearer than `spacing` to a busier kept one.

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


@dataclass(frozen=True, slots=True)
class Expected:
    """
    What a place with the target's before-count would have had during the deployment.

    Attributes
    ----------
    expected
        The point prediction.
    draws
        Bootstrap draws of the count the target would have had (the null
        distribution of its during count).
    """

    expected: float
    draws: np.ndarray


def expected_count(
    control_before: np.ndarray,
    control_during: np.ndarray,
    target_before: float,
    *,
    resample: np.ndarray,
    pick: np.ndarray,
) -> Expected:
    """
    Predict the target's during count from comparison places, with bootstrap draws.

    The expected count is the target's before-count times the comparison places'
    during/before ratio. Each bootstrap replicate resamples the places (the ratio's
    uncertainty) and multiplies by one place's own during/expected ratio (how much
    a single place varies about the expectation), so the draws carry both.

    Parameters
    ----------
    control_before, control_during
        ``(m,)`` the comparison places' counts.
    target_before
        The target's before count.
    resample
        ``(B, m)`` indices of the places drawn in each replicate.
    pick
        ``(B,)`` the place whose own variation each replicate adds.

    Returns
    -------
    Expected
        The prediction and ``B`` draws (never below zero).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> b = np.array([4, 5, 6, 5, 4, 6]); d = np.array([2, 3, 4, 3, 3, 3])
    >>> e = expected_count(b, d, 5, resample=rng.integers(6, size=(200, 6)),
    ...                    pick=rng.integers(6, size=200))
    >>> round(e.expected, 2), e.draws.shape
    (3.0, (200,))
    """
    x = control_before.astype(float)
    y = control_during.astype(float)
    ratio = float(_ratio(x, y))
    expected = target_before * ratio
    own = y / np.maximum(x * ratio, 0.5)  # each place's during over what the ratio expects
    centre = target_before * _ratio(x[resample], y[resample])
    if target_before == 0:  # nothing to scale: a quiet target varies as quiet places do
        return Expected(
            expected=float(y.mean()), draws=y[resample].mean(axis=1) + y[pick] - y.mean()
        )
    draws = np.maximum(centre * own[pick], 0.0)
    return Expected(expected=expected, draws=draws)


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
