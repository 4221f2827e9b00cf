"""The records a run starts from: a history item, production's answer, the stored
prompt and the run itself (with the settings it was started with)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from whichmodel.config import Rule, default
from whichmodel.records.runs import HistoryItem, Production, Prompt, Run

MESSAGES = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Capital of France?"},
]
CALL = {"id": "c1", "name": "lookup", "arguments": '{"q": "France"}'}


def test_production_keeps_each_figure_only_with_the_type_it_must_have() -> None:
    """A log may hold anything: a count as text, a flag where a cost belongs. Such a
    value is left out (unknown), never coerced into a wrong figure."""
    production = Production.of(
        {
            "text": "Paris",
            "input_tokens": "120",  # a count as text: dropped
            "cached_tokens": True,  # a bool is not a count: dropped
            "output_tokens": 3,
            "cost_usd": "0.01",  # a cost as text: dropped
            "latency_ms": False,  # a bool is not a figure: dropped
        }
    )
    assert production.text == "Paris"
    assert (production.input_tokens, production.cached_tokens) == (None, None)
    assert production.output_tokens == 3
    assert (production.cost_usd, production.latency_ms) == (None, None)


def test_production_keeps_whole_and_decimal_figures_and_names_as_text() -> None:
    production = Production.of(
        {
            "cost_usd": 1,
            "latency_ms": 812.5,
            "input_tokens": 12.0,  # a count must be a whole int, not a float
            "model": "gpt-4o-mini",
            "finish_reason": "stop",
            "trace_id": 42,
            "logged_at": "2025-03-04T05:06:07Z",
        }
    )
    assert (production.cost_usd, production.latency_ms) == (1, 812.5)
    assert production.input_tokens is None
    assert production.model == "gpt-4o-mini" and production.finish_reason == "stop"
    assert production.trace_id == "42"
    assert production.logged_at == "2025-03-04T05:06:07Z"


def test_production_without_text_or_calls_has_empty_ones() -> None:
    production = Production.of({"text": None, "tool_calls": None, "provider": None})
    assert production == Production()
    assert production.text == "" and production.tool_calls == [] and production.provider is None


def test_the_source_given_wins_over_the_one_in_the_values() -> None:
    assert Production.of({"source": "jsonl"}).source == "jsonl"
    assert Production.of({"source": "jsonl"}, source="portkey").source == "portkey"


def test_a_history_item_from_the_keys_of_a_history_line() -> None:
    item = HistoryItem.of(
        {
            "messages": MESSAGES,
            "reference": "Paris",
            "category": "geo",
            "label": "safe",
            "id": "req-42",
            "request": {"temperature": 0.2},
            "metadata": {"team": "search"},
            "production": {"text": "Paris.", "tool_calls": [CALL], "output_tokens": "2"},
        },
        source="openai",
    )
    assert item.messages == MESSAGES and item.messages is not MESSAGES
    assert (item.reference, item.category, item.label) == ("Paris", "geo", "safe")
    assert item.external_id == "req-42"
    assert item.request == {"temperature": 0.2} and item.metadata == {"team": "search"}
    assert item.source == "openai"
    assert item.production == Production(text="Paris.", tool_calls=[CALL], source="openai")
    assert item.production.output_tokens is None  # "2" was text: dropped


def test_a_bare_history_item_has_no_request_metadata_or_production() -> None:
    item = HistoryItem.of({"messages": MESSAGES, "request": {}, "metadata": {}, "production": {}})
    assert (item.request, item.metadata, item.production) == (None, None, None)
    assert item.external_id is None and item.source is None
    assert HistoryItem.of({"messages": MESSAGES, "source": "portkey"}).source == "portkey"
    with pytest.raises(KeyError):
        HistoryItem.of({"prompt": "no messages"})


def test_a_prompt_reads_its_json_columns() -> None:
    row = {
        "id": "p1",
        "messages": json.dumps(MESSAGES),
        "reference": "Paris",
        "category": "geo",
        "request": json.dumps({"tools": []}),
        "metadata": "",
        "created_at": "2025-03-04 05:06:07",
    }
    prompt = Prompt.from_row(row)
    assert prompt.messages == MESSAGES
    assert prompt.request == {"tools": []}
    assert prompt.metadata is None  # empty text: nothing stored
    assert (prompt.label, prompt.external_id, prompt.source) == (None, None, None)


def test_production_reads_its_stored_row() -> None:
    row = {"text": None, "tool_calls": json.dumps([CALL]), "model": "gpt-4o", "cost_usd": 0.01}
    production = Production.from_row(row)
    assert production == Production(text="", tool_calls=[CALL], model="gpt-4o", cost_usd=0.01)
    assert Production.from_row({"tool_calls": None}).tool_calls == []


RUN = Run(
    id="run0001",
    baseline="portkey/openai/gpt-4o-mini",
    candidates=["portkey/google/gemini-2.0-flash-lite", "portkey/anthropic/claude-3-5-haiku"],
    judge="portkey/openai/gpt-4o",
    settings={"tolerance": 0.02, "judge_mode": "pairwise", "db": "w.db"},
    prices={"portkey/openai/gpt-4o-mini": {"known": True, "source": "genai-prices"}},
    selection={"description": "a random sample of 10"},
    prompt_count=10,
    status="completed",
    created_at="2025-03-04 05:06:07",
    finished_at="2025-03-04 05:16:07",
)


def test_a_run_survives_its_row() -> None:
    row = RUN.row()
    assert json.loads(row["candidates"]) == RUN.candidates
    assert json.loads(row["settings"])["tolerance"] == 0.02
    assert Run.from_row(row) == RUN


def test_a_run_stores_paths_in_its_settings_as_text() -> None:
    run = Run(id="r", baseline="b", candidates=["c"], judge="j", settings={"db": Path("w.db")})
    assert json.loads(run.row()["settings"]) == {"db": "w.db"}


def test_an_old_run_row_reads_with_the_defaults_of_columns_it_lacks() -> None:
    row = {
        "id": "r0",
        "baseline": "b",
        "candidates": '["c"]',
        "judge": "j",
        "settings": None,
        "prompt_count": None,
        "status": None,
    }
    run = Run.from_row(row)
    assert run.settings == {} and run.prices is None and run.selection is None
    assert run.prompt_count == 0 and run.status == "running"
    assert run.models == ["b", "c"]


def test_a_run_gives_its_own_settings_and_rule() -> None:
    assert RUN.setting("judge_mode") == "pairwise"
    assert RUN.rule == Rule(tolerance=0.02)
    assert RUN.models == [RUN.baseline, *RUN.candidates]


def test_a_run_stored_before_a_setting_existed_gets_its_default() -> None:
    """Runs made by older versions lack the settings added since: they read as the
    default, so a stored run is decided again the way it was started."""
    old = Run(id="r0", baseline="b", candidates=["c"], judge="j", settings={"tolerance": 0.1})
    assert old.setting("judge_mode") == default("judge_mode") == "pointwise"
    assert old.setting("judge_controls") == default("judge_controls")
    assert old.rule.tolerance == 0.1
    assert old.rule.refusal_margin == default("refusal_margin")
    assert old.rule.max_p95_latency_ms is None
    assert Run(id="r", baseline="b", candidates=[], judge="j").rule == Rule()
