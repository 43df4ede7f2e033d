"""The app's only link to the library: cache wrappers over `geo.pipeline` functions.

Pages import from here and never from `geo`; they describe the UI. Cached functions
take small hashable arguments (path strings, file stamps, frozen settings) and call
the pipeline: `geo.pipeline.load` once per set of files, `run_week` on that load (its
evidence once per week, `prepare_week`; each set of overrides `plan_evidence`),
`approve_week` to save a decision. Every input that changes a result is in the key:
the files' modification times, the wards, ``resources.toml`` (the unit's own under
``GEO_HOME`` or the shipped one), the plan store, the settings.
Map builders are not cached: a folium map is quick to build and not picklable.

Public mode (``GEO_PUBLIC=1``) serves the PACT page alone; that page reads the
shipped police.uk files only, never an uploaded CSU log.

The environment switches (``GEO_HOME``, ``GEO_PARSE_CACHE``, ``GEO_LOCK_TIMEOUT``,
``GEO_PUBLIC``, ``GEO_PLAN_DB``) are read here only, by `switches`, and passed to the
library as arguments.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st

from geo import home, pact, pipeline
from geo._config import Bound
from geo._errors import GeoInputError as GeoInputError  # pages show these errors
from geo.boundaries import read_wards
from geo.datasets import get_path
from geo.export import about_block, write_hotspots
from geo.home import check_home, default_store
from geo.incidents import LoadResult, expand_paths
from geo.labels import category_words, display_frame, hotspot_title
from geo.maps.internal import internal_map as _internal_map
from geo.pipeline import Loaded, WeekRun, monday_of
from geo.pipeline import next_week as next_week  # the week pages plan by default
from geo.plan.registry import kind, read_resources, resource_kinds
from geo.plan.sites import resolve_sites
from geo.plan_export import PlanSheet, plan_table, printable_plan, sheet_of_run, write_plan
from geo.plan_notes import MARK_STATUSES as MARK_STATUSES  # the page's mark choices
from geo.resources import Resources, WeekOverrides, default_resources_path
from geo.safe_text import markdown_text as markdown_text  # pages escape data with it
from geo.schema import ResourceKind
from geo.settings import DEFAULT_SETTINGS, Settings
from geo.store import PlanConflictError, StoredPlan, last_approved_before
from geo.store import set_lock_timeout as set_lock_timeout  # app.py, once per run
from geo.switches import Switches, read_switches
from geo.taxonomy import CATEGORIES
from geo.timeline import Timeline, plan_ahead, stays

if TYPE_CHECKING:  # the Results page's modules (scipy.stats, matplotlib, docx) load when used
    from geo.outcomes import OutcomeSettings
    from geo.report import QuarterReport

SETTINGS: Settings = DEFAULT_SETTINGS
"""The settings the app runs with (no basemap: fully offline)."""

PlanConflict = PlanConflictError
"""Raised when a save would overwrite a newer version (pages offer to reload)."""
POINT_CAP = SETTINGS.maps.point_cap
"""The most incidents a map draws one by one (more are drawn as heat)."""


def switches() -> Switches:
    """
    Return the environment switches: the app's one read of the environment.

    Read on each call (a few lookups), so an in-process test that sets a variable
    sees it; the server's environment does not change while it runs.
    """
    return read_switches()


def public_mode() -> bool:
    """Return True when the app serves the public PACT page alone (``GEO_PUBLIC=1``)."""
    return switches().public


def label(category: str) -> str:
    """Return a category's name in words."""
    return category_words(category)


def stamps(paths: Sequence[str]) -> tuple[int, ...]:
    """Return each file's modification time (0 if missing): a cache key that sees edits."""
    return tuple(Path(p).stat().st_mtime_ns if Path(p).exists() else 0 for p in paths)


def _stamp(path: Path) -> tuple[str, int]:
    return str(path), path.stat().st_mtime_ns if path.exists() else 0


# --- cached loads ------------------------------------------------------------------------------


