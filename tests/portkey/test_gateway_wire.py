"""The wire, with the raw openai client: client -> real Portkey gateway -> fake provider.

What these tests pin down (measured on @portkey-ai/gateway 1.15.2):
- Routing by `x-portkey-provider` + `x-portkey-custom-host`: openai -> /v1/chat/completions,
  anthropic -> /v1/messages (OpenAI request and response translated both ways).
- Anthropic usage: `prompt_tokens` = Anthropic `input_tokens` (cache reads excluded),
  `prompt_tokens_details.cached_tokens` = `cache_read_input_tokens`.
- Refusals: OpenAI `content_filter` passes through; Anthropic `stop_reason: "refusal"` becomes
  `stop` unless `x-portkey-strict-open-ai-compliance: false`.
- Retries happen only with `x-portkey-config`: attempts + 1 upstream calls, 1 s then 2 s apart.
- The trace id comes back in the response; x-portkey-* headers are not sent upstream unless
  named in `x-portkey-forward-headers`.
"""

from __future__ import annotations

import json
import time
from typing import Any

import openai
import pytest

from tests.fake_provider import FakeProvider
from whichmodel.local.gateway import GatewayInfo

PATHS = {"openai": "/v1/chat/completions", "anthropic": "/v1/messages"}
RETRY_CONFIG = json.dumps({"retry": {"attempts": 2, "on_status_codes": [429, 500, 502, 503, 504]}})
RETRY = {"x-portkey-config": RETRY_CONFIG}
MESSAGES = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "What is the capital of France?"},
]  # 2 + 6 = 8 prompt words = 8 prompt tokens at the fake provider


def client(
    gateway: GatewayInfo, fake: FakeProvider, provider: str, **headers: str
) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=f"{gateway.url}/v1",
        api_key="sk-fake",
        max_retries=0,  # one retry layer: the gateway's
        timeout=20,
        default_headers={
            "x-portkey-provider": provider,
            "x-portkey-custom-host": fake.base_url,
            **headers,
        },
    )


def chat(c: openai.OpenAI, model: str = "fake-model", **kwargs: Any) -> Any:
    return c.chat.completions.with_raw_response.create(
        model=model,
        messages=MESSAGES,
        max_tokens=64,
        **kwargs,  # Anthropic needs max_tokens
    )


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_routes_to_the_provider_path_and_maps_usage(gateway, fake_provider, provider):
    fake_provider.set(cached_tokens=3)
    raw = chat(client(gateway, fake_provider, provider, **{"x-portkey-trace-id": "trace-abc"}))
    response = raw.parse()

    assert fake_provider.count() == 1
    upstream = fake_provider.last
    assert upstream.path == PATHS[provider]
    assert upstream.body["model"] == "fake-model"
    assert upstream.body["max_tokens"] == 64
    if provider == "anthropic":
        assert upstream.headers["x-api-key"] == "sk-fake"
        assert upstream.headers["anthropic-version"] == "2023-06-01"
        assert upstream.body["system"] == [{"type": "text", "text": "Be brief."}]
    else:
        assert upstream.headers["authorization"] == "Bearer sk-fake"

    assert response.choices[0].message.content == "echo: What is the capital of France?"
    assert response.choices[0].finish_reason == "stop"
    usage = response.usage
    assert usage.completion_tokens == 7  # "echo: What is the capital of France?"
    assert usage.prompt_tokens_details.cached_tokens == 3
    # OpenAI counts cached tokens inside prompt_tokens; Anthropic's input_tokens exclude them.
    assert usage.prompt_tokens == (8 if provider == "openai" else 8 - 3)
    assert usage.total_tokens == 8 + 7  # both routes: all input (cached too) + output

    assert raw.headers["x-portkey-trace-id"] == "trace-abc"
    assert raw.headers["x-portkey-provider"] == provider
    assert raw.headers["x-portkey-retry-attempt-count"] == "0"
    assert raw.headers["x-portkey-cache-status"] == "DISABLED"  # the npm build has no cache


