"""The deterministic checks of structured output and tool calls, and what they mean for
the verdict."""

import json

import pytest

from whichmodel.verdict.checks import check_changes, normalized, run_checks, wilson
from whichmodel.verdict.drift import drift_check

SCHEMA = {
    "type": "object",
    "properties": {"summary": {"type": "string"}, "priority": {"type": "integer"}},
    "required": ["summary", "priority"],
}
JSON_SCHEMA = {"response_format": {"type": "json_schema", "json_schema": {"schema": SCHEMA}}}
TOOLS = {
    "tools": [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
            },
        }
    ]
}


def call(name, args):
    return {
        "id": "c1",
        "name": name,
        "arguments": args if isinstance(args, str) else json.dumps(args),
    }


def test_json_output_parses_and_fits_the_schema():
    good = json.dumps({"summary": "late", "priority": 2})
    assert run_checks(JSON_SCHEMA, good, []) == {"json_valid": True, "json_schema": True}
    wrong = json.dumps({"summary": "late", "priority": "high"})
    assert run_checks(JSON_SCHEMA, wrong, []) == {"json_valid": True, "json_schema": False}
    assert run_checks(JSON_SCHEMA, "Sure! Here it is: {", []) == {
        "json_valid": False,
        "json_schema": False,
    }
    assert run_checks({"response_format": {"type": "json_object"}}, "[1]", []) == {
        "json_valid": True
    }
    assert run_checks(None, "plain text", []) == {}  # nothing asked, nothing checked


def test_a_schema_nobody_can_apply_is_not_the_answers_fault():
    broken = {"response_format": {"type": "json_schema", "json_schema": {"schema": {"type": 5}}}}
    assert run_checks(broken, "{}", [])["json_schema"] is True


def test_tool_calls_name_an_offered_tool_with_arguments_that_fit():
    assert run_checks(TOOLS, "", [call("get_weather", {"city": "Oslo"})]) == {
        "tool_offered": True,
        "tool_arguments": True,
    }
    assert run_checks(TOOLS, "", [call("get_time", {"city": "Oslo"})])["tool_offered"] is False
    assert run_checks(TOOLS, "", [call("get_weather", {"town": "Oslo"})])["tool_arguments"] is False
    assert run_checks(TOOLS, "", [call("get_weather", '{"city": "Os')])["tool_arguments"] is False
    # answering in words where a tool was offered passes the call checks
    assert run_checks(TOOLS, "It is sunny.", []) == {"tool_offered": True, "tool_arguments": True}


def test_against_production_same_tool_same_arguments_same_keys():
    prod = {"text": "", "tool_calls": [call("get_weather", '{\n "city": "Oslo", "n": 1.0}')]}
    same = run_checks(TOOLS, "", [call("get_weather", {"n": 1, "city": "Oslo"})], prod)
    assert same["same_tool"] and same["same_arguments"]
    other = run_checks(TOOLS, "", [call("get_weather", {"city": "Bergen"})], prod)
    assert other["same_tool"] and not other["same_arguments"]
    words = run_checks(TOOLS, "It is sunny.", [], prod)
    assert words["same_tool"] is False and "same_arguments" not in words
    prod_json = {"text": json.dumps({"summary": "x", "priority": 1}), "tool_calls": []}
    assert run_checks(JSON_SCHEMA, json.dumps({"priority": 3, "summary": "y"}), [], prod_json)[
        "same_keys"
    ]
    assert not run_checks(JSON_SCHEMA, json.dumps({"summary": "y"}), [], prod_json)["same_keys"]


def test_normalized_json_ignores_key_order_and_number_form():
    assert normalized({"b": [1.0, {"y": 2, "x": 3.5}], "a": 1}) == normalized(
        {"a": 1.0, "b": [1, {"x": 3.5, "y": 2.0}]}
    )
    assert normalized({"a": 1.5}) != normalized({"a": 1})


def test_wilson_interval():
    assert wilson(0, 0) == (0.0, 1.0)
    low, high = wilson(10, 10)
    assert high == pytest.approx(1.0) and 0.69 < low < 0.73
    low, high = wilson(5, 10)
    assert low == pytest.approx(1 - high)


def pairs(n, base_pass, cand_pass, check="json_schema"):
    return [({check: i < base_pass}, {check: i < cand_pass}) for i in range(n)]


def test_a_surely_worse_check_fails_the_candidate_and_is_named():
    changes, failed, open_ = check_changes(pairs(40, 40, 20), margin=0.02)
    assert changes["json_schema"].estimate == pytest.approx(-50.0)
    assert failed and "JSON output fits the schema" in failed[0] and not open_


def test_few_prompts_or_a_wide_interval_leave_it_open():
    _, failed, open_ = check_changes(pairs(6, 6, 0), margin=0.02)
    assert not failed and "on only 6 prompts" in open_[0]
    _, failed, open_ = check_changes(pairs(40, 40, 39), margin=0.02)
    assert not failed and "may be below" in open_[0]
    _, failed, open_ = check_changes(pairs(40, 30, 40), margin=0.02)  # better: fine
    assert not failed and not open_


def test_drift_between_stored_and_fresh_answers():
    rows = []
    for i in range(12):
        rows.append({"model": "b", "prompt_id": f"p{i}", "status": "ok", "quality": 0.8})
        rows.append({"model": "b (fresh)", "prompt_id": f"p{i}", "status": "ok", "quality": 0.8})
    same = drift_check(rows, "b", "b (fresh)", tolerance=0.05)
    assert same.prompts == 12 and same.within == 12 and not same.stale
    worse = [dict(r, quality=0.5) if r["model"] == "b (fresh)" else r for r in rows]
    drifted = drift_check(worse, "b", "b (fresh)", tolerance=0.05)
    assert drifted.within == 0 and drifted.stale and drifted.quality_change.high < -5
    assert drift_check([r for r in rows if r["model"] == "b"], "b", "b (fresh)", 0.05) is None
