"""Map page: incidents by category, month and ward, with last year's months beside them."""

import streamlit as st

from app_pages import _cache
from app_pages._ui import month_bars, show_map
from geo.internal_map import internal_map
from geo.maps import POINT_CAP

loaded = _cache.load(_cache.running_on())
incidents = loaded.accepted
wards = _cache.wards()
months = _cache.months_of(incidents)
if not months:
    st.warning("No incidents loaded: add police.uk files or CSU logs on the Data page.")
    st.stop()

with st.sidebar:
    st.header("Show")
    categories = st.multiselect(
        "Categories",
        _cache.categories_of(incidents),
        default=["asb"] if "asb" in set(incidents["category"]) else None,
        format_func=_cache.label,
    )
    first, last = st.select_slider(
        "Months", options=months, value=(months[max(0, len(months) - 3)], months[-1])
    )
    chosen_wards = st.multiselect("Wards (none chosen = all)", sorted(wards["ward_name"]))
    heat = st.toggle("Heat", value=True)
    points = st.toggle("Incident points", value=True)
    show_hotspots = st.toggle("ASB and criminal damage hotspots (last 3 months)", value=True)
    show_plan = st.toggle("This week's suggested plan", value=True)

chosen = _cache.MapFilter(tuple(categories), _cache.Period(first, last), tuple(chosen_wards))
shown = _cache.filtered(incidents, chosen)
shown_wards = wards[wards["ward_name"].isin(chosen_wards)] if chosen_wards else wards

st.caption(
    f"{len(shown):,} incidents, {chosen.period.label}; internal map: points are police.uk's "
    "anonymised map points or CSU log locations. Not for public display: use the PACT page."
)
run = _cache.week_run(_cache.running_on(), _cache.next_week(incidents), _cache.WeekOverrides())
too_many = points and len(shown) > POINT_CAP
show_map(
    internal_map(
        shown_wards, shown, heat=heat, points=points,
        hotspots=run.hotspots if show_hotspots else None,
        deployments=run.plan.deployments if show_plan else None,
        settings=_cache.SETTINGS.maps,
    ),
    key="incident-map",
)  # fmt: skip
if too_many:
    st.caption(
        f"{len(shown):,} incidents are too many to draw one by one (more than {POINT_CAP:,}): "
        "they are shown as heat. Choose fewer months, categories or wards to see points."
    )
if show_plan:
    st.caption(f"Plan for the week of {run.week:%d %B %Y}: see This week for the reasons.")
st.caption(
    "Ward and place names are always shown; street names (from police.uk locations) appear "
    "when you zoom in to street level. Legends are on the map. Place names: GeoNames (CC BY 4.0)."
)

st.subheader("By month, against the same months a year earlier")
monthly = _cache.monthly_comparison(incidents, chosen)
month_bars(monthly, month="month", order="order", shown="count")
missing = monthly[monthly["count"].isna()]
if len(missing):
    st.caption(f"No data loaded for {len(missing)} of the months a year earlier.")
