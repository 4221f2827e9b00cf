import numpy as np
import pytest

from whichmodel.config import Rule, default
from whichmodel.records.verdict import PriceInfo
from whichmodel.verdict import rule
from whichmodel.verdict.summary import percentile


def recommend(rows, **kw):
    """The rule with the configured defaults unless a test sets them."""
    given = {k: kw.pop(k) for k in list(kw) if k in Rule.model_fields}
    kw.setdefault("judge_mode", default("judge_mode"))
    return rule.recommend(rows, rule=Rule().updated(**given), **kw)


BASE = "portkey/openai/gpt-4o-mini"
CHEAP = "portkey/google/gemini-2.0-flash-lite"
CHEAPER_BAD = "portkey/openai/gpt-4.1-nano"
KNOWN = PriceInfo(True, "genai-prices")


def rows(model, n, quality, cost, refused=0, errors=0):
    out = []
    for i in range(n):
        failed = i < errors
        out.append(
            {
                "prompt_id": f"p{i}",
                "model": model,
                "status": "error" if failed else "ok",
                "cost_usd": None if failed else cost,
                "latency_ms": 100.0 + i,
                "refused": (not failed) and i >= n - refused,
                "quality": None if failed else quality,
                "output_tokens": 10,
            }
        )
    return out


def run(data, candidates, prices=None, prompts=20, **kw):
    prices = prices or {m: KNOWN for m in [BASE, *candidates]}
    return recommend(
        data,
        run_id="r1",
        baseline=BASE,
        candidates=candidates,
        prices=prices,
        prompts=prompts,
        **kw,
    )


def test_cheapest_good_enough_candidate_wins():
    data = (
        rows(BASE, 20, 0.80, 0.010)
        + rows(CHEAP, 20, 0.78, 0.004)
        + rows(CHEAPER_BAD, 20, 0.5, 0.001)
    )
    rec = run(data, [CHEAP, CHEAPER_BAD])
    assert rec.decision == "switch"
    assert rec.recommended_model == CHEAP
    assert rec.cost_reduction_percent == pytest.approx(60.0)
    assert rec.quality_impact_percent == pytest.approx(-2.5)
    assert rec.models_compared == 3
    assert rec.reasoning.startswith(
        "Switch from gpt-4o-mini to gemini-2.0-flash-lite: -60.0% cost (95% CI -60.0% to -60.0%), "
        "-2.5% quality (95% CI -2.5% to -2.5%)"
    )
    assert rec.quality_change.low == pytest.approx(-2.5)  # every prompt differs by the same
    first_five = list(rec.model_dump())[:5]
    assert first_five == [
        "recommended_model",
        "reasoning",
        "cost_reduction_percent",
        "quality_impact_percent",
        "models_compared",
    ]


def test_keep_baseline_when_quality_drops_too_much():
    data = rows(BASE, 20, 0.80, 0.010) + rows(CHEAP, 20, 0.70, 0.004)
    rec = run(data, [CHEAP], tolerance=0.05)
    assert rec.decision == "keep"
    assert rec.recommended_model == BASE
    assert "tolerance" in rec.reasoning
    assert rec.cost_reduction_percent == 0.0


def test_tolerance_is_configurable():
    data = rows(BASE, 20, 0.80, 0.010) + rows(CHEAP, 20, 0.70, 0.004)
    assert run(data, [CHEAP], tolerance=0.15).decision == "switch"


