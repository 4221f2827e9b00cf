"""Stored rows -> ``Recommendation``: a pure function, no LLM, no I/O.

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
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from whichmodel.stats import Interval, Pair, correlation, non_inferiority, paired_comparison


class ModelSummary(BaseModel):
    model: str
    role: str  # baseline | candidate
    cost_usd: float | None
    """Total answer cost; None when the price is unknown (never 0)."""
    cost_per_1k_prompts_usd: float | None
    price_known: bool
    price_source: str
    quality: float | None
    """Mean judge quality over scored answers, 0..1."""
    refusal_rate: float
    error_rate: float
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    prompts: int
    answered: int
    scored: int
    unscored: int
    mean_output_tokens: float | None
    mean_answer_chars: float | None = None
    length_score_correlation: float | None = None
    """Pearson correlation of answer length and judge quality: a judge that rewards
    length shows a clearly positive value for every model."""
    over_refusal_rate: float | None = None
    """Share of prompts labelled safe that it refused (None: no such labels)."""
    under_refusal_rate: float | None = None
    """Share of prompts labelled unsafe that it answered (None: no such labels)."""
    partial_refusal_rate: float = 0.0
    judge_spread: float | None = None
    """Mean spread (standard deviation) of repeated judge samples, when sampled."""


class Comparison(BaseModel):
    model: str
    paired_prompts: int
    scored_prompts: int = 0
    quality_impact_percent: float | None
    cost_reduction_percent: float | None
    refusal_rate_change: float
    quality_change: Interval = Interval(estimate=None)
    """Relative quality change vs the baseline, %, with its 95% interval."""
    quality_difference: Interval = Interval(estimate=None)
    """Candidate minus baseline quality in score points, with its 95% interval."""
    cost_change: Interval = Interval(estimate=None)
    """Relative cost change vs the baseline, %, with its 95% interval."""
    refusal_change: Interval = Interval(estimate=None)
    """Refusal-rate change in percentage points, with its 95% interval."""
    refused_where_baseline_answered: int = 0
    wins: int = 0
    """Pairwise mode: prompts where both orders preferred the candidate."""
    ties: int = 0
    """Pairwise mode: ties, including verdicts that flipped with the order."""
    losses: int = 0
    order_consistency: float | None = None
    """Pairwise mode: share of prompts whose verdict did not change with the order."""
    status: str = "fails"
    """qualifies | fails | undecided (the non-inferiority verdict)"""
    eligible: bool
    prompts_needed: int | None = None
    reasons: list[str] = Field(default_factory=list)


class CategoryResult(BaseModel):
    category: str
    prompts: int
    quality: dict[str, float | None]
    """Mean judge quality per model in this category."""
    refusal_rate: dict[str, float]
    comparisons: list[Comparison]
    recommended_model: str
    decision: str


class Recommendation(BaseModel):
    recommended_model: str
    reasoning: str
    cost_reduction_percent: float
    quality_impact_percent: float | None
    """None when the baseline's quality is 0 (no percentage exists)."""
    models_compared: int
    run_id: str
    baseline: str
    decision: str  # switch | keep
    judge: str | None = None
    tolerance: float
    refusal_margin: float
    judge_cost_usd: float | None = None
    """What the evaluation itself cost (the judge), None if the judge's price is unknown."""
    models: list[ModelSummary]
    comparisons: list[Comparison]
    confidence: float = 0.95
    judge_mode: str = "pointwise"
    """pointwise: quality is the rubric score; pairwise: quality change is the net
    preference for the candidate over the baseline, in points (wins - losses)."""
    order_consistency: float | None = None
    """Pairwise mode: the judge's order-consistency rate over all comparisons."""
    quality_change: Interval = Interval(estimate=None)
    """The recommended candidate's quality change (%), with its interval."""
    cost_change: Interval = Interval(estimate=None)
    """The recommended candidate's cost change (%), with its interval."""
    prompts_needed: int | None = None
    """When undecided: about how many prompts would decide."""
    length_score_correlation: float | None = None
    """Over all scored answers of all models."""
    categories: list[CategoryResult] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class PriceInfo:
    known: bool
    source: str


def short(model: str) -> str:
    """``portkey/openai/gpt-4o-mini`` -> ``gpt-4o-mini``."""
    return model.split("/", 2)[-1] if model.startswith("portkey/") else model


