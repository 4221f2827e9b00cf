"""The advisor's answers as sentences, facts first: each names the run it comes from."""

from __future__ import annotations

from tests.verdicts import BASE, CAND, OTHER, category, comparison, keep, recommendation, summary
from whichmodel.records.verdict import Interval, JudgeControls
from whichmodel.report.answers import (
    category_answer,
    headline,
    model_lines,
    refusal_answer,
    rule,
    savings_answer,
    verdict_answer,
    why,
)


def test_the_headline_states_the_decision_its_model_and_the_run() -> None:
    assert headline(recommendation()) == (
        "Use gemini-2.0-flash-lite: switch from gpt-4o-mini (run run0001)."
    )
    assert headline(keep()) == "Keep gpt-4o-mini (run run0001)."


def test_an_undecided_verdict_says_how_many_prompts_would_decide() -> None:
    rec = keep(decision="undecided", prompts_needed=1200)
    assert headline(rec) == (
        "Keep gpt-4o-mini for now: the data cannot decide yet (run run0001); "
        "about 1,200 prompts would decide."
    )
    assert headline(keep(decision="undecided")).endswith("cannot decide yet (run run0001).")


def test_a_run_that_could_not_compare_recommends_nothing() -> None:
    rec = keep(decision="undecided", unmeasured="the baseline never answered")
    assert headline(rec) == (
        "No recommendation from run run0001: it could not compare the models (the baseline "
        "never answered). Keep gpt-4o-mini until a run can."
    )


def test_why_drops_the_decision_the_headline_already_states() -> None:
    assert why(recommendation()).startswith("-60.0% cost (95% CI -60.0% to -60.0%)")
    assert why(keep()) == "Gemini-2.0-flash-lite loses too much quality."
    other = keep(reasoning="No candidate is cheaper: nothing to switch to.")
    assert why(other) == "No candidate is cheaper: nothing to switch to."


def test_the_verdict_answer_has_the_rule_the_models_and_the_notes() -> None:
    rec = recommendation(judge_controls=JudgeControls(passed=8, total=8))
    lines = verdict_answer(rec).splitlines()
    assert lines[0] == headline(rec)
    assert lines[1].endswith("(tolerance 5.0%, refusal margin 1.0%)")
    assert lines[2] == model_lines(rec)
    assert lines[3] == "Judge controls: 8/8 passed."
    assert rule(rec.model_copy(update={"rule": rec.rule.updated(tolerance=0.02)})) == (
        "tolerance 2.0%, refusal margin 1.0%"
    )


def test_model_lines_read_an_unknown_price_as_unknown() -> None:
    cand = summary(CAND, cost_usd=None, cost_per_1k_prompts_usd=None, quality=None)
    text = model_lines(recommendation(models=[summary(BASE), cand]))
    assert text == (
        "Per 1,000 prompts: gpt-4o-mini (baseline) $10.00, quality 0.800, refusals 0.0%, "
        "errors 0.0%, scored 40/40; gemini-2.0-flash-lite (candidate) unknown, quality -, "
        "refusals 0.0%, errors 0.0%, scored 40/40."
    )


def test_savings_of_a_switch_at_a_volume() -> None:
    assert savings_answer(recommendation(), 1000, stated="1k a day") == (
        "At 1,000 requests a day (30,000 a month, from your '1k a day'), gpt-4o-mini costs "
        "$300.00 a month and gemini-2.0-flash-lite $120.00: switching would save $180.00 a "
        "month (run run0001, from the measured cost per 1,000 prompts)."
    )


def test_savings_without_a_switch_use_the_cheapest_candidate_and_say_not_yet() -> None:
    dear = summary(OTHER, cost_per_1k_prompts_usd=20.0)
    rec = keep(models=[summary(BASE), dear, summary(CAND)])
    text = savings_answer(rec, 1000)
    assert "gemini-2.0-flash-lite $120.00: switching would save $180.00" in text
    assert text.endswith(
        "But the verdict is not to switch to gemini-2.0-flash-lite yet (see above)."
    )


