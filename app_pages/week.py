"""Week page: the approved plan if there is one, else the suggestion to adjust and approve."""

import streamlit as st

from app_pages import _auth, _cache
from app_pages._ui import show_map

loaded = _cache.load(_cache.running_on())
if loaded.accepted.empty:
    st.warning("No incidents loaded: add police.uk files or CSU logs on the Data page.")
    st.stop()

with st.sidebar:
    st.header("The week")
    week = _cache.monday_of(
        st.date_input("Week starting", value=_cache.next_week(loaded.accepted), format="DD/MM/YYYY")
    )
    demo_speed = st.toggle("Include the SYNTHETIC speed sample (demo only)", value=False)
paths = _cache.running_on() + (_cache.synthetic_files() if demo_speed else [])
try:  # a damaged or foreign store, or a week past 2100: one line, never a traceback
    stored = _cache.week_state(week)
except _cache.GeoInputError as err:
    st.error(_cache.markdown_text(err))
    st.stop()
replan_key = f"replan-{week}"
message_key = f"message-{week}"


def _export_buttons(plan_sheet: _cache.PlanSheet) -> None:
    """Offer downloads of the plan as shown, each made when pressed and recorded in the audit."""
    if not _auth.may("export"):
        st.caption("Your role may view plans but not export them.")
        return
    cols = st.columns(4)
    name = f"plan-{plan_sheet.week}"
    cols[0].download_button(
        "Plan (XLSX)",
        _auth.export_data(f"{name}.xlsx", lambda: _cache.plan_export(plan_sheet, suffix=".xlsx")),
        file_name=f"{name}.xlsx",
        on_click="ignore",
        key="download-xlsx",
    )
    cols[1].download_button(
        "Printable page (HTML)",
        _auth.export_data(f"{name}.html", lambda: _cache.plan_page(plan_sheet).encode("utf-8")),
        file_name=f"{name}.html",
        mime="text/html",
        on_click="ignore",
        key="download-html",
    )
    cols[2].download_button(
        "Calendar (.ics)",
        _auth.export_data(f"{name}.ics", lambda: _cache.calendar_bytes(plan_sheet)),
        file_name=f"{name}.ics",
        mime="text/calendar",
        on_click="ignore",
        key="download-ics",
    )
    if _cache.has_visits(plan_sheet):
        cols[3].download_button(
            "Officers' task sheets (zip)",
            _auth.export_data(
                f"task-sheets-{plan_sheet.week}.zip", lambda: _cache.task_sheets_zip(plan_sheet)
            ),
            file_name=f"task-sheets-{plan_sheet.week}.zip",
            mime="application/zip",
            on_click="ignore",
            key="download-task-sheets",
        )
    else:
        cols[3].caption("No task sheets: list officers and shifts in resources.toml.")


def _summary(plan_sheet: _cache.PlanSheet) -> None:
    """Show the week's kit in use, one metric per kind ("4 of 5 cameras", "1 out of service")."""
    words, kit = _cache.kind_words(), _cache.kit_words(plan_sheet)
    # two a row, so "20 of 20 patrol hours" fits in a metric on a 1280-pixel screen
    cols = [col for _ in range(0, len(words), 2) for col in st.columns(2)][: len(words)]
    for col, (key, name) in zip(cols, words.items(), strict=True):
        value, _, rest = kit.get(key, "").partition(", ")
        col.metric(
            name,
            value,  # counts and the kind's own name: no data from a file
            delta=rest or None,
            delta_color="off",
            delta_arrow="off",
        )


def _notes_and_marks(plan_sheet: _cache.PlanSheet) -> None:
    """Offer a note on a deployment and a done / not done / cut short mark, saved as a version."""
    if not _auth.may("mark"):
        return
    st.subheader("Notes and what was done")
    with st.form("marks", clear_on_submit=True):
        units = plan_sheet.deployments["unit"].tolist()
        unit = st.selectbox("Deployment to note", ["(no note)", *units], key="note-unit")
        note = st.text_input("Note", key="note-text", help="Why it changed, what was found.")
        target = st.selectbox(
            "Visit or stay to mark",
            ["(no mark)", *_cache.mark_targets(plan_sheet)],
            key="mark-target",
        )
        status = st.selectbox("Mark", _cache.MARK_STATUSES, key="mark-status")
        amount = st.number_input(
            "If cut short: minutes given (a visit) or days in place (a stay)",
            min_value=0.0,
            value=0.0,
            key="mark-amount",
        )
        user = _auth.current_user()
        by = user.name if user else st.text_input("Your name or collar number", key="mark-by")
        if st.form_submit_button("Save note and mark", key="save-marks"):
            notes = {unit: note} if unit != "(no note)" and note.strip() else {}
            marks = (
                [(target, status, amount if status == "cut short" else None)]
                if target != "(no mark)"
                else []
            )
            if not (notes or marks):
                st.session_state[message_key] = (
                    "error",
                    "Nothing saved: write a note or choose a mark.",
                )
            else:
                try:
                    saved = _cache.amend(week, notes, marks, by.strip())
                except (_cache.GeoInputError, _cache.PlanConflict) as err:
                    st.session_state[message_key] = ("error", f"Not saved: {err}")
                else:
                    st.session_state[message_key] = (
                        "success",
                        f"Saved as version {saved.version}: "
                        + "; ".join(
                            [f"note on {u}" for u in notes] + [f"{t} {m}" for t, m, _ in marks]
                        )
                        + f", by {by.strip()}.",
                    )
            st.rerun()


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
if _cache.decided(stored, replanning=replan_key in st.session_state) is not None:
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
    _notes_and_marks(plan_sheet)
    if _auth.may("approve") and st.button("Re-plan this week", key="replan"):
        st.session_state[replan_key] = stored.version
        st.rerun()
    st.stop()

