"""A run's answers -> ``Recommendation``: a pure function, no LLM, no I/O.

Rule (non-inferiority, see ``stats``): a candidate qualifies when, over the whole
95% paired-bootstrap interval, its quality change vs the baseline is above
``-tolerance``, its refusal increase is within ``refusal_margin`` and its cost change
is negative, and its error rate is at most the baseline's + ``error_margin``. The
cheapest qualifying candidate is recommended. When no candidate qualifies but one
could with more data, the decision is "undecided" (keep the baseline for now, and
about how many prompts would decide); otherwise "keep", and say why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from whichmodel.config import JudgeMode, Rule
from whichmodel.records.verdict import (
    CategoryResult,
    Comparison,
    JudgeControls,
    ModelSummary,
    PriceInfo,
    Recommendation,
    short,
)
from whichmodel.verdict.checks import check_changes
from whichmodel.verdict.measured import cannot_compare
from whichmodel.verdict.rows import Answers
from whichmodel.verdict.stats import (
    Pairs,
    correlation,
    non_inferiority,
    paired_comparison,
    percentile_interval,
)
from whichmodel.verdict.summary import summaries_of


def recommend(
    rows: Iterable[Mapping[str, Any]],
    *,
    run_id: str,
    baseline: str,
    candidates: list[str],
    prices: Mapping[str, PriceInfo],
    prompts: int,
    rule: Rule,
    judge_mode: JudgeMode,
    judge: str | None = None,
    judge_cost_usd: float | None = None,
    controls: JudgeControls | None = None,
) -> Recommendation:
    """``rows``: one per (prompt, model) answer with keys model, prompt_id, status,
    cost_usd, latency_ms, refused, quality (None if unscored), output_tokens; or those
    answers read already as ``Answers``."""
    answers = Answers.of(rows)
    by_model = {m: answers.take(answers.has("model", m)) for m in [baseline, *candidates]}
    summaries = summaries_of(by_model, baseline, prices, prompts)
    warnings: list[str] = []
    for s in summaries.values():
        if not s.price_known:
            warnings.append(
                f"Price of {s.model} is unknown: set [prices] in whichmodel.toml; "
                "it is left out of cost comparisons."
            )
        if s.price_known and s.cost_usd is None and s.answered:
            warnings.append(
                f"Some answers of {short(s.model)} reported no token usage: its cost is unknown."
            )
        if s.unscored:
            warnings.append(
                f"{s.unscored} answer(s) of {short(s.model)} are unscored "
                "(the judge gave no valid score); they are left out of quality."
            )
    if judge_cost_usd is None and judge:
        warnings.append(f"Price of the judge {judge} is unknown: evaluation cost not counted.")

    pairwise = judge_mode == "pairwise"
    comparisons = [
        _compare(cand, by_model, summaries, baseline, rule, pairwise=pairwise)
        for cand in candidates
    ]
    judged = sum(c.wins + c.ties + c.losses for c in comparisons)
    consistent = sum(
        round((c.order_consistency or 0) * (c.wins + c.ties + c.losses)) for c in comparisons
    )
    sized = [a.take(a.has("status", "ok")) for a in by_model.values()]
    chars = np.concatenate([a.number("answer_chars") for a in sized] or [np.empty(0)])
    quality = np.concatenate([a.number("quality") for a in sized] or [np.empty(0)])
    both = ~np.isnan(chars) & ~np.isnan(quality)
    common = dict(
        models_compared=len(summaries),
        run_id=run_id,
        baseline=baseline,
        judge=judge,
        rule=rule,
        judge_cost_usd=judge_cost_usd,
        models=list(summaries.values()),
        comparisons=comparisons,
        length_score_correlation=correlation(chars[both], quality[both]),
        categories=_categories(by_model, baseline, candidates, prices, rule, pairwise=pairwise),
        judge_mode=judge_mode,
        order_consistency=consistent / judged if pairwise and judged else None,
        warnings=warnings,
    )
    decision, best, reasoning = _decide(comparisons, summaries, baseline, rule, pairwise)
    cause = cannot_compare(by_model, baseline, pairwise)
    if cause is None and controls is not None and not controls.trusted:
        cause = (
            f"the judge failed its controls ({controls.passed}/{controls.total} passed: "
            f"{'; '.join(controls.failures[:3])})"
        )
    common["judge_controls"] = controls
    if cause is not None:
        decision, best = "undecided", None
        reasoning = f"Keep {short(baseline)} for now: the run cannot compare the models ({cause})."
        common["unmeasured"] = cause
    if best is not None:
        return Recommendation(
            recommended_model=best.model,
            reasoning=reasoning,
            cost_reduction_percent=round(best.cost_reduction_percent or 0.0, 2),
            quality_impact_percent=(
                round(best.quality_impact_percent, 2)
                if best.quality_impact_percent is not None
                else None
            ),
            decision=decision,
            quality_change=best.quality_change,
            cost_change=best.cost_change,
            **common,  # type: ignore[arg-type]
        )
    needed = [c.prompts_needed for c in comparisons if c.status == "undecided"]
    return Recommendation(
        recommended_model=baseline,
        reasoning=reasoning,
        cost_reduction_percent=0.0,
        quality_impact_percent=0.0,
        decision=decision,
        prompts_needed=min((n for n in needed if n is not None), default=None),
        **common,  # type: ignore[arg-type]
    )


def pairs_of(
    base: Answers,
    cand: Answers,
    pairwise: bool,
    base_priced: bool,
    cand_priced: bool,
) -> Pairs:
    """The prompts both answered (``base``'s and ``cand``'s answers at the same positions)
    as ``Pairs``. Pairwise mode has no rubric score: the preference p enters as baseline
    0.5 vs candidate 0.5 + p/2."""
    if pairwise:
        p = cand.number("preference")
        base_q, cand_q = np.where(np.isnan(p), np.nan, 0.5), 0.5 + p / 2
    else:
        base_q, cand_q = base.number("quality"), cand.number("quality")
    unknown = np.full(len(base), np.nan)
    return Pairs(
        base_quality=base_q,
        cand_quality=cand_q,
        base_cost=base.number("cost_usd") if base_priced else unknown,
        cand_cost=cand.number("cost_usd") if cand_priced else unknown,
        base_refused=base.flag("refused"),
        cand_refused=cand.flag("refused"),
    )


def answered_both(base: Answers, cand: Answers) -> tuple[Answers, Answers]:
    """The answers of ``base`` and ``cand`` to the prompts both answered without an
    error, aligned, in ``cand``'s order."""
    base_ok = base.take(base.has("status", "ok"))
    cand_ok = cand.take(cand.has("status", "ok"))
    b, c = base_ok.matched(cand_ok)
    return base_ok.take(b), cand_ok.take(c)