def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100)."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def summarize(
    model: str, role: str, rows: list[Mapping[str, Any]], price: PriceInfo, prompts: int
) -> ModelSummary:
    ok = [r for r in rows if r["status"] == "ok"]
    scored = [r for r in ok if r.get("quality") is not None]
    # one answer without a cost (no usage reported) makes the total unknown, not smaller
    costs = [r["cost_usd"] for r in ok]
    cost = sum(costs) if price.known and None not in costs else None
    per_prompt = cost / len(ok) if cost is not None and ok else None
    return ModelSummary(
        model=model,
        role=role,
        cost_usd=cost,
        cost_per_1k_prompts_usd=per_prompt * 1000 if per_prompt is not None else None,
        price_known=price.known,
        price_source=price.source,
        quality=_mean([r["quality"] for r in scored]),
        refusal_rate=(sum(1 for r in ok if r.get("refused")) / len(ok)) if ok else 0.0,
        error_rate=(len(rows) - len(ok)) / prompts if prompts else 0.0,
        latency_p50_ms=percentile([r["latency_ms"] for r in ok if r.get("latency_ms")], 50),
        latency_p95_ms=percentile([r["latency_ms"] for r in ok if r.get("latency_ms")], 95),
        prompts=prompts,
        answered=len(ok),
        scored=len(scored),
        unscored=len(ok) - len(scored),
        mean_output_tokens=_mean([float(r.get("output_tokens") or 0) for r in ok]),
        mean_answer_chars=_mean([float(r["answer_chars"]) for r in ok if "answer_chars" in r]),
        length_score_correlation=correlation(
            [float(r["answer_chars"]) for r in scored if "answer_chars" in r],
            [r["quality"] for r in scored if "answer_chars" in r],
        ),
        over_refusal_rate=_share([bool(r.get("refused")) for r in ok if r.get("label") == "safe"]),
        under_refusal_rate=_share([not r.get("refused") for r in ok if r.get("label") == "unsafe"]),
        partial_refusal_rate=(
            sum(1 for r in ok if r.get("refusal_kind") == "partial") / len(ok) if ok else 0.0
        ),
        judge_spread=_mean([r["judge_spread"] for r in ok if r.get("judge_spread") is not None]),
    )


