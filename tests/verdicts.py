"""Small realistic verdicts built by hand, for the renderers' tests.

A run of 40 prompts: the baseline (gpt-4o-mini) costs $10.00 per 1,000 prompts at
quality 0.800; the candidate (gemini-2.0-flash-lite) $4.00 at 0.780, -2.5% quality
[-4.1%, -1.2%]: it qualifies and the verdict is to switch. Each builder takes the
fields a test changes as keywords.
"""

from __future__ import annotations

from typing import Any

from whichmodel.records.verdict import (
    CategoryResult,
    Comparison,
    Interval,
    ModelSummary,
    Recommendation,
)

BASE = "portkey/openai/gpt-4o-mini"
CAND = "portkey/google/gemini-2.0-flash-lite"
OTHER = "portkey/anthropic/claude-3-5-haiku"
JUDGE = "portkey/openai/gpt-4o"

REASONING = (
    "Switch from gpt-4o-mini to gemini-2.0-flash-lite: -60.0% cost (95% CI -60.0% to "
    "-60.0%), -2.5% quality (95% CI -4.1% to -1.2%), 40 prompts; quality is non-inferior "
    "within the -5% tolerance."
)


def summary(model: str = CAND, **changes: Any) -> ModelSummary:
    """A model's figures over the run (the candidate's unless ``model`` is the baseline)."""
    base = model == BASE
    values: dict[str, Any] = {
        "model": model,
        "role": "baseline" if base else "candidate",
        "cost_usd": 0.40 if base else 0.16,
        "cost_per_1k_prompts_usd": 10.0 if base else 4.0,
        "price_known": True,
        "price_source": "genai-prices",
        "quality": 0.80 if base else 0.78,
        "refusal_rate": 0.0,
        "error_rate": 0.0,
        "latency_p50_ms": 1234.0,
        "latency_p95_ms": 2500.0,
        "prompts": 40,
        "answered": 40,
        "scored": 40,
        "unscored": 0,
        "mean_output_tokens": 10.0,
    }
    return ModelSummary(**{**values, **changes})


def comparison(model: str = CAND, **changes: Any) -> Comparison:
    """The candidate against the baseline on the same 40 prompts."""
    values: dict[str, Any] = {
        "model": model,
        "paired_prompts": 40,
        "scored_prompts": 40,
        "quality_impact_percent": -2.5,
        "cost_reduction_percent": 60.0,
        "refusal_rate_change": 0.0,
        "quality_change": Interval(estimate=-2.5, low=-4.06, high=-1.25),
        "quality_difference": Interval(estimate=-0.02, low=-0.0325, high=-0.01),
        "cost_change": Interval(estimate=-60.0, low=-61.0, high=-59.0),
        "refusal_change": Interval(estimate=0.0, low=0.0, high=0.0),
        "status": "qualifies",
        "eligible": True,
    }
    return Comparison(**{**values, **changes})


def category(name: str, **changes: Any) -> CategoryResult:
    values: dict[str, Any] = {
        "category": name,
        "prompts": 20,
        "quality": {BASE: 0.80, CAND: 0.76},
        "refusal_rate": {BASE: 0.0, CAND: 0.0},
        "comparisons": [comparison(status="undecided", eligible=False)],
        "recommended_model": BASE,
        "decision": "undecided",
    }
    return CategoryResult(**{**values, **changes})


def recommendation(**changes: Any) -> Recommendation:
    """A verdict to switch from the baseline to the candidate."""
    values: dict[str, Any] = {
        "recommended_model": CAND,
        "reasoning": REASONING,
        "cost_reduction_percent": 60.0,
        "quality_impact_percent": -2.5,
        "models_compared": 2,
        "run_id": "run0001",
        "baseline": BASE,
        "decision": "switch",
        "judge": JUDGE,
        "models": [summary(BASE), summary(CAND)],
        "comparisons": [comparison()],
        "quality_change": Interval(estimate=-2.5, low=-4.06, high=-1.25),
        "cost_change": Interval(estimate=-60.0, low=-61.0, high=-59.0),
    }
    return Recommendation(**{**values, **changes})


def keep(**changes: Any) -> Recommendation:
    """A verdict to keep the baseline: the candidate loses too much quality."""
    values: dict[str, Any] = {
        "recommended_model": BASE,
        "reasoning": "Keep gpt-4o-mini: gemini-2.0-flash-lite loses too much quality.",
        "cost_reduction_percent": 0.0,
        "decision": "keep",
        "comparisons": [comparison(status="fails", eligible=False, reasons=["quality"])],
    }
    return recommendation(**{**values, **changes})
