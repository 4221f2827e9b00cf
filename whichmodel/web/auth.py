"""Who may talk to the server, and how its pages may be used by a browser.

With no token the app answers only requests addressed to exactly ``127.0.0.1``,
``localhost`` or ``[::1]`` (any port): a web page on another name that resolves to this
machine (DNS rebinding) is refused. With a token (``WHICHMODEL_API_TOKEN``, at least 32
characters) every request must carry ``Authorization: Bearer <token>``, or the cookie set
by opening any page once as ``/?token=<token>`` (the token is then removed from the
address). Every response carries a content security policy (only the page's own inline
script, nothing loaded from elsewhere, no framing) and ``nosniff``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from whichmodel.config import API_TOKEN_ENV
from whichmodel.errors import ConfigError

TOKEN_ENV = API_TOKEN_ENV
COOKIE = "whichmodel_session"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
MIN_TOKEN_LENGTH = 32


def check_bind(host: str, token: str | None) -> None:
    """Serving beyond loopback needs a token, and a guessable one is no token."""
    if host.strip("[]") in LOOPBACK_HOSTS and not token:
        return
    if not token:
        raise ConfigError(
            f"Serving on {host} (beyond this machine) needs a token: set {TOKEN_ENV} to a "
            "long random value (e.g. `openssl rand -hex 32`), or use --host 127.0.0.1."
        )
    check_token(token)


def check_token(token: str) -> None:
    if len(token) < MIN_TOKEN_LENGTH:
        raise ConfigError(
            f"{TOKEN_ENV} has {len(token)} characters: use at least {MIN_TOKEN_LENGTH} random "
            "ones (e.g. `openssl rand -hex 32`)."
        )


def _session_value(token: str) -> str:
    # the cookie holds a digest of the token, not the token itself
    return hmac.new(token.encode(), b"whichmodel-session", hashlib.sha256).hexdigest()


def _same(given: str, expected: str) -> bool:
    return secrets.compare_digest(given.encode(), expected.encode())


def _hostname(host_header: str) -> str:
    """The name of a Host header without its port: ``[::1]:8080`` -> ``::1``."""
    if host_header.startswith("["):
        end = host_header.find("]")
        rest = host_header[end + 1 :]
        if end < 0 or (rest and not (rest[0] == ":" and rest[1:].isdigit())):
            return host_header  # not a bracketed address with an optional port
        return host_header[1:end]
    name, colon, port = host_header.rpartition(":")
    return name if colon and port.isdigit() else host_header


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"error": message, "detail": None}, status_code=status, headers=headers)


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def content_security_policy(script_hashes: list[str]) -> str:
    """Only the inline scripts whose sha256 is given run; styles inline; nothing loaded
    from elsewhere; no framing; forms and fetches to this server only."""
    scripts = " ".join(f"'sha256-{h}'" for h in script_hashes) or "'none'"
    return (
        f"default-src 'none'; script-src {scripts}; style-src 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    )


class TokenAuth:
    """ASGI middleware: the token check (or the loopback host check) for every request,
    and the security headers on every response."""

    def __init__(self, app: ASGIApp, token: str | None = None, csp: str | None = None):
        self.app = app
        self.token = token or None
        self.session = _session_value(token) if token else None
        self.headers = [
            (k.lower().encode(), v.encode())
            for k, v in {**SECURITY_HEADERS, "Content-Security-Policy": csp or ""}.items()
            if v
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_secured(message: Any) -> None:
            if message["type"] == "http.response.start":
                names = {k for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in names]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        response = self.check(Request(scope))
        if response is None:
            await self.app(scope, receive, send_secured)
        else:
            await response(scope, receive, send_secured)

    def check(self, request: Request) -> Response | None:
        """None when the request may go on, else the response that refuses it."""
        if self.token is None or self.session is None:
            hostname = _hostname(request.headers.get("host", "")).lower()
            if hostname in LOOPBACK_HOSTS:
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
            # "//evil.example/" would be an address on another site: one leading slash only
            path = "/" + request.url.path.lstrip("/\\")
            target = path + (f"?{urlencode(rest)}" if rest else "")
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
