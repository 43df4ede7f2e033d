"""Did it work? The effect of each deployment and of each kind, with its 95 % range.

`evaluate_outcomes` judges deployments (from `approved_deployments` of the plan
store, or `read_deployments_file` of past ones) against incidents:

- **What each kind is judged on** (`KIND_RULES`): cameras on ASB and criminal
  damage within the camera's view radius (``resources.toml``); EVAs on criminal
  damage and environmental reports (fly-tipping, graffiti, abandoned vehicles:
  police.uk does not split ASB, so its ASB is left out) within 150 m; patrols on
  their hotspot's categories (ASB and criminal damage) within 150 m of the
  hotspot's centre (the store keeps the centre, not the outline; 150 m is the
  hotspots' clustering distance); boards on collisions and speeding evidence
  within 600 m, or the words say there is none.
- **Time**: police.uk gives months, so a month is *during* a deployment when the
  deployment covers at least half its days (`OutcomeSettings.min_share`); the
  *before* window is the same number of months just before. A deployment shorter
  than half a month cannot be seen in monthly data and says so. CSU log rows are
  counted by their month too.
- **Comparison places** matched on the before months give the expected count;
  **placebo deployments** at undeployed places ranked as the sites were, in every
  window of the same length, give the 95 % range (`geo.outcomes.method`). ``target``:
  at the site; ``net``: site and buffer ring together (target plus displacement, the
  Weighted Displacement Difference's quantity, Wheeler and Ratcliffe 2018); ``wdq``:
  the Weighted Displacement Quotient (Bowers and Johnson 2003) of the buffer ring. The
  kind's words also give the WDD with its Poisson standard error, which leaves out how
  places vary.
- **Pooled** over a kind's deployments (sum of expected minus sum of observed,
  the draws summed; one window per replicate for all of them, so a shared swing
  moves them together), as the per-site numbers are tiny.
- **Words** never claim an effect whose 95 % range holds zero.

The result is a plain dict (the ``--json`` of ``geo outcomes``)::

    {"period": {"from", "to"},
     "deployments": [{"kind", "unit", "site", "from", "to",
                      "target": {"before", "during", "fewer", "low", "high"},
                      "net": {"fewer", "low", "high"}, "wdq", "words"}],
     "by_kind": [{"kind", "deployments", "target": {"fewer", "low", "high"},
                  "net": {"fewer", "low", "high"}, "controls", "words"}]}

``fewer`` is incidents prevented (positive = fewer than expected), ``low``/``high``
its 95 % range. A deployment that cannot be judged has ``target`` and ``net`` null
(and ``wdq`` null) and says why in ``words``; a kind with none judged likewise.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from geo import periods
from geo._errors import GeoInputError
from geo.outcomes.deployments import (
    DEPLOYMENT_FIELDS,
    DeploymentRows,
    approved_deployments,
    kind_for,
    merge_runs,
    parse_date,
    read_deployments_file,
)
from geo.outcomes.method import (
    Window,
    counts_by_month,
    expected_from,
    nearest_in_count,
    null_draws,
    placebo_residuals,
    thin_peaks,
    wdq,
)
from geo.plan.registry import read_resources

__all__ = [
    "DEFAULT_OUTCOME_SETTINGS",
    "DEPLOYMENT_FIELDS",
    "KIND_RULES",
    "DeploymentRows",
    "KindRule",
    "OutcomeSettings",
    "approved_deployments",
    "evaluate_outcomes",
    "kind_for",
    "merge_runs",
    "parse_date",
    "period_outcomes",
    "read_deployments_file",
]


@dataclass(frozen=True, slots=True)
class KindRule:
    """
    What one kind of deployment is judged on.

    Attributes
    ----------
    categories
        Incident categories counted.
    radius_m
        The target's radius; None for the camera view radius from ``resources.toml``.
    what
        The categories in words ("ASB and criminal damage incidents").
    place, places
        One site and several, in words ("camera site", "camera sites").
    """

    categories: tuple[str, ...]
    radius_m: float | None
    what: str
    place: str
    places: str


KIND_RULES = MappingProxyType(
    {
        "cctv": KindRule(
            ("asb", "criminal_damage"),
            None,
            "ASB and criminal damage incidents",
            "camera site",
            "camera sites",
        ),
        "eva": KindRule(
            ("criminal_damage", "fly_tipping", "graffiti", "abandoned_vehicle"),
            150.0,
            "criminal damage and environmental reports",
            "EVA site",
            "EVA sites",
        ),
        "patrol": KindRule(
            ("asb", "criminal_damage"),
            150.0,
            "ASB and criminal damage incidents",
            "patrolled hotspot",
            "patrolled hotspots",
        ),
        "speed_board": KindRule(
            ("speeding",), 600.0, "collisions and speeding reports", "board site", "board sites"
        ),
    }
)
"""Each built-in kind's categories, target radius and words."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OutcomeSettings:
    """
    How outcomes are judged.

    Attributes
    ----------
    controls
        Comparison places per deployment (at most).
    min_controls
        Fewer comparison places than this: too few to tell.
    bootstrap
        Bootstrap replicates.
    seed
        The bootstrap's seed (the same data give the same ranges).
    buffer_m
        Width of the buffer ring beyond the target's radius (displacement).
    min_share
        A month is "during" when the deployment covers at least this share of its days.
    before_months
        Months in the before window; None for as many as the during window.
    min_incidents
        Below this many incidents at the target(s), before and expected together:
        too few incidents to tell.
    placebos
        Undeployed places per deployment per window whose errors make the range.
    view_radius_m
        The camera view radius; None to read it from ``resources.toml``.
    rules
        What each kind is judged on.
    """

    controls: int = 30
    min_controls: int = 10
    bootstrap: int = 2000
    seed: int = 19
    buffer_m: float = 300.0
    min_share: float = 0.5
    before_months: int | None = None
    min_incidents: int = 6
    placebos: int = 3
    view_radius_m: float | None = None
    rules: MappingProxyType = field(default_factory=lambda: KIND_RULES)


