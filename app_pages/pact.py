"""PACT page: a public-safe map and table of one panel's area (counts by area, never a point)."""

import streamlit as st

from app_pages import _cache
from app_pages._ui import legend, month_bars, show_map

areas = {a.name: a for a in _cache.pact_areas()}
months = _cache.months_of(_cache.police_uk_incidents())
default_first, default_last = _cache.default_pact_period(months)

left, middle, right = st.columns([2, 1, 1])
area = areas[left.selectbox("PACT area", list(areas))]
first = middle.selectbox("From", months, index=months.index(default_first))
last = right.selectbox("To", months, index=months.index(default_last))
if last < first:
    st.error("The period ends before it starts: choose a later 'To' month.")
    st.stop()

view = _cache.public_view(area, _cache.Period(first, last))
few = f"fewer than {_cache.min_count()}"

st.subheader(f"{area.name}, {view.period.label}")
total, change = st.columns(2)
total.metric("Recorded crime and ASB", view.total_shown)
change.metric("Against the same months a year earlier", view.change)
if view.top_issues:
    st.markdown("**Top issues:** " + "; ".join(view.top_issues))

cells = st.toggle(f"Show {_cache.cell_m():.0f} m squares with {_cache.min_count()} or more", False)
pact_map = _cache.pact_map(view, cells=cells)
show_map(pact_map, key="pact-map")
legend("Incidents in the period", _cache.count_legend(_cache.min_count()))
st.caption(
    f"Counts by ward and by {_cache.cell_m():.0f} m square from police.uk data; counts below "
    f"{_cache.min_count()} read '{few}', and a count that would let one be worked out reads "
    "'withheld'. No incident's location is shown."
)

st.dataframe(view.table, hide_index=True, width="stretch")

st.subheader("By month")
monthly = view.monthly.assign(month_name=view.monthly["month"].dt.strftime("%b"))
month_bars(monthly, month="month_name", order="month", shown="shown")
hidden = monthly[monthly["count"].isna()]
if len(hidden):
    st.caption(
        "Not drawn: "
        + "; ".join(f"{r.month_name} ({r.series}): {r.shown}" for r in hidden.itertuples())
    )

st.download_button(
    "Download this map as a web page (opens offline)",
    _cache.standalone_html(_cache.pact_map(view, cells=cells), title=f"{area.name} PACT map"),
    file_name=f"pact-{area.name.lower().replace(' ', '-')}-{first}-to-{last}.html",
    mime="text/html",
)
st.download_button(
    "Download the table (CSV)",
    _cache.safe_csv(view.table),
    file_name=f"pact-{area.name.lower().replace(' ', '-')}-{first}-to-{last}.csv",
    mime="text/csv",
)
