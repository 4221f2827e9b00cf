"""Each stored row as a typed record: ``row()`` encodes the JSON columns and the 0/1
flags as SQLite holds them, ``from_row`` decodes them again."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import fields

import pytest

from whichmodel.records.answers import (
    AnswerRecord,
    BatchRecord,
    ControlRecord,
    PairwiseRecord,
    ScoreRecord,
)

ANSWER = AnswerRecord(
    run_id="run0001",
    prompt_id="p1",
    model="portkey/openai/gpt-4o-mini",
    status="ok",
    text="Paris — la capitale",
    finish_reason="tool_calls",
    input_tokens=120,
    cached_tokens=100,
    output_tokens=12,
    usage={"prompt_tokens": 120, "prompt_tokens_details": {"cached_tokens": 100}},
    latency_ms=812.5,
    cost_usd=0.000123,
    price_source="genai-prices",
    refused=True,
    refusal_reason="phrase",
    refusal_kind="partial",
    trace_id="wm-run0001-p1",
    cache_hit=True,
    gateway={"x-portkey-cache-status": "HIT"},
    tool_calls=[{"id": "c1", "name": "get_weather", "arguments": '{"city": "Paris"}'}],
    origin="call",
    checks={"tool_offered": {"passed": True}},
    created_at="2025-03-04 05:06:07",
)
SCORE = ScoreRecord(
    run_id="run0001",
    prompt_id="p1",
    model="portkey/openai/gpt-4o-mini",
    judge="portkey/openai/gpt-4o",
    status="scored",
    rationale="correct",
    raw='{"request": "score"}',
    attempts=2,
    accuracy=0.9,
    relevance=0.8,
    clarity=0.7,
    quality=0.815,
    refused=False,
    cache_hit=True,
    samples=[0.8, None, 0.83],
    spread=0.015,
)
PAIR = PairwiseRecord(
    run_id="run0001",
    prompt_id="p1",
    model="portkey/google/gemini-2.0-flash-lite",
    judge="portkey/openai/gpt-4o",
    status="scored",
    first="B",
    second="A",
    outcome=1,
    consistent=1,
)
CONTROL = ControlRecord(
    run_id="run0001",
    position=0,
    prompt_id="p1",
    kind="good_vs_bad",
    good_score=0.9,
    other_score=0.2,
    passed=True,
    cost_usd=0.002,
    detail={"bad": "a wrong answer"},
)
BATCH = BatchRecord(
    key="run0001:answers:gpt-4o-mini:1",
    run_id="run0001",
    part="answers",
    model="portkey/openai/gpt-4o-mini",
    status="submitted",
    batch_id="batch_1",
    items=40,
    estimate_usd=0.2,
)
RECORDS = [ANSWER, SCORE, PAIR, CONTROL, BATCH]


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: type(r).__name__)
def test_a_record_survives_its_row(record) -> None:
    assert type(record).from_row(record.row()) == record


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: type(r).__name__)
def test_a_record_survives_a_real_sqlite_table(record, tmp_path) -> None:
    """Its row holds only what SQLite stores (text, numbers, NULL) and reads back the same."""
    row = record.row()
    conn = sqlite3.connect(tmp_path / "records.db")
    conn.row_factory = sqlite3.Row
    conn.execute(f"create table t ({', '.join(row)})")
    conn.execute(f"insert into t values ({', '.join('?' * len(row))})", list(row.values()))
    stored = dict(conn.execute("select * from t").fetchone())
    conn.close()
    assert type(record).from_row(stored) == record


def test_json_columns_are_json_text_and_flags_are_zero_or_one() -> None:
    row = ANSWER.row()
    assert json.loads(row["tool_calls"])[0]["arguments"] == '{"city": "Paris"}'
    assert json.loads(row["usage"])["prompt_tokens_details"] == {"cached_tokens": 100}
    assert "Paris — la capitale" == row["text"]  # text columns are not JSON
    assert (row["refused"], row["cache_hit"]) == (1, 1)
    assert type(row["refused"]) is int
    score = SCORE.row()
    assert score["samples"] == "[0.8, null, 0.83]"
    assert (score["refused"], score["cache_hit"]) == (0, 1)
    assert CONTROL.row()["passed"] == 1 and CONTROL.row()["detail"] == '{"bad": "a wrong answer"}'


def test_non_ascii_json_is_stored_as_written() -> None:
    record = AnswerRecord(
        run_id="r", prompt_id="p", model="m", status="ok", checks={"clé": "écrit"}
    )
    assert record.row()["checks"] == '{"clé": "écrit"}'


def test_flags_read_back_as_booleans_and_an_unknown_flag_stays_unknown() -> None:
    row = {**SCORE.row(), "refused": None, "cache_hit": 0}
    score = ScoreRecord.from_row(row)
    assert score.refused is None  # the judge gave no refusal flag: not False
    assert score.cache_hit is False
    assert ScoreRecord.from_row({**SCORE.row(), "refused": 1}).refused is True
    assert ScoreRecord.from_row(SCORE.row()).row()["refused"] == 0


def test_empty_json_columns_read_as_none_or_the_fields_default() -> None:
    answer = AnswerRecord.from_row(
        {**ANSWER.row(), "usage": None, "tool_calls": "", "checks": None}
    )
    assert (answer.usage, answer.tool_calls, answer.checks) == (None, None, None)
    control = ControlRecord.from_row({**CONTROL.row(), "detail": None})
    assert control.detail == {}  # its default, not None
    assert AnswerRecord(run_id="r", prompt_id="p", model="m", status="ok").row()["usage"] is None


def test_columns_a_row_lacks_take_their_defaults_and_unknown_columns_are_ignored() -> None:
    """A row of an older database lacks the columns added since; a newer one may hold
    columns this version does not know."""
    row = {"run_id": "r", "prompt_id": "p", "model": "m", "status": "error", "future": "x"}
    answer = AnswerRecord.from_row(row)
    assert answer == AnswerRecord(run_id="r", prompt_id="p", model="m", status="error")
    assert answer.refused is False and answer.cost_usd is None and not answer.ok
    assert ANSWER.ok


def test_every_field_is_a_column() -> None:
    for record in RECORDS:
        assert list(record.row()) == [f.name for f in fields(record)]
    assert set(PairwiseRecord.JSON) == set() and set(ScoreRecord.FLAGS) == {"refused", "cache_hit"}
