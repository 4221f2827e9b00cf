"""The plain text the advisor's tools return: every block names the run its figures
come from."""

from __future__ import annotations

import pytest

from tests.fakes import make_results_db
from tests.verdicts import BASE, CAND, JUDGE, recommendation, summary
from whichmodel.records.verdict import JudgeControls
from whichmodel.report.text import (
    compare_text,
    recommendation_text,
    runs_text,
    worse_examples_text,
)
from whichmodel.results.decide import HOW_TO_MAKE_A_RUN
from whichmodel.results.questions import RunLine, compare, worse_examples


@pytest.fixture
def results(tmp_path):
    store, run_id = make_results_db(tmp_path / "w.db")
    yield store, run_id
    store.close()


def test_a_recommendation_names_its_run_and_rule_then_each_model() -> None:
    lines = recommendation_text(recommendation()).splitlines()
    assert lines[0].startswith(
        "Run run0001 (tolerance 5.0%, refusal margin 1.0%): Switch from gpt-4o-mini"
    )
    assert lines[1:] == [
        "- gpt-4o-mini (baseline): cost/1k prompts $10.00, quality 0.800, refusals 0.0%, "
        "errors 0.0%, scored 40/40",
        "- gemini-2.0-flash-lite (candidate): cost/1k prompts $4.00, quality 0.780, "
        "refusals 0.0%, errors 0.0%, scored 40/40",
    ]


def test_an_unknown_price_and_quality_read_unknown_and_a_dash() -> None:
    cand = summary(CAND, cost_usd=None, cost_per_1k_prompts_usd=None, quality=None, scored=0)
    text = recommendation_text(recommendation(models=[summary(BASE), cand]))
    assert "cost/1k prompts unknown, quality -, refusals 0.0%, errors 0.0%, scored 0/40" in text
    assert "$0" not in text.split("gemini-2.0-flash-lite (candidate)")[1]


def test_savings_at_a_volume_and_the_notes_follow_the_models() -> None:
    rec = recommendation(judge_controls=JudgeControls(passed=8, total=8))
    lines = recommendation_text(rec, requests_per_day=1000).splitlines()
    assert lines[-2:] == [
        "Judge controls: 8/8 passed.",
        "At 1,000 requests/day (30,000/month): gpt-4o-mini costs $300.00/month, "
        "gemini-2.0-flash-lite $120.00/month, savings $180.00/month.",
    ]


def test_savings_with_an_unknown_price_read_unknown() -> None:
    base = summary(BASE, cost_usd=None, cost_per_1k_prompts_usd=None)
    text = recommendation_text(recommendation(models=[base, summary(CAND)]), 1000)
    assert "gpt-4o-mini costs unknown/month" in text and "savings unknown/month" in text


def test_no_runs_tell_how_to_make_one() -> None:
    assert runs_text([]) == HOW_TO_MAKE_A_RUN
    assert "whichmodel eval --baseline" in runs_text([])


def test_each_run_is_a_line_with_its_verdict() -> None:
    line = {
        "created_at": "2025-03-04T05:06:07.123",
        "prompt_count": 40,
        "baseline": BASE,
        "candidates": [CAND, "portkey/anthropic/claude-3-5-haiku"],
        "judge": JUDGE,
        "error": None,
    }
    runs = [
        RunLine(id="run0002", status="running", decision=None, recommended_model=None, **line),
        RunLine(
            id="run0001", status="completed", decision="switch", recommended_model=CAND, **line
        ),
    ]
    assert runs_text(runs).splitlines() == [
        "run run0002 (2025-03-04T05:06, running, 40 prompts): baseline gpt-4o-mini, "
        "candidates gemini-2.0-flash-lite, claude-3-5-haiku; no recommendation",
        "run run0001 (2025-03-04T05:06, completed, 40 prompts): baseline gpt-4o-mini, "
        "candidates gemini-2.0-flash-lite, claude-3-5-haiku; recommends gemini-2.0-flash-lite",
    ]


def test_two_models_compared_overall_and_per_category(results) -> None:
    store, run_id = results
    lines = compare_text(compare(store, "gpt-4o-mini", "gemini", run_id)).splitlines()
    assert lines[0] == "Run run0001: gpt-4o-mini vs gemini-2.0-flash-lite"
    assert lines[1] == (
        "overall: gpt-4o-mini quality 0.800, cost $0.4000, answers 40; "
        "gemini-2.0-flash-lite quality 0.780, cost $0.1600, answers 40"
    )
    assert lines[2].startswith("math: gpt-4o-mini quality 0.800, cost $0.2000, answers 20; ")
    assert lines[2].endswith("gemini-2.0-flash-lite quality 0.760, cost $0.0800, answers 20")
    assert lines[3].startswith("writing: ")


def test_worse_examples_show_both_answers_and_the_judge(results) -> None:
    store, run_id = results
    text = worse_examples_text(worse_examples(store, CAND, run_id, limit=2))
    lines = text.splitlines()
    assert lines[0] == "Run run0001: prompts where gemini-2.0-flash-lite scored below gpt-4o-mini:"
    assert sum(line.startswith("- prompt ") for line in lines) == 2
    assert "(math): 'question 1'" in text  # the first math prompt is one of the worse
    assert "  gpt-4o-mini (0.80): 'portkey/openai/gpt-4o-mini answer 1'" in lines
    assert "  judge: scored 0.7" in lines


def test_a_candidate_never_worse_says_so() -> None:
    result = {"run_id": "run0001", "baseline": BASE, "candidate": CAND, "examples": []}
    assert worse_examples_text(result) == (
        "Run run0001: gemini-2.0-flash-lite never scored below gpt-4o-mini."
    )


def test_long_texts_are_cut_to_the_width() -> None:
    example = {
        "id": "p1",
        "category": None,
        "prompt": "q" * 500,
        "base_q": 0.9,
        "base_text": "b" * 500,
        "cand_q": 0.5,
        "cand_text": None,
        "cand_rationale": None,
    }
    result = {"run_id": "r", "baseline": BASE, "candidate": CAND, "examples": [example]}
    text = worse_examples_text(result, width=10)
    assert f"- prompt p1 (uncategorised): {'q' * 10!r}" in text
    assert f"gpt-4o-mini (0.90): {'b' * 10!r}" in text
    assert "gemini-2.0-flash-lite (0.50): ''" in text
    assert "q" * 11 not in text
