"""A run's scores as feedback on the Portkey traces of the calls that were judged, with
the portkey-ai SDK (``portkey.feedback``: create in bulk, update one).

Portkey takes feedback as an integer from -10 to 10 with a weight from 0 to 1 and a
metadata object. A judge's quality (0 to 1) maps linearly onto -10..10; a pairwise
preference maps to +10 (better than the baseline), 0 (tie) or -10 (worse). Feedback is
a feature of Portkey's hosted API; a self-hosted open-source gateway has no feedback
endpoint, which the user is told in one line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from whichmodel.errors import ConfigError, GatewayError
from whichmodel.portkey.control import api_errors

FEEDBACK_MIN, FEEDBACK_MAX = -10, 10
BULK = 100
"""Feedbacks sent in one request."""


def feedback_value(quality: float) -> int:
    """A quality in [0, 1] as Portkey's feedback value in [-10, 10]."""
    q = min(max(float(quality), 0.0), 1.0)
    return round(FEEDBACK_MIN + q * (FEEDBACK_MAX - FEEDBACK_MIN))


@dataclass
class Feedback:
    """One feedback to send: where it goes, what it says, and the row it belongs to."""

    prompt_id: str
    model: str
    trace_id: str
    value: int
    weight: float
    metadata: dict[str, str]
    feedback_id: str | None = None
    """Set when this answer's feedback was pushed before (then it is updated)."""

    def body(self) -> dict[str, Any]:
        return {
            "trace_id": self.trace_id,
            "value": self.value,
            "weight": self.weight,
            "metadata": self.metadata,
        }


@dataclass
class PushResult:
    created: list[tuple[Feedback, str]] = field(default_factory=list)
    updated: list[Feedback] = field(default_factory=list)
    unchanged: int = 0


def _unavailable(url: str, detail: str) -> GatewayError:
    return GatewayError(
        f"Portkey's feedback API is not available at {url} ({detail}): feedback needs "
        "Portkey's hosted API (PORTKEY_BASE_URL unset or https://api.portkey.ai) and an "
        "API key; a self-hosted open-source gateway has no feedback endpoint."
    )


def push(
    items: Iterable[Feedback],
    *,
    stored: Mapping[tuple[str, str], Mapping[str, Any]],
    url: str,
    api_key: str | None,
    on_sent: Callable[[list[tuple[Feedback, str]]], None] | None = None,
) -> PushResult:
    """Send each item not sent before, update each sent with another value, weight or
    metadata, skip the rest. ``stored``: (prompt_id, model) -> the stored feedback row.
    ``on_sent`` gets each request's (item, feedback id) pairs as soon as they are sent
    (the caller stores them then: a crash loses at most one request's ids)."""
    from portkey_ai import Portkey

    if not api_key:
        raise ConfigError("PORTKEY_API_KEY is not set: --push-feedback needs your Portkey API key.")
    client = Portkey(api_key=api_key, base_url=url)
    result = PushResult()
    pending: list[Feedback] = []
    with api_errors(url, _unavailable):
        for item in items:
            old = stored.get((item.prompt_id, item.model))
            if old is None:
                pending.append(item)
                if len(pending) >= BULK:
                    _create(client, pending, result, url, on_sent)
                    pending = []
                continue
            item.feedback_id = old["feedback_id"]
            same = (
                old["value"] == item.value
                and float(old["weight"]) == item.weight
                and json.loads(old["metadata"] or "{}") == item.metadata
            )
            if same:
                result.unchanged += 1
                continue
            client.feedback.update(
                feedback_id=item.feedback_id,
                value=item.value,
                weight=item.weight,
                metadata=item.metadata,
            )
            result.updated.append(item)
            if on_sent:
                on_sent([(item, item.feedback_id)])
        if pending:
            _create(client, pending, result, url, on_sent)
    return result


def _create(
    client: Any,
    items: list[Feedback],
    result: PushResult,
    url: str,
    on_sent: Callable[[list[tuple[Feedback, str]]], None] | None,
) -> None:
    answer = client.feedback.bulk_create(feedbacks=[i.body() for i in items])
    ids = [str(i) for i in answer.feedback_ids or []]
    if len(ids) != len(items):
        raise _unavailable(url, f"{len(ids)} feedback ids for {len(items)} feedbacks")
    sent = list(zip(items, ids, strict=True))
    result.created.extend(sent)
    if on_sent:
        on_sent(sent)
