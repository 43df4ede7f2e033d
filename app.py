"""Streamlit entry point: page frame and navigation only.

``GEO_PUBLIC=1 streamlit run app.py`` serves the public PACT page alone: the
internal pages (incident points, CSU logs, uploads) are not in the navigation and
cannot be reached.
"""

from pathlib import Path

import streamlit as st

from app_pages._cache import public_mode

st.set_page_config(
    page_title="Sevenoaks CSU planner",
    page_icon=str(Path(__file__).parent / "static" / "leaflet" / "images" / "marker-icon.png"),
    layout="wide",
)

pact = st.Page("app_pages/pact.py", title="PACT map", icon=":material/groups:", url_path="pact")
if public_mode():
    pages = [pact]
else:
    pages = [
        st.Page("app_pages/map.py", title="Map", icon=":material/map:", default=True),
        st.Page("app_pages/week.py", title="This week", icon=":material/event:"),
        st.Page("app_pages/hotspots.py", title="Hotspots", icon=":material/local_fire_department:"),
        pact,
        st.Page("app_pages/data.py", title="Data", icon=":material/upload_file:"),
    ]

page = st.navigation(pages)
st.title(page.title)
page.run()
