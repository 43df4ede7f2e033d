"""The server's two sign-in routes, which set and clear the HttpOnly session cookie.

A Streamlit script talks to the browser over a WebSocket and cannot set a cookie,
so ``app.py`` serves itself as ``app = st.App("app.py", routes=session_routes())``
(``streamlit run app.py`` finds that assignment and serves the app with these routes):

``POST /geo-session/start``
    Body: the one-time handover code the script made at sign-in (`geo.sessions`).
    Sets the signed ``geo_session`` cookie (HttpOnly, SameSite=Strict, Path=/,
    Max-Age until the session ends; Secure over HTTPS). 204, or 403 and no cookie.
``POST /geo-session/end``
    Clears the cookie (the script has already ended the sessions in the store). 204.

Both refuse a request whose ``Origin`` is not this server (403), so another site
cannot sign a browser in to an account of its choosing or out of its own.
"""

from __future__ import annotations

import sys
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from geo._errors import GeoInputError
from geo.sessions import COOKIE_NAME, exchange_handover, session_key

START_PATH = "geo-session/start"
"""The route that exchanges a handover code for the cookie (under ``server.baseUrlPath``)."""
END_PATH = "geo-session/end"
"""The route that clears the cookie."""
_MAX_BODY = 256


def route_path(base_url_path: str | None, path: str) -> str:
    """
    Return a route's absolute path under Streamlit's ``server.baseUrlPath``.

    Examples
    --------
    >>> route_path("", START_PATH), route_path("/csu/", END_PATH)
    ('/geo-session/start', '/csu/geo-session/end')
    """
    base = (base_url_path or "").strip("/")
    return f"/{base}/{path}" if base else f"/{path}"


def same_origin(request: Request) -> bool:
    """Tell whether the request's ``Origin`` header names the host it was sent to."""
    origin = request.headers.get("origin", "")
    host = request.headers.get("host", "")
    return bool(origin and host) and urlsplit(origin).netloc.lower() == host.lower()


def _cookie_path(request: Request) -> str:
    return request.url.path.rsplit("/geo-session/", 1)[0] or "/"


def _store():  # noqa: ANN202 - the plan store path, as the app uses it
    from app_pages._cache import plan_db

    return plan_db()


def _session_key() -> bytes:
    from app_pages._cache import switches

    return session_key(switches().home)


async def start(request: Request) -> Response:
    """Exchange the posted handover code for the session cookie."""
    if not same_origin(request):
        return Response("refused", status_code=403)
    body = (await request.body())[:_MAX_BODY].decode("ascii", "replace").strip()
    try:
        cookie = exchange_handover(_store(), body, _session_key())
    except GeoInputError as err:
        print(f"sign-in: no session cookie: {err}", file=sys.stderr)
        return Response("refused", status_code=403)
    if cookie is None:
        return Response("refused", status_code=403)
    response = Response(status_code=204)
    response.set_cookie(
        COOKIE_NAME,
        cookie.value,
        max_age=cookie.max_age,
        path=_cookie_path(request),
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


async def end(request: Request) -> Response:
    """Clear the session cookie."""
    if not same_origin(request):
        return Response("refused", status_code=403)
    response = Response(status_code=204)
    response.delete_cookie(
        COOKIE_NAME, path=_cookie_path(request), httponly=True, samesite="strict"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def session_routes(base_url_path: str | None = None) -> list[Route]:
    """
    Return the two routes, under `base_url_path` (default: ``server.baseUrlPath``).

    Returns
    -------
    list of starlette.routing.Route
        ``start`` and ``end``, POST only.
    """
    if base_url_path is None:
        from streamlit import config

        base_url_path = config.get_option("server.baseUrlPath")
    return [
        Route(route_path(base_url_path, START_PATH), start, methods=["POST"]),
        Route(route_path(base_url_path, END_PATH), end, methods=["POST"]),
    ]
