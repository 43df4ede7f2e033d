"""Sign-in in a real Chromium: internal pages unreachable before sign-in and after a wrong
password, reachable after the right one; with no users, this computer only.

Same set-up as tests/test_browser.py (Debian's /usr/bin/chromium, skipped without it).
The AppTest checks at the end need no browser.
"""

import os
import re
import socket
from pathlib import Path

import pytest

from geo.testing import CHROMIUM, CHROMIUM_ARGS, serve_app
from geo.users import User, add_user, audit_log, can

REPO = Path(__file__).parents[1]
PASSWORD = "correct horse battery"
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian chromium at /usr/bin/chromium (apt-get install chromium)",
)


def outside_address() -> str | None:
    """This machine's address on a non-loopback interface, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a route
        except OSError:
            return None
        address = s.getsockname()[0]
    return None if address.startswith("127.") else address


def app_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"GEO_PUBLIC", "GEO_PLAN_DB"}}
    env["GEO_HOME"] = str(home)
    return env


@pytest.fixture(scope="module")
def home_with_users(tmp_path_factory):
    home = tmp_path_factory.mktemp("geo_home_auth")
    add_user(home / "plans.sqlite", "J Smith", "sergeant", PASSWORD)
    add_user(home / "plans.sqlite", "PCSO Viewer", "viewer", PASSWORD)
    return home


@pytest.fixture(scope="module")
def app_with_users(home_with_users, tmp_path_factory):
    log = tmp_path_factory.mktemp("streamlit_auth") / "server.log"
    with serve_app(REPO / "app.py", env=app_env(home_with_users), log=log) as url:
        yield url


def browser_page(p):
    browser = p.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS)
    )
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    return browser, page


def internal_page_reached(page) -> bool:
    """True if any internal page's navigation or content is in the page."""
    return (
        page.get_by_role("link", name="This week").count() > 0
        or page.get_by_role("link", name="Data").count() > 0
        or page.locator(".leaflet-container").count() > 0
        or page.get_by_text("Signed in as").count() > 0
    )


def sign_in_form_only(page) -> None:
    for field in (
        page.get_by_label("Username", exact=True),
        page.get_by_label("Password", exact=True),
        page.get_by_role("button", name="Sign in"),
    ):
        field.wait_for(timeout=60_000)  # one each (wait_for fails on more than one)
    page.wait_for_timeout(1500)  # give any page that would leak time to draw
    assert not internal_page_reached(page)


def sign_in(page, name: str, password: str) -> None:
    page.get_by_label("Username", exact=True).fill(name)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


@needs_chromium
def test_internal_pages_need_a_sign_in(app_with_users, home_with_users):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser, page = browser_page(p)
        for path in ("", "/week", "/data", "/hotspots"):
            page.goto(app_with_users + path, wait_until="domcontentloaded")
            sign_in_form_only(page)

        attempts = [  # each waits for its own message, which differs from the one before
            ("J Smith", "1 of 5 tries"),
            ("J Smith", "2 of 5 tries"),
            ("Nobody", "1 of 5 tries"),
        ]
        for name, told in attempts:
            sign_in(page, name, PASSWORD + "!")
            page.get_by_text(told).wait_for(timeout=60_000)
            sign_in_form_only(page)
        sign_in(page, "J Smith", PASSWORD)
        page.get_by_text("Signed in as J Smith (sergeant)").wait_for(timeout=60_000)
        page.get_by_role("link", name="This week").wait_for(timeout=60_000)
        assert page.get_by_role("link", name="Data").count() == 1
        page.get_by_label("Password", exact=True).wait_for(state="detached", timeout=60_000)

        page.get_by_role("button", name="Sign out").click()
        sign_in_form_only(page)
        browser.close()

    log = audit_log(home_with_users / "plans.sqlite")
    assert log[["who", "action"]].values.tolist()[-5:] == [
        ["J Smith", "sign in failed"],
        ["J Smith", "sign in failed"],
        ["Nobody", "sign in failed"],
        ["J Smith", "sign in"],
        ["J Smith", "sign out"],
    ]


