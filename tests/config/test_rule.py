"""The decision rule: read from settings or a stored run's settings, changed one field
at a time, each change checked with a message the CLI prints as one line."""

from __future__ import annotations

import pytest

from whichmodel.config import Rule, Settings
from whichmodel.errors import ConfigError

DEFAULTS = {
    "tolerance": 0.05,
    "refusal_margin": 0.01,
    "error_margin": 0.02,
    "check_margin": 0.02,
    "max_p95_latency_ms": None,
}


def test_the_default_rule() -> None:
    assert Rule().model_dump() == DEFAULTS


def test_the_rule_of_settings_is_their_rule_fields(no_config) -> None:
    settings = Settings(tolerance=0.1, check_margin=0.05, max_p95_latency_ms=800, concurrency=2)
    rule = Rule.of(settings)
    assert type(rule) is Rule
    assert rule.model_dump() == {
        **DEFAULTS,
        "tolerance": 0.1,
        "check_margin": 0.05,
        "max_p95_latency_ms": 800.0,
    }
    assert settings.rule == rule


def test_the_rule_of_a_mapping_takes_defaults_for_fields_it_lacks() -> None:
    """A run stored before a field of the rule existed is decided with its default."""
    stored = {"tolerance": 0.03, "judge_mode": "pairwise", "weights": {"accuracy": 1}}
    assert Rule.of(stored) == Rule(tolerance=0.03)
    assert Rule.of({}) == Rule()


def test_updated_changes_the_given_fields_and_ignores_none() -> None:
    rule = Rule(tolerance=0.03)
    changed = rule.updated(tolerance=None, refusal_margin=0.05, max_p95_latency_ms=None)
    assert changed == Rule(tolerance=0.03, refusal_margin=0.05)
    assert rule == Rule(tolerance=0.03)  # the rule itself is unchanged
    assert rule.updated() == rule
    assert Rule(max_p95_latency_ms=500).updated(max_p95_latency_ms=None).max_p95_latency_ms == 500


def test_updated_accepts_the_bounds_themselves() -> None:
    assert Rule().updated(tolerance=0.0).tolerance == 0.0
    assert Rule().updated(refusal_margin=1.0).refusal_margin == 1.0


def test_an_unknown_field_is_refused_by_name() -> None:
    with pytest.raises(ConfigError) as exc:
        Rule().updated(tolerence=0.1, judge_mode=1)
    assert str(exc.value) == "Not a setting of the decision rule: judge_mode, tolerence."


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("tolerance", 5),
        ("tolerance", -0.1),
        ("refusal_margin", 2),
        ("error_margin", 3),
        ("check_margin", -1),
    ],
)
def test_a_share_out_of_range_is_refused_in_one_line_naming_the_option(name, value) -> None:
    with pytest.raises(ConfigError) as exc:
        Rule().updated(**{name: value})
    message = str(exc.value)
    assert message.startswith(f"{name} is a share between 0 and 1 (")
    assert message.endswith(f"; got {value}.")
    assert "\n" not in message


def test_the_tolerance_message_says_what_the_tolerance_is() -> None:
    with pytest.raises(ConfigError) as exc:
        Rule().updated(tolerance=5)
    assert "Accepted quality loss versus the baseline (0.05 = 5%)" in str(exc.value)


@pytest.mark.parametrize("value", [0, -1])
def test_a_latency_limit_must_be_above_zero(value) -> None:
    with pytest.raises(ConfigError) as exc:
        Rule().updated(max_p95_latency_ms=value)
    assert str(exc.value) == f"max_p95_latency_ms is a number of milliseconds above 0; got {value}."
