"""A run's answers as columns: what is read is what reads back, in little memory."""

from __future__ import annotations

import numpy as np
import pytest

from whichmodel.verdict.rows import FIELDS, NO_CHECKS, Answers


def answer(i: int, **fields):
    return {"prompt_id": f"p{i}", "model": "m", "status": "ok", "quality": i / 1000, **fields}


def test_a_text_column_widens_past_one_byte_and_every_value_reads_back():
    answers = Answers.of(answer(i) for i in range(70_000))
    assert answers.code("prompt_id").dtype == np.uint32
    assert answers.code("model").dtype == np.uint8
    assert [answers.row(i)["prompt_id"] for i in (0, 255, 256, 65_535, 65_536, 69_999)] == [
        "p0",
        "p255",
        "p256",
        "p65535",
        "p65536",
        "p69999",
    ]
    picked = answers.take(np.array([69_999, 3]))
    assert [r["prompt_id"] for r in picked] == ["p69999", "p3"]
    assert list(picked.number("quality")) == [69.999, 0.003]


def test_a_selection_keeps_positions_and_shares_the_columns():
    answers = Answers.of([answer(i, category="a" if i % 2 else "b") for i in range(10)])
    odd = answers.take(answers.has("category", "a"))
    again = odd.take(np.array([True, False, True, False, False]))
    assert [r["prompt_id"] for r in again] == ["p1", "p5"]
    assert again.code("category").tolist() == odd.code("category")[[0, 2]].tolist()
    assert answers.take(answers.has("category", "nowhere")).distinct("model") == []


def test_figures_and_checks_no_answer_has_read_back_as_missing():
    """A pointwise run has no preferences and a batch no latencies: those columns, and
    check results when no answer has any, read back as missing, not as zeros."""
    answers = Answers.of([answer(1), answer(2, latency_ms=0.0), answer(3)])
    assert np.isnan(answers.number("preference")).all() and len(answers.number("preference")) == 3
    assert answers.known("latency_ms").tolist() == [False, True, False]
    assert all(c is NO_CHECKS for c in answers.checks)
    row = answers.row(0)
    assert set(row) == set(FIELDS) and row["preference"] is None and row["refused"] is None
    checked = Answers.of([answer(1), answer(2, checks={"json": True}), answer(3)])
    assert [dict(c) for c in checked.checks] == [{}, {"json": True}, {}]
    assert checked.take(np.array([2])).row(0)["checks"] is NO_CHECKS


def test_answers_match_by_prompt_in_the_others_order_and_the_last_answer_counts():
    answers = Answers.of(
        [
            answer(1, model="base", quality=0.1),
            answer(2, model="base", quality=0.2),
            answer(1, model="base", quality=0.9),
            answer(3, model="cand"),
            answer(1, model="cand"),
            answer(2, model="cand"),
        ]
    )
    base = answers.take(answers.has("model", "base"))
    cand = answers.take(answers.has("model", "cand"))
    mine, theirs = base.matched(cand)
    assert theirs.tolist() == [1, 2]  # p3 has no baseline answer
    assert base.number("quality")[mine].tolist() == [0.9, 0.2]
    with pytest.raises(ValueError, match="read separately"):
        base.matched(Answers.of([answer(1)]))
