"""The records a run starts from: a history item as it is imported, the prompt as it is
stored, the answer production gave, the run itself, and what one call sends again.

Messages are kept in OpenAI's chat format (``role``, ``content`` as text or text parts,
an assistant's ``tool_calls``, a tool result's ``tool_call_id``), checked when the history
is read; a tool call of an answer is ``{id, name, arguments}`` with ``arguments`` as the
raw string the provider sent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from whichmodel.config import Rule, RunStatus, default

Message = dict[str, Any]
"""One chat message in OpenAI's format."""
ToolCall = dict[str, str]
"""``{"id", "name", "arguments"}``."""


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) and value else None


def _dumps(value: Any) -> str | None:
    return json.dumps(value, ensure_ascii=False) if value else None


@dataclass(frozen=True, slots=True)
class Production:
    """The answer production gave to a prompt, as its log holds it."""

    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    finish_reason: str | None = None
    provider: str | None = None
    model: str | None = None
    input_tokens: int | None = None
    cached_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None
    latency_ms: float | None = None
    logged_at: str | None = None
    trace_id: str | None = None
    source: str | None = None
    """The format it was imported from."""

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Production:
        return cls(
            text=row.get("text") or "",
            tool_calls=_json(row.get("tool_calls")) or [],
            **{k: row.get(k) for k in PRODUCTION_FIGURES},
        )

    @classmethod
    def of(cls, values: Mapping[str, Any], source: str | None = None) -> Production:
        """A logged answer's fields as a reader found them: each kept when it has the
        type it must have (a count an int, a figure a number, a name text), else left
        out."""
        out: dict[str, Any] = {}
        for key in ("finish_reason", "provider", "model", "logged_at", "trace_id"):
            if values.get(key) is not None:
                out[key] = str(values[key])
        for key in ("input_tokens", "cached_tokens", "output_tokens"):
            value = values.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                out[key] = value
        for key in ("cost_usd", "latency_ms"):
            value = values.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                out[key] = value
        return cls(
            text=str(values.get("text") or ""),
            tool_calls=list(values.get("tool_calls") or []),
            source=source if source is not None else values.get("source"),
            **out,
        )


PRODUCTION_FIGURES = (
    "finish_reason",
    "provider",
    "model",
    "input_tokens",
    "cached_tokens",
    "output_tokens",
    "cost_usd",
    "latency_ms",
    "logged_at",
    "trace_id",
    "source",
)


@dataclass(frozen=True, slots=True)
class HistoryItem:
    """One logged request as an import reads it, before it is stored."""

    messages: list[Message]
    reference: str | None = None
    """An ideal answer the judge compares against."""
    category: str | None = None
    label: str | None = None
    """``safe`` or ``unsafe``: whether the prompt should be answered."""
    external_id: str | None = None
    """The id the log gave the request."""
    source: str | None = None
    request: dict[str, Any] | None = None
    """The request fields a replay sends again (tools, format, parameters)."""
    metadata: dict[str, Any] | None = None
    production: Production | None = None

    @classmethod
    def of(cls, values: Mapping[str, Any], source: str | None = None) -> HistoryItem:
        """An item from the keys of whichmodel's own history line (``messages``,
        ``reference``, ``category``, ``label``, ``id``, ``request``, ``metadata``,
        ``production``), as readers and callers writing prompts by hand give them."""
        production = values.get("production")
        source = source if source is not None else values.get("source")
        return cls(
            messages=list(values["messages"]),
            reference=values.get("reference"),
            category=values.get("category"),
            label=values.get("label"),
            external_id=values.get("id"),
            source=source,
            request=values.get("request") or None,
            metadata=values.get("metadata") or None,
            production=Production.of(production, source) if production else None,
        )


@dataclass(frozen=True, slots=True)
class LaterAnswer:
    """An answer logged apart from its request (an OpenAI Batch output after its input):
    it joins the prompt stored under ``external_id``."""

    external_id: str
    production: Production
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Prompt:
    """A stored prompt: one conversation, replayed to every model of a run."""

    id: str
    messages: list[Message]
    reference: str | None = None
    category: str | None = None
    label: str | None = None
    external_id: str | None = None
    source: str | None = None
    created_at: str | None = None
    request: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Prompt:
        return cls(
            id=row["id"],
            messages=json.loads(row["messages"]),
            reference=row.get("reference"),
            category=row.get("category"),
            label=row.get("label"),
            external_id=row.get("external_id"),
            source=row.get("source"),
            created_at=row.get("created_at"),
            request=_json(row.get("request")),
            metadata=_json(row.get("metadata")),
        )


@dataclass(frozen=True, slots=True)
class Run:
    """A stored run: its models, the settings it was started with (redacted), the prices
    known then and how its prompts were chosen."""

    id: str
    baseline: str
    candidates: list[str]
    judge: str
    settings: dict[str, Any] = field(default_factory=dict)
    prices: dict[str, dict[str, Any]] | None = None
    selection: dict[str, Any] | None = None
    prompt_count: int = 0
    status: RunStatus = "running"
    created_at: str | None = None
    finished_at: str | None = None
    error: str | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Run:
        return cls(
            id=row["id"],
            baseline=row["baseline"],
            candidates=json.loads(row["candidates"]),
            judge=row["judge"],
            settings=json.loads(row["settings"] or "{}"),
            prices=_json(row.get("prices")),
            selection=_json(row.get("selection")),
            prompt_count=int(row.get("prompt_count") or 0),
            status=row.get("status") or "running",
            created_at=row.get("created_at"),
            finished_at=row.get("finished_at"),
            error=row.get("error"),
        )

    def row(self) -> dict[str, Any]:
        """The ``runs`` row (its JSON columns encoded)."""
        return {
            "id": self.id,
            "baseline": self.baseline,
            "candidates": json.dumps(self.candidates),
            "judge": self.judge,
            "settings": json.dumps(self.settings, default=str),
            "prices": _dumps(self.prices),
            "selection": _dumps(self.selection),
            "prompt_count": self.prompt_count,
            "status": self.status,
            "created_at": self.created_at,
            "finished_at": self.finished_at,
            "error": self.error,
        }

    def setting(self, name: str) -> Any:
        """A setting as the run was started with it (its default for runs stored before
        the setting existed)."""
        return self.settings.get(name, default(name))

    @property
    def rule(self) -> Rule:
        """The decision rule the run was started with."""
        return Rule.of(self.settings)

    @property
    def models(self) -> list[str]:
        """The models that answer: the baseline first, then the candidates."""
        return [self.baseline, *self.candidates]


@dataclass(slots=True)
class Replay:
    """What one call sends besides the messages (``None``: not sent)."""

    tools: list[dict[str, Any]] | None = None
    tool_choice: Any = None
    response_format: dict[str, Any] | None = None
    max_tokens: int | None = None
    sampling: dict[str, Any] = field(default_factory=dict)
    """temperature, top_p, stop, seed"""
