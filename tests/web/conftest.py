"""A real uvicorn server on a free 127.0.0.1 port, in a background thread, serving the
app over a temp database; model calls go through the real Portkey gateway to the fake
provider (as in tests/tasks/test_evaluation_gateway.py)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from tests.fake_provider import Reply
from tests.tasks.test_evaluation_gateway import judge_responder
from whichmodel.config import Settings, load_settings
from whichmodel.web import create_app

BASE = "portkey/openai/fake-base"
CAND = "portkey/anthropic/fake-cand"
SLOW = "portkey/openai/fake-slow-3000"
JUDGE = "portkey/openai/judge"
PRICE = {"input_mtok": 1.0, "output_mtok": 2.0, "note": "test price"}


class LiveServer:
    """uvicorn.Server on a socket bound here (no port race), stopped with should_exit."""

    def __init__(self, app: Any):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(20)
        self.sock.close()

    def client(self, **kw: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kw)


def web_settings(gateway_url: str, fake_url: str, db: Path, **kw: Any) -> Settings:
    host = {"x-portkey-custom-host": fake_url}
    return load_settings(
        db=db,
        concurrency=4,
        retries=0,
        max_tokens=64,
        providers={
            "openai": {"base_url": gateway_url, "custom_headers": host},
            "anthropic": {"base_url": gateway_url, "custom_headers": host},
        },
        prices={m: PRICE for m in (BASE, CAND, SLOW, JUDGE)},
        **kw,
    )


@pytest.fixture
def scripted(fake_provider):
    fake_provider.set(
        "fake-base", responder=lambda b, p, h: "base says " + b["messages"][-1]["content"]
    )
    fake_provider.set("fake-cand", responder=lambda b, p, h: Reply("cand says hello"))
    fake_provider.set("judge", responder=judge_responder)
    return fake_provider


@pytest.fixture
def settings(gateway, scripted, tmp_path) -> Settings:
    return web_settings(gateway.url, scripted.base_url, tmp_path / "w.db")


@pytest.fixture
def live(settings) -> Iterator[LiveServer]:
    with LiveServer(create_app(settings)) as server:
        yield server


@pytest.fixture
def client(live) -> Iterator[httpx.Client]:
    with live.client() as c:
        yield c
