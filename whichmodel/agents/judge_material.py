"""What a judge reads, rendered: the conversation (tool calls and tool results written
out), the tools the request offered and the format it asked for, the reference, and each
answer (text, tool calls, or both). Each block sits inside tags carrying a random
marker, so an answer cannot close its own block and speak as the rubric."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from whichmodel.history.items import content_text
from whichmodel.records.answers import AnswerRecord
from whichmodel.records.runs import Prompt


def render_calls(calls: list[dict[str, Any]]) -> str:
    """Tool calls as a reader sees them: ``[calls get_weather with {"city": "Paris"}]``."""
    out = []
    for call in calls:
        fn = call.get("function") or call
        out.append(f"[calls the tool {fn.get('name')} with {fn.get('arguments')}]")
    return "\n".join(out)


def render_message(m: dict[str, Any]) -> str:
    if m["role"] == "tool":
        return f"[tool result for {m.get('tool_call_id')}]\n{content_text(m.get('content'))}"
    body = content_text(m.get("content"))
    if m.get("tool_calls"):
        body = "\n".join(x for x in (body, render_calls(m["tool_calls"])) if x)
    return f"[{m['role']}]\n{body}"


@dataclass
class Material:
    """The request's tools and response format, and the answer's own tool calls."""

    tools: list[dict[str, Any]] = field(default_factory=list)
    response_format: dict[str, Any] | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, prompt: Prompt, answer: AnswerRecord | None) -> Material:
        request = prompt.request or {}
        calls = list(answer.tool_calls or []) if answer else []
        fmt = request.get("response_format")
        return cls(
            tools=list(request.get("tools") or []),
            response_format=fmt if fmt and fmt.get("type") != "text" else None,
            calls=calls,
        )

    @staticmethod
    def answer_text(answer: AnswerRecord) -> str:
        """A stored answer as the judge reads it: its text and its tool calls."""
        calls = answer.tool_calls or []
        return "\n".join(x for x in (answer.text or "", render_calls(calls)) if x)

    def key(self) -> tuple[Any, ...]:
        """What the cache key of a judgment must also hold (empty for plain chat)."""
        if not (self.tools or self.response_format or self.calls):
            return ()
        return (self.tools, self.response_format, self.calls)

    def blocks(self, marker: str) -> list[str]:
        out = []
        if self.tools:
            lines = [
                f"- {t['function']['name']}: {t['function'].get('description') or ''} "
                f"Parameters: {json.dumps(t['function'].get('parameters') or {})}"
                for t in self.tools
                if isinstance(t.get("function"), dict)
            ]
            out.append(
                "The assistant could call these tools (a tool call is a valid answer):\n"
                + tag("tools", marker, "\n".join(lines))
            )
        if self.response_format:
            schema = (self.response_format.get("json_schema") or {}).get("schema")
            what = f"JSON fitting this schema: {json.dumps(schema)}" if schema else "JSON"
            out.append(f"The request asked for the answer as {what}.")
        return out


def tag(kind: str, marker: str, body: str) -> str:
    return f"<{kind}-{marker}>\n{body}\n</{kind}-{marker}>"


def material(
    task: str,
    messages: list[dict[str, Any]],
    reference: str | None,
    marker: str,
    extra: Material | None = None,
) -> list[str]:
    """The task line, the conversation, the tools and format, and the reference."""
    convo = "\n\n".join(render_message(m) for m in messages)
    parts = [task, tag("conversation", marker, convo)]
    if extra is not None:
        parts += extra.blocks(marker)
    if reference:
        parts.append(tag("reference", marker, reference))
    return parts


def judge_prompt(
    messages: list[dict[str, Any]],
    answer: str,
    reference: str | None = None,
    marker: str | None = None,
    extra: Material | None = None,
) -> str:
    """The user message the judge sees. The random marker makes the closing tag
    unguessable, so an answer cannot end its own block and speak as the rubric."""
    marker = marker or secrets.token_hex(6)
    parts = material(
        "Grade the candidate answer to the conversation below.", messages, reference, marker, extra
    )
    shown = answer
    if extra is not None and extra.calls:
        shown = "\n".join(x for x in (answer, render_calls(extra.calls)) if x)
    parts.append(tag("answer", marker, shown))
    parts.append(f"Grade only the text inside <answer-{marker}>. Use the `score` tool.")
    return "\n\n".join(parts)


def pairwise_prompt(
    messages: list[dict[str, Any]],
    first: str,
    second: str,
    reference: str | None = None,
    marker: str | None = None,
    extra: Material | None = None,
) -> str:
    """The user message of a pairwise judgment: answer A is ``first``, B ``second``."""
    marker = marker or secrets.token_hex(6)
    parts = material(
        "Compare the two candidate answers to the conversation below.",
        messages,
        reference,
        marker,
        extra,
    )
    parts.append(tag("answer-A", marker, first))
    parts.append(tag("answer-B", marker, second))
    parts.append(
        f"Judge only the texts inside <answer-A-{marker}> and <answer-B-{marker}>. "
        "Use the `compare` tool."
    )
    return "\n\n".join(parts)
