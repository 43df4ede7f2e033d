"""The week's plan: suggestions, the sergeant's changes, approval, last week, downloads."""

import datetime as dt

import streamlit as st

from app_pages import _cache
from app_pages._ui import show_map

loaded = _cache.load(_cache.running_on())
if loaded.accepted.empty:
    st.warning("No incidents loaded: add police.uk files or CSU logs on the Data page.")
    st.stop()
resources = _cache.resources()

with st.sidebar:
    st.header("The week")
    week = st.date_input("Week starting", value=_cache.next_week(loaded.accepted))
    cameras = st.number_input("Cameras usable (one in repair?)", 0, resources.cctv.cameras,
                              resources.cctv.cameras)  # fmt: skip
    boards = st.number_input("Speed boards usable", 0, resources.speed_boards.boards,
                             resources.speed_boards.boards)  # fmt: skip
    hours = st.number_input(
        "PCSO patrol hours", 0.0, 200.0, float(resources.patrols.hours_per_week)
    )
    excluded = st.text_input("Sites off limits (ids, comma-separated)", "")
    pinned = st.text_input("Camera sites pinned (ids, comma-separated)", "")
    demo_speed = st.toggle("Include the SYNTHETIC speed sample (demo only)", value=False)

overrides = _cache.WeekOverrides(
    cameras=int(cameras), boards=int(boards), patrol_hours=float(hours),
    excluded_sites=frozenset(s.strip() for s in excluded.split(",") if s.strip()),
    pinned_sites=tuple(s.strip() for s in pinned.split(",") if s.strip()),
)  # fmt: skip
paths = _cache.running_on() + (_cache.synthetic_files() if demo_speed else [])
run = _cache.week_run(paths, _cache.monday_of(week), overrides)
plan = run.plan

if run.synthetic_sources:
    st.error(
        "Speed boards are planned from SYNTHETIC sample data: a demonstration, not real evidence."
    )
st.caption(f"Week of {plan.week:%d %B %Y}; evidence {run.window.label} (data to {run.as_of}).")
cols = st.columns(4)
labels = {
    "cctv": "Cameras",
    "speed_board": "Speed boards",
    "eva": "EVAs",
    "patrol_hours": "Patrol hours",
}
for col, (key, name) in zip(cols, labels.items(), strict=True):
    col.metric(name, f"{plan.used[key]:g} of {plan.available[key]:g}")

week_map = _cache.internal_map(
    _cache.wards(), run.incidents.iloc[:0], heat=False, points=False,
    hotspots=run.hotspots, deployments=plan.deployments,
)  # fmt: skip
show_map(week_map, key="week-map")

st.subheader("Suggested deployments")
table = plan.deployments.drop(columns=["geometry", "numbers", "x", "y", "changed_by", "changed_at"])
edited = st.data_editor(
    table, hide_index=True, width="stretch", disabled=[c for c in table.columns if c != "status"],
    column_config={"status": _cache.status_column()}, key=f"plan-{plan.week}",
)  # fmt: skip
for note in plan.notes:
    st.info(note)

by = st.text_input("Your name or collar number", "", key="saved-by")
left, middle, right = st.columns(3)
if left.button("Approve and save", type="primary", disabled=not by.strip(), key="approve"):
    rows = plan.deployments.drop(columns="geometry").assign(status=edited["status"].to_numpy())
    changed = rows["status"] != "suggested"
    rows.loc[changed, "changed_by"] = by.strip()
    rows.loc[changed, "changed_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    rows = rows.assign(status=rows["status"].replace("suggested", "approved"))
    saved = _cache.save_week(run, rows, status="approved", by=by.strip())
    st.success(f"Saved as version {saved.version} of the week of {saved.week}.")
middle.download_button("Plan (XLSX)", _cache.plan_export(run, suffix=".xlsx"),
                       file_name=f"plan-{plan.week}.xlsx")  # fmt: skip
right.download_button("Printable page (HTML)", _cache.plan_page(run).encode("utf-8"),
                      file_name=f"plan-{plan.week}.html", mime="text/html")  # fmt: skip

st.subheader("Last approved plan")
before = _cache.last_week(run)
if before is None:
    st.caption("No approved plan before this week: this plan starts fresh.")
else:
    st.caption(f"Week of {before.week}, version {before.version}, saved by {before.saved_by}.")
    st.dataframe(before.deployments[["resource", "unit", "site_name", "weeks_on_site", "status"]],
                 hide_index=True)  # fmt: skip
