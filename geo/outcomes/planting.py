"""Plant a known reduction into real months, to check `geo.outcomes` where the truth is known.

Used by ``tests/test_outcomes.py`` and ``benchmarks/bench_outcomes.py``: choose busy
camera sites the way a planner would (the busiest places in the months before,
far enough apart that their areas do not overlap), then remove a share of the
incidents within the camera's view during the deployment's months. The untouched
incidents are the second copy, where nothing was done.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.outcomes.method import counts_by_month, thin_peaks

CAMERA_CATEGORIES = ("asb", "criminal_damage")


@dataclass(frozen=True, slots=True, eq=False)
class Planting:
    """
    A planted reduction.

    Attributes
    ----------
    deployments
        The camera deployments (`geo.outcomes.DEPLOYMENT_FIELDS`).
    planted
        The incidents with the reduction planted.
    removed
        How many incidents were removed (the true number prevented).
    """

    deployments: pd.DataFrame
    planted: pd.DataFrame
    removed: int


def busy_sites(
    incidents: pd.DataFrame,
    months: list[str],
    *,
    n: int = 10,
    radius: float = 100.0,
    spacing: float = 800.0,
    skip: int = 0,
) -> np.ndarray:
    """
    Return the `n` busiest camera places in `months`, at least `spacing` apart.

    Parameters
    ----------
    incidents
        Accepted incidents.
    months
        ``YYYY-MM`` months that choose the sites.
    n, skip
        Take places ``skip`` .. ``skip + n - 1`` in order of busyness.
    radius
        The camera's view radius.
    spacing
        Minimum distance between sites.

    Returns
    -------
    numpy.ndarray
        ``(n, 2)`` British National Grid points.
    """
    month = incidents["occurred"].dt.to_period("M").astype(str)
    rows = incidents[incidents["category"].isin(CAMERA_CATEGORIES) & month.isin(months)]
    xy = np.column_stack([rows.geometry.x.to_numpy(), rows.geometry.y.to_numpy()])
    points = np.unique(xy, axis=0)
    counts = counts_by_month(points, xy, np.zeros(len(xy), dtype=np.int64), radius, 1)[:, 0]
    peaks = thin_peaks(points, counts, eligible=np.ones(len(points), bool), spacing=spacing)
    order = peaks[np.lexsort((peaks, -counts[peaks]))]
    return points[order[skip : skip + n]]


def plant_reduction(
    incidents: pd.DataFrame,
    sites: np.ndarray,
    *,
    first: str,
    last: str,
    share: float,
    seed: int,
    radius: float = 100.0,
) -> Planting:
    """
    Deploy cameras at `sites` for months `first`..`last` and remove `share` of their incidents.

    Parameters
    ----------
    incidents
        Accepted incidents (left unchanged).
    sites
        ``(n, 2)`` camera sites.
    first, last
        The deployment's first and last month (``YYYY-MM``); it runs from the first
        day of `first` to the last day of `last`.
    share
        Share of the ASB and criminal damage incidents within `radius` of a site in
        those months that is removed (rounded to whole incidents).
    seed
        Which incidents are removed.
    radius
        The camera's view radius.

    Returns
    -------
    Planting
        The deployments, the planted incidents and the number removed.
    """
    start = pd.Period(first, freq="M").start_time.date()
    end = pd.Period(last, freq="M").end_time.date()
    deployments = pd.DataFrame(
        {
            "kind": "cctv",
            "unit": [f"Camera {i + 1}" for i in range(len(sites))],
            "site": [f"Site {i + 1}" for i in range(len(sites))],
            "x": sites[:, 0],
            "y": sites[:, 1],
            "start": dt.date.fromordinal(start.toordinal()),
            "end": dt.date.fromordinal(end.toordinal()),
        }
    )
    month = incidents["occurred"].dt.to_period("M")
    during = (month >= pd.Period(first, freq="M")) & (month <= pd.Period(last, freq="M"))
    eligible = during & incidents["category"].isin(CAMERA_CATEGORIES)
    xy = np.column_stack([incidents.geometry.x.to_numpy(), incidents.geometry.y.to_numpy()])
    near = counts_by_month(xy, sites, np.zeros(len(sites), dtype=np.int64), radius, 1)[:, 0] > 0
    inside = np.flatnonzero(eligible.to_numpy() & near)
    rng = np.random.default_rng(seed)
    drop = rng.choice(inside, size=round(share * len(inside)), replace=False)
    planted = incidents.drop(index=incidents.index[drop])
    return Planting(deployments=deployments, planted=planted, removed=len(drop))
