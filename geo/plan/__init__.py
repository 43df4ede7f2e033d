"""The weekly deployment plan over the registry of resource kinds.

`plan_week` turns what the unit knows (incidents, hotspots, the forecast, speeding
evidence, the plan it starts from and the plan history: one `PlanContext`) into one
`Deployment` per unit and site, each with the numbers behind it and one sentence a
sergeant can repeat at the tasking meeting. Each resource kind in the registry
(`geo.plan.registry.resource_kinds`) plans its own rows:

- **Mobile CCTV** (`geo.plan.cctv`): a maximal covering model over forecast harm.
- **Speed boards** (`geo.plan.speed_boards`): the best roads of 40 mph or less.
- **EVAs** (`geo.plan.eva`): about one a month at the lasting hotspot with most signs.
- **PCSO patrols** (`geo.plan.patrols`): 15-minute visits over the top hot spots.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from geo.plan.cctv import (
    CCTV_BOUNDS,
    CctvResources,
    camera_at,
    camera_capacity,
    camera_reach,
    camera_sites,
    camera_units,
    plan_cctv,
)
from geo.plan.context import PlanContext
from geo.plan.eva import EVA_BOUNDS, EvaResources, eva_at, eva_capacity, plan_eva
from geo.plan.officers import read_officers
from geo.plan.patrols import (
    PATROL_BOUNDS,
    PatrolResources,
    patrol_at,
    patrol_hours,
    patrol_usage,
    plan_patrols,
)
from geo.plan.registry import register_kind, resource_kinds
from geo.plan.sites import hotspot_places
from geo.plan.speed_boards import (
    BOARD_BOUNDS,
    SpeedBoardResources,
    board_at,
    board_candidates,
    board_capacity,
    board_units,
    plan_speed_boards,
)
from geo.resources import Resources, WeekOverrides
from geo.schema import ResourceKind, WeekAmount, deployments_frame

register_kind(
    ResourceKind(
        key="cctv",
        label="mobile CCTV camera",
        title="Mobile CCTV",
        metric="Cameras",
        letter="C",
        colour="#6a3d9a",
        order=10,
        planner=plan_cctv,
        settings=CctvResources,
        bounds=CCTV_BOUNDS,
        site_row=camera_at,
        units=camera_units,
        capacity=camera_capacity,
        amount=WeekAmount(
            setting="cameras",
            flag="cameras",
            help="at most this many cameras",
            label="Cameras this week",
        ),
        overrides=("out_of_service", "excluded_sites", "pinned_sites"),
        candidates=camera_sites,
        reach=camera_reach,
        export_columns=(
            "unit",
            "site_name",
            "weeks_on_site",
            "reason",
            "status",
            "note",
            "outcome",
        ),
    )
)
register_kind(
    ResourceKind(
        key="speed_board",
        label="speed indicator board",
        title="Speed indicator boards",
        metric="Speed boards",
        letter="S",
        colour="#ff7f00",
        order=20,
        planner=plan_speed_boards,
        settings=SpeedBoardResources,
        former_sections=("speed_boards",),
        bounds=BOARD_BOUNDS,
        site_row=board_at,
        units=board_units,
        capacity=board_capacity,
        amount=WeekAmount(
            setting="boards",
            flag="boards",
            help="at most this many speed boards",
            label="Speed boards this week",
        ),
        overrides=("out_of_service", "excluded_sites"),
        candidates=board_candidates,
        export_columns=(
            "unit",
            "site_name",
            "weeks_on_site",
            "reason",
            "status",
            "note",
            "outcome",
        ),
    )
)
register_kind(
    ResourceKind(
        key="eva",
        label="Environmental Visual Audit",
        title="Environmental Visual Audit",
        metric="EVAs",
        letter="E",
        colour="#33a02c",
        order=30,
        planner=plan_eva,
        settings=EvaResources,
        bounds=EVA_BOUNDS,
        site_row=eva_at,
        capacity=eva_capacity,
        overrides=("excluded_sites",),
        candidates=hotspot_places,
    )
)
register_kind(
    ResourceKind(
        key="patrol",
        label="PCSO hot-spot patrol",
        title="PCSO hot-spot patrols",
        metric="Patrol hours",
        letter="P",
        colour="#1f78b4",
        order=40,
        planner=plan_patrols,
        settings=PatrolResources,
        former_sections=("patrols",),
        bounds=PATROL_BOUNDS,
        readers={"officers": lambda value, file: read_officers(value, file)},
        site_row=patrol_at,
        capacity=patrol_hours,
        usage=patrol_usage,
        budget_key="patrol_hours",
        visits=True,
        amount=WeekAmount(
            setting="hours_per_week",
            flag="patrol-hours",
            help="PCSO hours this week",
            label="PCSO patrol hours",
        ),
        overrides=("excluded_sites",),
        candidates=hotspot_places,
    )
)


@dataclass(frozen=True, slots=True, eq=False)
class Plan:
    """
    A plan for one week.

    Attributes
    ----------
    week
        The Monday the plan starts.
    deployments
        One row per deployment (`geo.schema.DEPLOYMENT_COLUMNS` plus a Point
        ``geometry`` in EPSG:27700), in resource-kind order.
    available, used
        Per kind (`ResourceKind.budget`): how many units (cameras, boards, EVAs,
        patrol hours) were available this week and how many the plan uses.
    notes
        Things the sergeant should know (a camera out of service, data with no times, ...).
    """

    week: dt.date
    deployments: gpd.GeoDataFrame
    available: dict[str, float]
    used: dict[str, float]
    notes: tuple[str, ...]


def plan_week(context: PlanContext) -> Plan:
    """
    Suggest the week's deployments of every registered resource kind, each with its reason.

    Parameters
    ----------
    context
        The week's evidence, resources, overrides and history.

    Returns
    -------
    Plan
        The deployments, resources available and used, and notes.

    Raises
    ------
    ValueError
        If the week does not start on a Monday.
    """
    week = context.week
    if week.weekday() != 0:
        msg = f"week must be a Monday, got {week.isoformat()} ({week.strftime('%A')})"
        raise ValueError(msg)
    kinds = resource_kinds()
    parts = [k.planner(context) for k in kinds]
    deployments = deployments_frame([row for rows, _ in parts for row in rows])
    return Plan(
        week=week,
        deployments=deployments,
        available=budget(kinds, context.resources, context.overrides),
        used=usage(kinds, deployments, context.resources),
        notes=tuple(note for _, notes in parts for note in notes),
    )


def budget(
    kinds: tuple[ResourceKind, ...], resources: Resources, overrides: WeekOverrides
) -> dict[str, float]:
    """Return what each kind has available this week."""
    return {k.budget: k.capacity(resources, overrides) for k in kinds}


def usage(
    kinds: tuple[ResourceKind, ...], deployments: pd.DataFrame, resources: Resources
) -> dict[str, float]:
    """Return what each kind's rows in `deployments` use."""
    return {
        k.budget: float(k.usage(deployments[deployments["resource"] == k.key], resources))
        for k in kinds
    }


__all__ = ["Plan", "PlanContext", "budget", "plan_week", "usage"]
