import json

import langroid.language_models as lm
import pytest

from whichmodel.config import load_settings
from whichmodel.errors import ConfigError
from whichmodel.portkey.context import call_context
from whichmodel.portkey.wire import llm_config, parse_model


def build(model, settings=None):
    llm = lm.OpenAIGPT(llm_config(model, settings or load_settings()))
    return llm


def test_model_string_becomes_one_portkey_config(monkeypatch):
    monkeypatch.delenv("PORTKEY_BASE_URL", raising=False)
    llm = build("portkey/anthropic/claude-3-5-haiku-latest")
    assert llm.api_base == "https://api.portkey.ai/v1"
    assert llm.config.chat_model == "claude-3-5-haiku-latest"
    assert llm.config.headers["x-portkey-provider"] == "anthropic"


def test_cache_goes_into_x_portkey_config_and_retries_do_not(monkeypatch):
    monkeypatch.delenv("PORTKEY_BASE_URL", raising=False)
    s = load_settings(retries=3, portkey_cache={"mode": "simple"})
    headers = build("portkey/openai/gpt-4o-mini", s).config.headers
    assert json.loads(headers["x-portkey-config"]) == {"cache": {"mode": "simple"}}
    # the separate headers the open-source gateway ignores are not relied on
    assert "x-portkey-retry" not in headers and "x-portkey-cache" not in headers


def test_exactly_one_retry_layer_the_clients():
    settings = load_settings(retries=3)
    cfg = llm_config("portkey/openai/gpt-4o-mini", settings)
    assert cfg.retry_params.max_retries == 0  # not Langroid's
    assert "x-portkey-config" not in cfg.portkey_params.custom_headers  # not the gateway's
    from whichmodel.agents.candidate import make_candidate

    agent = make_candidate(cfg, retries=settings.retries)
    assert agent.llm.async_client.max_retries == 3
    assert agent.llm.client.max_retries == 3


def test_langroid_portkey_env_vars_keep_working(monkeypatch):
    monkeypatch.setenv("PORTKEY_BASE_URL", "http://127.0.0.1:8787")
    monkeypatch.setenv(
        "PORTKEY_CUSTOM_HEADERS", json.dumps({"x-portkey-custom-host": "http://127.0.0.1:9000/v1"})
    )
    monkeypatch.setenv("PORTKEY_API_KEY", "pk-test-123")
    llm = build("portkey/openai/smollm2")
    assert llm.api_base == "http://127.0.0.1:8787/v1"
    assert llm.config.headers["x-portkey-custom-host"] == "http://127.0.0.1:9000/v1"
    assert llm.config.headers["x-portkey-api-key"] == "pk-test-123"


def test_per_provider_settings_from_toml(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTKEY_BASE_URL", raising=False)
    monkeypatch.delenv("PORTKEY_CUSTOM_HEADERS", raising=False)
    toml = tmp_path / "whichmodel.toml"
    toml.write_text(
        '[providers.anthropic]\nbase_url = "http://127.0.0.1:8788"\n'
        'custom_headers = {"x-portkey-custom-host" = "http://127.0.0.1:9001/v1"}\n'
        "strict_openai_compliance = false\n"
        '[models."portkey/anthropic/smollm2"]\nmax_tokens = 64\nparams = {repeat_penalty = 1.1}\n'
    )
    s = load_settings(toml)
    llm = build("portkey/anthropic/smollm2", s)
    assert llm.api_base == "http://127.0.0.1:8788/v1"
    assert llm.config.headers["x-portkey-custom-host"] == "http://127.0.0.1:9001/v1"
    assert llm.config.headers["x-portkey-strict-open-ai-compliance"] == "false"
    assert llm.config.max_output_tokens == 64
    assert llm.config.params.extra_body == {"repeat_penalty": 1.1}
    # other providers are untouched
    assert build("portkey/openai/gpt-4o", s).api_base == "https://api.portkey.ai/v1"


@pytest.mark.parametrize("bad", ["gpt-4o", "portkey/openai", "openai/gpt-4o", "portkey//x", ""])
def test_malformed_model_strings(bad):
    with pytest.raises(ConfigError, match="portkey/<provider>/<model>"):
        parse_model(bad)


def test_unknown_provider_is_named():
    with pytest.raises(ConfigError, match="Unknown provider 'opneai'"):
        parse_model("portkey/opneai/gpt-4o")
    # a provider configured in whichmodel.toml is accepted
    s = load_settings(providers={"my-vllm": {"base_url": "http://127.0.0.1:1"}})
    assert parse_model("portkey/my-vllm/llama", s).provider == "my-vllm"


def test_call_context_is_per_task():
    with call_context(run_id="r", prompt_id="p", role="judge") as outer:
        assert outer.metadata == {"run_id": "r", "prompt_id": "p", "role": "judge"}
        with call_context(trace_id="t2") as inner:
            assert inner.trace_id == "t2"
        from whichmodel.portkey.context import request_tags

        assert request_tags()["x-portkey-trace-id"] == outer.trace_id
