"""One history item: a chat request as it was sent (its messages in OpenAI's chat format,
tools, response format and sampling parameters) and, when the log holds it, the answer
production gave. Every format is turned into this shape here, and checked: a request
that cannot be replayed faithfully is skipped with its reason, never half-kept.

Messages keep what replay needs: ``role`` (system, user, assistant, tool), ``content``
(text, text parts, or None beside tool calls), an assistant's ``tool_calls`` (id, name,
arguments as the raw string) and a tool result's ``tool_call_id``.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

REQUEST_KEYS = ("tools", "tool_choice", "response_format", "temperature", "top_p", "max_tokens")
REQUEST_KEYS += ("stop", "seed")
"""What a replay sends again besides the messages (``max_completion_tokens`` is read as
``max_tokens``). Other request fields (n, logprobs, penalties, user...) are dropped."""
ROLES = {"system", "user", "assistant", "tool"}


class Skip(Exception):
    """A row that is not a chat completion whichmodel can replay; the reason is counted."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _text_parts(content: list[Any]) -> list[dict[str, str]]:
    parts = []
    for part in content:
        if isinstance(part, str):
            parts.append({"type": "text", "text": part})
        elif isinstance(part, dict) and part.get("type") in ("text", "input_text", "output_text"):
            if not isinstance(part.get("text"), str):
                raise Skip("a text part without text")
            parts.append({"type": "text", "text": part["text"]})
        elif isinstance(part, dict) and part.get("type") in ("image_url", "input_image", "image"):
            raise Skip("image content (not replayed)")
        elif isinstance(part, dict) and part.get("type") in ("input_audio", "audio", "file"):
            raise Skip("audio or file content (not replayed)")
        else:
            raise Skip("content part of an unknown type")
    return parts


def content_text(content: Any) -> str:
    """A message's content as plain text (text parts joined)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "\n".join(p["text"] for p in content if isinstance(p, dict) and "text" in p)


def _arguments(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def tool_calls(raw: Any) -> list[dict[str, str]]:
    """OpenAI ``tool_calls`` -> [{id, name, arguments}] (arguments kept as the raw string)."""
    if not isinstance(raw, list):
        raise Skip("tool_calls is not a list")
    calls = []
    for i, call in enumerate(raw):
        fn = call.get("function") if isinstance(call, dict) else None
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
            raise Skip("a tool call without a function name")
        calls.append(
            {
                "id": str(call.get("id") or f"call_{i}"),
                "name": fn["name"],
                "arguments": _arguments(fn.get("arguments", "{}")),
            }
        )
    return calls


def openai_tool_calls(calls: list[dict[str, str]]) -> list[dict[str, Any]]:
    """[{id, name, arguments}] -> OpenAI's ``tool_calls`` shape."""
    return [
        {
            "id": c["id"],
            "type": "function",
            "function": {"name": c["name"], "arguments": c["arguments"]},
        }
        for c in calls
    ]


def messages(raw: Any) -> list[dict[str, Any]]:
    """Checked, normalised messages; ``Skip`` when they cannot be replayed as they were."""
    if not isinstance(raw, list) or not raw:
        raise Skip("no messages")
    out: list[dict[str, Any]] = []
    open_calls: set[str] = set()
    for m in raw:
        if not isinstance(m, dict):
            raise Skip("a message that is not an object")
        role = m.get("role")
        if role == "developer":
            role = "system"
        if role == "function" or "function_call" in m:
            raise Skip("legacy functions API (not replayed)")
        if role not in ROLES:
            raise Skip(f"a message with role {str(role)[:20]!r} (system, user, assistant or tool)")
        content = m.get("content")
        if isinstance(content, list):
            content = _text_parts(content)
        elif content is not None and not isinstance(content, str):
            raise Skip("content that is neither text nor parts")
        message: dict[str, Any] = {"role": role, "content": content}
        if role == "assistant" and m.get("tool_calls"):
            calls = tool_calls(m["tool_calls"])
            message["tool_calls"] = openai_tool_calls(calls)
            open_calls |= {c["id"] for c in calls}
        elif role == "tool":
            call_id = m.get("tool_call_id")
            if call_id not in open_calls:
                raise Skip("a tool result whose call is not in the log")
            message["tool_call_id"] = call_id
            if m.get("name"):
                message["name"] = str(m["name"])
        elif content is None:
            raise Skip(f'a {role} message without "content" text')
        out.append(message)
    last = out[-1]
    if last["role"] not in ("user", "tool"):
        raise Skip("the last message must be from the user (or a tool result)")
    answered = {m["tool_call_id"] for m in out if m["role"] == "tool"}
    if open_calls - answered:
        raise Skip("a tool call whose result is not in the log")
    return out


