"""Moving a chat-completions exchange out of the live HTTP call, for batch mode.

Batch mode sends the very requests an agent would send, and reads the batch's answers
as the agent reads a live answer, so tools, response formats, parameters, system
prompts, tool parsing and refusal signals are the same online and in a batch. The HTTP
clients' transport looks at the exchange of the current task:

- ``capture()``: the agent's next chat-completions request is recorded (path, headers,
  JSON body) and answered with a 400 that ends the call; nothing reaches the gateway.
- ``replay(status, body)``: the next chat-completions request is answered with the
  batch's answer for it; later requests of the same call (a judge's retry after an
  invalid reply) go to the gateway as usual.

Every other request, and every request outside these blocks, passes through.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

CAPTURED = {"error": {"message": "captured for a batch", "type": "whichmodel_batch"}}


@dataclass
class Exchange:
    capture: bool = False
    request: dict[str, Any] | None = None
    """Captured: {"path", "headers", "body"} of the first chat-completions request."""
    canned: tuple[int, dict[str, Any]] | None = None


_exchange: ContextVar[Exchange | None] = ContextVar("whichmodel_exchange", default=None)


@contextmanager
def capture() -> Iterator[Exchange]:
    ex = Exchange(capture=True)
    token = _exchange.set(ex)
    try:
        yield ex
    finally:
        _exchange.reset(token)


@contextmanager
def replay(status: int, body: dict[str, Any]) -> Iterator[Exchange]:
    ex = Exchange(canned=(status, body))
    token = _exchange.set(ex)
    try:
        yield ex
    finally:
        _exchange.reset(token)


def exchange_transport(inner: Any) -> Any:
    """An httpx async transport that serves captures and replays, else ``inner``."""
    from langroid.language_models.httpx_compat import import_httpx

    httpx = import_httpx()

    class ExchangeTransport(httpx.AsyncBaseTransport):  # type: ignore[misc, name-defined]
        async def handle_async_request(self, request: Any) -> Any:
            ex = _exchange.get()
            if ex is not None and request.url.path.endswith("/chat/completions"):
                if ex.capture:
                    await request.aread()
                    if ex.request is None:
                        ex.request = {
                            "path": request.url.path,
                            "headers": dict(request.headers),
                            "body": json.loads(request.content or b"{}"),
                        }
                    return httpx.Response(400, json=CAPTURED, request=request)
                if ex.canned is not None:
                    status, body = ex.canned
                    ex.canned = None
                    return httpx.Response(status, json=body, request=request)
            return await inner.handle_async_request(request)

        async def aclose(self) -> None:
            await inner.aclose()

    return ExchangeTransport()
