"""Two sessions mapping the columns of one upload differently each keep their own copy
(issue 22 item 9): neither overwrites the other, and each session uses its own."""

from pathlib import Path

LOG = (
    "When,What,Where,Place\n"
    "2025-09-01,Fly-tipping,TN13 1AA,Station Road\n"
    "2025-09-02,Graffiti,TN14 5AB,High Street\n"
)


def _map_in_a_session(source: str, place_column: str) -> None:
    import streamlit as st

    from app_pages import _cache

    path = _cache.save_upload("log.csv", source.encode("utf-8"), "J Smith")
    mapping = {"date": "When", "category": "What", "postcode": "Where", "location": place_column}
    st.session_state["copy"] = _cache.map_upload(path, mapping)
    st.session_state["source"] = path


def test_two_sessions_mapping_one_upload_differently_keep_their_own_copies():
    from streamlit.testing.v1 import AppTest

    sessions = []
    for place in ("Place", "Where"):  # the second maps the postcode column as the place too
        at = AppTest.from_function(_map_in_a_session, args=(LOG, place), default_timeout=60)
        at.run()
        assert not at.exception
        sessions.append(at)
    first, second = (Path(at.session_state["copy"]) for at in sessions)
    assert sessions[0].session_state["source"] == sessions[1].session_state["source"]  # one upload
    assert first != second
    assert first.read_text().splitlines()[0] == "date,category,postcode,location"
    assert second.read_text().splitlines()[0] == "date,category,postcode,unused: Place"
    assert second.read_text().splitlines()[0] != first.read_text().splitlines()[0]
    for at, copy in zip(sessions, (first, second), strict=True):
        assert at.session_state["uploads"] == [str(copy)]  # each session uses its own copy
    assert Path(sessions[0].session_state["source"]).read_text() == LOG  # the upload as it came