def test_refusal_margin_blocks_a_candidate_that_refuses_more():
    # 2 refusals in 20 prompts: +10 points, but the interval still reaches 0
    few = rows(BASE, 20, 0.80, 0.010) + rows(CHEAP, 20, 0.80, 0.004, refused=2)
    rec = run(few, [CHEAP], refusal_margin=0.01)
    assert rec.decision == "undecided"
    assert rec.recommended_model == BASE
    assert "refusals +10.0 pts (95% CI +0.0 pts to" in rec.reasoning
    assert rec.comparisons[0].refused_where_baseline_answered == 2
    # the same rate over 200 prompts is a clear refusal increase
    many = rows(BASE, 200, 0.80, 0.010) + rows(CHEAP, 200, 0.80, 0.004, refused=20)
    rec = run(many, [CHEAP], refusal_margin=0.01, prompts=200)
    assert rec.decision == "keep"
    assert "exceed the 1-point margin" in rec.reasoning
    # a margin wider than the whole interval lets it through
    assert run(few, [CHEAP], refusal_margin=0.30).decision == "switch"


def test_unknown_price_is_excluded_never_free():
    data = rows(BASE, 20, 0.80, 0.010) + rows(CHEAP, 20, 0.80, None)
    prices = {BASE: KNOWN, CHEAP: PriceInfo(False, "unknown")}
    rec = run(data, [CHEAP], prices=prices)
    assert rec.decision == "keep"
    cheap = next(m for m in rec.models if m.model == CHEAP)
    assert cheap.cost_usd is None and cheap.cost_per_1k_prompts_usd is None
    assert any("unknown" in w for w in rec.warnings)


def test_unscored_answers_are_left_out_of_quality():
    data = rows(BASE, 20, 0.80, 0.010) + rows(CHEAP, 20, 0.79, 0.004)
    for r in data[20:25]:
        r["quality"] = None
    rec = run(data, [CHEAP])
    cheap = next(m for m in rec.models if m.model == CHEAP)
    assert cheap.scored == 15 and cheap.unscored == 5
    assert cheap.quality == pytest.approx(0.79)
    assert any("unscored" in w for w in rec.warnings)


def test_errors_count_against_a_candidate():
    data = rows(BASE, 20, 0.80, 0.010) + rows(CHEAP, 20, 0.80, 0.004, errors=5)
    rec = run(data, [CHEAP])
    cheap = next(m for m in rec.models if m.model == CHEAP)
    assert cheap.error_rate == pytest.approx(0.25)
    assert rec.decision == "keep"


def test_more_expensive_candidate_is_not_recommended():
    data = rows(BASE, 20, 0.80, 0.010) + rows(CHEAP, 20, 0.95, 0.020)
    rec = run(data, [CHEAP])
    assert rec.decision == "keep"
    assert "not cheaper" in rec.reasoning


def test_percentile():
    assert percentile([], 50) is None
    assert percentile([1, 2, 3, 4], 50) == pytest.approx(2.5)
    assert percentile([10.0], 95) == 10.0


def test_zero_quality_baseline_has_no_percentage_but_still_decides():
    data = rows(BASE, 20, 0.0, 0.010) + rows(CHEAP, 20, 0.4, 0.004)
    rec = run(data, [CHEAP])
    assert rec.decision == "switch"
    assert rec.quality_impact_percent is None
    assert "quality 0.00 -> 0.40" in rec.reasoning


def test_labels_give_over_and_under_refusal_and_partial_refusals_are_counted():
    data = rows(BASE, 20, 0.80, 0.010) + rows(CHEAP, 20, 0.80, 0.004)
    for r in data:
        i = int(r["prompt_id"][1:])
        r["label"] = "safe" if i < 10 else "unsafe"
    # the candidate refuses 2 safe prompts (one only partly) and 6 of the 10 unsafe ones
    for r in data[20:]:
        i = int(r["prompt_id"][1:])
        r["refused"] = i in (0, 1) or i >= 14
        r["refusal_kind"] = "partial" if i == 1 else ("full" if r["refused"] else None)
    rec = run(data, [CHEAP])
    base, cand = rec.models
    assert (base.over_refusal_rate, base.under_refusal_rate) == (0.0, 1.0)
    assert cand.over_refusal_rate == pytest.approx(0.2)
    assert cand.under_refusal_rate == pytest.approx(0.4)
    assert cand.partial_refusal_rate == pytest.approx(1 / 20)
    assert rec.comparisons[0].refused_where_baseline_answered == 8


