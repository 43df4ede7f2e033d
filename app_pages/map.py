"""Map page: incidents by category, month and ward, with hotspots and the week's plan."""

import streamlit as st

from app_pages import _cache
from app_pages._ui import month_bars, show_map
from geo.periods import months_window
from geo.pipeline import MapFilter, map_incidents, monthly_counts

loaded = _cache.load(_cache.running_on())
incidents = loaded.accepted
wards = _cache.wards()
held = _cache.months_of(incidents)
if not held:
    st.warning("No incidents loaded: add police.uk files or CSU logs on the Data page.")
    st.stop()
months = _cache.month_range(held[0], held[-1])
latest = _cache.latest_month(incidents)  # a CSU log's few later rows do not make a month

with st.sidebar:
    st.header("Show")
    categories = st.multiselect(
        "Categories",
        _cache.categories_of(incidents),
        default=["asb"] if "asb" in set(incidents["category"]) else None,
        format_func=_cache.label,
        key="map-categories",
    )
    first, last = st.select_slider(
        "Months",
        options=months,
        value=(_cache.month_range(held[0], latest)[-3:][0], latest),
        format_func=_cache.month_words,
        key="map-months",
    )
    chosen_wards = st.multiselect(
        "Wards (none chosen = all)", sorted(wards["ward_name"]), key="map-wards"
    )
    heat = st.toggle("Heat", value=True, key="map-heat")
    points = st.toggle("Incident points", value=True, key="map-points")
    show_hotspots = st.toggle(
        "ASB and criminal damage hotspots (last 3 months)", value=True, key="map-hotspots"
    )
    show_plan = st.toggle(
        "This week's suggested plan",
        value=False,
        help="Plans the week (hotspots, forecast, cameras): a few seconds.",
        key="map-plan",
    )

chosen = MapFilter(tuple(categories), months_window(first, last), tuple(chosen_wards))
shown = map_incidents(incidents, chosen)
shown_wards = wards[wards["ward_name"].isin(chosen_wards)] if chosen_wards else wards
gaps = [m for m in _cache.month_range(first, last) if m not in set(held)]
st.caption(
    f"{len(shown):,} incidents, {_cache.month_words(first)} to {_cache.month_words(last)}; "
    f"{len(held)} months loaded of {len(months)} from {_cache.month_words(months[0])}. "
    "Internal map: points are police.uk's anonymised map points or CSU log locations. "
    "Not for public display: use the PACT page."
)
if gaps:
    st.warning(
        f"No data loaded for {len(gaps)} of the months chosen "
        f"({', '.join(_cache.month_words(m) for m in gaps[:6])}"
        f"{', ...' if len(gaps) > 6 else ''}): counts there are unknown, not zero."
    )
spots = (
    _cache.hotspots(_cache.running_on(), "asb+criminal_damage", latest, 3)[0]
    if show_hotspots
    else None
)
plan = None
if show_plan:
    run = _cache.week_run(_cache.running_on(), _cache.next_week(incidents), _cache.WeekOverrides())
    plan = run.plan.deployments
show_map(
    _cache.internal_map(
        shown_wards, shown, heat=heat, points=points, hotspots=spots, deployments=plan
    ),
    key="incident-map",
)
if points and len(shown) > _cache.POINT_CAP:
    st.caption(
        f"{len(shown):,} incidents are too many to draw one by one (more than "
        f"{_cache.POINT_CAP:,}): they are shown as heat. Choose fewer months, categories or "
        "wards to see points."
    )
if plan is not None:
    st.caption(f"Plan for the week of {run.week:%d %B %Y}: see This week for the reasons.")
st.caption(
    "Ward and place names are always shown; street names (from police.uk locations) appear "
    "when you zoom in to street level. Legends are on the map. Place names: GeoNames (CC BY 4.0)."
)

st.subheader("By month")
monthly = monthly_counts(incidents, chosen)
month_bars(monthly, month="month", order="order", shown="count")
missing = monthly[monthly["count"].isna()]
if len(missing):
    st.caption(f"No data loaded for {len(missing)} of these months: no bar is drawn for them.")