def request_params(body: dict[str, Any]) -> dict[str, Any]:
    """The request fields a replay sends again."""
    params = {k: body[k] for k in REQUEST_KEYS if body.get(k) is not None}
    if "max_tokens" not in params and body.get("max_completion_tokens") is not None:
        params["max_tokens"] = body["max_completion_tokens"]
    if body.get("functions"):
        raise Skip("legacy functions API (not replayed)")
    tools = params.get("tools")
    if tools is not None:
        if not isinstance(tools, list) or not all(
            isinstance(t, dict)
            and t.get("type", "function") == "function"
            and isinstance(t.get("function"), dict)
            and isinstance(t["function"].get("name"), str)
            for t in tools
        ):
            raise Skip("tools other than functions (not replayed)")
    fmt = params.get("response_format")
    if fmt is not None and not (
        isinstance(fmt, dict) and fmt.get("type") in ("text", "json_object", "json_schema")
    ):
        raise Skip("a response_format of an unknown type")
    return params


def answer_from_choice(choice: dict[str, Any]) -> dict[str, Any]:
    """The production answer in an OpenAI response's first choice."""
    message = choice.get("message") or {}
    calls = tool_calls(message["tool_calls"]) if message.get("tool_calls") else []
    content = message.get("content")
    if isinstance(content, list):
        content = content_text(_text_parts(content))
    if content is None and not calls:
        raise Skip("a response without an answer")
    return {
        "text": content or "",
        "tool_calls": calls,
        "finish_reason": choice.get("finish_reason"),
    }


def usage_of(body: dict[str, Any]) -> dict[str, Any]:
    """Tokens from an OpenAI (or Anthropic-shaped) ``usage``."""
    usage = body.get("usage") or {}
    if not isinstance(usage, dict):
        return {}
    details = usage.get("prompt_tokens_details") or {}
    prompt = usage.get("prompt_tokens", usage.get("input_tokens"))
    completion = usage.get("completion_tokens", usage.get("output_tokens"))
    cached = details.get("cached_tokens") if isinstance(details, dict) else None
    return {
        "input_tokens": prompt if isinstance(prompt, int) else None,
        "output_tokens": completion if isinstance(completion, int) else None,
        "cached_tokens": cached if isinstance(cached, int) else None,
    }


def utc_time(value: Any) -> str | None:
    """A log's timestamp as ISO 8601 UTC (``2026-03-01T09:30:00``), so time windows
    compare one way whatever the source wrote: Unix seconds or milliseconds, or ISO text
    with a zone (converted) or without one (taken as UTC). None when it is not a time."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        if isinstance(value, int | float):
            if not math.isfinite(value) or value <= 0:
                return None
            when = datetime.fromtimestamp(value / 1000 if value > 1e11 else value, UTC)
        elif isinstance(value, str) and value.strip():
            text = value.strip().replace(" ", "T", 1)
            when = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
            if when.tzinfo is not None:
                when = when.astimezone(UTC)
        else:
            return None
    except (ValueError, OverflowError, OSError):
        return None
    return when.replace(tzinfo=None).isoformat(timespec="seconds")


def chat_response(body: Any) -> dict[str, Any]:
    """The production answer, model and usage of an OpenAI chat completion body."""
    if not isinstance(body, dict):
        raise Skip("a response that is not an object")
    if body.get("error"):
        raise Skip("a failed request")
    if body.get("object") == "chat.completion.chunk":
        raise Skip("a streaming fragment without a final body")
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices:
        if body.get("object") == "list" or "data" in body:
            raise Skip("not a chat completion (embeddings or another endpoint)")
        raise Skip("a response without choices")
    answer = answer_from_choice(choices[0])
    created = utc_time(body.get("created"))
    return {
        **answer,
        **usage_of(body),
        "model": body.get("model"),
        **({"logged_at": created} if created else {}),
    }


def chat_request(body: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(messages, replayed parameters) of an OpenAI chat-completions request body."""
    if not isinstance(body, dict):
        raise Skip("a request that is not an object")
    if "messages" not in body:
        if "input" in body:
            raise Skip("not a chat completion (embeddings or responses API)")
        if "prompt" in body:
            raise Skip("not a chat completion (legacy completions)")
        raise Skip("a request without messages")
    return messages(body["messages"]), request_params(body)
