"""Every environment variable whichmodel reads is read here: ``Settings`` reads the
``WHICHMODEL_*`` ones, and each other value has an accessor below, read at each call."""

from __future__ import annotations

import os
from pathlib import Path

from whichmodel.config.constants import HOSTED_PORTKEY_URL

PORTKEY_BASE_URL_ENV = "PORTKEY_BASE_URL"
PORTKEY_API_KEY_ENV = "PORTKEY_API_KEY"
PORTKEY_HEADERS_ENV = "PORTKEY_CUSTOM_HEADERS"
DEBUG_ENV = "WHICHMODEL_DEBUG"
API_TOKEN_ENV = "WHICHMODEL_API_TOKEN"
HOME_ENV = "WHICHMODEL_HOME"
LLAMA_THREADS_ENV = "WHICHMODEL_LLAMA_THREADS"
TIKTOKEN_CACHE_ENVS = ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR")
"""Where tiktoken looks for its cached encodings, in its own order."""


def configured_portkey_url() -> str | None:
    """``PORTKEY_BASE_URL`` as set (None when unset)."""
    return os.environ.get(PORTKEY_BASE_URL_ENV)


def portkey_base_url() -> str:
    """The gateway calls go to when no provider or model sets a ``base_url``:
    ``PORTKEY_BASE_URL``, else Portkey's hosted one; without a trailing slash."""
    url = configured_portkey_url()
    return (HOSTED_PORTKEY_URL if url is None else url).rstrip("/")


def portkey_api_key() -> str | None:
    return os.environ.get(PORTKEY_API_KEY_ENV)


def portkey_custom_headers() -> str | None:
    """``PORTKEY_CUSTOM_HEADERS`` as written (JSON, checked by ``portkey.preflight``)."""
    return os.environ.get(PORTKEY_HEADERS_ENV)


def provider_key(var: str) -> str | None:
    """The credential in environment variable ``var`` (a provider's API key, or a
    placeholder of a written Portkey config); None when unset or empty."""
    return os.environ.get(var) or None


def debug_enabled() -> bool:
    """``WHICHMODEL_DEBUG`` is set: tracebacks and Langroid's warnings are shown."""
    return bool(os.environ.get(DEBUG_ENV))


def api_token() -> str | None:
    """The token ``whichmodel serve`` requires (``WHICHMODEL_API_TOKEN``), None when unset."""
    return os.environ.get(API_TOKEN_ENV) or None


def whichmodel_home() -> Path:
    """whichmodel's own cache folder: ``$WHICHMODEL_HOME``, else
    ``$XDG_CACHE_HOME/whichmodel`` (``~/.cache/whichmodel``)."""
    home = os.environ.get(HOME_ENV)
    if home:
        return Path(home).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache).expanduser() / "whichmodel"


def tiktoken_cache_env() -> Path | None:
    """The cache folder the environment gives tiktoken (None: tiktoken's default)."""
    for var in TIKTOKEN_CACHE_ENVS:
        if os.environ.get(var):
            return Path(os.environ[var])
    return None


def llama_threads() -> int | None:
    """llama.cpp's thread count from ``WHICHMODEL_LLAMA_THREADS`` (None: unset, or not a
    whole number above 0)."""
    value = os.environ.get(LLAMA_THREADS_ENV, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None
