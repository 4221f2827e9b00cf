"""`whichmodel serve`: an HTTP API and a dashboard over one whichmodel database.

from whichmodel.web import create_app   # a FastAPI app, for your own ASGI server
from whichmodel.web import serve        # uvicorn on 127.0.0.1 (or beyond, with a token)
"""

from __future__ import annotations

import socket
from collections.abc import Callable

from whichmodel.config import SERVE_HOST, SERVE_PORT, Settings, api_token
from whichmodel.errors import ConfigError
from whichmodel.web.app import create_app
from whichmodel.web.auth import check_bind

__all__ = ["create_app", "serve"]


def serve(
    settings: Settings,
    *,
    host: str = SERVE_HOST,
    port: int = SERVE_PORT,
    token: str | None = None,
    on_ready: Callable[[str, int, bool], None] | None = None,
) -> None:
    """Serve until interrupted. ``token`` defaults to ``$WHICHMODEL_API_TOKEN``; serving
    beyond loopback without one is refused. ``on_ready(host, port, has_token)`` is called
    once the checks pass, before uvicorn starts."""
    import uvicorn

    token = token if token is not None else api_token()
    check_bind(host, token)
    _check_port_free(host, port)
    app = create_app(settings, token=token)
    if on_ready is not None:
        on_ready(host, port, bool(token))
    uvicorn.run(app, host=host, port=port, log_level="warning")


def _check_port_free(host: str, port: int) -> None:
    """A port in use is one line, not uvicorn's startup traceback."""
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise ConfigError(f"Cannot serve on host {host!r}: {exc}; check --host.") from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            raise ConfigError(
                f"Cannot listen on {host}:{port} ({exc.strerror}): pass another --port."
            ) from None