@st.cache_data(max_entries=2, show_spinner=False)
def _wards(path: str, stamp: int) -> gpd.GeoDataFrame:  # noqa: ARG001
    return read_wards(path)


def wards() -> gpd.GeoDataFrame:
    """Return the shipped wards (EPSG:27700)."""
    return _wards(*_stamp(get_path("wards")))


@st.cache_resource(max_entries=4, show_spinner="Loading incidents...")
def _loaded(
    paths: tuple[str, ...],
    stamps: tuple[int, ...],  # noqa: ARG001 - part of the cache key
    wards_key: tuple[str, int],
    settings: Settings,
) -> Loaded:
    chosen = switches()
    return pipeline.load(
        list(paths),
        wards=_wards(*wards_key),
        settings=settings,
        strict=False,
        cache=chosen.parse_cache,
        home=chosen.home,
    )


def loaded(paths: Sequence[str]) -> Loaded:
    """Return `paths` loaded once (cached on their paths, modification times and the wards)."""
    return _loaded(tuple(paths), stamps(paths), _stamp(get_path("wards")), SETTINGS)


def load(paths: Sequence[str]) -> LoadResult:
    """Return the load of `paths`: rows in, accepted and rejected (cached)."""
    return loaded(paths).result


def shipped_files() -> list[str]:
    """Return the shipped incident files (police.uk months, collisions), in name order."""
    return [str(p) for p in expand_paths([get_path("police_uk")])]


def uploaded_files() -> list[str]:
    """Return the uploads this session uses: those in the upload box, then kept ones reused."""
    chosen = [*st.session_state.get("uploads", []), *st.session_state.get("reused", [])]
    return [p for p in dict.fromkeys(chosen) if Path(p).exists()]


def when(path: Path) -> str:
    """Return when a file was last written, in Europe/London time."""
    from geo.users import local_time

    stamp = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    return local_time(stamp, with_date=True)


def running_on() -> list[str]:
    """Return every file the internal pages use: shipped files, then uploads."""
    return shipped_files() + uploaded_files()


def owner_folder(owner: str) -> Path:
    """Return the folder `owner`'s uploads are kept in (`geo.home.owner_folder`)."""
    return home.owner_folder(owner, switches().home)


def save_upload(name: str, data: bytes, owner: str) -> str:
    """Keep an uploaded file in its owner's folder (`geo.home.save_upload`); use it here."""
    path = str(home.save_upload(name, data, owner, switches().home))
    uploads = st.session_state.setdefault("uploads", [])
    if path not in uploads:
        uploads.append(path)
    return path


def kept_uploads(owner: str) -> list[Path]:
    """Return the files `owner` has uploaded and kept, oldest first (mapped copies left out)."""
    found = [
        p for p in owner_folder(owner).glob("*/*") if p.is_file() and p.suffix in {".csv", ".xlsx"}
    ]
    return sorted(found, key=lambda p: (p.stat().st_mtime_ns, p.name))


def remove_upload(owner: str, path: Path) -> None:
    """Delete one of `owner`'s kept uploads, with its mapped copies, and stop using it."""
    folder = owner_folder(owner)
    if path.parent.parent != folder:  # only ever inside the owner's own folder
        msg = f"{path.name} is not one of your uploads"
        raise ValueError(msg)
    import shutil

    shutil.rmtree(path.parent, ignore_errors=True)
    for key in ("uploads", "reused"):
        st.session_state[key] = [
            p for p in st.session_state.get(key, []) if not p.startswith(str(path.parent))
        ]


CSU_FIELDS = (
    "date",
    "time",
    "category",
    "longitude",
    "latitude",
    "easting",
    "northing",
    "postcode",
    "location",
    "incident_id",
)
"""The CSU log fields a file's columns can be mapped to, in the order the Data page asks."""


def upload_header(path: str) -> list[str]:
    """Return an uploaded file's column names (empty if it cannot be read at all)."""
    from geo._tables import read_table

    try:
        return read_table(Path(path)).header
    except (GeoInputError, OSError, ValueError):
        return []


