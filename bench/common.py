"""What the benchmarks share: the tests' fake provider in a process of its own, and the
settings that send every openai model through the local gateway to it."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


def _serve(urls: Any, configure: Callable[..., None], args: tuple[Any, ...]) -> None:
    from tests.fake_provider import FakeProvider

    with FakeProvider() as fake:
        configure(fake, *args)
        urls.put(fake.base_url)
        threading.Event().wait()


@contextmanager
def fake_provider(configure: Callable[..., None], *args: Any) -> Iterator[tuple[int, str]]:
    """(pid, base URL) of a fake provider set up by ``configure(fake, *args)`` (a module
    level function), in its own process so it does not compete for the evaluator's GIL."""
    ctx = multiprocessing.get_context("spawn")
    urls = ctx.Queue()
    process = ctx.Process(target=_serve, args=(urls, configure, args), daemon=True)
    process.start()
    try:
        yield process.pid or 0, urls.get(timeout=60)
    finally:
        process.terminate()


def through_gateway(gateway_url: str, fake_url: str) -> dict[str, Any]:
    """The ``providers`` setting: openai models through the gateway to the fake provider."""
    return {
        "openai": {"base_url": gateway_url, "custom_headers": {"x-portkey-custom-host": fake_url}}
    }