@needs_chromium
def test_a_sign_in_survives_reloads_and_new_tabs_and_sign_out_ends_it_everywhere(
    app_with_users, home_with_users
):
    """Issue 20's Done when: reload and a second tab stay signed in; Sign out ends both."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser, page = browser_page(p)
        page.goto(app_with_users + "/pact", wait_until="domcontentloaded")
        sign_in(page, "J Smith", PASSWORD)
        page.get_by_text("Signed in as J Smith (sergeant)").wait_for(timeout=60_000)
        cookie = session_cookie(page)
        assert cookie["httpOnly"]
        assert cookie["sameSite"] == "Strict"
        assert page.evaluate("document.cookie").find("geo_session") == -1  # no script sees it

        page.reload(wait_until="domcontentloaded")
        page.get_by_text("Signed in as J Smith (sergeant)").wait_for(timeout=60_000)
        second = page.context.new_page()  # a new tab: same browser, same cookie
        second.goto(app_with_users + "/pact", wait_until="domcontentloaded")
        second.get_by_text("Signed in as J Smith (sergeant)").wait_for(timeout=60_000)
        assert second.get_by_role("link", name="Audit").count() == 1  # the sergeant's page

        page.get_by_role("button", name="Sign out").click()
        sign_in_form_only(page)
        page.reload(wait_until="domcontentloaded")
        sign_in_form_only(page)
        second.reload(wait_until="domcontentloaded")  # signed out there too
        sign_in_form_only(second)
        browser.close()
    actions = audit_log(home_with_users / "plans.sqlite")["action"].tolist()
    assert actions[-2:] == ["sign in", "sign out"]


def session_cookie(page) -> dict:
    """Wait until the page has swapped its one-time code for the sign-in cookie; return it."""
    for _ in range(120):
        found = [c for c in page.context.cookies() if c["name"] == "geo_session"]
        if found:
            return found[0]
        page.wait_for_timeout(500)  # the page posts its one-time code to the server
    msg = "no sign-in cookie after 60 s"
    raise AssertionError(msg)


@needs_chromium
def test_a_viewers_pages_carry_no_download_and_no_media_url(app_with_users):
    """Issue 18 item 4: no button that carries a file, so no /media/ address to fetch."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser, page = browser_page(p)
        page.goto(app_with_users + "/hotspots", wait_until="domcontentloaded")
        sign_in(page, "PCSO Viewer", PASSWORD)
        page.get_by_text("Signed in as PCSO Viewer (viewer)").wait_for(timeout=60_000)
        session_cookie(page)  # each page below is a new load: it signs in by the cookie
        for path, shown in (
            ("/hotspots", "Your role may view hotspots but not export them."),
            ("/results", "Only a sergeant or an analyst may download the report."),
            ("/week", "Signed in as PCSO Viewer (viewer)"),
            ("/data", "Signed in as PCSO Viewer (viewer)"),
        ):
            page.goto(app_with_users + path, wait_until="domcontentloaded")
            page.get_by_text(shown).first.wait_for(timeout=120_000)
            page.wait_for_timeout(3000)  # let the rest of the page draw
            assert page.locator("[data-testid=stDownloadButton]").count() == 0, path
            media = re.findall(r"(?<!/static)/media/[^\"' ]*", page.content())
            assert media == [], path  # Streamlit's own fonts are under /static/media/
        assert page.get_by_role("link", name="Audit").count() == 0
        browser.close()


@needs_chromium
def test_without_users_a_server_bound_beyond_loopback_refuses_even_this_computer(tmp_path):
    """A TCP relay on the server would make every client 127.0.0.1: the bind address decides."""
    from playwright.sync_api import sync_playwright

    home = tmp_path / "home"
    home.mkdir()
    with (
        serve_app(
            REPO / "app.py", env=app_env(home), log=tmp_path / "server.log", address="0.0.0.0"
        ) as url,
        sync_playwright() as p,
    ):
        browser, page = browser_page(p)
        for path in ("", "/week", "/data"):
            page.goto(url + path, wait_until="domcontentloaded")  # from 127.0.0.1
            page.get_by_text("This app has no users set up and listens beyond").wait_for(
                timeout=60_000
            )
            assert page.get_by_text("geo users add NAME --role sergeant").count() == 1
            page.wait_for_timeout(1500)
            assert not internal_page_reached(page)
        browser.close()