def map_upload(path: str, mapping: Mapping[str, str]) -> str:
    """
    Use a copy of an upload with its columns named as a CSU log's, instead of the upload.

    The copy is named by the mapping itself, in the owner's folder: two sessions mapping
    the same upload differently get two copies, and neither overwrites the other.
    """
    from geo.sources.csu_log import rename_columns

    source = Path(path)
    chosen = {k: v for k, v in sorted(mapping.items()) if v}
    key = hashlib.sha256(repr(chosen).encode("utf-8")).hexdigest()[:12]
    folder = source.parent / f"mapped-{key}"
    folder.mkdir(exist_ok=True)
    out = folder / f"{source.stem} (columns mapped){source.suffix}"
    handle, part = tempfile.mkstemp(dir=folder, prefix=".mapping-", suffix=source.suffix)
    os.close(handle)
    rename_columns(source, chosen, Path(part))
    os.replace(part, out)  # whole, or not at all, for another session reading the same mapping
    for name in ("uploads", "reused"):
        st.session_state[name] = [
            str(out) if p == path else p for p in st.session_state.get(name, [])
        ]
    return str(out)


def forget_uploads() -> None:
    """Stop using the files uploaded in this session."""
    st.session_state["uploads"] = []
    st.session_state["reused"] = []


def safe_csv(frame: pd.DataFrame) -> bytes:
    """Return `frame` as UTF-8 CSV safe to open in a spreadsheet (`geo.safe_text.csv_cell`)."""
    from geo.safe_text import csv_cell

    return frame.map(csv_cell).to_csv(index=False).encode("utf-8")


# --- the internal map page ---------------------------------------------------------------------


def months_of(incidents: pd.DataFrame) -> list[str]:
    """
    Return the months loaded, oldest first, as ``YYYY-MM``.

    police.uk months where there are any (`geo.pipeline.recorded_months`): a year of
    collisions or a CSU log's scattered rows do not make a month of crime data.
    """
    if incidents.empty:
        return []
    return sorted({str(m) for m in pipeline.recorded_months(incidents).unique()})


def categories_of(incidents: pd.DataFrame) -> list[str]:
    """Return the categories present, in taxonomy order."""
    present = set(incidents["category"])
    return [c for c in CATEGORIES if c in present]


def latest_month(incidents: pd.DataFrame) -> str:
    """Return the latest month with data (police.uk months where there are any)."""
    return pipeline.latest_month(incidents)


def month_range(first: str, last: str) -> list[str]:
    """
    Return every month from `first` to `last` (``YYYY-MM``), loaded or not.

    Examples
    --------
    >>> month_range("2024-11", "2025-02")
    ['2024-11', '2024-12', '2025-01', '2025-02']
    """
    return [str(p) for p in pd.period_range(first, last, freq="M")]


def month_words(month: str) -> str:
    """
    Return a month in words.

    Examples
    --------
    >>> month_words("2025-09")
    'Sep 2025'
    """
    return pd.Period(month, freq="M").strftime("%b %Y")


def internal_map(
    wards_frame: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    *,
    heat: bool = True,
    points: bool = True,
    hotspots: gpd.GeoDataFrame | None = None,
    deployments: gpd.GeoDataFrame | None = None,
    fit_to_sites: bool = False,
) -> folium.Map:
    """Build the internal map (`geo.maps.internal.internal_map`) with the app's settings."""
    return _internal_map(
        wards_frame,
        incidents,
        heat=heat,
        points=points,
        hotspots=hotspots,
        deployments=deployments,
        fit_to_sites=fit_to_sites,
        settings=SETTINGS.maps,
    )


# --- the PACT page -----------------------------------------------------------------------------


def pact_areas() -> tuple[pact.PactArea, ...]:
    """Return the PACT areas, checked against the shipped wards."""
    return pact.read_pact_areas(wards=wards())


def min_count() -> int:
    """Return the small-count threshold of public pages."""
    return SETTINGS.maps.public.min_count


