"""The environment, read only in config/environment.py: each accessor as the modules
used to read it."""

from pathlib import Path

import pytest

from whichmodel import config


def test_portkey_base_url_falls_back_to_the_hosted_gateway(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PORTKEY_BASE_URL", raising=False)
    assert config.configured_portkey_url() is None
    assert config.portkey_base_url() == config.HOSTED_PORTKEY_URL
    monkeypatch.setenv("PORTKEY_BASE_URL", "http://127.0.0.1:8787/v1/")
    assert config.configured_portkey_url() == "http://127.0.0.1:8787/v1/"
    assert config.portkey_base_url() == "http://127.0.0.1:8787/v1"


def test_keys_token_and_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_KEY", "")
    assert config.provider_key("MY_KEY") is None
    monkeypatch.setenv("MY_KEY", "sk-1")
    assert config.provider_key("MY_KEY") == "sk-1"
    monkeypatch.setenv("WHICHMODEL_API_TOKEN", "")
    assert config.api_token() is None
    monkeypatch.delenv("WHICHMODEL_DEBUG", raising=False)
    assert not config.debug_enabled()
    monkeypatch.setenv("WHICHMODEL_DEBUG", "1")
    assert config.debug_enabled()


def test_whichmodel_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WHICHMODEL_HOME", str(tmp_path / "home"))
    assert config.whichmodel_home() == tmp_path / "home"
    monkeypatch.delenv("WHICHMODEL_HOME")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert config.whichmodel_home() == tmp_path / "cache" / "whichmodel"


def test_tiktoken_cache_env_in_tiktokens_order(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)
    monkeypatch.delenv("DATA_GYM_CACHE_DIR", raising=False)
    assert config.tiktoken_cache_env() is None
    monkeypatch.setenv("DATA_GYM_CACHE_DIR", str(tmp_path / "gym"))
    assert config.tiktoken_cache_env() == tmp_path / "gym"
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "tk"))
    assert config.tiktoken_cache_env() == tmp_path / "tk"


def test_llama_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    for unset in ("", "0", "two", "-1"):
        monkeypatch.setenv("WHICHMODEL_LLAMA_THREADS", unset)
        assert config.llama_threads() is None
    monkeypatch.setenv("WHICHMODEL_LLAMA_THREADS", " 3 ")
    assert config.llama_threads() == 3
