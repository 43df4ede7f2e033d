"""Results: the success measures, the outcomes of deployments, and the quarterly report."""

import streamlit as st

from app_pages import _auth, _cache, _ui
from geo.safe_text import markdown_text

loaded = _cache.load(_cache.running_on())
quarters = _cache.report_quarters(loaded.accepted)
if not quarters:
    st.warning(
        "No quarter has all three of its months loaded: add police.uk files on the Data page."
    )
    st.stop()

with st.sidebar:
    st.header("Results")
    quarter = st.selectbox(
        "Quarter", quarters, help="Quarters whose three months are loaded", key="results-quarter"
    )

try:
    made, docx_bytes = _cache.quarter_report(_cache.running_on(), quarter)
except _cache.GeoInputError as err:
    st.error(markdown_text(f"The report cannot be made: {err}"))
    st.stop()

st.subheader(markdown_text(f"Success measures, {made.quarter.long_words()}"))
st.caption(
    "Each measure compares the quarter with the same months a year before. 'Too few to "
    "tell' means the change is within chance; 'no comparison data' means months are not loaded."
)
st.dataframe(_cache.measures_frame(made), hide_index=True, width="stretch")
for result in made.measures:
    st.markdown(markdown_text(result.words))

st.subheader("Outcomes of deployments")
result = _cache.outcomes(quarter)
lead, tables = _cache.outcome_tables(result)
st.info(markdown_text(lead))
for table in tables:
    st.dataframe(table, hide_index=True, width="stretch")
try:
    outcomes_map = _cache.outcomes_map(result)
except _cache.GeoInputError as err:
    st.error(markdown_text(f"The outcomes cannot be mapped: {err}"))
else:
    if outcomes_map is None:
        st.caption("No deployment in this quarter could be judged, so there is nothing to map.")
    else:
        st.caption(
            "Each judged deployment at its site, in its kind's colour and letter: filled where "
            "there were fewer incidents than expected (95 % range above zero), hollow where "
            "there was no clear change, dashed where too few incidents to tell, a red-edged "
            "square where there were more. The solid ring is where it was judged, the dashed "
            "ring the buffer checked for displacement. Click a symbol for its words."
        )
        _ui.show_map(outcomes_map, key="outcomes-map")

st.subheader("The quarterly report")
st.caption(
    markdown_text(
        f"{made.title}: priorities, success measures, hotspots with a map and a chart of "
        "months, deployments and their outcomes, PACT areas in brief. A Word document for "
        "the partnership to edit."
    )
)
report_data = _auth.export_data(f"report {made.name}.docx", lambda: docx_bytes)
if report_data is None:  # no button at all: a disabled one would still carry the file
    st.caption("Only a sergeant or an analyst may download the report.")
else:
    st.download_button(
        "Download the report (Word)",
        report_data,
        file_name=f"csu-report-{made.name}.docx",
        mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        on_click="ignore",
    )
