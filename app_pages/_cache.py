"""The app's only link to the library: cached loads keyed by paths, file stamps and settings.

Pages import from here and never from `geo`. Cached functions take small hashable
arguments (path strings, modification times in nanoseconds, frozen settings) and
never a GeoDataFrame, whose hash Streamlit samples and which ignores the CRS.
Map builders are not cached: a folium map is quick to build and not picklable.

Public mode (``GEO_PUBLIC=1``) serves the PACT page alone; that page reads the
shipped police.uk files only, never an uploaded CSU log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st

from geo import maps, pact
from geo import pact_map as pmap
from geo.boundaries import read_wards
from geo.datasets import get_path
from geo.export import about_block, write_table
from geo.home import default_store, uploads_dir
from geo.hotspots import find_hotspots, hotspot_incidents
from geo.incidents import LoadResult, expand_paths, load_incidents
from geo.pipeline import WeekRun, monday_of, run_week
from geo.plan_export import printable_plan, write_plan
from geo.resources import Resources, WeekOverrides, read_resources
from geo.settings import DEFAULT_SETTINGS, LoadSettings, Settings
from geo.store import (
    PLAN_STATUSES,
    StoredPlan,
    last_approved_before,
    load_plan,
    plan_history,
    save_plan,
)
from geo.taxonomy import CATEGORIES, LABELS

SETTINGS: Settings = DEFAULT_SETTINGS
"""The settings the app runs with (no basemap: fully offline)."""


Period = pact.Period
"""A run of whole months, re-exported for pages."""

count_legend = pmap.count_legend
hotspot_legend = maps.hotspot_legend
resource_legend = maps.resource_legend
standalone_html = maps.standalone_html


def public_mode() -> bool:
    """Return True when the app serves the public PACT page alone (``GEO_PUBLIC=1``)."""
    return os.environ.get("GEO_PUBLIC", "").strip().lower() in {"1", "true", "yes"}


def label(category: str) -> str:
    """Return a category's name in words."""
    return LABELS.get(category, category)


def _stamps(paths: Sequence[str]) -> tuple[int, ...]:
    return tuple(Path(p).stat().st_mtime_ns for p in paths)


# --- cached loads ------------------------------------------------------------------------------


@st.cache_data(max_entries=2, show_spinner=False)
def _wards(path: str, stamp: int) -> gpd.GeoDataFrame:  # noqa: ARG001
    return read_wards(path)


@st.cache_data(max_entries=8, show_spinner="Loading incidents...")
def _incidents(
    paths: tuple[str, ...],
    stamps: tuple[int, ...],  # noqa: ARG001
    wards_path: str,
    wards_stamp: int,
    load: LoadSettings,
) -> LoadResult:
    return load_incidents(paths, wards=_wards(wards_path, wards_stamp), settings=load, strict=False)


def wards() -> gpd.GeoDataFrame:
    """Return the shipped wards (EPSG:27700)."""
    path = str(get_path("wards"))
    return _wards(path, _stamps([path])[0])


def shipped_files() -> list[str]:
    """Return the shipped police.uk files, in name order."""
    return [str(p) for p in expand_paths([get_path("police_uk")])]


def uploaded_files() -> list[str]:
    """Return the files uploaded in this session that still exist."""
    return [p for p in st.session_state.get("uploads", []) if Path(p).exists()]


def load(paths: Sequence[str]) -> LoadResult:
    """Load `paths` (cached on their paths and modification times)."""
    wards_path = str(get_path("wards"))
    return _incidents(
        tuple(paths),
        _stamps(paths),
        wards_path,
        _stamps([wards_path])[0],
        SETTINGS.load,
    )


def running_on() -> list[str]:
    """Return every file the internal pages use: shipped police.uk files, then uploads."""
    return shipped_files() + uploaded_files()


def save_upload(name: str, data: bytes) -> str:
    """Keep an uploaded file under its content hash and remember it for this session."""
    digest = hashlib.sha256(data).hexdigest()[:16]
    folder = uploads_dir() / digest
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / Path(name).name
    if not path.exists():
        path.write_bytes(data)
    uploads = st.session_state.setdefault("uploads", [])
    if str(path) not in uploads:
        uploads.append(str(path))
    return str(path)


def safe_csv(frame: pd.DataFrame) -> bytes:
    """
    Return `frame` as UTF-8 CSV that a spreadsheet will not run as formulas.

    Text starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a
    leading apostrophe (OWASP's advice against CSV injection).
    """
    risky = ("=", "+", "-", "@", "\t", "\r")

    def defuse(value: object) -> object:
        return f"'{value}" if isinstance(value, str) and value.startswith(risky) else value

    return frame.map(defuse).to_csv(index=False).encode("utf-8")


def forget_uploads() -> None:
    """Stop using the files uploaded in this session."""
    st.session_state["uploads"] = []


# --- the internal map page ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MapFilter:
    """What the map page shows: categories, months and wards (empty = all wards)."""

    categories: tuple[str, ...]
    period: pact.Period
    wards: tuple[str, ...] = ()