def cell_m() -> float:
    """Return the side of public cells in metres."""
    return SETTINGS.maps.public.cell_m


# --- the week's plan and the hotspot list ------------------------------------------------------


def home_problem() -> tuple[str | None, str | None]:
    """
    Check the state folder (``GEO_HOME``) once per run, for the app's first page.

    Returns
    -------
    tuple
        ``(stop, note)``: `stop` is a one-line reason the app cannot run (the folder is
        a file or cannot be made), `note` a one-line warning that it runs without the
        parse cache (read-only or full); each None when it does not apply. Neither names
        the server's path: that goes to the server log.
    """
    try:
        note = check_home(switches().home)
    except GeoInputError as err:
        print(f"GEO_HOME: {err}", file=sys.stderr)
        return (
            "The app's state folder (GEO_HOME) is a file or cannot be made, so the app "
            "cannot run: set GEO_HOME on the server to a folder it can write (the server "
            "log names the path)",
            None,
        )
    if note is None:
        return None, None
    print(f"GEO_HOME: {note}", file=sys.stderr)
    return None, (
        "The app's state folder (GEO_HOME) is read-only or full: the app works without "
        "its cache of parsed files, and plans, users and uploads cannot be saved"
    )


def plan_db() -> Path:
    """Return the plan store (``GEO_PLAN_DB``, else ``GEO_HOME/plans.sqlite``)."""
    chosen = switches()
    return chosen.plan_db or default_store(chosen.home)


def synthetic_files() -> list[str]:
    """Return the SYNTHETIC speeding sample files."""
    return [str(p) for p in expand_paths([get_path("synthetic_speed")])]


def resources() -> Resources:
    """Return the unit's resources (``GEO_HOME/resources.toml`` or the shipped file)."""
    return _resources(*_stamp(default_resources_path(switches().home)))


@st.cache_data(max_entries=2, show_spinner=False)
def _resources(path: str, stamp: int) -> Resources:  # noqa: ARG001
    return read_resources(Path(path))


@st.cache_resource(max_entries=4, show_spinner="Planning the week (hotspots, forecast, cameras)...")
def _evidence(
    paths: tuple[str, ...],
    stamps: tuple[int, ...],
    wards_key: tuple[str, int],
    resources_key: tuple[str, int],
    week: dt.date,
    db_key: tuple[str, int],
    replan: int | None,
    settings: Settings,
) -> pipeline.WeekEvidence:
    data = _loaded(paths, stamps, wards_key, settings)
    db = Path(db_key[0])
    start = pipeline.replan_base(pipeline.week_state(db, week), replanning=replan is not None)
    return pipeline.prepare_week(
        data,
        week=week,
        resources=_resources(*resources_key),
        db=db,
        settings=settings,
        replan=start,
    )


@st.cache_resource(max_entries=8, show_spinner="Planning the week...")
def _week(
    paths: tuple[str, ...],
    stamps: tuple[int, ...],
    wards_key: tuple[str, int],
    resources_key: tuple[str, int],
    week: dt.date,
    overrides: WeekOverrides,
    db_key: tuple[str, int],
    replan: int | None,
    settings: Settings,
) -> WeekRun:
    # the evidence is found once per week and inputs; a sidebar change only re-runs the planners
    # (`geo.pipeline.plan_evidence`: the same plan as `run_week` with these overrides)
    found = _evidence(paths, stamps, wards_key, resources_key, week, db_key, replan, settings)
    return pipeline.plan_evidence(found, overrides)


def week_run(
    paths: Sequence[str], week: dt.date, overrides: WeekOverrides, *, replan: int | None = None
) -> WeekRun:
    """
    Plan `week` from `paths` (cached on every input: files, wards, resources, store, settings).

    `replan` is the version of the week's approved plan to re-plan from, or None.
    """
    return _week(
        tuple(paths),
        stamps(paths),
        _stamp(get_path("wards")),
        _stamp(default_resources_path(switches().home)),
        monday_of(week),
        overrides,
        _stamp(plan_db()),
        replan,
        SETTINGS,
    )


