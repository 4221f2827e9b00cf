"""The HTML report's pieces for structured output and tools: the checks table, the
notes, the tools a request offered, an answer's tool calls and checks, production's
own answer and the judge's agreement with people."""

from __future__ import annotations

import json

from tests.report.page import row, rows, text
from tests.verdicts import BASE, CAND, recommendation, summary
from whichmodel.records.runs import Production
from whichmodel.records.verdict import CheckRate, JudgeControls
from whichmodel.report.html_checks import (
    answer_extras,
    checks_table,
    judge_check_section,
    notes,
    production_line,
    request_block,
)

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather <now>",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


def test_no_check_no_table() -> None:
    assert checks_table(recommendation()) == ""


def test_the_checks_table_gives_each_models_pass_rate_and_the_margin() -> None:
    json_ok = CheckRate(passed=19, total=20, rate=0.95, low=0.764, high=0.991)
    tool_ok = CheckRate(passed=10, total=10, rate=1.0, low=0.722, high=1.0)
    models = [
        summary(BASE, checks={"json_valid": json_ok, "tool_offered": tool_ok}),
        summary(CAND, checks={"json_valid": json_ok}),
    ]
    rec = recommendation(models=models)
    html = checks_table(rec.model_copy(update={"rule": rec.rule.updated(check_margin=0.05)}))
    assert html.startswith("<h2>Checks</h2>")
    assert rows(html) == [
        ["check", "gpt-4o-mini", "gemini-2.0-flash-lite"],
        ["JSON output parses", "95% [76%, 99%] 19/20", "95% [76%, 99%] 19/20"],
        ["tool call names an offered tool", "100% [72%, 100%] 10/10", "-"],
    ]
    assert "surely more than 5 points below the baseline's" in text(html)


def test_notes_are_escaped_paragraphs_and_nothing_without_a_verdict() -> None:
    assert notes(None) == ""
    rec = recommendation(
        sample="prompts <b>tagged</b>", judge_controls=JudgeControls(passed=8, total=8)
    )
    assert notes(rec) == (
        '<p class="note">Prompts: prompts &lt;b&gt;tagged&lt;/b&gt;.</p>'
        '<p class="note">Judge controls: 8/8 passed.</p>'
    )


def test_a_request_shows_its_tools_and_its_response_format() -> None:
    schema = {"type": "json_schema", "json_schema": {"name": "answer", "schema": {}}}
    html = request_block({"tools": [WEATHER, "not a tool"], "response_format": schema})
    words = text(html)
    assert "tool get_weather Weather <now>" in words  # escaped in the HTML, shown as is
    assert "&lt;now&gt;" in html
    assert '"city"' in words
    assert words.count("tool ") == 1  # the malformed tool is left out
    assert "response format" in words and '"name": "answer"' in words


def test_a_plain_request_shows_nothing() -> None:
    assert request_block(None) == ""
    assert request_block({}) == ""
    assert request_block({"response_format": {"type": "text"}}) == ""


def test_an_answers_tool_calls_and_failed_checks_are_marked() -> None:
    call = {"id": "c1", "name": "get_weather", "arguments": '{"city": "Paris"}'}
    row = {"tool_calls": json.dumps([call]), "checks": {"json_valid": True, "same_tool": False}}
    html = answer_extras(row)
    assert text(html).startswith('calls get_weather {"city": "Paris"}')
    assert '<span class="tag err">failed: same tool as production</span>' in html
    assert '<span class="tag">JSON output parses</span>' in html


def test_tool_calls_stored_as_a_list_or_as_broken_json() -> None:
    call = {"id": "c1", "name": "lookup", "arguments": "{}"}
    assert "calls lookup" in text(answer_extras({"tool_calls": [call]}))
    assert answer_extras({"tool_calls": "{not json"}) == ""


def test_an_answer_from_history_says_so() -> None:
    assert text(answer_extras({"origin": "history"})) == (
        "the answer production gave (from history)"
    )
    assert answer_extras({"origin": "call"}) == ""


def test_the_production_line_names_who_answered_and_when() -> None:
    production = Production(
        provider="openai", model="gpt-4o-mini", logged_at="2025-03-04 05:06", trace_id="t-1"
    )
    assert text(production_line(production)) == (
        "production: openai / gpt-4o-mini, 2025-03-04 05:06 UTC, trace t-1"
    )
    assert text(production_line(Production(text="hi"))) == "production: unknown model"
    assert production_line(None) == ""


def test_the_judge_check_section_gives_each_figure_signed() -> None:
    check = {
        "id": "jc01",
        "judge": "portkey/openai/gpt-4o",
        "labels": "labels<1>.jsonl",
        "kind": "pairwise",
        "figures": {"items": 50, "judged": 48, "agreement": 0.8125, "kappa": -0.05, "tau": None},
    }
    html = judge_check_section(check)
    assert html.startswith("<h2>The judge against people</h2>")
    assert rows(html)[1:] == [["agreement", "+0.812"], ["kappa", "-0.050"], ["tau", "-"]]
    assert row(html, "agreement") == ["agreement", "+0.812"]
    assert (
        "whichmodel judge-check jc01 of portkey/openai/gpt-4o on labels<1>.jsonl: "
        "pairwise labels, 48 of 50 items judged."
    ) in text(html)
    assert "labels&lt;1&gt;.jsonl" in html
    assert judge_check_section(None) == ""