DEFAULT_OUTCOME_SETTINGS = OutcomeSettings()


def during_months(start: dt.date, end: dt.date, min_share: float = 0.5) -> list[pd.Period]:
    """
    Return the months a deployment from `start` to `end` covers for at least `min_share`.

    Examples
    --------
    >>> [str(m) for m in during_months(dt.date(2025, 7, 7), dt.date(2025, 9, 15))]
    ['2025-07', '2025-08', '2025-09']
    >>> during_months(dt.date(2025, 7, 7), dt.date(2025, 7, 13))
    []
    """
    out = []
    for month in pd.period_range(start, end, freq="M"):
        first = dt.date(month.year, month.month, 1)
        days = calendar.monthrange(month.year, month.month)[1]
        last = first + dt.timedelta(days=days - 1)
        covered = (min(end, last) - max(start, first)).days + 1
        if covered >= min_share * days:
            out.append(month)
    return out


def _span(months: list[pd.Period]) -> str:
    if not months:
        return ""
    first, last = months[0], months[-1]
    if first == last:
        return first.strftime("%b %Y")
    if first.year == last.year:
        return f"{first.strftime('%b')}-{last.strftime('%b %Y')}"
    return f"{first.strftime('%b %Y')}-{last.strftime('%b %Y')}"


@dataclass
class _Judged:
    """One deployment's numbers while a kind is evaluated."""

    rec: dict[str, object]
    before: list[pd.Period]
    during: list[pd.Period]
    problem: str = ""
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    expected: dict[str, float] = field(default_factory=dict)
    draws: dict[str, np.ndarray] = field(default_factory=dict)
    controls: dict[str, np.ndarray] = field(default_factory=dict)
    control_before: dict[str, np.ndarray] = field(default_factory=dict)
    control_sums: dict[str, tuple[int, int]] = field(default_factory=dict)
    windows: int = 0


def _windows(rec: dict[str, object], loaded: set[pd.Period], settings: OutcomeSettings) -> _Judged:
    during = during_months(rec["start"], rec["end"], settings.min_share)
    if not during:
        return _Judged(
            rec,
            [],
            [],
            "shorter than half of any month: police.uk's monthly data cannot show its effect",
        )
    n_before = settings.before_months or len(during)
    before = list(pd.period_range(end=during[0] - 1, periods=n_before, freq="M"))
    missing = [m for m in before + during if m not in loaded]
    if missing:
        return _Judged(rec, before, during, f"no data for {_span(missing)}, so it cannot be judged")
    return _Judged(rec, before, during)


