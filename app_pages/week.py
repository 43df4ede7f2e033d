"""Week page: the approved plan if there is one, else the suggestion to adjust and approve."""

import streamlit as st

from app_pages import _auth, _cache
from app_pages._ui import show_map
from geo.resources import BOUNDS

loaded = _cache.load(_cache.running_on())
if loaded.accepted.empty:
    st.warning("No incidents loaded: add police.uk files or CSU logs on the Data page.")
    st.stop()
resources = _cache.resources()

with st.sidebar:
    st.header("The week")
    week = _cache.monday_of(
        st.date_input("Week starting", value=_cache.next_week(loaded.accepted), format="DD/MM/YYYY")
    )
    demo_speed = st.toggle("Include the SYNTHETIC speed sample (demo only)", value=False)
paths = _cache.running_on() + (_cache.synthetic_files() if demo_speed else [])
try:  # a damaged or foreign store, or no data before the week: one line, never a traceback
    stored = _cache.week_state(week)
    base = _cache.week_run(paths, week, _cache.WeekOverrides())
except _cache.GeoInputError as err:
    st.error(_cache.markdown_text(err))
    st.stop()
replan_key = f"replan-{week}"
message_key = f"message-{week}"


def _export_buttons(plan_sheet: _cache.PlanSheet) -> None:
    """Offer downloads of the plan as shown, each recorded in the audit table."""
    if not _auth.may("export"):
        st.caption("Your role may view plans but not export them.")
        return
    left, right = st.columns(2)
    name = f"plan-{plan_sheet.week}"
    left.download_button(
        "Plan (XLSX)",
        _auth.export_data(f"{name}.xlsx", lambda: _cache.plan_export(plan_sheet, suffix=".xlsx")),
        file_name=f"{name}.xlsx",
        on_click="ignore",
    )
    right.download_button(
        "Printable page (HTML)",
        _auth.export_data(f"{name}.html", lambda: _cache.plan_page(plan_sheet).encode("utf-8")),
        file_name=f"{name}.html",
        mime="text/html",
        on_click="ignore",
    )


def _summary(plan_sheet: _cache.PlanSheet) -> None:
    """Show the week's kit in use, one metric per resource kind."""
    words = _cache.kind_words()
    cols = st.columns(len(words))
    for col, (key, name) in zip(cols, words.items(), strict=True):
        used, available = plan_sheet.used.get(key, 0), plan_sheet.available.get(key, 0)
        col.metric(name, f"{float(used):g} of {float(available):g}")


def _show_message() -> None:
    kind, text = st.session_state.pop(message_key, (None, None))
    text = _cache.markdown_text(text)  # carries approver, unit and site names
    if kind == "success":
        st.success(text)
    elif kind == "conflict":
        st.error(text)
        if st.button("Reload the saved plan", key="reload"):
            st.session_state.pop(replan_key, None)
            st.rerun()
    elif kind == "error":
        st.error(text)


# --- an approved week: show the decision -----------------------------------------------------
_show_message()
if stored is not None and stored.status == "approved" and replan_key not in st.session_state:
    plan_sheet = _cache.sheet(None, stored)
    st.success(_cache.markdown_text(plan_sheet.headline()))
    st.caption(
        _cache.markdown_text(
            f"Week of {week:%d %B %Y}; evidence {plan_sheet.evidence} "
            f"(data to {plan_sheet.data_until})."
        )
    )
    _summary(plan_sheet)
    show_map(
        _cache.internal_map(
            _cache.wards(),
            loaded.accepted.iloc[:0],
            heat=False,
            points=False,
            deployments=plan_sheet.deployments,
            fit_to_sites=True,
        ),
        key="week-map",
    )
    st.dataframe(_cache.plan_rows(plan_sheet), hide_index=True, width="stretch")
    for note in plan_sheet.notes:
        st.info(_cache.markdown_text(note))
    _export_buttons(plan_sheet)
    if _auth.may("approve") and st.button("Re-plan this week", key="replan"):
        st.session_state[replan_key] = stored.version
        st.rerun()
    st.stop()