decided = pipeline.decided  # an approved week is shown as saved (`geo.pipeline.decided`)


def prewarm() -> float | None:
    """
    Plan the default week of the shipped data once, so the first page a user opens is warm.

    Run in a background thread when the server starts (``app.py``'s lifespan): loading
    the shipped files and planning the week the This week page opens on (the Map page
    plans the same week) fill the caches the pages read, so a new tab finds them ready.
    A page that asks while this runs waits for it rather than planning again (Streamlit
    computes each cached value once). An approved default week is shown as saved, so
    only the load is warmed.

    Returns
    -------
    float or None
        Seconds taken, or None when the shipped data cannot be planned (said in the
        server log; the page then says it in one line).
    """
    import time

    started = time.perf_counter()
    paths = shipped_files()
    try:
        week = next_week(loaded(paths).accepted)
        if pipeline.decided(week_state(week), replanning=False) is None:
            week_run(paths, week, WeekOverrides())
    except GeoInputError as err:
        print(f"geo: the default week was not prepared: {err}", file=sys.stderr)
        return None
    taken = time.perf_counter() - started
    print(f"geo: the default week {week} is ready ({taken:.1f} s)", file=sys.stderr, flush=True)
    return taken


def week_state(week: dt.date) -> StoredPlan | None:
    """Return the latest saved version of the week's plan (what the user is shown), or None."""
    return pipeline.week_state(plan_db(), week)


def approve(
    run: WeekRun, edits: Mapping[int, Mapping[str, object]], base_version: int | None, by: str
) -> StoredPlan:
    """Approve the plan shown with the sergeant's edits (`geo.pipeline.approve_week`)."""
    return pipeline.approve_week(run, edits, base_version, by=by, db=plan_db())


def sheet(run: WeekRun | None, stored: StoredPlan | None = None) -> PlanSheet:
    """Return the plan as shown: the saved version if there is one, else the suggestion."""
    if stored is not None:
        from geo.plan_export import sheet_of_stored

        return sheet_of_stored(stored, resources())
    return sheet_of_run(run)


def plan_rows(plan_sheet: PlanSheet) -> pd.DataFrame:
    """Return the plan's rows in words, for the page's table."""
    return plan_table(plan_sheet)


def kind_words() -> dict[str, str]:
    """Return each resource kind's metric name ("Cameras"), keyed by its budget key."""
    return {k.budget: k.metric for k in resource_kinds()}


def kit_words(plan_sheet: PlanSheet) -> dict[str, str]:
    """Return each kind's kit in words ("4 of 5 cameras, 1 out of service"), by budget key."""
    from geo.plan_export import kit_words as words

    return words(plan_sheet, resources())


def candidate_names(run: WeekRun, resource: str | None = None) -> list[str]:
    """Return the labels of the week's candidate sites (of one kind), for pickers."""
    c = run.candidates
    c = c if resource is None else c[c["resource"] == resource]
    return sorted(c["site_label"].unique().tolist())


def site_ids(run: WeekRun, labels: Sequence[str], resource: str | None = None) -> tuple[str, ...]:
    """Return the ids of candidate sites chosen by label (`geo.plan.sites.resolve_sites`)."""
    return resolve_sites(run.candidates, labels, resource=resource)


def site_choices(run: WeekRun, resource: str) -> dict[str, str]:
    """Return one kind's candidate sites as label -> id, in label order (the site picker)."""
    c = run.candidates[run.candidates["resource"] == resource].sort_values("site_label")
    return dict(zip(c["site_label"], c["site_id"], strict=True))


def movable_units(run: WeekRun) -> dict[str, str]:
    """Return the plan's units whose site can be changed, unit -> kind key."""
    rows = run.plan.deployments
    movable = {k.key for k in resource_kinds() if k.site_row is not None}
    return {u: r for u, r in zip(rows["unit"], rows["resource"], strict=True) if r in movable}