def test_a_dearer_model_would_spend_not_save() -> None:
    rec = recommendation(models=[summary(BASE), summary(CAND, cost_per_1k_prompts_usd=12.5)])
    assert "switching would spend $75.00 a month" in savings_answer(rec, 1000)


def test_savings_with_unknown_prices_say_which_price_is_missing() -> None:
    unpriced = summary(CAND, cost_usd=None, cost_per_1k_prompts_usd=None, price_known=False)
    assert savings_answer(keep(models=[summary(BASE), unpriced]), 1000) == (
        "No candidate of run run0001 has a known cost: set [prices] in whichmodel.toml."
    )
    base = summary(BASE, cost_usd=None, cost_per_1k_prompts_usd=None, price_known=False)
    assert savings_answer(recommendation(models=[base, summary(CAND)]), 1000) == (
        "At 1,000 requests a day (30,000 a month), the monthly cost is unknown: run run0001 "
        "has no price for gpt-4o-mini."
    )


def test_a_category_answer_gives_its_decision_quality_and_reasons() -> None:
    math = category("math", comparisons=[comparison(status="fails", reasons=["quality -5.0%"])])
    writing = category("writing", decision="switch", recommended_model=CAND)
    rec = recommendation(categories=[math, writing])
    assert category_answer(rec, "MATH") == (
        "In math (20 prompts of run run0001) the verdict is undecided gpt-4o-mini. Mean "
        "quality there: gpt-4o-mini 0.800, gemini-2.0-flash-lite 0.760. Why: "
        "gemini-2.0-flash-lite: quality -5.0%."
    )
    assert category_answer(rec, "writing").startswith(
        "In writing (20 prompts of run run0001) the verdict is switch to gemini-2.0-flash-lite."
    )


def test_an_unknown_category_lists_the_runs_categories() -> None:
    rec = recommendation(categories=[category("math"), category("writing")])
    assert category_answer(rec, "legal") == (
        "Run run0001 has no category 'legal' (its categories: math, writing)."
    )
    assert category_answer(recommendation(), "legal").endswith("(its categories: none).")


def test_refusals_per_model_vs_the_baseline_and_by_label() -> None:
    comp = comparison(
        refusal_change=Interval(estimate=2.5, low=0.0, high=7.5),
        refused_where_baseline_answered=1,
    )
    models = [
        summary(BASE, over_refusal_rate=0.0, under_refusal_rate=0.1),
        summary(CAND, refusal_rate=0.025, over_refusal_rate=0.05, under_refusal_rate=0.0),
    ]
    lines = refusal_answer(recommendation(models=models, comparisons=[comp])).splitlines()
    assert lines == [
        "Refusals in run run0001: gpt-4o-mini 0.0%, gemini-2.0-flash-lite 2.5% of answers.",
        "gemini-2.0-flash-lite vs gpt-4o-mini: +2.5 pts refusals (95% CI +0.0 pts to +7.5 pts); "
        "it refused 1 prompt(s) the baseline answered.",
        "gpt-4o-mini refused 0.0% of safe prompts and answered 10.0% of unsafe ones.",
        "gemini-2.0-flash-lite refused 5.0% of safe prompts and answered 0.0% of unsafe ones.",
    ]


def test_a_run_with_only_safe_labels_claims_nothing_about_unsafe_prompts() -> None:
    """``under_refusal_rate`` is None when no prompt is labelled unsafe (as
    ``over_refusal_rate`` is with no safe one): that is unknown, not 0%."""
    models = [
        summary(BASE, over_refusal_rate=0.0, under_refusal_rate=None),
        summary(CAND, over_refusal_rate=0.05, under_refusal_rate=None),
    ]
    text = refusal_answer(recommendation(models=models))
    assert "refused 5.0% of safe prompts" in text
    assert "answered 0.0% of unsafe" not in text
