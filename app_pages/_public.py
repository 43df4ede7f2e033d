"""Cached helpers for the public PACT page (the lead's `_cache` stays the internal pages' one)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import folium
import geopandas as gpd
import streamlit as st

from app_pages import _cache
from geo import pact, pact_actions
from geo.maps import pact as pact_map
from geo.periods import Window
from geo.safe_text import markdown_text
from geo.settings import Settings


def public_paths() -> list[str]:
    """Return the files a public view reads: shipped police.uk, plus uploads if CSU logs count."""
    if _cache.SETTINGS.maps.public.include_csu_logs:
        return _cache.running_on()
    return _cache.shipped_files()


def public_incidents() -> gpd.GeoDataFrame:
    """Return the rows a public view may count (`geo.pact.public_rows`)."""
    return pact.public_rows(_cache.load(public_paths()).accepted, _cache.SETTINGS.maps.public)


def periods() -> tuple[Window, ...]:
    """Return the periods the public page offers: whole calendar quarters fully loaded."""
    return pact.public_periods(pact.public_months(public_incidents()))


@st.cache_data(max_entries=64, show_spinner="Counting...")
def _view(
    area: pact.PactArea,
    period: Window,
    paths: tuple[str, ...],  # noqa: ARG001
    stamps: tuple[int, ...],  # noqa: ARG001
    settings: Settings,
) -> pact.PublicView:
    from geo.maps.places import place_names

    return pact.public_view(
        public_incidents(),
        _cache.wards(),
        area=area,
        period=period,
        rules=settings.maps.public,
        places=place_names(),
        trends=settings.trends,
    )


def view(area: pact.PactArea, period: Window) -> pact.PublicView:
    """Return the public view of one area and quarter, with "you said, we did" (cached)."""
    paths = tuple(public_paths())
    chosen = _view(area, period, paths, _cache.stamps(paths), _cache.SETTINGS)
    db = _cache.plan_db()
    stamp = db.stat().st_mtime_ns if db.exists() else 0
    return dataclasses.replace(chosen, actions=_actions(area, period, str(db), stamp))


@st.cache_data(max_entries=64, show_spinner=False)
def _actions(
    area: pact.PactArea,
    period: Window,
    db: str,
    stamp: int,  # noqa: ARG001 (the store's modification time: a new mark is read at once)
) -> tuple[pact_actions.PublicAction, ...]:
    return pact_actions.quarter_actions(
        Path(db),
        pact.area_wards(_cache.wards(), area),
        months=period.months(),
        rules=pact_actions.read_publish_rules(),
    )


def map_of(chosen: pact.PublicView, *, squares: bool) -> folium.Map:
    """Return the public map of a view."""
    return pact_map.view_map(chosen, squares=squares, settings=_cache.SETTINGS.maps)


def page_html(chosen: pact.PublicView, *, squares: bool) -> str:
    """Return the offline page of a view: the same map with title, legend and credit."""
    return pact_map.offline_page(chosen, squares=squares, settings=_cache.SETTINGS.maps)


def table_csv(chosen: pact.PublicView, *, squares: bool) -> bytes:
    """Return the view's table as formula-safe CSV with its about text."""
    return pact_map.public_csv(chosen, squares=squares)


def actions_markdown(chosen: pact.PublicView) -> list[str]:
    """Return "you said, we did" as Markdown blocks, one per ward (every value escaped)."""
    grouped = pact_map.actions_by_ward(chosen)
    if not grouped:
        return [markdown_text(pact_map.NO_ACTIONS)]
    return [
        f"**{markdown_text(ward)}**\n\n" + "\n".join(f"- {markdown_text(w)}" for w in sentences)
        for ward, sentences in grouped
    ]
