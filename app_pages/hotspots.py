"""Hotspots: the ranked list per category, and exports for a task-and-finish group."""

import streamlit as st

from app_pages import _auth, _cache
from app_pages._ui import show_map

loaded = _cache.load(_cache.running_on())
incidents = loaded.accepted
months = _cache.months_of(incidents)
if not months:
    st.warning("No incidents loaded: add police.uk files or CSU logs on the Data page.")
    st.stop()

with st.sidebar:
    st.header("Hotspots")
    choices = ["asb", "burglary", "criminal_damage", "asb+criminal_damage", "vehicle_crime"]
    category = st.selectbox("Category", choices, format_func=_cache.label)
    as_of = st.selectbox("Up to the end of", months[::-1], format_func=_cache.month_words)
    span = st.radio("Window", [3, 6, 1], format_func=lambda n: f"{n} month(s)", horizontal=True)
    rank_by = st.radio("Rank by", ["harm", "count"], horizontal=True)

spots, members = _cache.hotspots(_cache.running_on(), category, as_of, span, rank_by)
st.caption(
    f"{len(spots)} hotspots of {_cache.label(category)} in the {span} month(s) to the "
    f"end of {_cache.month_words(as_of)}, ranked by {rank_by}. The numbers on the map are "
    "their ranks."
)
show_map(
    _cache.internal_map(_cache.wards(), members, heat=False, points=True, hotspots=spots),
    key="hotspot-map",
)
names = _cache.hotspot_names(spots)
chosen = st.multiselect(
    "Hotspots to export (none chosen = all)", list(names), format_func=names.get
)
st.dataframe(_cache.hotspot_table(spots), hide_index=True, width="stretch")
picked = spots[spots["hotspot_id"].isin(chosen)] if chosen else spots
picked_members = members[members["hotspot_id"].isin(picked["hotspot_id"])]
meta = {
    "title": f"{_cache.label(category)} hotspots for a task-and-finish group",
    "period": f"{span} month(s) to {as_of}",
    "sources": [p.rsplit("/", 1)[-1] for p in _cache.running_on()],
}
if not _auth.may("export"):
    st.caption("Your role may view hotspots but not export them.")
    st.stop()
cols = st.columns(3)
for col, suffix in zip(cols, [".xlsx", ".csv", ".geojson"], strict=True):
    name = f"hotspots-{category.replace('+', '-and-')}-{as_of}{suffix}"
    col.download_button(
        f"Download {suffix[1:].upper()}",
        _auth.export_data(
            name,
            lambda suffix=suffix: _cache.hotspot_export(
                picked, picked_members, suffix=suffix, **meta
            ),
        ),
        file_name=name,
        on_click="ignore",
    )
