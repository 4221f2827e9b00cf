"""Clear one-line errors before any call: missing keys, unreachable gateway."""

import socket

import pytest

from whichmodel.config import load_settings
from whichmodel.errors import ConfigError, GatewayError
from whichmodel.portkey.preflight import check_gateways, check_keys
from whichmodel.store import Store
from whichmodel.tasks.evaluation import Evaluation

MODELS = ["portkey/openai/gpt-4o-mini", "portkey/anthropic/claude-3-5-haiku-latest"]


@pytest.fixture
def hosted(monkeypatch):
    for var in (
        "PORTKEY_BASE_URL",
        "PORTKEY_API_KEY",
        "PORTKEY_CUSTOM_HEADERS",
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
    ):
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


def test_missing_portkey_key_is_named(hosted):
    with pytest.raises(ConfigError, match="PORTKEY_API_KEY is not set"):
        check_keys(MODELS, load_settings())


def test_missing_provider_key_is_named(hosted):
    hosted.setenv("PORTKEY_API_KEY", "pk-test")
    hosted.setenv("OPENAI_API_KEY", "sk-test")
    with pytest.raises(
        ConfigError,
        match=r"ANTHROPIC_API_KEY is not set \(needed for "
        r"portkey/anthropic/claude-3-5-haiku-latest\)",
    ):
        check_keys(MODELS, load_settings())
    hosted.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    check_keys(MODELS, load_settings())


def test_virtual_key_replaces_the_provider_key(hosted):
    hosted.setenv("PORTKEY_API_KEY", "pk-test")
    settings = load_settings(
        providers={"openai": {"virtual_key": "vk"}, "anthropic": {"virtual_key": "vk2"}}
    )
    check_keys(MODELS, settings)


def test_self_hosted_gateway_needs_no_portkey_key(hosted):
    hosted.setenv("PORTKEY_BASE_URL", "http://127.0.0.1:8787")
    check_keys(MODELS, load_settings())


def test_unreachable_gateway_names_the_url_and_the_fix(hosted, tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    hosted.setenv("PORTKEY_BASE_URL", f"http://127.0.0.1:{port}")
    with pytest.raises(GatewayError, match=f"http://127.0.0.1:{port}.*whichmodel gateway start"):
        check_gateways(MODELS, load_settings())
    store = Store(tmp_path / "w.db")
    store.add_prompts([{"messages": [{"role": "user", "content": "hi"}]}])
    with pytest.raises(GatewayError):
        Evaluation(
            store, load_settings(baseline=MODELS[0], candidates=[MODELS[1]], judge=MODELS[0])
        )
    assert store.db["runs"].count == 0 and store.db["prompts"].count == 1


def test_reachable_gateway_passes(hosted, gateway):
    hosted.setenv("PORTKEY_BASE_URL", gateway.url)
    check_gateways(MODELS, load_settings())


def test_malformed_portkey_custom_headers_is_one_line(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "PORTKEY_CUSTOM_HEADERS": "not json"}
    out = subprocess.run(
        [sys.executable, "-m", "whichmodel.cli", "report", "--db", str(tmp_path / "w.db")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 1
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "PORTKEY_CUSTOM_HEADERS is not a JSON object" in lines[0]
