"""Stored rows -> ``Recommendation``: a pure function, no LLM, no I/O.

Rule: among candidates whose price is known, whose quality is at least
``(1 - tolerance)`` x the baseline's on the same prompts, whose refusal rate is
at most the baseline's + ``refusal_margin`` and whose error rate is at most the
baseline's + ``error_margin``, recommend the cheapest one that costs less than the
baseline. Otherwise keep the baseline, and say why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field


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


class Comparison(BaseModel):
    model: str
    paired_prompts: int
    quality_impact_percent: float | None
    cost_reduction_percent: float | None
    refusal_rate_change: float
    eligible: bool
    reasons: list[str] = Field(default_factory=list)


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
    )


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
) -> Recommendation:
    """``rows``: one per (prompt, model) answer with keys model, prompt_id, status,
    cost_usd, latency_ms, refused, quality (None if unscored), output_tokens."""
    by_model: dict[str, list[Mapping[str, Any]]] = {m: [] for m in [baseline, *candidates]}
    for row in rows:
        if row["model"] in by_model:
            by_model[row["model"]].append(row)
    summaries = {
        m: summarize(
            m,
            "baseline" if m == baseline else "candidate",
            rs,
            prices.get(m, PriceInfo(False, "unknown")),
            prompts,
        )
        for m, rs in by_model.items()
    }
    base = summaries[baseline]
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

    base_quality = {
        r["prompt_id"]: r["quality"]
        for r in by_model[baseline]
        if r["status"] == "ok" and r.get("quality") is not None
    }
    comparisons: list[Comparison] = []
    for cand in candidates:
        s = summaries[cand]
        paired = [
            (base_quality[r["prompt_id"]], r["quality"])
            for r in by_model[cand]
            if r["status"] == "ok"
            and r.get("quality") is not None
            and r["prompt_id"] in base_quality
        ]
        reasons: list[str] = []
        q_impact = None
        if paired:
            bq = sum(p[0] for p in paired) / len(paired)
            cq = sum(p[1] for p in paired) / len(paired)
            q_impact = _pct(cq, bq) if bq else (0.0 if cq == bq else None)
            if cq < (1 - tolerance) * bq:
                reasons.append(
                    f"quality {q_impact:+.1f}% is below the -{tolerance:.0%} tolerance"
                    if q_impact is not None
                    else "quality is lower"
                )
        else:
            reasons.append("no prompt was scored for both it and the baseline")
        c_red = None
        if s.cost_usd is None or base.cost_usd is None:
            reasons.append("cost unknown" if s.cost_usd is None else "baseline cost unknown")
        elif s.cost_per_1k_prompts_usd is not None and base.cost_per_1k_prompts_usd:
            c_red = -_pct(s.cost_per_1k_prompts_usd, base.cost_per_1k_prompts_usd)  # type: ignore[operator]
            if c_red is not None and c_red <= 0:
                reasons.append(f"not cheaper ({-c_red:+.1f}% cost)")
        else:
            reasons.append("no cost to compare")
        if s.refusal_rate > base.refusal_rate + refusal_margin + 1e-12:
            reasons.append(
                f"refusals {base.refusal_rate:.1%} -> {s.refusal_rate:.1%} exceed "
                f"the {refusal_margin:.1%} margin"
            )
        if s.error_rate > base.error_rate + error_margin + 1e-12:
            reasons.append(f"error rate {s.error_rate:.1%} vs {base.error_rate:.1%}")
        comparisons.append(
            Comparison(
                model=cand,
                paired_prompts=len(paired),
                quality_impact_percent=q_impact,
                cost_reduction_percent=c_red,
                refusal_rate_change=s.refusal_rate - base.refusal_rate,
                eligible=not reasons,
                reasons=reasons,
            )
        )

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
        warnings=warnings,
    )
    eligible = [c for c in comparisons if c.eligible]
    if eligible:
        best = max(
            eligible,
            key=lambda c: (c.cost_reduction_percent or 0.0, summaries[c.model].quality or 0.0),
        )
        s = summaries[best.model]
        if best.quality_impact_percent is not None:
            impact = f"{best.quality_impact_percent:+.1f}% quality impact"
        else:
            impact = f"quality {base.quality or 0:.2f} -> {s.quality or 0:.2f}"
        reasoning = (
            f"Switching from {short(baseline)} to {short(best.model)} reduces cost by "
            f"{best.cost_reduction_percent:.1f}% with {impact} "
            f"(refusals {base.refusal_rate:.1%} -> {s.refusal_rate:.1%}, "
            f"{best.paired_prompts} prompts)."
        )
        return Recommendation(
            recommended_model=best.model,
            reasoning=reasoning,
            cost_reduction_percent=round(best.cost_reduction_percent or 0.0, 2),
            quality_impact_percent=(
                round(best.quality_impact_percent, 2)
                if best.quality_impact_percent is not None
                else None
            ),
            decision="switch",
            **common,  # type: ignore[arg-type]
        )
    if comparisons:
        why = "; ".join(f"{short(c.model)}: {', '.join(c.reasons)}" for c in comparisons)
    else:
        why = "no candidates were evaluated"
    return Recommendation(
        recommended_model=baseline,
        reasoning=f"Keep {short(baseline)}: no candidate is cheaper at acceptable quality ({why}).",
        cost_reduction_percent=0.0,
        quality_impact_percent=0.0,
        decision="keep",
        **common,  # type: ignore[arg-type]
    )