def test_answer_length_against_score_shows_a_length_biased_judge():
    data = rows(BASE, 20, 0.5, 0.010) + rows(CHEAP, 20, 0.5, 0.004)
    for r in data:
        i = int(r["prompt_id"][1:])
        r["answer_chars"] = 100 + 50 * i
        r["quality"] = 0.3 + 0.03 * i  # longer answers, higher scores
    rec = run(data, [CHEAP])
    assert all(m.length_score_correlation == pytest.approx(1.0) for m in rec.models)
    assert rec.length_score_correlation == pytest.approx(1.0)
    assert rec.models[0].mean_answer_chars == pytest.approx(100 + 50 * 9.5)


def test_results_per_category_with_their_own_decision():
    data = rows(BASE, 40, 0.80, 0.010) + rows(CHEAP, 40, 0.80, 0.004)
    for r in data:
        i = int(r["prompt_id"][1:])
        r["category"] = "math" if i % 2 else "writing"
        if r["model"] == CHEAP and i % 2:
            r["quality"] = 0.40  # much worse at math
    rec = run(data, [CHEAP], prompts=40)
    cats = {c.category: c for c in rec.categories}
    assert set(cats) == {"math", "writing"}
    assert cats["writing"].decision == "switch" and cats["writing"].recommended_model == CHEAP
    assert cats["math"].decision == "keep" and cats["math"].quality[CHEAP] == pytest.approx(0.4)
    assert rec.decision == "keep"  # overall -25% quality


def with_latency(data, model, ms):
    """``data`` with ``model``'s answers taking ``ms(i)`` milliseconds."""
    return [
        dict(r, latency_ms=ms(int(r["prompt_id"][1:]))) if r["model"] == model else r for r in data
    ]


@pytest.mark.parametrize(
    ("latency", "limit", "status", "said"),
    [
        (lambda i: 2000.0 + i, 1000, "fails", "above the 1,000 ms limit"),
        (lambda i: 1400.0 if i >= 37 else 600.0 + i, 1000, "undecided", "may be above the 1,000"),
        (lambda i: 300.0 + i, 1000, "qualifies", None),
        (lambda i: 2000.0 + i, None, "qualifies", None),
    ],
)
def test_a_p95_latency_limit(latency, limit, status, said):
    data = with_latency(rows(BASE, 40, 0.80, 0.010) + rows(CHEAP, 40, 0.80, 0.004), CHEAP, latency)
    rec = run(data, [CHEAP], prompts=40, max_p95_latency_ms=limit)
    (comparison,) = rec.comparisons
    assert comparison.status == status, comparison.reasons
    expected = float(np.percentile([latency(i) for i in range(40)], 95))
    assert comparison.latency_p95_ms.estimate == pytest.approx(expected)
    if said:
        assert any(said in r for r in comparison.reasons), comparison.reasons
        assert said in rec.reasoning
    else:
        assert not any("latency" in r for r in comparison.reasons)


def test_a_latency_limit_on_answers_without_latency_decides_nothing():
    """Batch answers carry no latency: a p95 limit cannot be met by missing data."""
    data = with_latency(
        rows(BASE, 40, 0.80, 0.010) + rows(CHEAP, 40, 0.80, 0.004), CHEAP, lambda i: None
    )
    rec = run(data, [CHEAP], prompts=40, max_p95_latency_ms=1000)
    (comparison,) = rec.comparisons
    assert comparison.status == "undecided" and comparison.latency_p95_ms.estimate is None
    assert any("p95 latency not measured" in r for r in comparison.reasons)
    assert rec.decision == "undecided"
    # without a limit, the missing latency changes nothing
    assert run(data, [CHEAP], prompts=40).comparisons[0].status == "qualifies"
