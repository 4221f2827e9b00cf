"""Portkey's control-plane API (log exports, feedback) through the portkey-ai SDK: where
it is, and its errors as one line each.

These endpoints exist on Portkey's hosted API (and a self-hosted control plane), not on
the open-source gateway, which answers them with a 400 of its own: the caller says
what needs what.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from whichmodel.config import portkey_base_url
from whichmodel.errors import GatewayError


def api_url() -> str:
    """Portkey's API (``PORTKEY_BASE_URL`` when set, else the hosted one), with /v1."""
    base = portkey_base_url()
    return base if base.endswith("/v1") else f"{base}/v1"


@contextmanager
def api_errors(url: str, unavailable: Callable[[str, str], GatewayError]) -> Iterator[None]:
    """The SDK's errors inside the block as one ``GatewayError`` line: ``unavailable(url,
    detail)`` for an answer that says the endpoint is not there or not allowed."""
    from portkey_ai.api_resources.exceptions import APIConnectionError, APIStatusError

    try:
        yield
    except APIStatusError as exc:
        raise unavailable(url, f"HTTP {exc.status_code}: {str(exc.body)[:160]}") from None
    except APIConnectionError:
        raise GatewayError(
            f"Cannot reach Portkey's API at {url}: check PORTKEY_BASE_URL and your network."
        ) from None
    except json.JSONDecodeError:
        raise unavailable(url, "the answer was not JSON") from None
