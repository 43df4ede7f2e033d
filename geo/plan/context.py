"""What every planner is given: one frozen record of the week's evidence and constraints."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from geo.periods import Window
from geo.resources import Resources, WeekOverrides
from geo.schema import DEPLOYMENT_COLUMNS


@dataclass(frozen=True, slots=True, eq=False, kw_only=True)
class PlanContext:
    """
    The inputs of one week's plan, shared by every resource kind's planner.

    Attributes
    ----------
    week
        The Monday the plan starts.
    incidents
        Crime and ASB incidents (EPSG:27700) known before the week.
    hotspots
        ASB and criminal damage hotspots of the evidence window.
    demand
        Forecast harm at map points for the week's month (`geo.plan.demand.demand_points`).
    window
        The evidence window the reasons count over.
    resources
        What the unit has.
    overrides
        The sergeant's changes for this week.
    speed_evidence
        Speeding evidence (may be empty).
    previous
        The deployments the week starts from (last approved plan, carried forward).
    history
        Approved deployments of earlier weeks (board rests, EVA recency).
    speed_site_table
        The week's speeding sites if already found (`geo.plan.speed_boards.board_sites`),
        so that planning and the site pickers find them once.
    """

    week: dt.date
    incidents: gpd.GeoDataFrame
    hotspots: gpd.GeoDataFrame
    demand: gpd.GeoDataFrame
    window: Window
    resources: Resources
    overrides: WeekOverrides = field(default_factory=WeekOverrides)
    speed_evidence: gpd.GeoDataFrame | None = None
    previous: pd.DataFrame | None = None
    history: pd.DataFrame | None = None
    speed_site_table: pd.DataFrame | None = None

    def previous_rows(self, resource: str) -> pd.DataFrame:
        """Return the deployments of one kind the week starts from (may be empty)."""
        if self.previous is None or self.previous.empty:
            return pd.DataFrame(columns=list(DEPLOYMENT_COLUMNS))
        return self.previous[self.previous["resource"] == resource].reset_index(drop=True)

    def past_rows(self, resource: str) -> pd.DataFrame:
        """Return approved deployments of one kind in earlier weeks (may be empty)."""
        if self.history is None or self.history.empty:
            return pd.DataFrame(columns=list(DEPLOYMENT_COLUMNS))
        return self.history[self.history["resource"] == resource].reset_index(drop=True)


def usable_units(
    names: tuple[str, ...], count: int | None, out_of_service: frozenset[str]
) -> list[str]:
    """
    Return the units usable this week: named units not out of service, capped by a count.

    Examples
    --------
    >>> usable_units(("Camera 1", "Camera 2", "Camera 3"), None, frozenset({"Camera 2"}))
    ['Camera 1', 'Camera 3']
    >>> usable_units(("Board 1", "Board 2"), 1, frozenset())
    ['Board 1']
    """
    free = [u for u in names if u not in out_of_service]
    return free if count is None else free[: max(0, count)]
