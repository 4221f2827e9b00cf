"""The per-call context: every request carries its own Portkey trace id and metadata
(run, prompt, model, role) although agents are reused across calls. Agents are shared,
so per-call values travel in a ``ContextVar``; ``wire``'s httpx event hooks add them to
the outgoing request (merged with the user's own tags) and record what came back.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any


@dataclass
class CallContext:
    """What one provider call carries to Portkey, and what comes back in headers."""

    trace_id: str
    metadata: dict[str, str]
    response_headers: dict[str, str] = field(default_factory=dict)
    status_code: int | None = None
    attempts: int = 0
    """HTTP requests sent for this call (1 + the retries the client made)."""
    empty_reply: str | None = None
    """Set when the last answer held no answer at all ("no choices", "null content"):
    Langroid reads both as an empty text, which would look like a refusal."""
    reply: dict[str, Any] | None = None
    """The last answer's first choice as the provider sent it (tool-call arguments as
    raw strings: Langroid parses and repairs them)."""
    own_trace_id: str = ""
    """whichmodel's part of ``trace_id`` (which may gain the user's prefix when sent)."""

    def __post_init__(self) -> None:
        self.own_trace_id = self.own_trace_id or self.trace_id


_current_call: ContextVar[CallContext | None] = ContextVar("whichmodel_call", default=None)


@contextmanager
def call_context(trace_id: str | None = None, **metadata: Any) -> Iterator[CallContext]:
    """Tag the provider calls made inside this block (per asyncio task)."""
    ctx = CallContext(
        trace_id=trace_id or uuid.uuid4().hex,
        metadata={k: str(v) for k, v in metadata.items() if v is not None},
    )
    token = _current_call.set(ctx)
    try:
        yield ctx
    finally:
        _current_call.reset(token)


TRACE_ID_LIMIT = 128
"""Portkey keeps trace ids up to this length."""


def _json_object(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def traced(prefix: str | None, trace_id: str) -> str:
    """``trace_id`` under the user's own prefix (their ``PORTKEY_TRACE_ID``, a configured
    ``x-portkey-trace-id`` header or ``trace_prefix``), kept within Portkey's limit: the
    prefix is cut, never whichmodel's part, which must stay unique per call."""
    prefix = (prefix or "").strip()
    if not prefix:
        return trace_id[:TRACE_ID_LIMIT]
    room = max(TRACE_ID_LIMIT - len(trace_id) - 1, 0)
    return f"{prefix[:room]}-{trace_id}" if room else trace_id[:TRACE_ID_LIMIT]


def request_tags(existing: dict[str, str] | None = None) -> dict[str, str]:
    """The trace id and metadata of the call being made, merged with what the request
    already carries (the user's ``PORTKEY_TRACE_ID`` / ``PORTKEY_METADATA``, configured
    headers, ``portkey_metadata`` / ``trace_prefix``): the user's metadata keys are kept,
    whichmodel's own (run_id, prompt_id, model, role) are added and win a clash; the
    user's trace id becomes the prefix of whichmodel's per-call id."""
    ctx = _current_call.get()
    if ctx is None:
        return {}
    existing = existing or {}
    prefix = existing.get("x-portkey-trace-id")
    if prefix and prefix.endswith(ctx.own_trace_id):  # the same request sent again
        prefix = None
    ctx.trace_id = traced(prefix, ctx.own_trace_id)
    metadata = {**_json_object(existing.get("x-portkey-metadata")), **ctx.metadata}
    return {
        "x-portkey-trace-id": ctx.trace_id,
        "x-portkey-metadata": json.dumps(metadata, separators=(",", ":")),
    }


def read_reply(ctx: CallContext, body: bytes) -> None:
    """Record a chat completion's first choice as sent, and what is missing from one
    that answers nothing: "no choices", or "null content" (no text, no tool call)."""
    try:
        data = json.loads(body)
    except ValueError:
        return
    if not isinstance(data, dict) or "choices" not in data:
        return
    choices = data["choices"]
    if not choices:
        ctx.empty_reply = "no choices"
        return
    choice = choices[0] if isinstance(choices[0], dict) else {}
    ctx.reply = choice
    message = choice.get("message") or {}
    if message.get("content") is None and not message.get("tool_calls"):
        if not message.get("function_call"):
            ctx.empty_reply = "null content"


def current_call() -> CallContext | None:
    """The tags and response facts of the provider call being made in this task."""
    return _current_call.get()