@needs_chromium
def test_without_users_the_shipped_config_serves_this_computer(tmp_path):
    """The README's plain `streamlit run app.py`: .streamlit/config.toml binds 127.0.0.1."""
    from playwright.sync_api import sync_playwright

    home = tmp_path / "home"
    home.mkdir()
    with (
        serve_app(
            REPO / "app.py", env=app_env(home), log=tmp_path / "server.log", address=None
        ) as url,
        sync_playwright() as p,
    ):
        browser, page = browser_page(p)
        page.goto(url, wait_until="domcontentloaded")
        page.get_by_text("No users set up: open to this computer only.").wait_for(timeout=60_000)
        page.get_by_role("link", name="This week").wait_for(timeout=60_000)
        browser.close()
        outside = outside_address()
        if outside is not None:  # the server is up, yet nothing listens on the outside address
            with socket.socket() as s:
                s.settimeout(2)
                assert s.connect_ex((outside, int(url.rsplit(":", 1)[1]))) != 0


# --- roles in the app (AppTest, no browser) ----------------------------------------------------


def test_a_viewer_may_not_approve_upload_or_export():
    viewer = User("PCSO Viewer", "viewer", "")
    assert can(viewer, "view")
    assert not any(can(viewer, a) for a in ("approve", "upload", "export"))
    assert can(User("J Smith", "sergeant", ""), "approve")


def test_the_frame_shows_the_form_then_the_signed_in_user(home_with_users, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("GEO_HOME", str(home_with_users))
    monkeypatch.delenv("GEO_PLAN_DB", raising=False)
    monkeypatch.delenv("GEO_PUBLIC", raising=False)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.switch_page("app_pages/pact.py")  # the lightest internal page
    at.run()
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert not at.exception

    at.text_input(key="sign-in-name").input("PCSO Viewer")
    at.text_input(key="sign-in-password").input(PASSWORD)
    at.button(key="sign-in-submit").click()
    at.run()
    assert not at.exception
    assert "Signed in as PCSO Viewer (viewer)" in [t.value for t in at.sidebar.text]


def _gate_script():
    import streamlit as st

    from app_pages._auth import current_user, may, require_sign_in

    require_sign_in()
    user = current_user()
    st.write(f"user={user.name if user else None}")
    st.write(f"approve={may('approve')} export={may('export')} view={may('view')}")


def signed_in_as(name: str | None) -> list[str]:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_gate_script, default_timeout=60)
    at.run()
    if name is not None:
        at.text_input(key="sign-in-name").input(name)
        at.text_input(key="sign-in-password").input(PASSWORD)
        at.button(key="sign-in-submit").click()
        at.run()
    assert not at.exception
    return [m.value for m in at.markdown]


def test_pages_ask_may_what_the_signed_in_role_allows(home_with_users, monkeypatch):
    monkeypatch.setenv("GEO_HOME", str(home_with_users))
    monkeypatch.delenv("GEO_PLAN_DB", raising=False)
    assert signed_in_as("PCSO Viewer") == [
        "user=PCSO Viewer",
        "approve=False export=False view=True",
    ]
    assert signed_in_as("J Smith") == ["user=J Smith", "approve=True export=True view=True"]
    assert signed_in_as(None) == []  # the form only: the page never ran


def test_with_no_users_the_local_user_may_do_everything(tmp_path, monkeypatch):
    from app_pages import _auth

    monkeypatch.setenv("GEO_HOME", str(tmp_path))
    monkeypatch.delenv("GEO_PLAN_DB", raising=False)
    # AppTest's connection has a mock address; the real check is the Chromium test above
    monkeypatch.setattr(_auth, "_is_local", lambda: True)
    monkeypatch.setattr(_auth, "server_address", lambda: "127.0.0.1")
    assert signed_in_as(None) == ["user=None", "approve=True export=True view=True"]