def months_of(incidents: pd.DataFrame) -> list[str]:
    """Return the months the data cover, oldest first, as ``YYYY-MM``."""
    return sorted(m.strftime("%Y-%m") for m in pact.months_covered(incidents))


def categories_of(incidents: pd.DataFrame) -> list[str]:
    """Return the categories present, in taxonomy order."""
    present = set(incidents["category"])
    return [c for c in CATEGORIES if c in present]


def filtered(incidents: gpd.GeoDataFrame, chosen: MapFilter) -> gpd.GeoDataFrame:
    """Return the incidents matching `chosen`."""
    keep = incidents["category"].isin(chosen.categories).to_numpy()
    keep = keep & chosen.period.contains(incidents["occurred"])
    if chosen.wards:
        keep = keep & incidents["ward_name"].isin(chosen.wards).to_numpy()
    return incidents[keep]


def monthly_comparison(incidents: pd.DataFrame, chosen: MapFilter) -> pd.DataFrame:
    """
    Count the chosen incidents per month, and the same months a year earlier.

    Returns columns ``month`` (the month's name), ``series`` (the year),
    ``count`` (missing where the data do not cover the month) and ``order``.
    """
    before = chosen.period.year_before()
    base = filtered(incidents, MapFilter(chosen.categories, chosen.period, chosen.wards))
    earlier = filtered(incidents, MapFilter(chosen.categories, before, chosen.wards))
    covered = pact.months_covered(incidents)
    rows = []
    for span, frame in ((chosen.period, base), (before, earlier)):
        counts = pd.to_datetime(frame["occurred"]).dt.to_period("M").value_counts()
        for i, month in enumerate(span.months):
            rows.append(
                {
                    "month": month.strftime("%b"),
                    "series": month.strftime("%Y") if span is before else _period_year(span),
                    "count": int(counts.get(month, 0)) if month in covered else None,
                    "order": i,
                }
            )
    return pd.DataFrame(rows).astype({"count": "Int64"})


def _period_year(span: pact.Period) -> str:
    first, last = span.first[:4], span.last[:4]
    return first if first == last else f"{first}-{last[2:]}"


def internal_map(
    wards_frame: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    *,
    heat: bool = True,
    points: bool = True,
    hotspots: gpd.GeoDataFrame | None = None,
    deployments: gpd.GeoDataFrame | None = None,
) -> folium.Map:
    """Build the internal map: wards, incidents, and hotspots or deployments when given."""
    m = maps.base_map(tuple(wards_frame.total_bounds), settings=SETTINGS.maps)
    maps.ward_layer(wards_frame).add_to(m)
    if heat and len(incidents):
        maps.incident_heat_layer(incidents, settings=SETTINGS.maps).add_to(m)
    if points and len(incidents):
        maps.incident_points_layer(incidents).add_to(m)
    if hotspots is not None and len(hotspots):
        maps.hotspot_layer(hotspots).add_to(m)
    if deployments is not None and len(deployments):
        maps.deployment_layer(deployments).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


# --- the PACT page -----------------------------------------------------------------------------


def pact_areas() -> tuple[pact.PactArea, ...]:
    """Return the PACT areas, checked against the shipped wards."""
    return pact.read_pact_areas(wards=wards())


def police_uk_incidents() -> gpd.GeoDataFrame:
    """Return the shipped police.uk incidents: the only data a public page uses."""
    accepted = load(shipped_files()).accepted
    return accepted[accepted["source"] == "police.uk"]


def default_pact_period(months: Sequence[str], *, length: int = 4) -> tuple[str, str]:
    """
    Pick the latest run of `length` months that has the same months a year earlier.

    Falls back to the latest `length` months when no run has a comparison.
    """
    have = set(months)
    for last in reversed(months):
        first = (pd.Period(last, "M") - (length - 1)).strftime("%Y-%m")
        span = pact.Period(first, last)
        wanted = {m.strftime("%Y-%m") for m in [*span.months, *span.year_before().months]}
        if wanted <= have:
            return first, last
    return months[max(0, len(months) - length)], months[-1]


@st.cache_data(max_entries=32, show_spinner="Counting...")
def _public_view(
    area: pact.PactArea,
    period: pact.Period,
    stamps: tuple[int, ...],  # noqa: ARG001
    settings: Settings,
) -> pact.PublicView:
    return pact.public_view(
        police_uk_incidents(), wards(), area=area, period=period, rules=settings.maps.public
    )


def public_view(area: pact.PactArea, period: pact.Period) -> pact.PublicView:
    """Return the public-safe summary of one area and period (cached)."""
    return _public_view(area, period, _stamps(shipped_files()), SETTINGS)


def pact_map(view: pact.PublicView, *, cells: bool) -> folium.Map:
    """Build the public map of `view`: wards, and its cells if asked."""
    m = pmap.public_map(view.wards, view.cells if cells else None, settings=SETTINGS.maps)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def min_count() -> int:
    """Return the small-count threshold of public pages."""
    return SETTINGS.maps.public.min_count