def with_changes(
    run: WeekRun, changes: Mapping[str, str], by: str
) -> tuple[WeekRun, dict[int, dict[str, object]], list[str], list[str]]:
    """
    Apply site changes kept by unit to a run (`geo.pipeline.edits_of_units`, `edited_run`).

    Returns
    -------
    tuple
        The run as shown (reasons rebuilt for the new sites), the edits to approve,
        the changes that could not be carried (in words), and what would stop the
        approval (`geo.pipeline.plan_problems`).
    """
    edits, dropped = pipeline.edits_of_units(run, changes)
    at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    shown = pipeline.edited_run(run, edits, by=by or "the sergeant", at=at)
    return shown, edits, dropped, pipeline.plan_problems(run, shown.plan.deployments)


def calendar_bytes(plan_sheet: PlanSheet) -> bytes:
    """Return the week's plan as an iCalendar file (`geo.plan_calendar`)."""
    from geo.plan_calendar import plan_calendar

    return plan_calendar(plan_sheet).to_ical()


def has_visits(plan_sheet: PlanSheet) -> bool:
    """Tell whether the plan has scheduled patrol visits (officers listed in resources)."""
    return any(isinstance(n, dict) and n.get("schedule") for n in plan_sheet.deployments["numbers"])


def task_sheets_zip(plan_sheet: PlanSheet) -> bytes:
    """Return a zip of one printable task sheet per officer (`geo.task_sheets`)."""
    import io
    import zipfile

    from geo.task_sheets import write_task_sheets

    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(buffer, "w") as archive:
        for path in write_task_sheets(plan_sheet, Path(tmp)):
            archive.write(path, arcname=path.name)
    return buffer.getvalue()


def mark_targets(plan_sheet: PlanSheet) -> list[str]:
    """Return what can be marked done: each visit ("Patrol 1 visit 3"), each stay."""
    from geo.plan_notes import mark_targets as targets

    return targets(plan_sheet.deployments)


def amend(
    week: dt.date, notes: Mapping[str, str], marks: Sequence[tuple[str, str, float | None]], by: str
) -> StoredPlan:
    """Save notes and marks as a new version of the week (`geo.plan_notes.amend_week`)."""
    from geo.plan_notes import Mark, amend_week

    return amend_week(
        plan_db(),
        week=monday_of(week),
        notes=notes,
        marks=[Mark(t, st_, a) for t, st_, a in marks],
        by=by,
    )


def kinds_with(what: str) -> list[ResourceKind]:
    """
    Return the registered kinds that take one of the week's changes, in plan order.

    `what` is ``amount`` (a week amount, `geo.schema.WeekAmount`) or one of a kind's
    ``overrides`` (``out_of_service``, ``excluded_sites``, ``pinned_sites``).
    """
    if what == "amount":
        return [k for k in resource_kinds() if k.amount is not None]
    return [k for k in resource_kinds() if what in k.overrides]


def amount_range(k: ResourceKind) -> Bound:
    """Return the range of a kind's week amount: its setting's range in resources.toml."""
    return k.bounds[k.amount.setting]


def usual_amount(k: ResourceKind) -> float:
    """Return a kind's usual week amount, from the unit's resources (5 cameras, 20 hours)."""
    value = getattr(resources().of(k.key), k.amount.setting)
    return int(value) if amount_range(k).whole else float(value)


def all_units() -> tuple[str, ...]:
    """Return the unit's named units, every kind's ("Camera 1", ..., "Board 1", ...)."""
    from geo.plan.context import all_units as units

    return units(resources())