def _compare(
    cand: str,
    by_model: Mapping[str, Answers],
    summaries: Mapping[str, ModelSummary],
    baseline: str,
    rule: Rule,
    *,
    pairwise: bool = False,
) -> Comparison:
    """Paired intervals and the non-inferiority verdict of one candidate.

    Pairwise mode (see ``pairs_of``): the relative "quality change" is the net
    preference in points (wins - losses, % of prompts; p is +1 candidate better, 0 tie,
    -1 baseline better) and the same tolerance applies to it."""
    base_s, cand_s = summaries[baseline], summaries[cand]
    answers = by_model[cand]
    base, mine = answered_both(by_model[baseline], answers)
    pairs = pairs_of(base, mine, pairwise, base_s.price_known, cand_s.price_known)
    checked = [(b, c) for b, c in zip(base.checks, mine.checks, strict=True) if b and c]
    result = paired_comparison(pairs)
    verdict = non_inferiority(
        result, pairs, tolerance=rule.tolerance, refusal_margin=rule.refusal_margin
    )
    reasons = list(verdict.reasons)
    status = verdict.status
    changes, failed, open_checks = check_changes(checked, rule.check_margin)
    if failed:
        status = "fails"
    elif open_checks and status == "qualifies":
        status = "undecided"
    reasons += failed + open_checks
    latencies = answers.number("latency_ms")[answers.has("status", "ok")]
    latency = percentile_interval(latencies[~np.isnan(latencies) & (latencies != 0)])
    max_p95_latency_ms = rule.max_p95_latency_ms
    if max_p95_latency_ms is not None and latency.estimate is None:
        # answers from a batch (or none at all) carry no latency: the limit cannot pass
        reasons.append(f"p95 latency not measured (the {max_p95_latency_ms:,.0f} ms limit)")
        status = "undecided" if status == "qualifies" else status
    elif max_p95_latency_ms is not None and latency.estimate is not None:
        limit = f"the {max_p95_latency_ms:,.0f} ms limit"
        said = f"p95 latency {latency.estimate:,.0f} ms" + (
            f" (95% CI {latency.low:,.0f} to {latency.high:,.0f} ms)"
            if latency.low is not None and latency.high is not None
            else ""
        )
        if latency.low is None or latency.high is None:
            if latency.estimate > max_p95_latency_ms:
                reasons.append(f"{said} above {limit} on too few answers to be sure")
                status = "undecided" if status == "qualifies" else status
        elif latency.low > max_p95_latency_ms:
            reasons.append(f"{said} above {limit}")
            status = "fails"
        elif latency.high > max_p95_latency_ms:
            reasons.append(f"{said} may be above {limit}")
            status = "undecided" if status == "qualifies" else status
    if cand_s.error_rate > base_s.error_rate + rule.error_margin + 1e-12:
        reasons.append(f"error rate {cand_s.error_rate:.1%} vs {base_s.error_rate:.1%}")
        status = "fails"
    cost = result.cost_change_percent
    preferences = answers.number("preference")
    judged = ~np.isnan(preferences)
    prefs = preferences[judged]
    consistent = np.nan_to_num(answers.number("order_consistent")[judged])
    return Comparison(
        wins=int((prefs > 0).sum()),
        ties=int((prefs == 0).sum()),
        losses=int((prefs < 0).sum()),
        order_consistency=float(consistent.mean()) if consistent.size else None,
        model=cand,
        paired_prompts=result.prompts,
        scored_prompts=result.scored_prompts,
        quality_impact_percent=result.quality_change_percent.estimate,
        cost_reduction_percent=-cost.estimate if cost.estimate is not None else None,
        refusal_rate_change=cand_s.refusal_rate - base_s.refusal_rate,
        quality_change=result.quality_change_percent,
        quality_difference=result.quality_difference,
        cost_change=cost,
        refusal_change=result.refusal_change_points,
        refused_where_baseline_answered=int((pairs.cand_refused & ~pairs.base_refused).sum()),
        check_changes=changes,
        latency_p95_ms=latency,
        status=status,
        eligible=status == "qualifies",
        prompts_needed=verdict.prompts_needed if status == "undecided" else None,
        reasons=reasons,
    )


