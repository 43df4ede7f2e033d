"""Speed indicator boards: named boards on the highest-scoring roads of 40 mph or less.

The highest-scoring speeding sites (`geo.speed_sites.speed_sites`) on roads of
``max_limit_mph`` or less that have not had a board within ``rest_weeks``; boards
stay ``min_weeks``..``max_weeks``; never two on one road.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo._config import Bound
from geo._errors import GeoInputError
from geo.plan.context import PlanContext, usable_units
from geo.resources import Resources, WeekOverrides
from geo.schema import Deployment, KindPlan, week_dates
from geo.speed_sites import site_reason, speed_sites


@dataclass(frozen=True, slots=True, kw_only=True)
class SpeedBoardResources:
    """
    Speed indicator boards.

    Attributes
    ----------
    boards
        Boards the unit owns.
    min_weeks, max_weeks
        Weeks a board stays on a site (1-2).
    max_limit_mph
        Boards go only on roads with this speed limit or lower (40 mph).
    rest_weeks
        A site that had a board is not given one again for this many weeks.
    evidence_months
        Speeding evidence counts for this many months before the week.
    same_road_m
        Two sites on a road of the same name within this distance count as one
        road: never two boards on one road.
    """

    boards: int = 6
    min_weeks: int = 1
    max_weeks: int = 2
    max_limit_mph: float = 40.0
    rest_weeks: int = 4
    evidence_months: int = 12
    same_road_m: float = 2000.0

    def __post_init__(self) -> None:
        if self.boards < 0 or not 1 <= self.min_weeks <= self.max_weeks or self.rest_weeks < 0:
            msg = f"speed_board: need boards >= 0, 1 <= min_weeks <= max_weeks, got {self}"
            raise GeoInputError(msg)


BOARD_BOUNDS = {
    "boards": Bound(True, 0, 200),
    "min_weeks": Bound(True, 1, 104, "weeks"),
    "max_weeks": Bound(True, 1, 104, "weeks"),
    "max_limit_mph": Bound(False, 10, 70, "mph"),
    "rest_weeks": Bound(True, 0, 104, "weeks"),
    "evidence_months": Bound(True, 1, 120, "months"),
    "same_road_m": Bound(False, 0, 20000, "metres"),
}
"""The ``[speed_board]`` settings' types and ranges."""


def board_settings(resources: Resources) -> SpeedBoardResources:
    """Return the speed boards' settings (the ``[speed_board]`` section)."""
    return resources.of("speed_board")


def board_units(resources: Resources) -> tuple[str, ...]:
    """Return the names of the unit's speed boards ("Board 1", ...)."""
    return tuple(f"Board {i}" for i in range(1, board_settings(resources).boards + 1))


def board_capacity(resources: Resources, overrides: WeekOverrides) -> float:
    """Return how many boards can be used this week."""
    return float(
        len(
            usable_units(
                board_units(resources), overrides.amount("speed_board"), overrides.out_of_service
            )
        )
    )


def _same_road(a: pd.Series, b: dict[str, object], within_m: float) -> bool:
    """Tell whether two sites are on the same road (same name, within `within_m`)."""
    road_a, road_b = (str(r).split(" at ")[0] for r in (a["road"], b["road"]))  # "A225 at ..."
    return road_a == road_b and np.hypot(a["x"] - b["x"], a["y"] - b["y"]) <= within_m


def board_sites(context: PlanContext) -> pd.DataFrame:
    """Return the week's speeding sites, best first (empty without evidence)."""
    if context.speed_site_table is not None:
        return context.speed_site_table
    evidence = context.speed_evidence
    if evidence is None or evidence.empty:
        return pd.DataFrame()
    cfg = board_settings(context.resources)
    since = pd.Timestamp(context.week) - pd.DateOffset(months=cfg.evidence_months)
    before = evidence[evidence["occurred"] < pd.Timestamp(context.week)]
    return speed_sites(before, since=since, max_limit_mph=cfg.max_limit_mph)


def board_candidates(context: PlanContext) -> pd.DataFrame:
    """
    Return every site a board could go to this week, for pickers: roads it may go on.

    Only roads of `SpeedBoardResources.max_limit_mph` or less, never a motorway; each
    named by its road and ward.
    """
    sites = board_sites(context)
    if sites.empty:
        return pd.DataFrame(columns=["site_id", "site_name", "x", "y"])
    limit = board_settings(context.resources).max_limit_mph
    sites = sites[(sites["speed_limit_mph"] <= limit) & ~sites["motorway"].astype(bool)]
    return sites.assign(site_name=sites["road"] + ", " + sites["ward_name"])


