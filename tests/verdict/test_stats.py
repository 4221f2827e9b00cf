import random

import pytest

from whichmodel.verdict.stats import (
    MIN_PROMPTS,
    Pair,
    correlation,
    non_inferiority,
    paired_comparison,
)


def pairs(
    n, base_q, cand_q, *, noise=0.0, base_cost=0.01, cand_cost=0.004, refusals=(0, 0), seed=1
):
    """n prompts; qualities drawn around the given means; refusals: (base, cand) counts."""
    rng = random.Random(seed)

    def q(mean):
        return min(1.0, max(0.0, mean + rng.uniform(-noise, noise)))

    return [
        Pair(
            base_quality=q(base_q),
            cand_quality=q(cand_q),
            base_cost=base_cost,
            cand_cost=cand_cost,
            base_refused=i < refusals[0],
            cand_refused=i < refusals[1],
        )
        for i in range(n)
    ]


def verdict(ps, tolerance=0.05, margin=0.02):
    result = paired_comparison(ps)
    return result, non_inferiority(result, ps, tolerance=tolerance, refusal_margin=margin)


def test_clear_win_qualifies_with_intervals_inside_the_bounds():
    ps = pairs(200, 0.80, 0.80, noise=0.05)
    result, v = verdict(ps)
    q = result.quality_change_percent
    assert q.low < q.estimate < q.high
    assert q.low > -5  # the whole interval is above -tolerance
    assert result.cost_change_percent.estimate == pytest.approx(-60.0)
    assert v.status == "qualifies" and v.reasons == []


def test_clear_loss_fails_when_the_whole_interval_is_below_tolerance():
    ps = pairs(200, 0.80, 0.60, noise=0.05)
    result, v = verdict(ps)
    assert result.quality_change_percent.high < -5
    assert v.status == "fails"
    assert "below the -5% tolerance" in v.reasons[0]


def test_noisy_small_sample_is_undecided_and_says_how_many_prompts_would_decide():
    ps = pairs(30, 0.80, 0.79, noise=0.4, seed=3)
    result, v = verdict(ps)
    q = result.quality_change_percent
    assert q.low < -5 < q.high  # straddles the bound
    assert v.status == "undecided"
    assert "straddles" in v.reasons[0]
    assert v.prompts_needed is not None and v.prompts_needed > 30
    # and that many prompts do decide it (the same spread, more prompts)
    more = pairs(v.prompts_needed * 2, 0.80, 0.79, noise=0.4, seed=3)
    assert verdict(more)[1].status != "undecided"


def test_too_few_prompts_never_qualify():
    ps = pairs(MIN_PROMPTS - 1, 0.8, 0.8)
    _, v = verdict(ps)
    assert v.status == "undecided"
    assert v.prompts_needed >= MIN_PROMPTS


def test_refusal_increase_beyond_the_margin_fails():
    ps = pairs(100, 0.8, 0.8, refusals=(0, 30))
    result, v = verdict(ps)
    assert result.refusal_change_points.estimate == pytest.approx(30.0)
    assert result.refusal_change_points.low > 2
    assert v.status == "fails" and any("refusals" in r for r in v.reasons)


def test_more_expensive_candidate_fails():
    ps = pairs(100, 0.8, 0.8, cand_cost=0.02)
    _, v = verdict(ps)
    assert v.status == "fails" and any("not cheaper" in r for r in v.reasons)


def test_unknown_cost_is_unknown_never_zero():
    ps = pairs(100, 0.8, 0.8, cand_cost=None)
    result, v = verdict(ps)
    assert result.cost_change_percent.estimate is None
    assert "cost unknown" in v.reasons


def test_intervals_are_reproducible_and_paired():
    ps = pairs(50, 0.7, 0.72, noise=0.2, seed=9)
    assert paired_comparison(ps) == paired_comparison(ps)
    # pairing: a candidate exactly 0.1 better on every prompt has a zero-width interval,
    # however much prompts differ from each other
    shifted = [
        Pair(q, q + 0.1, 1.0, 0.5, False, False)
        for q in (random.Random(i).uniform(0.1, 0.8) for i in range(40))
    ]
    diff = paired_comparison(shifted).quality_difference
    assert diff.low == pytest.approx(0.1) and diff.high == pytest.approx(0.1)


def test_interval_text_states_the_bounds():
    ps = pairs(50, 0.8, 0.78, noise=0.1)
    text = paired_comparison(ps).quality_change_percent.text()
    assert text.startswith(("-", "+")) and "(95% CI " in text and " to " in text


def test_correlation():
    assert correlation([1, 2, 3, 4], [2, 4, 6, 8]) == pytest.approx(1.0)
    assert correlation([1, 2, 3, 4], [8, 6, 4, 2]) == pytest.approx(-1.0)
    assert correlation([1, 2], [1, 2]) is None
    assert correlation([1, 1, 1], [1, 2, 3]) is None


def test_the_intervals_do_not_depend_on_how_the_resamples_are_cut(monkeypatch):
    """Resamples are drawn a bounded block at a time (fewer rows per block for more
    prompts): the intervals are the same for any block size."""
    from whichmodel.verdict import stats

    rng = random.Random(3)
    pairs = [
        stats.Pair(
            rng.random(), rng.random(), rng.random(), rng.random(), False, rng.random() < 0.1
        )
        for _ in range(300)
    ]
    whole = stats.paired_comparison(pairs)
    monkeypatch.setattr(stats, "CHUNK", 300 * 7)  # 7 resamples at a time
    assert stats.paired_comparison(pairs) == whole
    monkeypatch.setattr(stats, "CHUNK", 1)  # one at a time
    assert stats.paired_comparison(pairs) == whole