# --- a suggestion: adjust, then approve ------------------------------------------------------
with st.sidebar:
    st.subheader("This week's changes")
    out = st.multiselect(
        "Units out of service",
        _cache.unit_names("cctv") + _cache.unit_names("speed_board"),
        help="A camera in repair, a board lent out: named, so the others keep their sites.",
    )
    bound = BOUNDS["patrols"]["hours_per_week"]  # the same range as resources.toml
    hours = st.number_input(
        "PCSO patrol hours",
        float(bound.low),
        float(bound.high),
        float(resources.patrols.hours_per_week),
        help=f"Hours this week: {bound.words()}.",
    )
    excluded = st.multiselect(
        "Sites off limits",
        _cache.candidate_names(base),
        help="No unit goes there this week; for cameras, nor within a camera's view of it.",
    )
    pinned = st.multiselect("Camera sites that must be used", _cache.candidate_names(base, "cctv"))

usual = float(hours) == float(resources.patrols.hours_per_week)
overrides = _cache.WeekOverrides(  # the week as usual is the base run, planned once
    patrol_hours=None if usual else float(hours),
    out_of_service=frozenset(out),
    excluded_sites=frozenset(_cache.site_ids(base, excluded)),
    pinned_sites=_cache.site_ids(base, pinned, "cctv"),
)
replanning = st.session_state.get(replan_key)
run = _cache.week_run(paths, week, overrides, replan=replanning)
plan = run.plan
plan_sheet = _cache.sheet(run)

if run.synthetic_sources:
    st.error(
        "Speed boards are planned from SYNTHETIC sample data: a demonstration, not real evidence."
    )
st.warning(
    _cache.markdown_text(
        plan_sheet.headline() + (f" (re-planning from version {replanning})" if replanning else "")
    )
)
st.caption(
    _cache.markdown_text(
        f"Week of {plan.week:%d %B %Y}; evidence {run.window.words()} (data to {run.as_of})."
    )
)
_summary(plan_sheet)
show_map(
    _cache.internal_map(
        _cache.wards(),
        run.incidents.iloc[:0],
        heat=False,
        points=False,
        hotspots=run.hotspots,
        deployments=plan.deployments,
        fit_to_sites=True,
    ),
    key="week-map",
)

st.subheader("Suggested deployments")
table = _cache.plan_rows(plan_sheet)
editor_key = f"plan-{plan.week}-{replanning}"
st.data_editor(
    table,
    hide_index=True,
    width="stretch",
    key=editor_key,
    disabled=[c for c in table.columns if c != "Site"],
    column_config={
        "Site": st.column_config.SelectboxColumn(
            "Site",
            options=_cache.candidate_names(run),
            required=True,
            help="Change a unit's site: choose another candidate site of the same kind.",
        )
    },
)
for note in plan.notes:
    st.info(_cache.markdown_text(note))


def _approve(shown_version: int | None, approver: str) -> None:
    """Approve what was shown: edits from the table, over the version shown (never re-read)."""
    edited = st.session_state.get(editor_key, {}).get("edited_rows", {})
    edits = {int(pos): {"site_name": row["Site"]} for pos, row in edited.items() if "Site" in row}
    try:
        saved = _cache.approve(run, edits, shown_version, approver)
    except _cache.PlanConflict as err:
        st.session_state[message_key] = ("conflict", f"Not saved: {err}")
        return
    except _cache.GeoInputError as err:
        st.session_state[message_key] = ("error", f"Not saved: {err}")
        return
    _auth.audit("approve", f"week {saved.week} version {saved.version}")
    st.session_state.pop(replan_key, None)
    done = f"Approved and saved as version {saved.version} by {saved.saved_by}."
    st.session_state[message_key] = ("success", done)


if _auth.may("approve"):
    user = _auth.current_user()
    approver = (
        user.name if user else st.text_input("Your name or collar number", "", key="saved-by")
    )
    st.button(
        "Approve and save",
        type="primary",
        disabled=not approver.strip(),
        key="approve",
        on_click=_approve,
        args=(stored.version if stored else None, approver.strip()),
    )
else:
    st.caption("Only a sergeant may approve the week's plan.")
_export_buttons(plan_sheet)

st.subheader("Last approved plan")
before = _cache.last_week(run)
if before is None:
    st.caption("No approved plan before this week: this plan starts fresh.")
else:
    st.caption(
        _cache.markdown_text(
            f"Week of {before.week}, version {before.version}, approved by {before.saved_by}."
        )
    )
    st.dataframe(_cache.plan_rows(_cache.sheet(None, before)), hide_index=True)