@pytest.mark.parametrize(
    ("provider", "strict", "expected"),
    [
        ("openai", None, "content_filter"),
        ("anthropic", None, "stop"),  # "refusal" is squashed into "stop" by default
        ("anthropic", "false", "refusal"),
    ],
)
def test_refusal_finish_reason(gateway, fake_provider, provider, strict, expected):
    headers = {"x-portkey-strict-open-ai-compliance": strict} if strict else {}
    response = chat(client(gateway, fake_provider, provider, **headers), "fake-filter").parse()
    assert response.choices[0].finish_reason == expected


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_empty_answer(gateway, fake_provider, provider):
    response = chat(client(gateway, fake_provider, provider), "fake-empty").parse()
    assert response.choices[0].message.content == ""
    assert response.usage.completion_tokens == 0


def test_no_retry_without_config(gateway, fake_provider):
    with pytest.raises(openai.RateLimitError):
        chat(client(gateway, fake_provider, "openai"), "fake-429")
    assert fake_provider.count(model="fake-429") == 1


def test_config_retry_makes_attempts_plus_one_upstream_calls(gateway, fake_provider):
    began = time.monotonic()
    with pytest.raises(openai.RateLimitError) as err:
        chat(client(gateway, fake_provider, "openai", **RETRY), "fake-429")
    assert fake_provider.count(model="fake-429") == 3
    times = [r.timestamp for r in fake_provider.requests]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert 0.8 < gaps[0] < 1.8 and 1.8 < gaps[1] < 2.8  # fixed backoff 1 s, 2 s
    assert time.monotonic() - began < 6
    # On exhausted retries the gateway reports -1 attempts.
    assert err.value.response.headers["x-portkey-retry-attempt-count"] == "-1"


def test_config_retry_recovers_after_one_failure(gateway, fake_provider):
    fake_provider.set("flaky", status=500, times=1)
    raw = chat(client(gateway, fake_provider, "anthropic", **RETRY), "flaky")
    assert raw.parse().choices[0].message.content.startswith("echo:")
    assert fake_provider.count(model="flaky") == 2
    assert raw.headers["x-portkey-retry-attempt-count"] == "1"


def test_portkey_headers_stay_at_the_gateway(gateway, fake_provider):
    headers = {"x-portkey-trace-id": "trace-xyz", "x-portkey-metadata": json.dumps({"run": "r1"})}
    chat(client(gateway, fake_provider, "openai", **headers))
    assert not [h for h in fake_provider.last.headers if h.startswith("x-portkey")]
    # ...unless named in x-portkey-forward-headers.
    forward = {**headers, "x-portkey-forward-headers": "x-portkey-trace-id"}
    chat(client(gateway, fake_provider, "openai", **forward))
    assert fake_provider.last.headers["x-portkey-trace-id"] == "trace-xyz"
    assert "x-portkey-metadata" not in fake_provider.last.headers


def test_only_loopback_custom_hosts_are_trusted(gateway, fake_provider):
    remote = {"x-portkey-custom-host": "http://10.1.2.3:9/v1"}
    c = client(gateway, fake_provider, "openai", **remote)
    with pytest.raises(openai.BadRequestError, match="Invalid custom host"):
        chat(c)
    assert fake_provider.count() == 0


def test_custom_responder_scripts_a_judge(gateway, fake_provider):
    verdict = json.dumps({"request": "score", "accuracy": 0.9})
    seen: list[str] = []

    def judge(body: dict, path: str, headers: dict) -> str:
        seen.append(path)
        return verdict

    fake_provider.set("judge", responder=judge)
    response = chat(client(gateway, fake_provider, "anthropic"), "judge").parse()
    assert json.loads(response.choices[0].message.content) == {"request": "score", "accuracy": 0.9}
    assert seen == ["/v1/messages"]