def hotspots(
    paths: Sequence[str], category: str, as_of: str, months: int, rank_by: str = "harm"
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Return the hotspots of a category and their incidents (cached)."""
    return _hotspots(
        tuple(paths),
        stamps(paths),
        _stamp(get_path("wards")),
        category,
        as_of,
        months,
        rank_by,
        SETTINGS,
    )


@st.cache_resource(max_entries=16, show_spinner="Finding hotspots...")
def _hotspots(
    paths: tuple[str, ...],
    stamps: tuple[int, ...],
    wards_key: tuple[str, int],
    category: str,
    as_of: str,
    months: int,
    rank_by: str,
    settings: Settings,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    data = _loaded(paths, stamps, wards_key, settings)
    spots, members, _ = pipeline.category_hotspots(
        data, category=category, as_of=as_of, months=months, rank_by=rank_by, settings=settings
    )
    return spots, members


def hotspot_names(spots: gpd.GeoDataFrame) -> dict[str, str]:
    """Return each hotspot's id -> its title in words, for pickers."""
    return {r["hotspot_id"]: hotspot_title(r) for r in spots.to_dict("records")}


def hotspot_table(spots: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return the hotspots as a table in words."""
    return display_frame(spots.drop(columns="geometry"), "hotspots")


def export_bytes(write: object, suffix: str) -> bytes:
    """Write through `write(path)` to a temporary file and return its bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"export{suffix}"
        write(path)
        return path.read_bytes()


def hotspot_export(
    spots: gpd.GeoDataFrame,
    members: gpd.GeoDataFrame,
    *,
    suffix: str,
    title: str,
    period: str,
    sources: Sequence[str],
) -> bytes:
    """Return a task-and-finish export of hotspots (XLSX: hotspots, incidents, about)."""
    about = about_block(
        title=title, period=period, sources=list(sources), settings=SETTINGS.hotspots
    )
    return export_bytes(lambda path: write_hotspots(path, spots, members, about=about), suffix)


def plan_export(plan_sheet: PlanSheet, *, suffix: str) -> bytes:
    """Return the week's plan as XLSX or CSV bytes, with its status and provenance."""
    return export_bytes(lambda path: write_plan(plan_sheet, path), suffix)


def plan_page(plan_sheet: PlanSheet) -> str:
    """Return a printable HTML page of the plan for the tasking meeting."""
    return printable_plan(plan_sheet)


def last_week(run: WeekRun) -> StoredPlan | None:
    """Return the last approved plan before the week shown."""
    return last_approved_before(plan_db(), week=run.week)


# --- results: success measures, outcomes, the quarterly report --------------------------------


def report_quarters(incidents: pd.DataFrame) -> list[str]:
    """Return the quarters (``YYYY-Qn``) whose three police.uk months are loaded, newest first."""
    from geo.report import loaded_quarters

    return loaded_quarters(pact.public_months(incidents))[::-1]


def outcomes(quarter: str) -> dict:
    """Return the outcomes of the quarter's approved deployments (cached on files and store)."""
    paths = running_on()
    return _outcomes(
        tuple(paths),
        stamps(paths),
        _stamp(get_path("wards")),
        quarter,
        _stamp(plan_db()),
        SETTINGS,
    )


@st.cache_resource(max_entries=8, show_spinner="Judging the quarter's deployments...")
def _outcomes(
    paths: tuple[str, ...],
    stamps: tuple[int, ...],
    wards_key: tuple[str, int],
    quarter: str,
    db_key: tuple[str, int],
    settings: Settings,
) -> dict:
    from geo.outcomes import period_outcomes
    from geo.report import parse_quarter

    loaded = _loaded(paths, stamps, wards_key, settings)
    return period_outcomes(
        loaded.accepted, Path(db_key[0]), parse_quarter(quarter), settings=_outcome_settings()
    )


def _outcome_settings() -> OutcomeSettings:
    """Return the outcome settings with the unit's camera view radius (`resources`)."""
    from geo.outcomes import DEFAULT_OUTCOME_SETTINGS

    return replace(DEFAULT_OUTCOME_SETTINGS, view_radius_m=resources().of("cctv").view_radius_m)


@st.cache_resource(max_entries=4, show_spinner="Drafting the quarterly report...")
def _report(
    paths: tuple[str, ...],
    stamps: tuple[int, ...],
    wards_key: tuple[str, int],
    quarter: str,
    db_key: tuple[str, int],
    targets_key: tuple[str, int],
    settings: Settings,
) -> tuple[QuarterReport, bytes]:
    from geo.outcomes import period_outcomes
    from geo.report import build_report, parse_quarter, report_docx
    from geo.targets import read_targets

    loaded = _loaded(paths, stamps, wards_key, settings)
    made = build_report(
        loaded,
        parse_quarter(quarter),
        db=Path(db_key[0]),
        outcomes=period_outcomes(
            loaded.accepted, Path(db_key[0]), parse_quarter(quarter), settings=_outcome_settings()
        ),
        measures=read_targets(Path(targets_key[0])),
        settings=settings,
    )
    return made, report_docx(made)


def quarter_report(paths: Sequence[str], quarter: str) -> tuple[QuarterReport, bytes]:
    """Return the quarter's report and its Word file (cached on files, store and targets)."""
    from geo.targets import default_targets_path

    return _report(
        tuple(paths),
        stamps(paths),
        _stamp(get_path("wards")),
        quarter,
        _stamp(plan_db()),
        _stamp(default_targets_path(switches().home)),
        SETTINGS,
    )


def measures_frame(made: QuarterReport) -> pd.DataFrame:
    """Return the success measures table (header names the quarter and the year before)."""
    from geo.report import measure_table, table_frame

    return table_frame(measure_table(made.measures, made.quarter))


def outcome_tables(result: dict | None) -> tuple[str, list[pd.DataFrame]]:
    """Return the outcomes' sentences and their tables (by kind, by deployment)."""
    from geo.report import outcome_blocks, table_frame

    blocks = outcome_blocks(result)
    words = " ".join(b.text for b in blocks if hasattr(b, "text"))
    return words, [table_frame(b) for b in blocks if hasattr(b, "header")]


def outcomes_map(result: dict) -> folium.Map | None:
    """
    Return the map of the outcomes' judged deployments at their sites, or None if none.

    `geo.maps.outcomes.outcomes_map` with the store's approved deployments (their places),
    the outcome settings they were judged with and the app's map settings (no basemap).
    Not cached: a folium map is quick to build and not picklable.
    """
    from geo.maps.outcomes import outcomes_map as _outcomes_map
    from geo.outcomes import approved_deployments

    return _outcomes_map(
        result,
        approved_deployments(plan_db()),
        wards(),
        settings=_outcome_settings(),
        map_settings=SETTINGS.maps,
    )


# --- the weeks ahead ---------------------------------------------------------------------------


def weeks_ahead(paths: Sequence[str], first: dt.date, weeks: int) -> Timeline:
    """
    Return the weeks ahead from `first` (`geo.timeline.plan_ahead` on the cached load).

    Approved weeks are read from the store on every call; each suggested week is
    planned once per input (`geo.timeline` caches them), so a rerun is quick.
    """
    return plan_ahead(
        loaded(paths),
        first=monday_of(first),
        weeks=weeks,
        resources=resources(),
        db=plan_db(),
        settings=SETTINGS,
    )


def timeline_bars(timeline: Timeline) -> pd.DataFrame:
    """Return the timeline's stays in words, for the chart (`geo.timeline.stays`)."""
    runs = stays(timeline.table)
    return runs.assign(
        kind=runs["kind"].map(lambda k: kind(k).title),
        order=runs["kind"].map(lambda k: kind(k).order),
        number=runs["unit"].str.extract(r"(\d+)$", expand=False).fillna("0").astype(int),
    )


def timeline_table(timeline: Timeline) -> pd.DataFrame:
    """Return the timeline's rows in words, formula-guarded for the page's table."""
    from geo.safe_text import csv_cell

    t = timeline.table
    shown = pd.DataFrame(
        {
            "Week of": t["week"],
            "Kind": t["kind"].map(lambda k: kind(k).title),
            "Unit": t["unit"],
            "Site": t["site"],
            "Weeks there": t["weeks_on_site"],
            "Plan": t["status"],
            "Moves": t["moves"].map({True: "goes up or moves", False: ""}),
        }
    )
    return shown.map(csv_cell)
