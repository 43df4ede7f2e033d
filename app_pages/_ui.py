"""Small pieces of UI shared by the pages: legends and the map component."""

from __future__ import annotations

import html
from collections.abc import Sequence

import altair as alt
import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

MAP_HEIGHT = 560
"""Height of every map, in pixels."""


def legend(title: str, pairs: Sequence[tuple[str, str]]) -> None:
    """Draw a colour legend in Streamlit (branca legends would fetch d3 from a CDN)."""
    swatches = "".join(
        f'<span style="display:inline-block;margin:0 12px 4px 0;white-space:nowrap">'
        f'<span style="display:inline-block;width:14px;height:14px;background:{colour};'
        f'border:1px solid #555;vertical-align:middle;margin-right:4px"></span>'
        f"{html.escape(text)}</span>"
        for colour, text in pairs
    )
    st.markdown(f"**{html.escape(title)}**<br>{swatches}", unsafe_allow_html=True)


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
