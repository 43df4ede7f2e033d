"""Weeks ahead: camera stays and moves, board rotation and EVAs, approved and suggested."""

import altair as alt
import streamlit as st

from app_pages import _cache
from geo.safe_text import markdown_text

loaded = _cache.load(_cache.running_on())
if loaded.accepted.empty:
    st.warning("No incidents loaded: add police.uk files or CSU logs on the Data page.")
    st.stop()

with st.sidebar:
    st.header("Weeks ahead")
    first = _cache.monday_of(
        st.date_input(
            "From the week of", value=_cache.next_week(loaded.accepted), format="DD/MM/YYYY"
        )
    )
    weeks = st.slider("Weeks", min_value=4, max_value=12, value=8, key="timeline-weeks")

try:  # a damaged store, or no data before the first week: one line, never a traceback
    with st.spinner(f"Planning {weeks} weeks (each week once; later visits are quick)..."):
        timeline = _cache.weeks_ahead(_cache.running_on(), first, weeks)
except _cache.GeoInputError as err:
    st.error(markdown_text(err))
    st.stop()

approved = len(timeline.approved)
st.caption(
    markdown_text(
        f"{weeks} weeks from {first:%d %B %Y}: {approved} approved (from the saved plans), "
        f"{weeks - approved} suggested, each suggested week planned from the week before as if "
        "that week were approved as shown. Solid bars are approved, pale bars suggested; "
        "a new bar on a unit's line is a move. Patrols are planned week by week on This week."
    )
)

bars = _cache.timeline_bars(timeline)
chart = (
    alt.Chart(bars)
    .mark_bar(stroke="#333", strokeWidth=0.5)
    .encode(
        x=alt.X("start:T", title="Week", axis=alt.Axis(format="%d %b", tickCount="week")),
        x2="end:T",
        y=alt.Y("unit:N", title=None, sort=alt.EncodingSortField("number", op="min")),
        yOffset=alt.YOffset("kind:N", sort=alt.EncodingSortField("order", op="min")),
        color=alt.Color(
            "kind:N",
            title="Kind",
            sort=alt.EncodingSortField("order", op="min"),
            legend=alt.Legend(orient="bottom"),
        ),
        opacity=alt.Opacity(
            "status:N",
            title="Plan",
            scale=alt.Scale(domain=["approved", "suggested"], range=[1.0, 0.4]),
            legend=alt.Legend(orient="bottom"),
        ),
        strokeDash=alt.StrokeDash(
            "status:N",
            title="Plan",
            scale=alt.Scale(domain=["approved", "suggested"], range=[[1, 0], [4, 3]]),
            legend=None,
        ),
        tooltip=[
            alt.Tooltip("unit:N", title="Unit"),
            alt.Tooltip("site:N", title="Site"),
            alt.Tooltip("status:N", title="Plan"),
            alt.Tooltip("weeks:Q", title="Weeks"),
            alt.Tooltip("start:T", title="From", format="%d %b %Y"),
        ],
    )
    .properties(height=max(240, 28 * bars["unit"].nunique()))
)
st.altair_chart(chart, width="stretch")
st.caption(
    "Legend in words: the colour is the kind of kit, solid is an approved week, pale and "
    "dashed a suggested one; each bar runs from the Monday a unit goes to a site to the "
    "Monday it leaves."
)

moves = timeline.table[timeline.table["moves"]]
st.subheader("Moves")
if moves.empty:
    st.write("No unit goes up or moves in these weeks.")
for week, rows in moves.groupby("week", sort=True):
    went = "; ".join(f"{r['unit']} to {r['site']}" for r in rows.to_dict("records"))
    st.markdown(markdown_text(f"Week of {week} ({rows['status'].iloc[0]}): {went}."))

st.subheader("Every unit, every week")
st.dataframe(_cache.timeline_table(timeline), hide_index=True, width="stretch")
if timeline.notes:
    with st.expander("The planner's notes"):
        for note in timeline.notes:
            st.markdown(markdown_text(note))
