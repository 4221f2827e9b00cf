"""Checks made before the first provider call, so a run fails in one clear line
instead of as hundreds of error rows: keys present, gateway reachable."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlparse

from whichmodel.config import (
    HOSTED_PORTKEY_URL,
    Settings,
    portkey_api_key,
    portkey_custom_headers,
    provider_key,
)
from whichmodel.errors import ConfigError, GatewayError
from whichmodel.portkey.wire import ModelRef, configured_headers, gateway_url, parse_model


def check_portkey_env() -> None:
    """Langroid parses PORTKEY_CUSTOM_HEADERS while it is being imported and fails with
    a traceback when it is not JSON: say it in one line first."""

    raw = portkey_custom_headers()
    if not raw:
        return
    try:
        ok = isinstance(json.loads(raw), dict)
    except ValueError:
        ok = False
    if not ok:
        raise ConfigError(
            "PORTKEY_CUSTOM_HEADERS is not a JSON object: set it like "
            '\'{"x-portkey-custom-host": "http://127.0.0.1:9000/v1"}\'.'
        )


def check_keys(models: list[str | ModelRef], settings: Settings) -> None:
    """The hosted gateway needs PORTKEY_API_KEY, and each provider its key unless a
    virtual key or a Portkey config holds the credentials."""
    for model in models:
        ref = parse_model(model, settings)
        if gateway_url(ref, settings) != HOSTED_PORTKEY_URL:
            continue  # a self-hosted gateway decides what it needs
        headers = configured_headers(ref, settings)
        if not portkey_api_key() and "x-portkey-api-key" not in headers:
            raise ConfigError(
                "PORTKEY_API_KEY is not set: export your Portkey API key, or point "
                "PORTKEY_BASE_URL at a self-hosted gateway (whichmodel gateway start)."
            )
        provider = settings.providers.get(ref.provider)
        if (provider and provider.virtual_key) or "x-portkey-virtual-key" in headers:
            continue
        if "x-portkey-config" in headers or "authorization" in headers:
            continue
        var = (
            provider.api_key_env
            if provider and provider.api_key_env
            else f"{ref.provider.upper().replace('-', '_')}_API_KEY"
        )
        if not provider_key(var):
            raise ConfigError(
                f"{var} is not set (needed for {model}): export it, or give "
                f"[providers.{ref.provider}] a virtual_key in whichmodel.toml."
            )


def check_gateways(models: list[str | ModelRef], settings: Settings, timeout: float = 3.0) -> None:
    """Every gateway URL the run will use answers, and answers as a Portkey gateway: a
    request without a provider (no key, no cost) must be refused the way Portkey refuses
    it, not answered. Another HTTP server there would fail every call of the run."""
    seen: set[str] = set()
    for model in models:
        url = gateway_url(parse_model(model, settings), settings)
        if url in seen:
            continue
        seen.add(url)
        parsed = urlparse(url)
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        try:
            with socket.create_connection((parsed.hostname or "", port), timeout=timeout):
                pass
        except OSError:
            raise GatewayError(
                f"Cannot reach the Portkey gateway at {url}: check PORTKEY_BASE_URL, or start "
                "a local one with `whichmodel gateway start` and export "
                "PORTKEY_BASE_URL=http://127.0.0.1:8787."
            ) from None
        problem = _not_a_gateway(url, timeout)
        if problem:
            raise GatewayError(
                f"{url} answers HTTP but not as a Portkey gateway ({problem}): point "
                "PORTKEY_BASE_URL (or base_url in whichmodel.toml) at a gateway, e.g. "
                "`whichmodel gateway start` and http://127.0.0.1:8787."
            )


def _not_a_gateway(url: str, timeout: float) -> str | None:
    """What makes ``url`` not look like a Portkey gateway, or None when it does."""
    import httpx

    try:
        response = httpx.post(
            f"{url}/v1/chat/completions", json={}, timeout=timeout, follow_redirects=False
        )
    except httpx.HTTPError as exc:
        return f"a request without a provider failed: {type(exc).__name__}"
    if any(name.lower().startswith("x-portkey") for name in response.headers):
        return None
    if response.status_code < 400:
        return f"it answered a request that names no provider with HTTP {response.status_code}"
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and (
        body.get("status") == "failure" or "portkey" in json.dumps(body).lower()
    ):
        return None
    return f"HTTP {response.status_code} without Portkey's error format"