def _range(expected: float, draws: np.ndarray, observed: int) -> dict[str, float]:
    low, high = np.quantile(draws, [0.025, 0.975])
    return {
        "fewer": round(expected - observed, 1),
        "low": round(float(low) - observed, 1),
        "high": round(float(high) - observed, 1),
    }


def _placebo_windows(loaded: list[pd.Period], n_before: int, n_during: int) -> list[tuple]:
    """Every (before, during) pair of consecutive windows whose months are all loaded."""
    have = set(loaded)
    out = []
    for m in loaded:
        months = [m + i for i in range(n_before + n_during)]
        if all(x in have for x in months):
            out.append((months[:n_before], months[n_before:]))
    return out


def _evaluate_kind(
    kind: str,
    items: list[_Judged],
    incidents: pd.DataFrame,
    deployed: list[tuple[float, float, frozenset]],
    loaded: set[pd.Period],
    settings: OutcomeSettings,
    radius: float,
    rng: np.random.Generator,
) -> None:
    """Fill in counts, comparison places, expected counts and null draws of a kind."""
    rule = settings.rules[kind]
    rows = incidents[incidents["category"].isin(rule.categories)]
    outer = radius + settings.buffer_m
    months = sorted(set(loaded) | {m for j in items for m in j.before + j.during})
    col = {m: i for i, m in enumerate(months)}
    rows = rows[rows["_month"].isin(col)]
    xy = np.column_stack([rows.geometry.x.to_numpy(), rows.geometry.y.to_numpy()])
    month_idx = rows["_month"].map(col).to_numpy(dtype=np.int64)
    candidates, where = np.unique(xy, axis=0, return_inverse=True)
    # a place can be picked (as a comparison or placebo) only where an incident was in the
    # months that pick it: a point known only from the during months would leak them
    at_point = np.zeros((len(candidates), len(months)), dtype=np.int64)
    np.add.at(at_point, (where.reshape(-1), month_idx), 1)
    all_sites = np.array([(x, y) for x, y, _ in deployed], dtype=float).reshape(-1, 2)
    near = (
        cdist_min(candidates, all_sites)
        if len(all_sites) and len(candidates)
        else np.full(len(candidates), np.inf)
    )
    inner_c = counts_by_month(candidates, xy, month_idx, radius, len(months))
    outer_c = counts_by_month(candidates, xy, month_idx, outer, len(months))
    sites = np.array([[j.rec["x"], j.rec["y"]] for j in items], dtype=float).reshape(-1, 2)
    inner_t = counts_by_month(sites, xy, month_idx, radius, len(months))
    outer_t = counts_by_month(sites, xy, month_idx, outer, len(months))
    peaks: dict[tuple, np.ndarray] = {}
    for i, judged in enumerate(items):
        if judged.problem:
            continue
        b = [col[m] for m in judged.before]
        d = [col[m] for m in judged.during]
        t = {"target": (int(inner_t[i, b].sum()), int(inner_t[i, d].sum()))}
        t["net"] = (int(outer_t[i, b].sum()), int(outer_t[i, d].sum()))
        t["buffer"] = (t["net"][0] - t["target"][0], t["net"][1] - t["target"][1])
        judged.counts = t
        picks = {
            # the target's places: discs of the target's size, apart from each other and the sites
            "target": (inner_c, 2 * radius, t["target"][0]),
            # the net's places: whole discs (target and ring) apart and away from every site
            "net": (outer_c, 2 * outer, t["net"][0]),
        }
        for part, (matrix, spacing, before) in picks.items():
            c_before = matrix[:, b].sum(axis=1)
            key = (part, tuple(b))
            if key not in peaks:
                seen = at_point[:, b].sum(axis=1) > 0
                peaks[key] = thin_peaks(
                    candidates, c_before, eligible=(near >= spacing) & seen, spacing=spacing
                )
            chosen = nearest_in_count(peaks[key], c_before, before, settings.controls)
            if len(chosen) < settings.min_controls:
                judged.problem = (
                    f"only {len(chosen)} comparison places could be found (at least "
                    f"{settings.min_controls} are needed), so it cannot be judged"
                )
                break
            judged.controls[part] = chosen
            judged.control_before[part] = c_before[chosen]
        if judged.problem:
            continue
        sums = {}
        for part in ("target", "net"):
            chosen, matrix = judged.controls[part], inner_c if part == "target" else outer_c
            sums[part] = (matrix[chosen][:, b].sum(axis=1), matrix[chosen][:, d].sum(axis=1))
        chosen = judged.controls["net"]
        sums["buffer"] = (
            sums["net"][0] - inner_c[chosen][:, b].sum(axis=1),
            sums["net"][1] - inner_c[chosen][:, d].sum(axis=1),
        )
        for part, (c0, c1) in sums.items():
            judged.expected[part] = expected_from(c0, c1, t[part][0])
            judged.control_sums[part] = (int(c0.sum()), int(c1.sum()))
    matrices = (inner_c, outer_c, at_point)
    _draw_nulls(items, months, candidates, matrices, deployed, settings, radius, rng)


