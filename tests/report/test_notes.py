"""The notes under a verdict (how the prompts were chosen, whose answers stood for the
baseline, drift, overridden fields, the judge's controls) and the routing policy's lines."""

from __future__ import annotations

from tests.fakes import make_results_db
from tests.verdicts import BASE, CAND, OTHER, recommendation, summary
from whichmodel.records.verdict import CategoryResult, DriftCheck, Interval, JudgeControls
from whichmodel.report.notes import routing_lines, run_notes
from whichmodel.results.routing import routing_policy
from whichmodel.verdict.routing import RoutingPolicy


def test_a_plain_run_has_no_notes() -> None:
    assert run_notes(recommendation()) == []


def test_a_sampled_run_says_how_its_prompts_were_chosen() -> None:
    rec = recommendation(sample="a random sample of 50 of 1,000 prompts (seed 7)")
    assert run_notes(rec) == ["Prompts: a random sample of 50 of 1,000 prompts (seed 7)."]


def test_a_baseline_from_history_is_noted_with_its_price_note() -> None:
    base = summary(BASE, price_note="costs as logged by production")
    rec = recommendation(baseline_source="history", models=[base, summary(CAND)])
    assert run_notes(rec) == [
        "Baseline: the answers production gave, from history (costs as logged by production)."
    ]
    rec = recommendation(baseline_source="history")  # no price note: nothing in brackets
    assert run_notes(rec) == ["Baseline: the answers production gave, from history."]


def test_a_drift_check_reads_its_counts_and_interval() -> None:
    drift = DriftCheck(
        prompts=12, within=11, quality_change=Interval(estimate=-1.0, low=-3.0, high=1.0)
    )
    rec = recommendation(baseline_source="history", drift=drift)
    assert run_notes(rec)[-1] == (
        "Drift check: gpt-4o-mini answered again on 12 prompts; 11 scored within the "
        "tolerance of the stored answer; quality -1.0% [-3.0%, +1.0%]."
    )


def test_a_stale_drift_check_warns_that_the_history_looks_stale() -> None:
    drift = DriftCheck(
        prompts=12,
        within=3,
        quality_change=Interval(estimate=-12.0, low=-18.0, high=-7.5),
        stale=True,
    )
    note = run_notes(recommendation(baseline_source="history", drift=drift))[-1]
    assert note.endswith("quality -12.0% [-18.0%, -7.5%]; the history looks stale.")


def test_overridden_and_unforwarded_fields_are_named_per_model() -> None:
    rec = recommendation(
        overrides={CAND: ["temperature", "max_tokens"]},
        not_forwarded={OTHER: ["logit_bias"]},
    )
    assert run_notes(rec) == [
        "gemini-2.0-flash-lite: its settings overrode the logged temperature, max_tokens.",
        "claude-3-5-haiku: the gateway does not send logit_bias to its provider, so the "
        "prompts that logged it reached the model without it.",
    ]


def test_the_judge_controls_read_as_a_sentence() -> None:
    passed = recommendation(judge_controls=JudgeControls(passed=8, total=8))
    assert run_notes(passed) == ["Judge controls: 8/8 passed."]
    skipped = recommendation(judge_controls=JudgeControls(skipped=True))
    assert run_notes(skipped) == ["Judge controls: skipped (--no-judge-controls)."]
    none = recommendation(judge_controls=JudgeControls())
    assert run_notes(none) == ["Judge controls: none could be made (no answered prompt)."]


def test_notes_come_in_a_fixed_order() -> None:
    rec = recommendation(
        sample="the last 7 days",
        baseline_source="history",
        drift=DriftCheck(prompts=4, within=4),
        overrides={CAND: ["temperature"]},
        judge_controls=JudgeControls(passed=7, total=8),
    )
    heads = [note.split(":")[0] for note in run_notes(rec)]
    assert heads == [
        "Prompts",
        "Baseline",
        "Drift check",
        "gemini-2.0-flash-lite",
        "Judge controls",
    ]
    assert "quality unknown." in run_notes(rec)[2]  # a drift check with no interval yet


def test_a_routing_policy_names_each_route_and_what_it_changes(tmp_path) -> None:
    """The results database: writing prompts qualify on their own, math ones do not."""
    store, run_id = make_results_db(tmp_path / "w.db")
    try:
        lines = routing_lines(routing_policy(store, run_id))
    finally:
        store.close()
    assert lines[0] == (
        "Routing by category: writing -> gemini-2.0-flash-lite; anything else -> gpt-4o-mini."
    )
    assert lines[1].startswith(
        "Mixed policy vs gpt-4o-mini alone, on the run's 40 prompts (20 routed): -30.0% cost"
    )
    assert len(lines) == 2


def test_a_routing_policy_that_routes_nothing_says_why() -> None:
    unmeasured = RoutingPolicy(
        route_by="team",
        routes={},
        baseline=BASE,
        groups=[],
        prompts=0,
        routed_prompts=0,
        unmeasured="the judge scored every answer the same",
    )
    assert routing_lines(unmeasured) == [
        "Routing by team: nothing routed (the judge scored every answer the same)."
    ]
    group = CategoryResult(
        category="math",
        prompts=20,
        quality={BASE: 0.8, CAND: 0.76},
        refusal_rate={BASE: 0.0, CAND: 0.0},
        comparisons=[],
        recommended_model=BASE,
        decision="undecided",
    )
    no_route = unmeasured.model_copy(update={"unmeasured": None, "groups": [group]})
    assert routing_lines(no_route) == [
        "Routing by team: no group switches on its own (math: undecided); everything stays "
        "on gpt-4o-mini."
    ]
    no_group = unmeasured.model_copy(update={"unmeasured": None})
    assert "(no groups)" in routing_lines(no_group)[0]
