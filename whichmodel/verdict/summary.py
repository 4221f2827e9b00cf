"""Per-model figures from stored answer rows: cost, quality, refusals, latency."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from whichmodel.verdict.checks import wilson
from whichmodel.verdict.models import CheckRate, ModelSummary, PriceInfo
from whichmodel.verdict.stats import correlation


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
        checks=check_rates(ok),
        tool_call_rate=(
            _share([bool(r.get("has_tool_calls")) for r in ok])
            if any(r.get("checks") for r in ok)
            else None
        ),
        price_note=_price_note(ok),
    )


def check_rates(rows: list[Mapping[str, Any]]) -> dict[str, CheckRate]:
    counts: dict[str, list[int]] = {}
    for r in rows:
        for name, passed in (r.get("checks") or {}).items():
            counts.setdefault(name, []).append(int(bool(passed)))
    out = {}
    for name, values in sorted(counts.items()):
        low, high = wilson(sum(values), len(values))
        out[name] = CheckRate(
            passed=sum(values),
            total=len(values),
            rate=sum(values) / len(values),
            low=low,
            high=high,
        )
    return out


def _price_note(rows: list[Mapping[str, Any]]) -> str | None:
    """For answers from history: how many costs were logged and how many computed."""
    if not any(r.get("origin") == "history" for r in rows):
        return None
    logged = sum(1 for r in rows if r.get("price_source") == "logged cost")
    return (
        f"answers from history: {logged} with their logged cost, {len(rows) - logged} priced "
        "from their logged usage"
    )


def _share(flags: list[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def summaries_of(
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
