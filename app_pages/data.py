"""Data page: add files, see what was accepted and rejected and why."""

import pandas as pd
import streamlit as st

from app_pages import _cache

st.write(
    "Upload police.uk street-level CSVs or CSU incident logs (CSV or XLSX). Every row is "
    "either accepted or rejected with a reason; nothing is dropped silently."
)
uploads = st.file_uploader("Add files", type=["csv", "xlsx"], accept_multiple_files=True)
for upload in uploads or []:
    _cache.save_upload(upload.name, upload.getvalue())

files = _cache.running_on()
result = _cache.load(files)

rows_in, accepted, rejected = st.columns(3)
rows_in.metric("Rows in", f"{result.rows_in:,}")
accepted.metric("Accepted", f"{len(result.accepted):,}")
rejected.metric("Rejected", f"{len(result.rejected):,}")

for error in result.errors:
    st.error(error)

st.subheader("Files the app is running on")
report = pd.DataFrame(
    [
        {
            "file": f.source_file,
            "kind": f.kind or "unreadable",
            "rows in": f.rows_in,
            "accepted": f.accepted,
            "rejected": f.rejected,
            "reasons": "; ".join(f"{k}: {v}" for k, v in f.reasons.items()),
        }
        for f in result.files
    ]
)
st.dataframe(report, hide_index=True, width="stretch")
if _cache.uploaded_files() and st.button("Stop using the uploaded files"):
    _cache.forget_uploads()
    st.rerun()

st.subheader("Rejected rows")
if result.rejected.empty:
    st.write("None.")
else:
    st.dataframe(
        pd.DataFrame({"reason": list(result.reasons), "rows": list(result.reasons.values())}),
        hide_index=True,
    )
    st.dataframe(result.rejected, hide_index=True, width="stretch")
    st.download_button(
        "Download the rejected rows (CSV)",
        _cache.safe_csv(result.rejected),
        file_name="rejected_rows.csv",
        mime="text/csv",
    )