# --- a suggestion: adjust, then approve ------------------------------------------------------
# the week as usual, planned only here: an approved week shows its decision without re-planning
# (a save changes the store, so the run shown before it would be planned again for nothing)
try:  # no data before the week: one line, never a traceback
    base = _cache.week_run(paths, week, _cache.WeekOverrides())
except _cache.GeoInputError as err:
    st.error(_cache.markdown_text(err))
    st.stop()
with st.sidebar:
    st.subheader("This week's changes")
    # every control comes from the registry of kinds (`geo.schema.ResourceKind`): a kind's
    # named units, its week amount (the same range as resources.toml) and its pins
    out = st.multiselect(
        "Units out of service",
        _cache.all_units(),
        key="out-of-service",
        help="A camera in repair, a board lent out: named, so the others keep their sites.",
    )
    amounts = {}
    for k in _cache.kinds_with("amount"):
        bound, usual = _cache.amount_range(k), _cache.usual_amount(k)
        cast = int if bound.whole else float  # st.number_input: one type for all three
        given = st.number_input(
            k.amount.label,
            cast(bound.low),
            cast(bound.high),
            usual,
            help=f"{k.amount.help.capitalize()}: {bound.words()}; usually {usual:g}.",
            key=f"amount-{k.key}",
        )
        if given != usual:  # the week as usual is the base run, planned once
            amounts[k.key] = float(given)
    excluded = st.multiselect(
        "Sites off limits",
        sorted(
            {
                n
                for k in _cache.kinds_with("excluded_sites")
                for n in _cache.candidate_names(base, k.key)
            }
        ),
        help="No unit goes there this week; for cameras, nor within a camera's view of it.",
        key="off-limits",
    )
    pinned = {
        k.key: st.multiselect(
            f"{k.title} sites that must be used",
            _cache.candidate_names(base, k.key),
            key=f"pinned-{k.key}",
        )
        for k in _cache.kinds_with("pinned_sites")
    }

overrides = _cache.WeekOverrides(
    amounts=amounts,
    out_of_service=frozenset(out),
    excluded_sites=frozenset(_cache.site_ids(base, excluded)),
    pinned_sites=tuple(
        sid for key, labels in pinned.items() for sid in _cache.site_ids(base, labels, key)
    ),
)
replanning = st.session_state.get(replan_key)
run = _cache.week_run(paths, week, overrides, replan=replanning)
# the sergeant's site changes, kept by unit for this week and these files: a sidebar change
# re-plans, and the changes are applied again to the new plan (or said why not)
changes_key = f"site-changes-{week}-{replanning}-{hash(tuple(paths))}"
changes: dict[str, str] = st.session_state.setdefault(changes_key, {})
user = _auth.current_user()
shown, edits, dropped, problems = _cache.with_changes(run, changes, user.name if user else "")
plan = shown.plan
plan_sheet = _cache.sheet(shown)

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
st.dataframe(_cache.plan_rows(plan_sheet), hide_index=True, width="stretch")
for note in plan.notes:
    st.info(_cache.markdown_text(note))

st.subheader("Change a site")
movable = _cache.movable_units(run)
left, right = st.columns([1, 3])
unit = left.selectbox("Unit", list(movable), key="move-unit")
choices = _cache.site_choices(run, movable[unit]) if unit else {}
site = right.selectbox(
    "New site (this kind's own candidates)",
    list(choices),
    key="move-site",
    help="Where names repeat, each site says where it lies from its hotspot's centre.",
)
move, undo = st.columns(2)
if move.button("Change site", key="move", disabled=not (unit and site)):
    changes[unit] = choices[site]
    st.rerun()
if changes and undo.button("Undo site changes", key="undo-moves"):
    changes.clear()
    st.rerun()
for words in dropped:
    st.warning(_cache.markdown_text(words))
for words in problems:
    st.error(_cache.markdown_text(f"Cannot approve yet: {words}."))


def _approve(shown_version: int | None, approver: str) -> None:
    """Approve what was shown: the site changes, over the version shown (never re-read)."""
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
    st.session_state.pop(changes_key, None)
    done = f"Approved and saved as version {saved.version} by {saved.saved_by}."
    st.session_state[message_key] = ("success", done)


if _auth.may("approve"):
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
