"""What a verdict says, as data: intervals and controls in words, and the
recommendation's JSON, old and new."""

from __future__ import annotations

import json

import pytest

from tests.verdicts import BASE, CAND, recommendation
from whichmodel.config import Rule
from whichmodel.records.verdict import Interval, JudgeControls, Recommendation, short


def test_an_interval_in_a_sentence() -> None:
    value = Interval(estimate=-1.8, low=-4.0, high=0.4)
    assert value.text(label="quality") == "-1.8% quality (95% CI -4.0% to +0.4%)"
    assert value.text(" pts", digits=2) == "-1.80 pts (95% CI -4.00 pts to +0.40 pts)"
    assert Interval(estimate=2.0).text(label="cost") == "+2.0% cost"
    assert Interval(estimate=None).text(label="cost") == "cost unknown"
    assert Interval(estimate=None).text() == "unknown"


def test_the_judge_controls_in_words() -> None:
    assert JudgeControls(passed=8, total=8).text() == "judge controls: 8/8 passed"
    assert JudgeControls(passed=3, total=8, trusted=False).text() == "judge controls: 3/8 passed"
    assert JudgeControls(skipped=True).text() == "judge controls: skipped (--no-judge-controls)"
    assert JudgeControls().text() == "judge controls: none could be made (no answered prompt)"


def test_short_names_drop_the_gateway_and_provider_only() -> None:
    assert short("portkey/openai/gpt-4o-mini") == "gpt-4o-mini"
    assert short("portkey/together/meta-llama/Llama-3-8b") == "meta-llama/Llama-3-8b"
    assert short("local/smollm2.gguf") == "local/smollm2.gguf"


def test_the_rule_is_also_at_the_top_of_the_json() -> None:
    """Readers of the stored JSON (scripts, the HTTP API's clients) find the rule's
    settings at the top, as before the rule was one field."""
    rule = Rule(tolerance=0.02, refusal_margin=0.03, check_margin=0.04, max_p95_latency_ms=900)
    data = recommendation(rule=rule).model_dump(mode="json")
    assert data["rule"] == {
        "tolerance": 0.02,
        "refusal_margin": 0.03,
        "error_margin": 0.02,
        "check_margin": 0.04,
        "max_p95_latency_ms": 900.0,
    }
    top = {k: data[k] for k in ("tolerance", "refusal_margin", "check_margin")}
    assert top == {"tolerance": 0.02, "refusal_margin": 0.03, "check_margin": 0.04}
    assert data["max_p95_latency_ms"] == 900.0
    assert recommendation().model_dump()["max_p95_latency_ms"] is None


def test_a_verdict_survives_its_own_json() -> None:
    rec = recommendation(rule=Rule(tolerance=0.02))
    again = Recommendation.model_validate_json(rec.model_dump_json())
    assert again == rec
    assert again.rule.tolerance == 0.02


def test_an_old_verdict_with_the_rule_at_the_top_is_read() -> None:
    """A verdict stored before the rule was one field has no ``"rule"`` key: its
    settings were at the top, and they are its rule."""
    data = recommendation().model_dump(mode="json")
    del data["rule"]
    data.update(tolerance=0.1, refusal_margin=0.02, check_margin=None, max_p95_latency_ms=None)
    old = Recommendation.model_validate(data)
    assert old.rule == Rule(tolerance=0.1, refusal_margin=0.02)  # None: the default
    assert old.tolerance == 0.1 and old.check_margin == Rule().check_margin


def test_an_old_verdict_without_any_rule_setting_has_the_default_rule() -> None:
    data = recommendation().model_dump(mode="json")
    for key in ("rule", "tolerance", "refusal_margin", "check_margin", "max_p95_latency_ms"):
        del data[key]
    assert Recommendation.model_validate_json(json.dumps(data)).rule == Rule()


def test_the_rule_key_wins_over_the_copies_at_the_top() -> None:
    """The copies at the top are written for readers, not read back: a dump edited at
    the top only does not change the rule."""
    data = recommendation().model_dump(mode="json")
    data["tolerance"] = 0.3
    assert Recommendation.model_validate(data).rule.tolerance == Rule().tolerance


def test_a_verdict_out_of_the_rules_range_is_refused() -> None:
    data = recommendation().model_dump(mode="json")
    del data["rule"]
    data["tolerance"] = 5
    with pytest.raises(ValueError, match="tolerance"):
        Recommendation.model_validate(data)


def test_a_verdicts_defaults_are_those_of_a_pointwise_run_from_calls() -> None:
    rec = recommendation()
    assert rec.judge_mode == "pointwise" and rec.baseline_source == "calls"
    assert rec.drift is None and rec.judge_controls is None and rec.unmeasured is None
    assert rec.categories == [] and rec.warnings == [] and rec.overrides == {}
    assert [m.model for m in rec.models] == [BASE, CAND]