def plan_speed_boards(context: PlanContext) -> KindPlan:
    """
    Place the week's speed indicator boards (see the module docstring for the rules).

    Returns
    -------
    tuple
        Board deployments and notes.
    """
    cfg, overrides, week = board_settings(context.resources), context.overrides, context.week
    units = usable_units(
        board_units(context.resources), overrides.amount("speed_board"), overrides.out_of_service
    )
    sites = board_sites(context)
    if sites.empty:
        return [], ["No speeding evidence loaded: speed boards not planned."]
    sites = sites[~sites["site_id"].isin(overrides.excluded_sites)]
    too_fast = sites["speed_limit_mph"].isna() | (sites["speed_limit_mph"] > cfg.max_limit_mph)
    too_fast |= sites["motorway"].astype(bool)  # never a board on a motorway, at any limit
    notes = [
        f"{s.road} ({s.ward_name}) scores {s.score:.1f} but its {s.speed_limit_mph:.0f} mph limit "
        f"is over {cfg.max_limit_mph:.0f} mph: refer it to Kent Police roads policing."
        for s in sites[too_fast & sites["speed_limit_mph"].notna()].head(3).itertuples()
    ]
    sites = sites[~too_fast].reset_index(drop=True)
    prev = context.previous_rows("speed_board")
    prev = prev[prev["unit"].isin(units)]
    resting = _resting_sites(context.history, week=week, rest_weeks=cfg.rest_weeks)
    rank = {s: i for i, s in enumerate(sites["site_id"])}
    placed: list[tuple[Deployment, dict[str, object]]] = []
    for before in prev.sort_values("unit").to_dict("records"):
        weeks = int(before["weeks_on_site"])
        score = sites["score"].iloc[rank[before["site_id"]]] if before["site_id"] in rank else 0
        fresh = sites[~sites["site_id"].isin(resting | set(prev["site_id"]))]
        still_top = int((fresh["score"] > score).sum()) < len(units)  # no better free site
        if before["site_id"] in rank and (
            weeks < cfg.min_weeks or (weeks < cfg.max_weeks and still_top)
        ):
            site = sites.iloc[rank[before["site_id"]]]
            placed.append(_board_row(site, before["unit"], weeks + 1, "stays on", week, cfg))
    free = [u for u in units if u not in {p.unit for p, _ in placed}]
    just_left = set(prev["site_id"])
    for site in sites.itertuples(index=False):
        if not free:
            break
        s = pd.Series(site._asdict())
        clash = any(_same_road(s, where, cfg.same_road_m) for _, where in placed)
        if site.site_id in resting | just_left | {p.site_id for p, _ in placed} or clash:
            continue
        placed.append(_board_row(s, free.pop(0), 1, "goes to", week, cfg))
    if free:
        notes.append(f"{len(free)} board(s) unused: no other eligible speeding site.")
    return sorted((p for p, _ in placed), key=lambda r: int(r.unit.split()[-1])), notes


def board_at(
    context: PlanContext, site: dict[str, object], before: dict[str, object]
) -> Deployment:
    """
    Return a board's row at a site the sergeant chose, its reason written as the planner's.

    Parameters
    ----------
    context
        The week's evidence (the one the plan was made from).
    site
        The chosen candidate (its ``site_id`` is looked up in the week's speeding sites).
    before
        The plan row being changed (its unit).
    """
    sites = board_sites(context)
    found = sites[sites["site_id"] == site["site_id"]]
    if found.empty:
        msg = f"{site['site_name']} is not a speeding site this week"
        raise GeoInputError(msg)
    cfg = board_settings(context.resources)
    return _board_row(found.iloc[0], str(before["unit"]), 1, "goes to", context.week, cfg)[0]


def _resting_sites(history: pd.DataFrame | None, *, week: dt.date, rest_weeks: int) -> set[str]:
    """Sites that had a board in the `rest_weeks` weeks before `week`."""
    if history is None or history.empty:
        return set()
    since = (week - dt.timedelta(weeks=rest_weeks)).isoformat()
    recent = history[(history["resource"] == "speed_board") & (history["start"] >= since)]
    return set(recent["site_id"])


def _board_row(
    site: pd.Series, unit: str, weeks: int, verb: str, week: dt.date, cfg: SpeedBoardResources
) -> tuple[Deployment, dict[str, object]]:
    """One board deployment with its numbers and sentence, and where it is (for same-road)."""
    parts = [f"speeding score {site['score']:.1f}", site_reason(site)]
    reason = (
        f"{unit} {verb} {site['road']}, {site['ward_name']} (week {weeks} of "
        f"{cfg.min_weeks}-{cfg.max_weeks}, {site['speed_limit_mph']:.0f} mph limit): "
        + "; ".join(parts)
        + "."
    )
    start, end = week_dates(week)
    row = Deployment(
        resource="speed_board",
        unit=unit,
        site_id=str(site["site_id"]),
        site_name=f"{site['road']}, {site['ward_name']}",
        x=float(site["x"]),
        y=float(site["y"]),
        start=start,
        end=end,
        weeks_on_site=weeks,
        reason=reason,
        numbers={
            "score": float(site["score"]),
            "speed_limit_mph": float(site["speed_limit_mph"]),
            "speedwatch_sessions": int(site["n_speedwatch"]),
            "complaints": int(site["n_complaints"]),
            "collisions": int(site["n_collisions"]),
        },
    )
    return row, {"road": site["road"], "x": site["x"], "y": site["y"]}
