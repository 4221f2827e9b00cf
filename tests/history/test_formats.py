"""Real traffic in: OpenAI request/response logs and Batch files, a Portkey logs export and
llm's logs.db (both schemas), each kept whole: messages with tool calls and tool results,
tools, response format, sampling parameters, and the answer production gave.

The JSONL fixtures in tests/history/fixtures are written from each format's documentation
(OpenAI's API reference and Batch guide, Portkey's Logs Export fields). The llm databases
are written by the real llm package and its echo model: llm 0.36 here, in a subprocess;
llm 0.31.1 (legacy tables) by scripts/make_llm_legacy_fixture.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from whichmodel.errors import ImportFileError
from whichmodel.history.importer import import_history, sniff
from whichmodel.records.runs import Production
from whichmodel.store import Store

FIXTURES = Path(__file__).parent / "fixtures"


def production(store: Store) -> dict[str, Production]:
    return store.productions()


def by_text(store: Store) -> dict[str, dict]:
    """Stored prompts keyed by the text of their last user message."""
    out = {}
    for p in store.prompts():
        user = [m for m in p.messages if m["role"] == "user"][-1]
        content = user["content"]
        text = content if isinstance(content, str) else content[0]["text"]
        out[text] = p
    return out


def test_openai_request_response_logs(tmp_path):
    store = Store(tmp_path / "w.db")
    result = import_history(store, FIXTURES / "openai-logs.jsonl")
    assert result.format == "openai"
    assert (result.read, result.new, result.answers) == (6, 5, 5)  # line 6 repeats line 1
    assert result.skipped == {
        "not a chat completion (embeddings or responses API)": 1,
        "a failed request": 1,
        "a streaming fragment without a final body": 1,
        "image content (not replayed)": 1,
        "a tool result whose call is not in the log": 1,
    }
    prompts = by_text(store)
    answers = production(store)

    hello = prompts["Hello!"]
    assert hello.messages[0] == {"role": "system", "content": "You are a helpful assistant."}
    assert hello.request == {
        "temperature": 0.2,
        "top_p": 0.9,
        "max_tokens": 200,
        "stop": ["\n\n"],
        "seed": 42,
    }
    assert hello.category == "greeting" and hello.metadata["team"] == "support"
    first = answers[hello.id]
    assert first.text == "Hello! How can I help you today?"  # the first answer is kept
    assert (first.model, first.input_tokens, first.output_tokens) == (
        "gpt-4o-mini-2024-07-18",
        19,
        10,
    )
    assert first.latency_ms == 812 and first.logged_at == "2026-11-02T10:15:00"
    assert first.trace_id == "tr-1" and first.finish_reason == "stop"

    weather = [p for p in store.prompts() if p.request and "tools" in p.request]
    assert len(weather) == 2
    asking, answered = sorted(weather, key=lambda p: len(p.messages))
    assert asking.request["tool_choice"] == "auto"
    call = answers[asking.id].tool_calls[0]
    assert call == {
        "id": "call_abc123",
        "name": "get_weather",
        "arguments": '{\n"location": "Boston, MA"\n}',
    }
    assert answers[asking.id].finish_reason == "tool_calls"
    assert [m["role"] for m in answered.messages] == ["user", "assistant", "tool"]
    assert answered.messages[1]["tool_calls"][0]["function"]["name"] == "get_weather"
    assert answered.messages[2]["tool_call_id"] == "call_abc123"
    assert answers[answered.id].cached_tokens == 64

    event = prompts["Alice and Bob are going to a science fair on Friday."]
    schema = event.request["response_format"]
    assert schema["type"] == "json_schema" and schema["json_schema"]["name"] == "calendar_event"
    assert event.messages[1]["content"] == [
        {"type": "text", "text": "Alice and Bob are going to a science fair on Friday."}
    ]
    colours = prompts["List three colours as JSON."]
    assert colours.request == {"response_format": {"type": "json_object"}}

    # importing the file again adds nothing
    again = import_history(store, FIXTURES / "openai-logs.jsonl")
    assert again.new == 0 and again.answers == 0 and store.prompt_count() == 5


def test_openai_batch_input_then_output(tmp_path):
    store = Store(tmp_path / "w.db")
    inputs = import_history(store, FIXTURES / "openai-batch-input.jsonl")
    assert (inputs.new, inputs.answers) == (2, 0)
    assert inputs.skipped == {"not a chat completion (another batch endpoint)": 1}
    outputs = import_history(store, FIXTURES / "openai-batch-output.jsonl")
    assert outputs.answers == 2 and outputs.new == 0
    assert outputs.skipped == {"a failed request": 1}
    answers = {p.external_id: production(store)[p.id].text for p in store.prompts()}
    assert answers == {"request-1": "Hello! How can I assist you today?", "request-2": "Hello."}
    assert store.prompts()[0].request == {"max_tokens": 1000}


def test_an_output_file_without_its_inputs_is_said(tmp_path):
    with pytest.raises(ImportFileError, match="whose input is not stored"):
        import_history(Store(tmp_path / "w.db"), FIXTURES / "openai-batch-output.jsonl")


def test_portkey_logs_export(tmp_path):
    store = Store(tmp_path / "w.db")
    result = import_history(store, FIXTURES / "portkey-export.jsonl")
    assert result.format == "portkey"
    assert (result.new, result.answers) == (3, 3)
    assert result.skipped == {
        "a failed request": 1,
        "not a chat completion (embeddings or responses API)": 1,
    }
    prompts, answers = by_text(store), production(store)
    tokyo = answers[prompts["Capital of Japan?"].id]
    assert (tokyo.provider, tokyo.model, tokyo.text) == ("openai", "gpt-4o-mini", "Tokyo.")
    assert tokyo.cost_usd == pytest.approx(0.000123)  # cost is logged in cents
    assert (tokyo.latency_ms, tokyo.trace_id) == (640, "trace-log-1")
    assert prompts["Capital of Japan?"].metadata == {
        "category": "geography",
        "env": "prod",
        "_user": "u-1",
    }
    booking = prompts["Book a table for two at 7pm."]
    assert booking.category == "booking"  # metadata given as a JSON string
    assert booking.request["tool_choice"]["function"]["name"] == "book_table"
    assert booking.request["max_tokens"] == 256
    call = answers[booking.id].tool_calls[0]
    assert call["name"] == "book_table" and json.loads(call["arguments"]) == {
        "people": 2,
        "time": "19:00",
    }
    assert answers[booking.id].provider == "anthropic"
    # a request and response wrapped in {"body": ...}
    assert answers[prompts["Summarise: the meeting moved to Tuesday."].id].text == (
        "The meeting is now on Tuesday."
    )


def _llm_db(tmp_path: Path) -> Path:
    """A logs.db written now by the real llm 0.36 and its echo model."""
    db = tmp_path / "logs.db"
    env = {**os.environ, "LLM_USER_PATH": str(tmp_path), "LLM_LOAD_PLUGINS": "llm-echo"}
    subprocess.run(
        [sys.executable, str(Path(__file__).parent / "llm_fixture.py"), str(db)],
        env=env,
        check=True,
        timeout=120,
    )
    return db


@pytest.mark.parametrize("schema", ["0.36 (message tree)", "0.31.1 (legacy tables)"])
def test_llm_logs_db(tmp_path, schema):
    path = _llm_db(tmp_path) if schema.startswith("0.36") else FIXTURES / "llm-0.31.1.db"
    assert sniff(path) == "llm"
    store = Store(tmp_path / "w.db")
    result = import_history(store, path)
    assert (result.format, result.new, result.answers) == ("llm", 4, 4)
    conversations = {len(p.messages): p for p in store.prompts()}
    # the three-turn conversation: one item, its system prompt included
    three = next(p for p in store.prompts() if p.messages[0]["content"] == "sys A")
    assert [m["role"] for m in three.messages] == [
        "system",
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
    ]
    assert [m["content"] for m in three.messages if m["role"] == "user"] == [
        "first",
        "second",
        "third",
    ]
    answers = production(store)
    assert json.loads(answers[three.id].text)["prompt"] == "third"
    assert answers[three.id].model == "echo"
    # the tool chain: the call, its result, and the tool offered
    tool = next(p for p in store.prompts() if (p.request or {}).get("tools"))
    assert [m["role"] for m in tool.messages] == ["user", "assistant", "tool"]
    call = tool.messages[1]["tool_calls"][0]
    assert call["function"]["name"] == "add" and json.loads(call["function"]["arguments"]) == {
        "a": 2,
        "b": 3,
    }
    assert tool.messages[2] == {"role": "tool", "tool_call_id": call["id"], "content": "5"}
    assert tool.request["tools"][0]["function"]["parameters"]["required"] == ["a", "b"]
    # the schema becomes the response format
    schema_item = next(p for p in store.prompts() if (p.request or {}).get("response_format"))
    assert schema_item.request["response_format"]["json_schema"]["schema"]["required"] == [
        "name",
        "age",
    ]
    assert json.loads(answers[schema_item.id].text) == {"name": "Rex", "age": 3}
    assert len(conversations) >= 3

    every = import_history(Store(tmp_path / "all.db"), path, turns="all")
    assert every.new == 7  # hello, the 3 turns, the 2 of the tool chain, the schema


def test_format_errors_name_the_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    lines = (FIXTURES / "openai-logs.jsonl").read_text().splitlines()
    bad.write_text("\n".join([lines[0], "{not json", lines[1]]) + "\n")
    store = Store(tmp_path / "w.db")
    with pytest.raises(ImportFileError, match="bad.jsonl:2: invalid JSON") as err:
        import_history(store, bad)
    assert "Nothing from this file was stored" in str(err.value)
    assert store.prompt_count() == 0
    with pytest.raises(ImportFileError, match="not an SQLite file"):
        import_history(store, bad, fmt="llm")
    unknown = tmp_path / "x.jsonl"
    unknown.write_text(json.dumps({"hello": 1}) + "\n")
    with pytest.raises(ImportFileError, match="Cannot tell the format"):
        import_history(store, unknown)