def _ranks(
    group: list[_Judged],
    part: str,
    matrix: np.ndarray,
    candidates: np.ndarray,
    windows: list[tuple],
    col: dict[pd.Period, int],
    spacing: float,
) -> list[int]:
    """Each deployment's rank among the undeployed peaks of its own window (0: busier than all)."""
    out = []
    for j in group:
        b = tuple(col[m] for m in j.before)
        d = tuple(col[m] for m in j.during)
        dist, seen = next(w[2:] for w in windows if w[0] == b and w[1] == d)
        cb = matrix[:, list(b)].sum(axis=1)
        peaks = thin_peaks(candidates, cb, eligible=(dist >= spacing) & seen, spacing=spacing)
        out.append(int((cb[peaks] > j.counts[part][0]).sum()))
    return out


def _draw_nulls(
    items: list[_Judged],
    months: list[pd.Period],
    candidates: np.ndarray,
    matrices: tuple[np.ndarray, np.ndarray, np.ndarray],
    deployed: list[tuple[float, float, frozenset]],
    settings: OutcomeSettings,
    radius: float,
    rng: np.random.Generator,
) -> None:
    """Fill in each judged deployment's null draws from placebo places over all windows."""
    inner_c, outer_c, at_point = matrices
    outer = radius + settings.buffer_m
    col = {m: i for i, m in enumerate(months)}
    groups: dict[tuple, list[_Judged]] = {}
    for j in items:
        if not j.problem:
            groups.setdefault((len(j.before), len(j.during)), []).append(j)
    for (n_before, n_during), group in groups.items():
        windows = []
        for before, during in _placebo_windows(months, n_before, n_during):
            touched = set(before) | set(during)
            active = np.array(
                [(x, y) for x, y, span in deployed if span & touched], dtype=float
            ).reshape(-1, 2)
            dist = (
                cdist_min(candidates, active) if len(active) else np.full(len(candidates), np.inf)
            )
            b, d = tuple(col[m] for m in before), tuple(col[m] for m in during)
            windows.append((b, d, dist, at_point[:, list(b)].sum(axis=1) > 0))
        common = {"controls": settings.controls, "pool": settings.placebos}
        common["min_controls"] = settings.min_controls
        target = placebo_residuals(
            inner_c,
            candidates,
            [Window(b, d, (dist >= 2 * radius) & seen) for b, d, dist, seen in windows],
            _ranks(group, "target", inner_c, candidates, windows, col, 2 * radius),
            spacing=2 * radius,
            **common,
        )
        net = placebo_residuals(
            outer_c,
            candidates,
            [Window(b, d, (dist >= 2 * outer) & seen) for b, d, dist, seen in windows],
            _ranks(group, "net", outer_c, candidates, windows, col, 2 * outer),
            spacing=2 * outer,
            ring=outer_c - inner_c,
            **common,
        )
        if len(target.residuals) == 0 or len(net.residuals) == 0:
            for j in group:
                j.problem = (
                    "no period has enough undeployed places to show how much such places "
                    "vary, so it cannot be judged"
                )
            continue
        for part, residuals in (
            ("target", target.residuals),
            ("net", net.residuals),
            ("buffer", net.ring),
        ):
            expected = [j.expected[part] for j in group]
            draws = null_draws(expected, residuals, rng, settings.bootstrap)
            for j, row in zip(group, draws, strict=True):
                j.draws[part] = row
                j.windows = len(residuals)