def cell_m() -> float:
    """Return the side of public cells in metres."""
    return SETTINGS.maps.public.cell_m


# --- the week's plan and the hotspot list ------------------------------------------------------

SYNTHETIC_SPEED = get_path("synthetic_speed")
"""The SYNTHETIC speeding sample (a demo of speed boards; never real data)."""


def plan_db() -> Path:
    """Return the plan history file (``GEO_PLAN_DB`` or the default next to the repository)."""
    return Path(os.environ.get("GEO_PLAN_DB", str(default_store())))


def next_week(incidents: pd.DataFrame) -> dt.date:
    """Return the Monday after the last month of data: the week to plan by default."""
    last = incidents["occurred"].max().to_period("M") + 1
    return monday_of(last.to_timestamp().date() + dt.timedelta(days=6))


def synthetic_files() -> list[str]:
    """Return the SYNTHETIC speeding sample files."""
    return [str(p) for p in expand_paths([SYNTHETIC_SPEED])]


@st.cache_data(max_entries=8, show_spinner="Planning the week (hotspots, forecast, cameras)...")
def _week(
    paths: tuple[str, ...],
    stamps: tuple[int, ...],  # noqa: ARG001
    week: dt.date,
    overrides: WeekOverrides,
    db: str,
    db_stamp: int,  # noqa: ARG001
    settings: Settings,
) -> WeekRun:
    return run_week(list(paths), week=week, overrides=overrides, db=Path(db), settings=settings)


def week_run(paths: Sequence[str], week: dt.date, overrides: WeekOverrides) -> WeekRun:
    """Plan `week` from `paths` (cached on paths, file times, the week, overrides and history)."""
    db = plan_db()
    stamp = db.stat().st_mtime_ns if db.exists() else 0
    return _week(tuple(paths), _stamps(paths), week, overrides, str(db), stamp, SETTINGS)


@st.cache_data(max_entries=16, show_spinner="Finding hotspots...")
def _hotspots(
    paths: tuple[str, ...], stamps: tuple[int, ...], category: str, as_of: str, months: int,  # noqa: ARG001
    rank_by: str, settings: Settings,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:  # fmt: skip
    incidents = load(list(paths)).accepted
    spots = find_hotspots(incidents, categories=category, as_of=as_of, months=months,
                          wards=wards(), params=settings.hotspots, rank_by=rank_by)  # fmt: skip
    return spots, hotspot_incidents(incidents, spots, as_of=as_of, months=months)


def hotspots(
    paths: Sequence[str], category: str, as_of: str, months: int, rank_by: str = "harm"
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Return the hotspots of a category and their incidents (cached)."""
    return _hotspots(tuple(paths), _stamps(paths), category, as_of, months, rank_by, SETTINGS)


def export_bytes(sheets: dict[str, pd.DataFrame], *, suffix: str, about: dict[str, str]) -> bytes:
    """Write tables through `geo.export` to a temporary file and return its bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"export{suffix}"
        write_table(path, sheets, about=about)
        return path.read_bytes()


def hotspot_export(spots: gpd.GeoDataFrame, members: gpd.GeoDataFrame, *, suffix: str,
                   title: str, period: str, sources: Sequence[str]) -> bytes:  # fmt: skip
    """Return a task-and-finish export of hotspots (XLSX: hotspots, incidents, about)."""
    about = about_block(
        title=title, period=period, sources=list(sources), settings=SETTINGS.hotspots
    )
    sheets = {"hotspots": spots, "incidents": members.drop(columns="geometry")}
    return export_bytes(sheets, suffix=suffix, about=about)


def plan_export(run: WeekRun, *, suffix: str) -> bytes:
    """Return the week's plan as XLSX or CSV bytes, with its "about"."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"plan{suffix}"
        write_plan(run, path)
        return path.read_bytes()


def plan_page(run: WeekRun) -> str:
    """Return a printable HTML page of the plan for the tasking meeting."""
    return printable_plan(run)


def save_week(run: WeekRun, rows: pd.DataFrame, *, status: str, by: str) -> StoredPlan:
    """Save the plan rows (as shown, with the sergeant's changes) as a new version."""
    db = plan_db()
    latest = load_plan(db, week=run.week)
    return save_plan(db, week=run.week, deployments=rows, status=status, saved_by=by,
                     base_version=latest.version if latest else None)  # fmt: skip


def last_week(run: WeekRun) -> StoredPlan | None:
    """Return the last approved plan before the week shown."""
    return last_approved_before(plan_db(), week=run.week)


def history() -> pd.DataFrame:
    """Return every saved plan version."""
    return plan_history(plan_db())


def resources() -> Resources:
    """Return the unit's resources from the shipped ``resources.toml``."""
    return read_resources()


def status_column() -> object:
    """Return the editable status column: the sergeant marks rows approved or changed."""
    return st.column_config.SelectboxColumn("status", options=list(PLAN_STATUSES), required=True)
