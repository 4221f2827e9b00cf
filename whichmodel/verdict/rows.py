"""A stored answer as the verdict reads it, held small: a run of 50,000 prompts x 3
models is 150,000 of these in memory at once, so each is a slotted object (not a dict),
and the strings repeated from row to row (model, status, category, prompt id, check
results) are one object shared by every row that has them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from whichmodel.verdict.refusal import stored_verdict

FIELDS = (
    "prompt_id",
    "model",
    "status",
    "cost_usd",
    "latency_ms",
    "output_tokens",
    "answer_chars",
    "answer_refused",
    "refusal_reason",
    "refusal_kind",
    "answer_error",
    "quality",
    "judge_refused",
    "score_status",
    "score_error",
    "judge_spread",
    "category",
    "label",
    "preference",
    "order_consistent",
    "pair_status",
    "pair_error",
    "checks",
    "origin",
    "price_source",
    "has_tool_calls",
    "refused",
)
"""What the verdict reads of an answer: the stored columns, the decoded check results
and the final refusal verdict."""


NO_CHECKS: Mapping[str, Any] = MappingProxyType({})
"""The checks of an answer that had none: one shared, read-only empty mapping."""


class AnswerRow:
    """One answer's fields, read like a mapping (``row["quality"]``, ``row.get(...)``)."""

    __slots__ = FIELDS

    def __init__(self, values: Mapping[str, Any]):
        for name in FIELDS:
            setattr(self, name, values.get(name))

    def __getitem__(self, key: str) -> Any:
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None

    def __setitem__(self, key: str, value: Any) -> None:
        setattr(self, key, value)

    def __contains__(self, key: object) -> bool:
        return key in FIELDS

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)

    def keys(self) -> tuple[str, ...]:
        """The field names: ``{**row}`` and ``dict(row)`` give a plain dict."""
        return FIELDS


def with_verdict(row: dict[str, Any], checks: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``row`` (a stored answer joined with its score) with its checks decoded (or
    ``checks``, decoded already) and its final refusal verdict: the answer's own signals
    and the judge's flag combined."""
    if checks is None:
        checks = json.loads(row["checks"]) if row.get("checks") else {}
    row["checks"] = checks
    verdict = stored_verdict(row)
    row["refused"] = verdict.refused
    row["refusal_reason"] = verdict.reason
    row["refusal_kind"] = verdict.kind if verdict.refused else None
    return row


class Compact:
    """Turns stored answer rows into ``AnswerRow``s that share their repeated values."""

    def __init__(self) -> None:
        self._strings: dict[str, str] = {}
        self._checks: dict[str, dict[str, Any]] = {}

    def row(self, stored: dict[str, Any]) -> AnswerRow:
        shared = self._strings
        for key, value in stored.items():
            if isinstance(value, str):
                stored[key] = shared.setdefault(value, value)
        raw = stored.get("checks")
        checks = NO_CHECKS
        if raw:
            checks = self._checks.get(raw)
            if checks is None:
                checks = self._checks[raw] = json.loads(raw)
        row = AnswerRow(with_verdict(stored, checks))
        if isinstance(row.refusal_reason, str):
            row.refusal_reason = shared.setdefault(row.refusal_reason, row.refusal_reason)
        return row
