"""Running a coroutine from synchronous code, on uvloop where it is installed."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on uvloop when available: an evaluation spends much of its
    own CPU in the event loop and the HTTP client, and uvloop is faster at both."""
    try:
        import uvloop
    except ImportError:  # e.g. on Windows
        return asyncio.run(coro)
    return uvloop.run(coro)
