"""What a run stores for each call: a model's answer, the judge's score of it (or its
preference between two answers), the judge's controls, the batches a run sent.

Each record is one row of its table; ``from_row`` decodes its JSON columns and flags,
``row`` encodes them again (the store's only two conversions).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, ClassVar, TypeVar

from whichmodel.records.runs import ToolCall

R = TypeVar("R", bound="Record")


class Record:
    """A stored row as a typed object."""

    JSON: ClassVar[tuple[str, ...]] = ()
    """Columns that hold JSON text."""
    FLAGS: ClassVar[tuple[str, ...]] = ()
    """Columns that hold 0/1."""

    @classmethod
    def from_row(cls: type[R], row: Mapping[str, Any]) -> R:
        values: dict[str, Any] = {}
        for f in fields(cls):  # type: ignore[arg-type]
            if f.name not in row:
                continue
            value = row[f.name]
            if f.name in cls.JSON:
                value = json.loads(value) if value else None
                if value is None and f.default_factory is not MISSING:
                    continue
            elif f.name in cls.FLAGS and value is not None:
                value = bool(value)
            values[f.name] = value
        return cls(**values)

    def row(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if f.name in self.JSON:
                value = json.dumps(value, ensure_ascii=False) if value is not None else None
            elif f.name in self.FLAGS and value is not None:
                value = int(value)
            out[f.name] = value
        return out


@dataclass(slots=True)
class AnswerRecord(Record):
    """One model's answer to one prompt of a run (a ``responses`` row)."""

    JSON: ClassVar[tuple[str, ...]] = ("usage", "gateway", "tool_calls", "checks")
    FLAGS: ClassVar[tuple[str, ...]] = ("refused", "cache_hit")

    run_id: str
    prompt_id: str
    model: str
    status: str
    """ok | error"""
    text: str = ""
    finish_reason: str | None = None
    error: str | None = None
    input_tokens: int | None = None
    """Prompt tokens, cache reads included (whatever the provider counted)."""
    cached_tokens: int | None = None
    output_tokens: int | None = None
    usage: dict[str, Any] | None = None
    """The tokens as the provider reported them."""
    latency_ms: float | None = None
    cost_usd: float | None = None
    """None when the price or the usage is unknown (never 0 for unknown)."""
    price_source: str | None = None
    refused: bool = False
    refusal_reason: str | None = None
    refusal_kind: str | None = None
    trace_id: str | None = None
    cache_hit: bool = False
    gateway: dict[str, str] | None = None
    """The gateway's ``x-portkey-*`` response headers."""
    tool_calls: list[ToolCall] | None = None
    origin: str | None = None
    """call | cache | batch | history"""
    checks: dict[str, Any] | None = None
    """Each deterministic check that applied: passed or not, and why."""
    created_at: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(slots=True)
class Judged(Record):
    """What every judgment row shares: who judged, how it went, what it cost."""

    run_id: str
    prompt_id: str
    model: str
    judge: str
    status: str
    """scored | unscored | error"""
    rationale: str | None = None
    raw: str | None = None
    """The judge's replies, verbatim."""
    attempts: int = 0
    error: str | None = None
    input_tokens: int | None = None
    cached_tokens: int | None = None
    output_tokens: int | None = None
    latency_ms: float | None = None
    cost_usd: float | None = None
    price_source: str | None = None
    trace_id: str | None = None
    created_at: str | None = None


@dataclass(slots=True)
class ScoreRecord(Judged):
    """The judge's score of one answer (a ``scores`` row)."""

    JSON: ClassVar[tuple[str, ...]] = ("samples",)
    FLAGS: ClassVar[tuple[str, ...]] = ("refused", "cache_hit")

    accuracy: float | None = None
    relevance: float | None = None
    clarity: float | None = None
    quality: float | None = None
    """The weighted quality, 0..1 (the mean over samples)."""
    refused: bool | None = None
    """The judge's refusal flag (the majority of the samples)."""
    cache_hit: bool = False
    samples: list[float | None] | None = None
    """Each sample's quality, when judged more than once."""
    spread: float | None = None


@dataclass(slots=True)
class PairwiseRecord(Judged):
    """The judge's preference between a candidate's answer and the baseline's, asked in
    both orders (a ``pairwise`` row)."""

    first: str | None = None
    """Winner with the baseline shown first: A | B | tie."""
    second: str | None = None
    """Winner with the candidate shown first."""
    outcome: int | None = None
    """+1 candidate better, -1 baseline better, 0 tie or a verdict that flipped."""
    consistent: int | None = None


@dataclass(slots=True)
class ControlRecord(Record):
    """One of the judge's controls: a good against a bad answer, or one answer twice."""

    JSON: ClassVar[tuple[str, ...]] = ("detail",)
    FLAGS: ClassVar[tuple[str, ...]] = ("passed",)

    run_id: str
    position: int
    prompt_id: str
    kind: str
    good_score: float | None = None
    other_score: float | None = None
    passed: bool = False
    cost_usd: float | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    created_at: str | None = None


@dataclass(slots=True)
class BatchRecord(Record):
    """A batch job of a run, from the moment it is prepared until it is read back."""

    key: str
    run_id: str
    part: str
    """answers | judgments"""
    model: str
    attempt: int = 1
    status: str = "preparing"
    batch_id: str | None = None
    input_file_id: str | None = None
    output_file_id: str | None = None
    error_file_id: str | None = None
    items: int = 0
    estimate_usd: float | None = None
    error: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
