"""Settings as stored with a run and shown in reports: no credential survives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from whichmodel.config import load_settings, redacted
from whichmodel.records.runs import Run

SECRETS = ("sk-provider-secret", "pk-virtual-secret", "hunter2", "Bearer abc")


@pytest.fixture
def settings(no_config: Path):
    return load_settings(
        baseline="portkey/openai/gpt-4o-mini",
        providers={
            "openai": {
                "base_url": "http://gw:hunter2@127.0.0.1:8787/v1",
                "custom_headers": {"x-portkey-api-key": "sk-provider-secret"},
                "virtual_key": "pk-virtual-secret",
                "api_key_env": "OPENAI_API_KEY",
            },
            "ollama": {"base_url": "http://127.0.0.1:11434/v1"},
        },
        models={
            "portkey/openai/gpt-4o-mini": {
                "base_url": "https://user@gateway.internal/v1?team=a",
                "custom_headers": {"authorization": "Bearer abc", "x-team": "search"},
                "temperature": 0.3,
            }
        },
        portkey_metadata={"team": "search"},
    )


def test_header_values_and_virtual_keys_are_never_stored(settings) -> None:
    data = redacted(settings)
    openai = data["providers"]["openai"]
    assert openai["custom_headers"] == {"x-portkey-api-key": "<redacted>"}  # the name stays
    assert openai["virtual_key"] == "<redacted>"
    assert openai["api_key_env"] == "OPENAI_API_KEY"  # a variable's name, not a key
    model = data["models"]["portkey/openai/gpt-4o-mini"]
    assert model["custom_headers"] == {"authorization": "<redacted>", "x-team": "<redacted>"}
    assert model["temperature"] == 0.3
    text = json.dumps(data)
    for secret in SECRETS:
        assert secret not in text, secret


def test_urls_lose_their_user_and_password_only(settings) -> None:
    data = redacted(settings)
    assert data["providers"]["openai"]["base_url"] == "http://127.0.0.1:8787/v1"
    model = data["models"]["portkey/openai/gpt-4o-mini"]
    assert model["base_url"] == "https://gateway.internal/v1?team=a"
    assert data["providers"]["ollama"]["base_url"] == "http://127.0.0.1:11434/v1"  # unchanged


def test_the_rest_is_stored_as_set(settings) -> None:
    data = redacted(settings)
    assert data["baseline"] == "portkey/openai/gpt-4o-mini"
    assert data["portkey_metadata"] == {"team": "search"}
    assert data["tolerance"] == 0.05 and data["db"] == "whichmodel.db"
    assert data["providers"]["ollama"]["custom_headers"] == {}
    assert data["providers"]["ollama"]["virtual_key"] is None


def test_the_settings_themselves_are_left_as_they_are(settings) -> None:
    redacted(settings)
    assert settings.providers["openai"].virtual_key == "pk-virtual-secret"
    assert settings.providers["openai"].custom_headers == {
        "x-portkey-api-key": "sk-provider-secret"
    }


def test_a_runs_stored_row_holds_no_credential(settings) -> None:
    run = Run(id="r1", baseline="b", candidates=["c"], judge="j", settings=redacted(settings))
    row = json.dumps(run.row())
    for secret in SECRETS:
        assert secret not in row, secret


def test_an_ipv6_url_keeps_its_brackets(no_config: Path) -> None:
    settings = load_settings(providers={"local": {"base_url": "http://u:p@[::1]:8787/v1"}})
    assert redacted(settings)["providers"]["local"]["base_url"] == "http://[::1]:8787/v1"
