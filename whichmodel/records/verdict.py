"""What a verdict says: the recommendation and its parts, each figure with its interval
(data only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field, computed_field, model_validator

from whichmodel.config import Decision, JudgeMode, Rule, default


class Interval(BaseModel):
    """An estimate with its 95% bootstrap interval (None where it cannot be computed)."""

    estimate: float | None
    low: float | None = None
    high: float | None = None

    def text(self, unit: str = "%", digits: int = 1, label: str = "") -> str:
        """``-1.8% quality (95% CI -4.0% to +0.4%)`` (with ``label="quality"``)."""
        if self.estimate is None:
            return f"{label} unknown".strip()
        head = f"{self.estimate:+.{digits}f}{unit}" + (f" {label}" if label else "")
        if self.low is None or self.high is None:
            return head
        return f"{head} (95% CI {self.low:+.{digits}f}{unit} to {self.high:+.{digits}f}{unit})"


class CheckRate(BaseModel):
    """How often one deterministic check passed, with its 95% (Wilson) interval."""

    passed: int
    total: int
    rate: float
    low: float
    high: float


class DriftCheck(BaseModel):
    """The baseline called again on some prompts answered from history: does the model
    still answer as the stored answers did?"""

    prompts: int
    """Prompts with both a scored stored answer and a scored fresh one."""
    within: int
    """Of those, how many fresh answers scored within the tolerance of the stored one."""
    quality_change: Interval = Interval(estimate=None)
    """Fresh vs stored quality, % with its 95% paired interval."""
    stale: bool = False
    """The whole interval lies beyond the tolerance: the history no longer stands for
    the baseline, and a verdict from it would not either."""


class JudgeControls(BaseModel):
    """How the judge did on answers known to be better or worse, and on the same answer
    judged twice, before its scores were trusted."""

    passed: int = 0
    total: int = 0
    skipped: bool = False
    """The run was made with --no-judge-controls."""
    failures: list[str] = Field(default_factory=list)
    """One line per failed control."""
    trusted: bool = True
    """False when the judge passed too few: the run then decides nothing."""

    def text(self) -> str:
        if self.skipped:
            return "judge controls: skipped (--no-judge-controls)"
        if not self.total:
            return "judge controls: none could be made (no answered prompt)"
        return f"judge controls: {self.passed}/{self.total} passed"


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
    checks: dict[str, CheckRate] = Field(default_factory=dict)
    """Pass rate of each deterministic check that applied to its answers."""
    tool_call_rate: float | None = None
    """Share of answers that called a tool (when the requests offered tools)."""
    price_note: str | None = None
    """Where the answers' costs came from when not from one price list (history)."""


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
    latency_p95_ms: Interval = Interval(estimate=None)
    """The candidate's p95 latency (ms) with its 95% bootstrap interval."""
    check_changes: dict[str, Interval] = Field(default_factory=dict)
    """Per check: candidate minus baseline pass rate in points, with its 95% interval."""
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
    decision: Decision


class Recommendation(BaseModel):
    recommended_model: str
    reasoning: str
    cost_reduction_percent: float
    quality_impact_percent: float | None
    """None when the baseline's quality is 0 (no percentage exists)."""
    models_compared: int
    run_id: str
    baseline: str
    decision: Decision
    judge: str | None = None
    rule: Rule = Field(default_factory=Rule)
    """The decision rule this verdict was reached under."""
    judge_cost_usd: float | None = None
    """What the evaluation itself cost (the judge), None if the judge's price is unknown."""
    models: list[ModelSummary]
    comparisons: list[Comparison]
    judge_mode: JudgeMode = default("judge_mode")
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
    sample: str | None = None
    """How the run's prompts were chosen (when they were)."""
    baseline_source: str = "calls"
    """calls: the baseline answered again; history: the answers production gave."""
    overrides: dict[str, list[str]] = Field(default_factory=dict)
    """Per model: the request fields its own settings (whichmodel.toml) overrode."""
    not_forwarded: dict[str, list[str]] = Field(default_factory=dict)
    """Per model: logged request fields the gateway does not send to its provider."""
    drift: DriftCheck | None = None
    judge_controls: JudgeControls | None = None
    unmeasured: str | None = None
    """Set when the run could not compare the models at all (the baseline never answered,
    the judge never scored or scored everything the same): the decision is then
    "undecided" and says why, and the run is marked failed."""

    @model_validator(mode="before")
    @classmethod
    def _rule_from_flat(cls, data: Any) -> Any:
        """A verdict stored before the rule was one field kept its settings at the top."""
        if isinstance(data, dict) and "rule" not in data:
            flat = {k: data[k] for k in Rule.model_fields if data.get(k) is not None}
            data = {**data, "rule": flat}
        return data

    # the rule's settings also at the top of the JSON, where readers of it find them
    @computed_field  # type: ignore[prop-decorator]
    @property
    def tolerance(self) -> float:
        return self.rule.tolerance

    @computed_field  # type: ignore[prop-decorator]
    @property
    def refusal_margin(self) -> float:
        return self.rule.refusal_margin

    @computed_field  # type: ignore[prop-decorator]
    @property
    def check_margin(self) -> float:
        return self.rule.check_margin

    @computed_field  # type: ignore[prop-decorator]
    @property
    def max_p95_latency_ms(self) -> float | None:
        return self.rule.max_p95_latency_ms


@dataclass(frozen=True)
class PriceInfo:
    known: bool
    source: str


def short(model: str) -> str:
    """``portkey/openai/gpt-4o-mini`` -> ``gpt-4o-mini``."""
    return model.split("/", 2)[-1] if model.startswith("portkey/") else model
