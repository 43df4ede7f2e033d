"""Data page: add files, see what was accepted and rejected and why."""

from pathlib import Path

import pandas as pd
import streamlit as st

from app_pages import _auth, _cache

st.write(
    "Upload police.uk street-level CSVs or CSU incident logs (CSV or XLSX). Every row is "
    "either accepted or rejected with a reason; nothing is dropped silently."
)


def _kept_uploads(owner: str) -> None:
    """List the files this person uploaded before (kept in GEO_HOME): use one again, or remove."""
    files = _cache.kept_uploads(owner)
    if not files:
        return
    reused = st.session_state.setdefault("reused", [])
    in_use = set(_cache.uploaded_files())
    with st.expander(f"Your kept uploads ({len(files)})"):
        for path in files:
            key = path.parent.name
            name, use, remove = st.columns([5, 1, 1], vertical_alignment="center")
            name.text(f"{path.name} (uploaded {_cache.when(path)})")
            if str(path) not in in_use and use.button("Use", key=f"use-{key}"):
                reused.append(str(path))
                st.rerun()
            if remove.button("Remove", key=f"remove-{key}"):
                _cache.remove_upload(owner, path)
                _auth.audit("remove upload", path.name)
                st.rerun()


owner = _auth.owner()
if _auth.may("upload"):
    uploads = st.file_uploader(
        "Add files", type=["csv", "xlsx"], accept_multiple_files=True, key=f"uploader-{owner}"
    )
    kept = []
    mapped = st.session_state.setdefault("mapped", {})  # upload -> its column-mapped copy
    for upload in uploads or []:  # the files in the box are the files in use: x removes one
        try:
            path = _cache.save_upload(upload.name, upload.getvalue(), owner)
        except ValueError as err:
            st.error(_cache.markdown_text(err))
            continue
        kept.append(mapped.get(path, path))
    for path in kept:
        if path not in st.session_state.get("uploads", []):
            _auth.audit("upload", Path(path).name)
    st.session_state["uploads"] = kept
    _kept_uploads(owner)
else:
    st.caption("Your role may view the data but not upload files.")


def _report(files: list) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "File": f.source_file,
                "Kind": f.kind or "unreadable",
                "Rows in": f.rows_in,
                "Accepted": f.accepted,
                "Rejected": f.rejected,
                "Reasons": "; ".join(f"{k}: {v}" for k, v in f.reasons.items()) or f.error or "",
            }
            for f in files
        ]
    )


files = _cache.running_on()
try:
    result = _cache.load(files)
except _cache.GeoInputError as err:  # one line, never a traceback or a server path
    st.error(f"The files could not be read: {_cache.markdown_text(err)}")
    st.stop()

mine = {Path(p).name: p for p in _cache.uploaded_files()}
if mine:
    st.subheader("Your uploads")
    ours = [f for f in result.files if f.source_file in mine]
    st.dataframe(_report(ours), hide_index=True, width="stretch")
    for f in ours:
        if not f.error:
            continue
        st.error(_cache.markdown_text(f"{f.source_file}: {f.error}"))
        header = _cache.upload_header(mine[f.source_file])
        if not header or not _auth.may("upload"):
            continue
        name = _cache.markdown_text(f.source_file)
        with st.expander(f"Map the columns of {name}", expanded=True):
            st.caption(
                "Say which column holds each field: a date, a category and a place "
                "(longitude and latitude, easting and northing, or a postcode) at least."
            )
            choice = {
                field: st.selectbox(
                    field.replace("_", " ").capitalize(),
                    ["", *header],
                    key=f"map-{f.source_file}-{field}",
                )
                for field in _cache.CSU_FIELDS
            }
            if st.button("Use these columns", key=f"map-{f.source_file}"):
                try:
                    copy = _cache.map_upload(mine[f.source_file], choice)
                except ValueError as err:
                    st.error(_cache.markdown_text(err))
                else:
                    st.session_state["mapped"][mine[f.source_file]] = copy
                    st.rerun()

rows_in, accepted, rejected = st.columns(3)
rows_in.metric("Rows in", f"{result.rows_in:,}")
accepted.metric("Accepted", f"{len(result.accepted):,}")
rejected.metric("Rejected", f"{len(result.rejected):,}")

st.subheader("Every file the app is running on")
st.dataframe(_report(result.files), hide_index=True, width="stretch")
for f in result.files:  # nearly every row outside: which swap or CRS would fit (issue 22)
    if f.note:
        st.warning(_cache.markdown_text(f"{f.source_file}: {f.note}"))
if _cache.uploaded_files() and st.button("Stop using the uploaded files"):
    _cache.forget_uploads()
    st.rerun()

st.subheader("Rejected rows")
if result.rejected.empty:
    st.write("None.")
else:
    st.dataframe(
        pd.DataFrame({"Reason": list(result.reasons), "Rows": list(result.reasons.values())}),
        hide_index=True,
    )
    st.dataframe(result.rejected, hide_index=True, width="stretch")
    if _auth.may("export"):
        st.download_button(
            "Download the rejected rows (CSV)",
            _auth.export_data("rejected_rows.csv", lambda: _cache.safe_csv(result.rejected)),
            file_name="rejected_rows.csv",
            mime="text/csv",
            on_click="ignore",
        )
