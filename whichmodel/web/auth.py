"""Who may talk to the server.

With no token the app answers only requests addressed to a loopback host name (a web
page cannot reach it through DNS rebinding). With a token (``WHICHMODEL_API_TOKEN``)
every request must carry ``Authorization: Bearer <token>``, or the cookie set by opening
any page once as ``/?token=<token>`` (the token is then removed from the address).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from whichmodel.errors import ConfigError

TOKEN_ENV = "WHICHMODEL_API_TOKEN"
COOKIE = "whichmodel_session"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def check_bind(host: str, token: str | None) -> None:
    """Serving beyond loopback needs a token."""
    if host.strip("[]") not in LOOPBACK_HOSTS and not token:
        raise ConfigError(
            f"Serving on {host} (beyond this machine) needs a token: set {TOKEN_ENV} to a "
            "long random value (e.g. `openssl rand -hex 32`), or use --host 127.0.0.1."
        )


def _session_value(token: str) -> str:
    # the cookie holds a digest of the token, not the token itself
    return hmac.new(token.encode(), b"whichmodel-session", hashlib.sha256).hexdigest()


def _same(given: str, expected: str) -> bool:
    return secrets.compare_digest(given.encode(), expected.encode())


def _hostname(host_header: str) -> str:
    if host_header.startswith("["):
        return host_header[1 : host_header.find("]")]
    return host_header.rsplit(":", 1)[0]


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"error": message, "detail": None}, status_code=status, headers=headers)


class TokenAuth:
    """ASGI middleware: the token check (or the loopback host check) for every request."""

    def __init__(self, app: ASGIApp, token: str | None = None):
        self.app = app
        self.token = token or None
        self.session = _session_value(token) if token else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        response = self.check(Request(scope))
        if response is None:
            await self.app(scope, receive, send)
        else:
            await response(scope, receive, send)

    def check(self, request: Request) -> Response | None:
        """None when the request may go on, else the response that refuses it."""
        if self.token is None or self.session is None:
            hostname = _hostname(request.headers.get("host", ""))
            if hostname in LOOPBACK_HOSTS or hostname.startswith("127."):
                return None
            return _error(
                400,
                f"Host {hostname!r} is not a loopback name: this server has no token, so it "
                f"answers only 127.0.0.1, localhost or [::1] (set {TOKEN_ENV} to serve more).",
            )
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and _same(given.strip(), self.token):
            return None
        if _same(request.cookies.get(COOKIE, ""), self.session):
            return None
        query = request.query_params.get("token")
        if query is not None and request.method == "GET" and _same(query, self.token):
            # once: remember it in a cookie and drop it from the address bar and history
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            target = request.url.path + (f"?{urlencode(rest)}" if rest else "")
            redirect = RedirectResponse(target, status_code=303)
            redirect.set_cookie(
                COOKIE, self.session, httponly=True, samesite="strict", path="/", max_age=86400
            )
            return redirect
        return _error(
            401,
            "Missing or wrong token: send the header `Authorization: Bearer <token>` "
            f"(the value of {TOKEN_ENV}), or open a page once as /?token=<token>.",
            {"WWW-Authenticate": "Bearer"},
        )
