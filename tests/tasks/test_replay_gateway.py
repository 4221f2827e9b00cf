"""Faithful replay on the wire: a history with tools, tool results and JSON schemas,
imported, replayed through the real Portkey gateway to an OpenAI-route and an
Anthropic-route candidate, checked, judged, decided; and the baseline from history."""

import json
import re

import pytest

from tests.fake_provider import instance_of
from whichmodel.config import load_settings
from whichmodel.history.importer import import_history
from whichmodel.report.answers import verdict_answer
from whichmodel.report.html import render_html
from whichmodel.results.run_report import run_report
from whichmodel.store import Store
from whichmodel.tasks.evaluation import run_evaluation

BASE = "portkey/openai/fake-tools-json-base"
FAITHFUL = "portkey/openai/fake-tools-json"  # calls tools, keeps to schemas
NO_SCHEMA = "portkey/openai/fake-tools"  # calls tools, ignores the JSON format
ANTHROPIC = "portkey/anthropic/fake-tools-json"  # the gateway drops response_format here
JUDGE = "portkey/openai/judge"

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
    },
}
TICKET = {
    "type": "json_schema",
    "json_schema": {
        "name": "ticket",
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {
                "summary": {"type": "string"},
                "priority": {"type": "integer", "minimum": 1},
            },
            "required": ["summary", "priority"],
            "additionalProperties": False,
        },
    },
}
N = 20


def request(i: int) -> dict:
    """Task i: even ones offer a tool, odd ones ask for a ticket as JSON."""
    if i % 2 == 0:
        return {
            "model": "gpt-4o-mini",
            "messages": [{"role": "user", "content": f"Task {i:02d}: weather in city {i}?"}],
            "tools": [WEATHER],
            "tool_choice": "auto",
            "temperature": 0.2,
        }
    return {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "File support tickets."},
            {"role": "user", "content": f"Task {i:02d}: my order {i} never came"},
        ],
        "response_format": TICKET,
        "max_tokens": 60,
        "seed": 7,
    }


def tool_result_request() -> dict:
    """A conversation replayed after production's tool call, with the tool's result."""
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Oslo", "unit": "celsius"}'},
    }
    return {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "user", "content": f"Task {N:02d}: weather in Oslo?"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "call_1", "content": '{"temp": 3}'},
        ],
        "tools": [WEATHER],
    }


def judge_responder(body, path, headers):
    """Scores by task number only: it likes every model's answer to a task equally."""
    task = int(re.search(r"Task (\d+)", json.dumps(body["messages"])).group(1))
    q = round(0.4 + 0.025 * task, 3)
    return json.dumps(
        {
            "request": "score",
            "accuracy": q,
            "relevance": q,
            "clarity": q,
            "refused": False,
            "rationale": "by task",
        }
    )


def settings_for(gateway, fake, candidates, **kw):
    host = {"x-portkey-custom-host": fake.base_url}
    price = {"input_mtok": 1.0, "output_mtok": 2.0, "note": "test price"}
    cheap = {"input_mtok": 0.5, "output_mtok": 1.0, "note": "test price"}
    cheapest = {"input_mtok": 0.2, "output_mtok": 0.4, "note": "test price"}
    return load_settings(
        baseline=BASE,
        candidates=candidates,
        judge=JUDGE,
        concurrency=4,
        retries=0,
        judge_controls=0,  # this judge scores by task: it cannot tell good from bad on purpose
        providers={
            "openai": {"base_url": gateway.url, "custom_headers": host},
            "anthropic": {"base_url": gateway.url, "custom_headers": host},
        },
        prices={
            BASE: price,
            FAITHFUL: cheap,
            NO_SCHEMA: cheapest,
            ANTHROPIC: cheapest,
            JUDGE: price,
        },
        **kw,
    )


def write_history(path, answers=None):
    """The requests as OpenAI-format log lines (with production's answers when given)."""
    lines = []
    for i, body in enumerate([request(i) for i in range(N)] + [tool_result_request()]):
        line = {"request": body, "metadata": {"category": "tools" if i % 2 == 0 else "json"}}
        if answers is not None:
            line.update(answers[i])
        lines.append(json.dumps(line))
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture
def judged_fake(fake_provider):
    fake_provider.set("judge", responder=judge_responder)
    return fake_provider


