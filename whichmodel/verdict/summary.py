"""Per-model figures from a run's answers: cost, quality, refusals, latency."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from whichmodel.records.verdict import CheckRate, ModelSummary, PriceInfo
from whichmodel.verdict.checks import wilson
from whichmodel.verdict.rows import Answers
from whichmodel.verdict.stats import correlation


def percentile(values: Sequence[float] | np.ndarray, q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100)."""
    if not len(values):
        return None
    return float(np.percentile(np.asarray(values, dtype=float), q))


def _mean(values: np.ndarray) -> float | None:
    return float(values.mean()) if values.size else None


def _share(flags: np.ndarray) -> float | None:
    return float(flags.mean()) if flags.size else None


def summarize(
    model: str, role: str, answers: Answers, price: PriceInfo, prompts: int
) -> ModelSummary:
    ok = answers.take(answers.has("status", "ok"))
    answered = len(ok)
    quality = ok.number("quality")
    scored = ~np.isnan(quality)
    # one answer without a cost (no usage reported) makes the total unknown, not smaller
    costs = ok.number("cost_usd")
    cost = float(costs.sum()) if price.known and not np.isnan(costs).any() else None
    per_prompt = cost / answered if cost is not None and answered else None
    latency = ok.number("latency_ms")
    latency = latency[~np.isnan(latency) & (latency != 0)]
    chars = ok.number("answer_chars")
    sized = ~np.isnan(chars)
    refused = ok.flag("refused")
    spread = ok.number("judge_spread")
    checks = ok.checks
    return ModelSummary(
        model=model,
        role=role,
        cost_usd=cost,
        cost_per_1k_prompts_usd=per_prompt * 1000 if per_prompt is not None else None,
        price_known=price.known,
        price_source=price.source,
        quality=_mean(quality[scored]),
        refusal_rate=float(refused.mean()) if answered else 0.0,
        error_rate=(len(answers) - answered) / prompts if prompts else 0.0,
        latency_p50_ms=percentile(latency, 50),
        latency_p95_ms=percentile(latency, 95),
        prompts=prompts,
        answered=answered,
        scored=int(scored.sum()),
        unscored=answered - int(scored.sum()),
        mean_output_tokens=_mean(np.nan_to_num(ok.number("output_tokens"))),
        mean_answer_chars=_mean(chars[sized]),
        length_score_correlation=correlation(chars[scored & sized], quality[scored & sized]),
        over_refusal_rate=_share(refused[ok.has("label", "safe")]),
        under_refusal_rate=_share(~refused[ok.has("label", "unsafe")]),
        partial_refusal_rate=(float(ok.has("refusal_kind", "partial").mean()) if answered else 0.0),
        judge_spread=_mean(spread[~np.isnan(spread)]),
        checks=check_rates(checks),
        tool_call_rate=(_share(ok.flag("has_tool_calls")) if any(len(c) for c in checks) else None),
        price_note=_price_note(ok),
    )


def check_rates(checks: Iterable[Mapping[str, Any]]) -> dict[str, CheckRate]:
    """Per check, how many of these answers' results passed."""
    counts: dict[str, list[int]] = {}
    for results in checks:
        for name, passed in results.items():
            count = counts.setdefault(name, [0, 0])
            count[0] += bool(passed)
            count[1] += 1
    out = {}
    for name, (passed, total) in sorted(counts.items()):
        low, high = wilson(passed, total)
        out[name] = CheckRate(passed=passed, total=total, rate=passed / total, low=low, high=high)
    return out


def _price_note(ok: Answers) -> str | None:
    """For answers from history: how many costs were logged and how many computed."""
    if not ok.has("origin", "history").any():
        return None
    logged = int(ok.has("price_source", "logged cost").sum())
    return (
        f"answers from history: {logged} with their logged cost, {len(ok) - logged} priced "
        "from their logged usage"
    )


def summaries_of(
    by_model: Mapping[str, Answers],
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
