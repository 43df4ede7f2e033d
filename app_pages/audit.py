"""Audit: who did what and when (sign-ins, sign-outs, approvals, exports, user changes).

The sergeant's page (``app.py`` registers it for that role only, and it checks again).
Times are Europe/London; every cell is formula-guarded (`geo.safe_text.csv_cell`),
and any text from the trail shown outside the table is Markdown-escaped.
"""

import streamlit as st

from app_pages import _auth, _cache
from app_pages._audit_view import audit_view, filter_audit

if not _auth.may("audit"):
    st.error("Only a sergeant may read the audit trail.")
    st.stop()

trail = audit_view(_cache.plan_db())
if trail.empty:
    st.info("Nothing has been recorded yet.")
    st.stop()

with st.sidebar:
    st.header("Audit")
    people = st.multiselect("Person", sorted(set(trail["who"])), placeholder="Everyone")
    actions = st.multiselect("Action", sorted(set(trail["action"])), placeholder="Every action")

shown = filter_audit(trail, people, actions)
st.caption(
    f"{len(shown)} of {len(trail)} entries, newest first; times in Europe/London. "
    "`geo audit` prints the whole trail."
)
st.dataframe(shown, hide_index=True, width="stretch")
name = "audit.csv"
data = _auth.export_data(name, lambda: _cache.safe_csv(shown))
if data is not None:
    st.download_button("Download CSV", data, file_name=name, on_click="ignore")