async def test_tools_and_schemas_replayed_checked_and_decided(gateway, judged_fake, tmp_path):
    fake = judged_fake
    store = Store(tmp_path / "w.db")
    write_history(tmp_path / "history.jsonl")
    imported = import_history(store, tmp_path / "history.jsonl")
    assert imported.new == N + 1
    rec = await run_evaluation(store, settings_for(gateway, fake, [FAITHFUL, NO_SCHEMA, ANTHROPIC]))

    # --- what each route received: the logged tools, format and parameters
    openai_calls = [
        r for r in fake.requests if r.model == "fake-tools-json" and r.path != "/v1/messages"
    ]
    tool_call = next(r for r in openai_calls if "Task 00" in json.dumps(r.body))
    assert tool_call.body["tools"][0]["function"]["name"] == "get_weather"
    assert tool_call.body["tool_choice"] == "auto" and tool_call.body["temperature"] == 0.2
    json_call = next(r for r in openai_calls if "Task 01" in json.dumps(r.body))
    assert (
        json_call.body["response_format"]["json_schema"]["schema"]
        == TICKET["json_schema"]["schema"]
    )
    # Langroid sends OpenAI's current name for max_tokens
    assert json_call.body["seed"] == 7 and json_call.body["max_completion_tokens"] == 60
    anthropic_calls = [r for r in fake.requests if r.path == "/v1/messages"]
    assert anthropic_calls and all(r.model == "fake-tools-json" for r in anthropic_calls)
    a_tool = next(r for r in anthropic_calls if "Task 00" in json.dumps(r.body))
    # the gateway translated the tool to Anthropic's shape
    assert a_tool.body["tools"][0]["name"] == "get_weather"
    assert a_tool.body["tools"][0]["input_schema"]["required"] == ["city", "unit"]
    assert a_tool.body["tool_choice"] == {"type": "auto"}
    a_json = next(r for r in anthropic_calls if "Task 01" in json.dumps(r.body))
    assert "response_format" not in a_json.body  # dropped on the Anthropic route
    # the conversation after the tool call went with production's tool result in place
    after = next(r for r in openai_calls if f"Task {N:02d}" in json.dumps(r.body))
    roles = [m["role"] for m in after.body["messages"]]
    assert roles == ["user", "assistant", "tool"]
    assert after.body["messages"][2]["content"] == '{"temp": 3}'

    # --- what SQLite holds: tool calls as such, checks per answer
    rows = {(r.prompt_id, r.model): r for r in store.responses(rec.run_id)}
    assert len(rows) == (N + 1) * 4
    by_task = {}
    for p in store.prompts():
        task = int(re.search(r"Task (\d+)", json.dumps(p.messages)).group(1))
        by_task[task] = p.id
    tool_row = rows[(by_task[0], ANTHROPIC)]
    calls = tool_row.tool_calls
    assert calls[0]["name"] == "get_weather"
    assert json.loads(calls[0]["arguments"]) == instance_of(WEATHER["function"]["parameters"])
    assert calls[0]["id"]
    assert tool_row.checks == {"tool_arguments": True, "tool_offered": True}
    assert rows[(by_task[1], FAITHFUL)].checks == {
        "json_schema": True,
        "json_valid": True,
    }
    assert rows[(by_task[1], NO_SCHEMA)].checks == {
        "json_schema": False,
        "json_valid": False,
    }
    assert all(r.cost_usd > 0 for r in rows.values() if r.tool_calls)
    assert all(s.quality is not None for s in store.scores(rec.run_id))

    # --- the verdict: the judge likes every answer alike, the checks decide
    by_model = {c.model: c for c in rec.comparisons}
    assert by_model[FAITHFUL].status == "qualifies"
    for dropped in (NO_SCHEMA, ANTHROPIC):
        c = by_model[dropped]
        assert c.status == "fails"
        assert c.quality_change.estimate == pytest.approx(0.0)
        assert c.cost_change.estimate < by_model[FAITHFUL].cost_change.estimate
        assert any("JSON output fits the schema" in r for r in c.reasons)
        assert c.check_changes["json_valid"].estimate == pytest.approx(-100.0)
    assert rec.decision == "switch" and rec.recommended_model == FAITHFUL
    summaries = {m.model: m for m in rec.models}
    assert summaries[NO_SCHEMA].checks["json_schema"].rate == 0.0
    assert summaries[FAITHFUL].checks["json_schema"].rate == 1.0
    assert summaries[FAITHFUL].checks["json_schema"].total == N // 2
    assert summaries[FAITHFUL].tool_call_rate == pytest.approx((N // 2 + 1) / (N + 1))
    assert "no candidate" not in rec.reasoning
    # the report says which logged fields never reached the Anthropic-route model
    assert rec.not_forwarded == {ANTHROPIC: ["response_format", "seed"]}

    # --- the terminal report gives each model's pass rates with their intervals
    from rich.console import Console

    from whichmodel.report.terminal import print_recommendation

    console = Console(record=True, width=140)
    print_recommendation(rec, console)
    text = console.export_text()
    (tmp_path / "report.txt").write_text(text)
    assert "JSON output fits the schema" in text and "0% [0%, 28%] 0/10" in text
    assert "100% [72%, 100%] 10/10" in text

    # --- the HTML report shows the pass rates and the tool calls
    page = render_html(run_report(store, rec.run_id))
    assert "<h2>Checks</h2>" in page and "JSON output fits the schema" in page
    assert "calls <b>get_weather</b>" in page
    assert "tool get_weather" in page  # the offered tool, with its schema
    assert "failed: JSON output fits the schema" in page
    assert "the gateway does not send response_format, seed to its provider" in page


def production_answers(store, run_id):
    """Each task's answer from a run's baseline, as log fields (response body, cost,
    latency): a production that answered exactly as the baseline answers now."""
    out = {}
    for p in store.prompts():
        task = int(re.search(r"Task (\d+)", json.dumps(p.messages)).group(1))
        row = next(
            r for r in store.responses(run_id) if r.prompt_id == p.id and r.model == BASE
        )
        calls = row.tool_calls or []
        message = {"role": "assistant", "content": row.text or None}
        if calls:
            message["tool_calls"] = [
                {
                    "id": c["id"],
                    "type": "function",
                    "function": {"name": c["name"], "arguments": c["arguments"]},
                }
                for c in calls
            ]
        usage = row.usage
        out[task] = {
            "response": {
                "object": "chat.completion",
                "model": "fake-tools-json-base",
                "choices": [
                    {"index": 0, "message": message, "finish_reason": row.finish_reason}
                ],
                "usage": {
                    "prompt_tokens": usage["prompt_tokens"],
                    "completion_tokens": usage["completion_tokens"],
                },
            },
            "cost_usd": row.cost_usd,
            "latency_ms": row.latency_ms,
            "created_at": f"2026-11-{1 + task:02d}T09:00:00Z",
        }
    return [out[i] for i in range(N + 1)]


async def test_baseline_from_history_calls_no_baseline_and_decides_the_same(
    gateway, judged_fake, tmp_path
):
    fake = judged_fake
    # production's answers: what the baseline answers today (a first run records them)
    first = Store(tmp_path / "first.db")
    write_history(tmp_path / "requests.jsonl")
    import_history(first, tmp_path / "requests.jsonl")
    seed = await run_evaluation(first, settings_for(gateway, fake, [FAITHFUL]))
    write_history(tmp_path / "history.jsonl", production_answers(first, seed.run_id))

    store = Store(tmp_path / "w.db")
    imported = import_history(store, tmp_path / "history.jsonl")
    assert imported.answers == N + 1
    candidates = [FAITHFUL, NO_SCHEMA]
    fake.clear()
    called = await run_evaluation(store, settings_for(gateway, fake, candidates, cache=False))
    assert fake.count(model="fake-tools-json-base") == N + 1
    fake.clear()
    history = await run_evaluation(
        store, settings_for(gateway, fake, candidates, baseline_from_history=True, cache=False)
    )
    assert fake.count(model="fake-tools-json-base") == 0  # production already answered

    assert history.baseline_source == "history" and called.baseline_source == "calls"
    assert history.decision == called.decision == "switch"
    assert history.recommended_model == called.recommended_model == FAITHFUL
    for a, b in zip(history.comparisons, called.comparisons, strict=True):
        # everything but the latency, which is measured on each call
        same = {"reasons", "latency_p95_ms"}
        assert a.model_dump(exclude=same) == b.model_dump(exclude=same)
    base_h, base_c = history.models[0], called.models[0]
    assert base_h.cost_usd == pytest.approx(base_c.cost_usd)
    assert base_h.quality == base_c.quality and base_h.checks == base_c.checks
    assert "logged cost" in base_h.price_note
    rows = store.responses(history.run_id)
    assert {r.origin for r in rows if r.model == BASE} == {"history"}
    # the report (and the dashboard, which draws the same page) and the advisor say so
    page = render_html(run_report(store, history.run_id))
    assert "production: fake-tools-json-base, 2026-11-01T09:00:00 UTC" in page
    assert "the answer production gave (from history)" in page
    assert "Baseline: the answers production gave, from history" in page
    answer = verdict_answer(history)
    assert f"Prompts: {N + 1} of {N + 1} prompts" in answer
    assert "Baseline: the answers production gave, from history (answers from history: " in answer


async def test_drift_check_recalls_some_and_reports_stale_history(gateway, judged_fake, tmp_path):
    fake = judged_fake
    store = Store(tmp_path / "w.db")
    stale = [
        {
            "response": {
                "object": "chat.completion",
                "model": "fake-tools-json-base",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "old answer"},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 10, "completion_tokens": 2},
            },
            "cost_usd": 0.0001,
        }
        for _ in range(N + 1)
    ]
    write_history(tmp_path / "history.jsonl", stale)
    import_history(store, tmp_path / "history.jsonl")

    def judge(body, path, headers):
        # stored answers ("old answer") score lower than anything answered today
        text = json.dumps(body["messages"])
        q = (
            0.3
            if "old answer" in text
            else json.loads(judge_responder(body, path, headers))["accuracy"]
        )
        return json.dumps(
            {
                "request": "score",
                "accuracy": q,
                "relevance": q,
                "clarity": q,
                "refused": False,
                "rationale": "drift",
            }
        )

    fake.set("judge", responder=judge)
    rec = await run_evaluation(
        store,
        settings_for(gateway, fake, [FAITHFUL], baseline_from_history=True, drift_check=5),
    )
    assert fake.count(model="fake-tools-json-base") == 5
    assert rec.drift is not None and rec.drift.prompts == 5 and rec.drift.within == 0
    assert rec.drift.quality_change.low > 5 and rec.drift.stale
    assert any("history looks stale" in w for w in rec.warnings)
    # the fresh answers are reported, never compared as a candidate
    assert [c.model for c in rec.comparisons] == [FAITHFUL]
