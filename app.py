"""Streamlit entry point: page frame and navigation only.

``GEO_PUBLIC=1 streamlit run app.py`` serves the public PACT page alone: the
internal pages (incident points, CSU logs, uploads) are not in the navigation and
cannot be reached. Otherwise every internal page needs a signed-in user once
``geo users add`` has set one up (`app_pages._auth`); with no users, the app serves
this computer only.

A settings file or plan store that cannot be used stops a page with one line; any
other error shows Streamlit's generic message (``client.showErrorDetails = "none"``
in ``.streamlit/config.toml``) while the server log keeps the traceback.

This file is both the script Streamlit runs on every interaction (as ``__main__``)
and, imported as the module ``app``, the server: ``streamlit run app.py`` finds
``app = st.App(...)`` below and serves the script with the two routes that set and
clear the sign-in cookie (`app_pages._session_routes`; none in public mode).
"""

import contextlib
import sys
import threading
from collections.abc import AsyncIterator

import streamlit as st

from app_pages._auth import may, require_sign_in
from app_pages._cache import (
    GeoInputError,
    home_problem,
    markdown_text,
    prewarm,
    public_mode,
    set_lock_timeout,
    switches,
)


def main() -> None:
    """Draw the page frame, sign in, and run the page chosen."""
    st.set_page_config(
        page_title="Sevenoaks CSU planner",
        # an emoji becomes an inline SVG: a file icon would be served from /media/, and a
        # material icon (or none: the page's own) is fetched from fonts.gstatic.com
        page_icon="🛡️",
        layout="wide",
    )
    set_lock_timeout(switches().lock_timeout)  # GEO_LOCK_TIMEOUT, for every store call below
    stop, home_note = home_problem()  # GEO_HOME a file or unmakeable: one line, not a trace
    if stop:
        st.error(stop)
        st.stop()

    pact = st.Page("app_pages/pact.py", title="PACT map", icon=":material/groups:", url_path="pact")
    if public_mode():  # the PACT page alone, at / and at /pact (its address in the internal app)
        home = "app_pages/pact.py"
        pages = [
            st.Page(
                home, title="PACT map", icon=":material/groups:", url_path="home", default=True
            ),
            st.Page(home, title="PACT map", url_path="pact", visibility="hidden"),
        ]
    else:
        pages = [
            st.Page("app_pages/map.py", title="Map", icon=":material/map:", default=True),
            st.Page("app_pages/week.py", title="This week", icon=":material/event:"),
            st.Page("app_pages/timeline.py", title="Weeks ahead", icon=":material/date_range:"),
            st.Page(
                "app_pages/hotspots.py", title="Hotspots", icon=":material/local_fire_department:"
            ),
            st.Page("app_pages/results.py", title="Results", icon=":material/fact_check:"),
            pact,
            st.Page("app_pages/data.py", title="Data", icon=":material/upload_file:"),
        ]
        require_sign_in(pages)  # stops here with the sign-in form until someone signs in
        if may("audit"):  # the sergeant's (or this computer's, with no users) only
            pages.append(st.Page("app_pages/audit.py", title="Audit", icon=":material/history:"))

    page = st.navigation(pages)
    st.title(page.title)
    if home_note and not public_mode():
        st.warning(home_note)
    try:
        page.run()
    except GeoInputError as err:  # a bad settings file or store: one line here, details in the log
        print(f"{page.title}: {err}", file=sys.stderr)
        st.error(markdown_text(f"This page cannot be shown: {err}"))


if __name__ == "__main__":  # each run of the script
    main()
else:  # imported by `streamlit run app.py` as the server
    from app_pages._session_routes import session_routes

    @contextlib.asynccontextmanager
    async def warm_up(_app: st.App) -> AsyncIterator[None]:
        """At server start, plan the default week in the background (`_cache.prewarm`)."""
        if not public_mode():
            threading.Thread(target=prewarm, name="geo-prewarm", daemon=True).start()
        yield None

    set_lock_timeout(switches().lock_timeout)  # the sign-in routes' store writes

    app = st.App(__file__, routes=[] if public_mode() else session_routes(), lifespan=warm_up)