def cdist_min(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """
    Return each point of `a`'s distance to the nearest point of `b`.

    Examples
    --------
    >>> cdist_min(np.array([[0.0, 0.0], [3.0, 4.0]]), np.array([[0.0, 0.0]])).tolist()
    [0.0, 5.0]
    """
    from scipy.spatial import cKDTree

    return cKDTree(b).query(a)[0]


def _judgement(
    counts: tuple[int, int], expected: float, rng_: dict[str, float], settings: OutcomeSettings
) -> str:
    """Return 'too few', 'fewer', 'more' or 'unclear' for one range."""
    if counts[0] + expected < settings.min_incidents:
        return "too few"
    if rng_["low"] > 0:
        return "fewer"
    if rng_["high"] < 0:
        return "more"
    return "unclear"


def _words(
    where: str,
    what: str,
    target: tuple[tuple[int, int], float, dict[str, float]],
    buffer: tuple[tuple[int, int], float, dict[str, float]],
    outer: float,
    settings: OutcomeSettings,
    *,
    plural: bool = False,
) -> str:
    """Say the effect in a sentence, never claiming one whose 95 % range holds zero."""
    counts, expected, rng_ = target
    verdict = _judgement(counts, expected, rng_, settings)
    span = f"95 % range {rng_['low']:.0f} to {rng_['high']:.0f}"
    if verdict == "too few":
        return (
            f"too few incidents to tell at {where} ({counts[0]} before, {counts[1]} during, "
            f"about {expected:.0f} expected)"
        )
    if verdict == "fewer":
        head = f"about {rng_['fewer']:.0f} fewer {what} than expected at {where} ({span})"
    elif verdict == "more":
        head = (
            f"about {-rng_['fewer']:.0f} more {what} than expected at {where} "
            f"(95 % range {-rng_['high']:.0f} to {-rng_['low']:.0f} more)"
        )
    else:
        head = (
            f"no clear change at {where}: {counts[1]} {what} against about {expected:.0f} "
            f"expected ({span} fewer, which holds zero)"
        )
    b_counts, b_expected, b_rng = buffer
    b_verdict = _judgement(b_counts, b_expected, b_rng, settings)
    ring = f"the {outer:.0f} m around {'them' if plural else 'it'}"
    if b_verdict == "fewer":
        tail = (
            f"; about {b_rng['fewer']:.0f} fewer than expected in {ring} too (diffusion of benefit)"
        )
    elif b_verdict == "more":
        tail = f"; about {-b_rng['fewer']:.0f} more than expected in {ring} (possible displacement)"
    elif b_verdict == "too few":
        tail = (
            f"; too few incidents in {ring} to tell whether crime moved there "
            f"({b_counts[0]} before, {b_counts[1]} during)"
        )
    else:
        tail = f"; no sign of displacement into {ring}"
    return head + tail


def _dose_note(rec: dict[str, object]) -> str:
    dose = rec.get("dose")
    return f" ({dose})" if isinstance(dose, str) and dose else ""


def _deployment_json(j: _Judged, rule: KindRule, outer: float, s: OutcomeSettings) -> dict:
    rec = j.rec
    out: dict[str, object] = {
        "kind": rec["kind"],
        "unit": str(rec["unit"]),
        "site": str(rec["site"]),
        "from": rec["start"].isoformat(),
        "to": rec["end"].isoformat(),
    }
    if j.problem:
        words = j.problem + _dose_note(rec)
        return {**out, "target": None, "net": None, "wdq": None, "words": words}
    target = _range(j.expected["target"], j.draws["target"], j.counts["target"][1])
    net = _range(j.expected["net"], j.draws["net"], j.counts["net"][1])
    buffer = _range(j.expected["buffer"], j.draws["buffer"], j.counts["buffer"][1])
    when = f"{_span(j.during)} against {_span(j.before)}"
    words = _words(
        f"the {rule.place}",
        rule.what,
        (j.counts["target"], j.expected["target"], target),
        (j.counts["buffer"], j.expected["buffer"], buffer),
        outer,
        s,
    )
    return {
        **out,
        "target": {
            "before": j.counts["target"][0],
            "during": j.counts["target"][1],
            **target,
        },
        "net": net,
        "wdq": wdq(j.counts["target"], j.counts["buffer"], j.control_sums["target"]),
        "words": f"{when}: {words}{_dose_note(rec)}",
    }


def _wdd(judged: list[_Judged]) -> tuple[float, float]:
    """Weighted Displacement Difference (during - before, negative = fewer) and its Poisson SE."""
    wdd, var = 0.0, 0.0
    for j in judged:
        m, n = len(j.controls["target"]), len(j.controls["net"])
        (t0, t1), (d0, d1) = j.counts["target"], j.counts["buffer"]
        (c0, c1), (e0, e1) = j.control_sums["target"], j.control_sums["buffer"]
        wdd += (t1 - t0) - (c1 - c0) / m + (d1 - d0) - (e1 - e0) / n
        var += t0 + t1 + d0 + d1 + (c0 + c1) / m**2 + (e0 + e1) / n**2
    return wdd, float(np.sqrt(var))


def _kind_json(
    kind: str, items: list[_Judged], rule: KindRule, outer: float, s: OutcomeSettings
) -> dict:
    judged = [j for j in items if not j.problem]
    n = len(judged)
    out: dict[str, object] = {"kind": kind, "deployments": n}
    if not judged:
        reasons = sorted({j.problem for j in items})
        return {
            **out,
            "target": None,
            "net": None,
            "controls": "",
            "words": f"none of the {len(items)} {rule.places if len(items) != 1 else rule.place} "
            f"could be judged: {'; '.join(reasons)}",
        }
    parts = {}
    for part in ("target", "net", "buffer"):
        expected = sum(j.expected[part] for j in judged)
        draws = np.sum([j.draws[part] for j in judged], axis=0)
        before = sum(j.counts[part][0] for j in judged)
        during = sum(j.counts[part][1] for j in judged)
        parts[part] = ((before, during), expected, _range(expected, draws, during))
    where = f"the {n} {rule.places}" if n != 1 else f"the {rule.place}"
    words = _words(where, rule.what, parts["target"], parts["buffer"], outer, s, plural=n != 1)
    wdd, se = _wdd(judged)
    words += (
        f". Weighted Displacement Difference {wdd:+.1f} (negative: fewer; Poisson standard "
        f"error {se:.1f}, which leaves out how places vary)"
    )
    skipped = len(items) - n
    if skipped:
        words += f". {skipped} more could not be judged (see each deployment)"
    months = sorted({m for j in judged for m in j.before})
    befores = np.concatenate([j.control_before["target"] for j in judged])
    places = len({int(i) for j in judged for i in j.controls["target"]})
    controls = (
        f"{places} places, none deployed to and not overlapping, with "
        f"{int(befores.min())}-{int(befores.max())} {rule.what} in the months before "
        f"({months[0]}..{months[-1]})"
    )
    return {
        **out,
        "target": parts["target"][2],
        "net": parts["net"][2],
        "controls": controls,
        "words": words,
    }


def evaluate_outcomes(
    incidents: pd.DataFrame,
    deployments: pd.DataFrame,
    *,
    settings: OutcomeSettings = DEFAULT_OUTCOME_SETTINGS,
) -> dict:
    """
    Judge deployments against incidents: per deployment and pooled per kind.

    Parameters
    ----------
    incidents
        Accepted incidents (``category``, ``occurred``, ``source``, Point
        ``geometry`` in British National Grid), e.g. `geo.pipeline.load(...).accepted`.
    deployments
        `DEPLOYMENT_FIELDS` (from `approved_deployments` and/or `read_deployments_file`).
    settings
        How to judge.

    Returns
    -------
    dict
        ``period``, ``deployments`` and ``by_kind`` as described in the module docstring.

    Raises
    ------
    GeoInputError
        If there are no deployments, or no incidents in any month they need.
    """
    if deployments.empty:
        msg = "no deployments to judge"
        raise GeoInputError(msg)
    police = incidents["source"] == "police.uk"
    recorded = incidents.loc[police if police.any() else incidents.index, "occurred"]
    loaded = set(recorded.dt.to_period("M").unique())
    speeding = incidents["category"] == "speeding"
    loaded_speeding = set(incidents.loc[speeding, "occurred"].dt.to_period("M").unique())
    frame = incidents.assign(_month=incidents["occurred"].dt.to_period("M"))
    radius_cctv = settings.view_radius_m or read_resources().of("cctv").view_radius_m
    recs = deployments.sort_values(["start", "kind", "unit"], kind="stable").to_dict("records")
    deployed = [
        (
            float(r["x"]),
            float(r["y"]),
            frozenset(pd.period_range(r["start"], r["end"], freq="M")),
        )
        for r in recs
    ]
    rng = np.random.default_rng(settings.seed)
    per_kind: dict[str, list[_Judged]] = {}
    for rec in recs:
        rule = settings.rules.get(rec["kind"])
        if rule is None:
            per_kind.setdefault(rec["kind"], []).append(
                _Judged(rec, [], [], "no rule says what this kind is judged on")
            )
            continue
        months = loaded_speeding if "speeding" in rule.categories else loaded
        item = _windows(rec, months, settings)
        if "speeding" in rule.categories and item.problem.startswith("no data"):
            item.problem = (
                f"no collision or speeding evidence loaded for {_span(item.before + item.during)}"
                ", so the board cannot be judged"
            )
        per_kind.setdefault(rec["kind"], []).append(item)
    needed = {m for items in per_kind.values() for j in items for m in j.before + j.during}
    if not any(not j.problem for items in per_kind.values() for j in items):
        first, last = min(r["start"] for r in recs), max(r["end"] for r in recs)
        msg = (
            f"no deployment from {first} to {last} can be judged: "
            + "; ".join(sorted({j.problem for items in per_kind.values() for j in items}))
            if needed or per_kind
            else "no incidents in the deployments' months"
        )
        raise GeoInputError(msg)
    outer_of: dict[str, float] = {}
    for kind, items in per_kind.items():
        rule = settings.rules.get(kind)
        if rule is None:
            continue
        radius = rule.radius_m if rule.radius_m is not None else radius_cctv
        outer_of[kind] = radius + settings.buffer_m
        if any(not j.problem for j in items):
            kind_loaded = loaded_speeding if "speeding" in rule.categories else loaded
            _evaluate_kind(kind, items, frame, deployed, kind_loaded, settings, radius, rng)
    order = [k for k in settings.rules if k in per_kind] + sorted(
        k for k in per_kind if k not in settings.rules
    )
    by_kind, rows = [], []
    for kind in order:
        items = per_kind[kind]
        rule = settings.rules.get(kind)
        if rule is None:
            rule = KindRule((), 0.0, "incidents", f"{kind} site", f"{kind} sites")
        outer = outer_of.get(kind, 0.0)
        rows.extend(_deployment_json(j, rule, outer, settings) for j in items)
        by_kind.append(_kind_json(kind, items, rule, outer, settings))
    rows.sort(key=lambda r: (r["from"], r["kind"], r["unit"]))
    return {
        "period": {
            "from": min(r["start"] for r in recs).isoformat(),
            "to": max(r["end"] for r in recs).isoformat(),
        },
        "deployments": rows,
        "by_kind": by_kind,
    }


def period_outcomes(
    incidents: pd.DataFrame,
    db: Path,
    period: periods.Window,
    *,
    settings: OutcomeSettings = DEFAULT_OUTCOME_SETTINGS,
) -> dict:
    """
    Judge the approved deployments that ran in `period` (the quarterly report's outcomes).

    Parameters
    ----------
    incidents
        Accepted incidents, e.g. `geo.pipeline.load(...).accepted`.
    db
        The plan store; its approved weeks are the deployments.
    period
        The months (a quarter): a deployment counts when any of its days falls in them.
    settings
        How to judge.

    Returns
    -------
    dict
        What `evaluate_outcomes` returns, with the same keys. With no approved deployment
        in the period, or none that can be judged yet (their months are not loaded),
        ``deployments`` and ``by_kind`` are empty and ``note`` says why in words.
    """
    first = pd.Period(period.first, "M").start_time.date()
    last = pd.Period(period.last, "M").end_time.date()
    span = {"from": first.isoformat(), "to": last.isoformat()}
    every = approved_deployments(db)
    ran = every[(every["start"] <= last) & (every["end"] >= first)] if len(every) else every
    if ran.empty:
        note = f"no approved deployment ran between {first:%d %B %Y} and {last:%d %B %Y}"
        return {"period": span, "deployments": [], "by_kind": [], "note": note}
    try:
        return evaluate_outcomes(incidents, ran.reset_index(drop=True), settings=settings)
    except GeoInputError as err:
        return {"period": span, "deployments": [], "by_kind": [], "note": str(err)}
