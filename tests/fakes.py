"""Scripted Langroid LLMs (MockLMConfig) for agent and orchestrator tests."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from langroid.language_models.mock_lm import MockLMConfig


def score_json(accuracy=0.8, relevance=0.8, clarity=0.8, refused=False, rationale="fine") -> str:
    return json.dumps({
        "request": "score", "accuracy": accuracy, "relevance": relevance, "clarity": clarity,
        "refused": refused, "rationale": rationale,
    })


def scripted(replies: Iterable[str], seen: list[str] | None = None) -> MockLMConfig:
    """An LLM that answers with ``replies`` in order (and records what it was sent)."""
    it = iter(replies)

    def respond(message: str) -> str:
        if seen is not None:
            seen.append(message)
        return next(it)

    return MockLMConfig(response_fn=respond)


def by_content(fn: Callable[[str], str]) -> MockLMConfig:
    return MockLMConfig(response_fn=fn)