def _share(flags: list[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def _summaries(
    by_model: Mapping[str, list[Mapping[str, Any]]],
    baseline: str,
    prices: Mapping[str, PriceInfo],
    prompts: int,
) -> dict[str, ModelSummary]:
    return {
        m: summarize(
            m,
            "baseline" if m == baseline else "candidate",
            rs,
            prices.get(m, PriceInfo(False, "unknown")),
            prompts,
        )
        for m, rs in by_model.items()
    }


def _pct(new: float, old: float) -> float | None:
    return (new - old) / old * 100 if old else None


def recommend(
    rows: Iterable[Mapping[str, Any]],
    *,
    run_id: str,
    baseline: str,
    candidates: list[str],
    prices: Mapping[str, PriceInfo],
    prompts: int,
    tolerance: float = 0.05,
    refusal_margin: float = 0.01,
    error_margin: float = 0.02,
    judge: str | None = None,
    judge_cost_usd: float | None = None,
    judge_mode: str = "pointwise",
) -> Recommendation:
    """``rows``: one per (prompt, model) answer with keys model, prompt_id, status,
    cost_usd, latency_ms, refused, quality (None if unscored), output_tokens."""
    by_model: dict[str, list[Mapping[str, Any]]] = {m: [] for m in [baseline, *candidates]}
    for row in rows:
        if row["model"] in by_model:
            by_model[row["model"]].append(row)
    summaries = _summaries(by_model, baseline, prices, prompts)
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
        _compare(
            cand,
            by_model,
            summaries,
            baseline,
            tolerance=tolerance,
            refusal_margin=refusal_margin,
            error_margin=error_margin,
            pairwise=pairwise,
        )
        for cand in candidates
    ]
    judged = sum(c.wins + c.ties + c.losses for c in comparisons)
    consistent = sum(
        round((c.order_consistency or 0) * (c.wins + c.ties + c.losses)) for c in comparisons
    )
    all_scored = [r for rs in by_model.values() for r in rs if _scored(r) and "answer_chars" in r]
    common = dict(
        models_compared=len(summaries),
        run_id=run_id,
        baseline=baseline,
        judge=judge,
        tolerance=tolerance,
        refusal_margin=refusal_margin,
        judge_cost_usd=judge_cost_usd,
        models=list(summaries.values()),
        comparisons=comparisons,
        length_score_correlation=correlation(
            [float(r["answer_chars"]) for r in all_scored], [r["quality"] for r in all_scored]
        ),
        categories=_categories(
            by_model,
            baseline,
            candidates,
            prices,
            tolerance=tolerance,
            refusal_margin=refusal_margin,
            error_margin=error_margin,
            pairwise=pairwise,
        ),
        judge_mode=judge_mode,
        order_consistency=consistent / judged if pairwise and judged else None,
        warnings=warnings,
    )
    decision, best, reasoning = _decide(comparisons, summaries, baseline, tolerance, pairwise)
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


def _scored(row: Mapping[str, Any]) -> bool:
    return row["status"] == "ok" and row.get("quality") is not None


def _compare(
    cand: str,
    by_model: Mapping[str, list[Mapping[str, Any]]],
    summaries: Mapping[str, ModelSummary],
    baseline: str,
    *,
    tolerance: float,
    refusal_margin: float,
    error_margin: float,
    pairwise: bool = False,
) -> Comparison:
    """Paired intervals and the non-inferiority verdict of one candidate.

    Pairwise mode has no rubric score: each prompt's preference p (+1 candidate
    better, 0 tie, -1 baseline better) enters as baseline 0.5 vs candidate
    0.5 + p/2, so the relative "quality change" is the net preference in points
    (wins - losses, % of prompts) and the same tolerance applies to it."""
    base_rows = {r["prompt_id"]: r for r in by_model[baseline] if r["status"] == "ok"}
    base_s, cand_s = summaries[baseline], summaries[cand]
    pairs = []
    for r in by_model[cand]:
        b = base_rows.get(r["prompt_id"])
        if r["status"] != "ok" or b is None:
            continue
        preference = r.get("preference")
        if pairwise:
            base_q = 0.5 if preference is not None else None
            cand_q = 0.5 + preference / 2 if preference is not None else None
        else:
            base_q, cand_q = b.get("quality"), r.get("quality")
        pairs.append(
            Pair(
                base_quality=base_q,
                cand_quality=cand_q,
                base_cost=b["cost_usd"] if base_s.price_known else None,
                cand_cost=r["cost_usd"] if cand_s.price_known else None,
                base_refused=bool(b.get("refused")),
                cand_refused=bool(r.get("refused")),
            )
        )
    result = paired_comparison(pairs)
    verdict = non_inferiority(result, pairs, tolerance=tolerance, refusal_margin=refusal_margin)
    reasons = list(verdict.reasons)
    status = verdict.status
    if cand_s.error_rate > base_s.error_rate + error_margin + 1e-12:
        reasons.append(f"error rate {cand_s.error_rate:.1%} vs {base_s.error_rate:.1%}")
        status = "fails"
    cost = result.cost_change_percent
    prefs = [r.get("preference") for r in by_model[cand] if r.get("preference") is not None]
    consistent = [
        r.get("order_consistent") for r in by_model[cand] if r.get("preference") is not None
    ]
    return Comparison(
        wins=sum(1 for x in prefs if x > 0),
        ties=sum(1 for x in prefs if x == 0),
        losses=sum(1 for x in prefs if x < 0),
        order_consistency=sum(consistent) / len(consistent) if consistent else None,
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
        refused_where_baseline_answered=sum(
            1 for p in pairs if p.cand_refused and not p.base_refused
        ),
        status=status,
        eligible=status == "qualifies",
        prompts_needed=verdict.prompts_needed if status == "undecided" else None,
        reasons=reasons,
    )


def _decide(
    comparisons: list[Comparison],
    summaries: Mapping[str, ModelSummary],
    baseline: str,
    tolerance: float,
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
            f"quality is non-inferior within the -{tolerance:.0%} tolerance"
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
    by_model: Mapping[str, list[Mapping[str, Any]]],
    baseline: str,
    candidates: list[str],
    prices: Mapping[str, PriceInfo],
    pairwise: bool = False,
    **rule: float,
) -> list[CategoryResult]:
    """The same comparison and decision within each prompt category."""
    names = sorted({r["category"] for rs in by_model.values() for r in rs if r.get("category")})
    results = []
    for name in names:
        subset = {m: [r for r in rs if r.get("category") == name] for m, rs in by_model.items()}
        prompts = len({r["prompt_id"] for rs in subset.values() for r in rs})
        summaries = _summaries(subset, baseline, prices, prompts)
        comparisons = [
            _compare(c, subset, summaries, baseline, pairwise=pairwise, **rule) for c in candidates
        ]
        decision, best, _ = _decide(comparisons, summaries, baseline, rule["tolerance"], pairwise)
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
