"""Writing history in: prompts with their requests and metadata, and the answers
production gave, stored in one transaction per import."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from whichmodel.records.runs import HistoryItem, LaterAnswer, Production
from whichmodel.store.migrations import now

BATCH = 1000
"""Rows sent to SQLite per statement while importing."""


def prompt_id(
    messages: list[dict[str, Any]],
    reference: str | None = None,
    request: dict[str, Any] | None = None,
) -> str:
    """Content hash: the same conversation with the same reference (and the same tools,
    response format and parameters, when the request had any) is the same prompt."""
    content: dict[str, Any] = {"messages": messages, "reference": reference}
    if request:
        content["request"] = request
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


PRODUCTION_COLUMNS = (
    "provider",
    "model",
    "text",
    "tool_calls",
    "finish_reason",
    "input_tokens",
    "cached_tokens",
    "output_tokens",
    "cost_usd",
    "latency_ms",
    "logged_at",
    "trace_id",
    "source",
)


def _production_row(pid: str, production: Production) -> tuple[Any, ...]:
    values = {k: getattr(production, k) for k in PRODUCTION_COLUMNS}
    values["tool_calls"] = json.dumps(production.tool_calls, ensure_ascii=False)
    return (pid, *values.values())


@dataclass
class Added:
    """What an import stored."""

    new: int = 0
    """Prompts not stored before."""
    ids: list[str] = field(default_factory=list)
    """Prompt ids in input order."""
    answers: int = 0
    """Production answers stored (the first one kept for each prompt)."""
    unmatched: list[str] = field(default_factory=list)
    """Answers whose request is not stored (e.g. a Batch output before its input)."""


class HistoryWrites:
    _writing: Callable[[], AbstractContextManager[sqlite3.Connection]]

    def add_prompts(
        self, items: Iterable[HistoryItem | Mapping[str, Any]]
    ) -> tuple[int, list[str]]:
        """Insert prompts in ONE transaction; returns (new count, ids in input order).
        An item may also be given as the keys of a history line (``HistoryItem.of``)."""
        added = self.add_history(
            item if isinstance(item, HistoryItem) else HistoryItem.of(item) for item in items
        )
        return added.new, added.ids

    def add_history(self, items: Iterable[HistoryItem | LaterAnswer]) -> Added:
        """Store history items in ONE transaction, as ``items`` are read (a generator that
        raises halfway leaves nothing stored): each prompt once (content hash), with its
        request, metadata and, when logged, the answer production gave. A ``LaterAnswer``
        adds an answer to a prompt stored before under its id (an OpenAI Batch output
        after its input).

        INSERT OR IGNORE with no read first: another process importing the same
        prompts at the same moment cannot make this transaction fail."""
        prompts_sql = (
            "insert or ignore into prompts (id, messages, reference, category, label, "
            "external_id, source, created_at, request, metadata) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )
        production_sql = (
            f"insert or ignore into production (prompt_id, {', '.join(PRODUCTION_COLUMNS)}) "
            f"values ({', '.join('?' * (len(PRODUCTION_COLUMNS) + 1))})"
        )
        added = Added()
        created = now()
        with self._writing() as conn:
            count = "select (select count(*) from prompts), (select count(*) from production)"
            prompts_before, answers_before = conn.execute(count).fetchone()
            prompts: list[tuple[Any, ...]] = []
            answers: list[tuple[Any, ...]] = []

            def flush() -> None:
                conn.executemany(prompts_sql, prompts)
                conn.executemany(production_sql, answers)
                prompts.clear()
                answers.clear()

            for item in items:
                if isinstance(item, LaterAnswer):
                    flush()  # the input may be in this very file
                    found = conn.execute(
                        "select id from prompts where external_id = ? limit 1", [item.external_id]
                    ).fetchone()
                    if found is None:
                        added.unmatched.append(item.external_id)
                    else:
                        answers.append(_production_row(found[0], item.production))
                    continue
                pid = prompt_id(item.messages, item.reference, item.request)
                added.ids.append(pid)
                prompts.append(
                    (
                        pid,
                        json.dumps(item.messages, ensure_ascii=False),
                        item.reference,
                        item.category,
                        item.label,
                        item.external_id,
                        item.source,
                        created,
                        json.dumps(item.request, ensure_ascii=False) if item.request else None,
                        json.dumps(item.metadata, ensure_ascii=False) if item.metadata else None,
                    )
                )
                if item.production is not None:
                    answers.append(_production_row(pid, item.production))
                if len(prompts) >= BATCH:
                    flush()
            flush()
            prompts_after, answers_after = conn.execute(count).fetchone()
            added.new = prompts_after - prompts_before
            added.answers = answers_after - answers_before
        return added
