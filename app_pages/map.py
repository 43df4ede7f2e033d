"""Map page: incidents by category, month and ward, with last year's months beside them."""

import streamlit as st

from app_pages import _cache
from app_pages._ui import legend, month_bars, show_map

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

chosen = _cache.MapFilter(tuple(categories), _cache.Period(first, last), tuple(chosen_wards))
shown = _cache.filtered(incidents, chosen)
shown_wards = wards[wards["ward_name"].isin(chosen_wards)] if chosen_wards else wards

st.caption(
    f"{len(shown):,} incidents, {chosen.period.label}; internal map: points are police.uk's "
    "anonymised map points or CSU log locations. Not for public display: use the PACT page."
)
show_map(
    _cache.internal_map(shown_wards, shown, heat=heat, points=points),
    key="incident-map",
)
legend("Layers", [("#3c3c3c", "ward outline"), ("#08306b", "incident (one dot per record)")])

st.subheader("By month, against the same months a year earlier")
monthly = _cache.monthly_comparison(incidents, chosen)
month_bars(monthly, month="month", order="order", shown="count")
missing = monthly[monthly["count"].isna()]
if len(missing):
    st.caption(f"No data loaded for {len(missing)} of the months a year earlier.")