def _decide(
    comparisons: list[Comparison],
    summaries: Mapping[str, ModelSummary],
    baseline: str,
    rule: Rule,
    pairwise: bool = False,
) -> tuple[str, Comparison | None, str]:
    """(decision, the recommended comparison or None, the reasoning sentence)."""
    qualified = [c for c in comparisons if c.status == "qualifies"]
    if qualified:
        best = max(
            qualified,
            key=lambda c: (c.cost_reduction_percent or 0.0, summaries[c.model].quality or 0.0),
        )
        base, s = summaries[baseline], summaries[best.model]
        if pairwise:
            quality = (
                f"{best.quality_change.text(' pts', label='net preference')} "
                f"({best.wins} wins, {best.ties} ties, {best.losses} losses)"
            )
        elif best.quality_change.estimate is not None:
            quality = best.quality_change.text(label="quality")
        else:
            quality = f"quality {base.quality or 0:.2f} -> {s.quality or 0:.2f}"
        reasoning = (
            f"Switch from {short(baseline)} to {short(best.model)}: "
            f"{best.cost_change.text(label='cost')}, {quality}, "
            f"refusals {best.refusal_change.text(' pts')} "
            f"({base.refusal_rate:.1%} -> {s.refusal_rate:.1%}), {best.scored_prompts} prompts; "
            f"quality is non-inferior within the -{rule.tolerance:.0%} tolerance"
            + (" (pairwise judge, both orders)." if pairwise else ".")
        )
        return "switch", best, reasoning
    if not comparisons:
        return "keep", None, f"Keep {short(baseline)}: no candidates were evaluated."
    why = "; ".join(f"{short(c.model)}: {', '.join(c.reasons)}" for c in comparisons)
    undecided = [c for c in comparisons if c.status == "undecided"]
    if undecided:
        needed = [c.prompts_needed for c in undecided if c.prompts_needed is not None]
        have = max(c.scored_prompts for c in undecided)
        more = (
            f" About {min(needed):,} prompts would decide it (this run has {have:,})."
            if needed
            else ""
        )
        return (
            "undecided",
            None,
            f"Keep {short(baseline)} for now: the data cannot decide ({why}).{more}",
        )
    return (
        "keep",
        None,
        f"Keep {short(baseline)}: no candidate is cheaper at acceptable quality ({why}).",
    )


def _categories(
    by_model: Mapping[str, Answers],
    baseline: str,
    candidates: list[str],
    prices: Mapping[str, PriceInfo],
    rule: Rule,
    pairwise: bool = False,
) -> list[CategoryResult]:
    """The same comparison and decision within each prompt category."""
    names = sorted({v for a in by_model.values() for v in a.distinct("category") if v})
    results = []
    for name in names:
        subset = {m: a.take(a.has("category", name)) for m, a in by_model.items()}
        prompts = len(np.unique(np.concatenate([a.code("prompt_id") for a in subset.values()])))
        summaries = summaries_of(subset, baseline, prices, prompts)
        comparisons = [
            _compare(c, subset, summaries, baseline, rule, pairwise=pairwise) for c in candidates
        ]
        decision, best, _ = _decide(comparisons, summaries, baseline, rule, pairwise)
        results.append(
            CategoryResult(
                category=name,
                prompts=prompts,
                quality={m: s.quality for m, s in summaries.items()},
                refusal_rate={m: s.refusal_rate for m, s in summaries.items()},
                comparisons=comparisons,
                recommended_model=best.model if best else baseline,
                decision=decision,
            )
        )
    return results
