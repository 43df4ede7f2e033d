"""PACT page: a public-safe map and table of one panel's area (rounded counts, never a point).

Laid out for a 1024x768 projector: one row of controls, then the map titled with
the area and quarter, its legend and credit; the numbers, "you said, we did",
chart and downloads follow below. Headings run h1 (page), h2 (area and quarter),
h3 (sections); notes are body text, not `st.caption`, whose grey fails WCAG
contrast (checked with axe-core in tests/test_pact_browser.py).
"""

import re

import streamlit as st
from streamlit_folium import st_folium

from app_pages import _cache, _public
from app_pages._ui import month_bars
from geo.export import safe_frame
from geo.maps.pact import ACTIONS_HEADING, CREDIT
from geo.safe_text import markdown_text

PROJECTOR_MAP_HEIGHT = 400  # pixels: below the controls, the map ends above the fold at 1024x768

areas = {a.name: a for a in _cache.pact_areas()}
offered = list(reversed(_public.periods()))  # latest first: the default is the latest quarter
few = f"fewer than {_cache.min_count()}"
if not offered:
    st.warning(
        "No whole calendar quarter of police.uk data is loaded, so there is nothing to show."
    )
    st.stop()

left, middle, right = st.columns([2, 2, 1.4], vertical_alignment="bottom")
area = areas[left.selectbox("PACT area", list(areas), key="pact-area")]
period = middle.selectbox(
    "Quarter",
    offered,
    format_func=lambda p: p.long_words(),
    help="Public figures are for whole calendar quarters only, so that no two can be "
    "subtracted to reveal a small number.",
    key="pact-quarter",
)
squares = right.toggle(f"{_cache.cell_m():.0f} m squares", False, key="pact-squares")

view = _public.view(area, period)
st.header(markdown_text(f"{area.name}, {view.period.long_words()}"))  # h2 under the page's h1
st_folium(
    _public.map_of(view, squares=squares),
    key="pact-map",
    height=PROJECTOR_MAP_HEIGHT,
    use_container_width=True,
    returned_objects=[],
)
st.markdown(  # not st.caption: its grey fails WCAG contrast (3.9:1, axe-core)
    f"Counts by ward (reds) and by {_cache.cell_m():.0f} m square (blues, outlined), rounded "
    f"to the nearest {view.rules.rounding_base}; counts below {_cache.min_count()} read '{few}'. "
    f"No incident's location is shown. {CREDIT}"
)

if view.year_before_note:  # said once, and the year-before columns are left out
    st.markdown(markdown_text(view.year_before_note))
    st.metric("Recorded crime and ASB", view.total_shown)
else:
    total, change = st.columns(2)
    total.metric("Recorded crime and ASB", view.total_shown)
    change.metric("Against the same quarter a year earlier", view.change)
if view.top_issues:
    st.markdown("**Top issues in the area:** " + markdown_text("; ".join(view.top_issues)))

st.subheader("By ward, with each ward's top issues")
st.dataframe(safe_frame(view.table), hide_index=True, width="stretch")

st.subheader(f"{ACTIONS_HEADING}, {view.period.long_words()}")
for block in _public.actions_markdown(view):
    st.markdown(block)

st.subheader("By month")
monthly = view.monthly.assign(month_name=view.monthly["month"].dt.strftime("%b %Y"))
month_bars(monthly, month="month_name", order="month", shown="shown")
hidden = monthly[monthly["count"].isna()]
if len(hidden):
    st.markdown(
        "Not drawn: "
        + markdown_text(
            "; ".join(f"{r.month_name} ({r.series}): {r.shown}" for r in hidden.itertuples())
        )
    )

stem = "pact-" + re.sub(r"[^a-z0-9]+", "-", area.name.lower()).strip("-")
stem += f"-{view.period.first}-to-{view.period.last}"
st.download_button(
    "Download this map as a web page (opens offline)",
    _public.page_html(view, squares=squares),
    file_name=f"{stem}.html",
    mime="text/html",
)
st.download_button(
    "Download the table (CSV)",
    _public.table_csv(view, squares=squares),
    file_name=f"{stem}.csv",
    mime="text/csv",
)
