"""Small pieces of UI shared by the pages: the map component and month bars."""

from __future__ import annotations

import altair as alt
import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

MAP_HEIGHT = 560
"""Height of every map, in pixels."""


def show_map(m: folium.Map, *, key: str) -> None:
    """Show a folium map; panning and zooming do not rerun the page."""
    st_folium(m, key=key, height=MAP_HEIGHT, use_container_width=True, returned_objects=[])


def month_bars(frame: pd.DataFrame, *, month: str, order: str, shown: str) -> None:
    """Draw counts per month, one bar per series side by side; rows with no count are left out."""
    chart = (
        alt.Chart(frame.dropna(subset=["count"]))
        .mark_bar()
        .encode(
            x=alt.X(f"{month}:N", sort=alt.SortField(order), title=None),
            xOffset="series:N",
            y=alt.Y("count:Q", title="Incidents"),
            color=alt.Color("series:N", title=None),
            tooltip=[
                alt.Tooltip("series:N"),
                alt.Tooltip(f"{month}:N", title="month"),
                alt.Tooltip(f"{shown}:N", title="incidents"),
            ],
        )
    )
    st.altair_chart(chart, width="stretch")
