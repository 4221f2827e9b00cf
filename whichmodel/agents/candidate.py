"""Candidate agents: one Langroid ChatAgent per model replays each logged request.

A request is replayed as it was sent: its conversation (system prompt, earlier turns,
assistant tool calls and the tool results production got, so no tool is executed), its
tools and tool_choice, its response format and its sampling parameters (a model's own
settings in whichmodel.toml win). They go through Langroid's chat API (``achat`` with
``OpenAIToolSpec`` tools and an ``OpenAIJsonSchemaSpec`` response format) on a shallow
per-call copy of the agent's LLM, so one agent per model serves every concurrent call:
the shared LLM, its clients and its history are never changed.

An answer may be text, tool calls or both; tool-call arguments are kept as the raw
string the provider sent (Langroid parses and repairs them, which a check must not see).
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass, field
from typing import Any

from langroid.agent.tool_message import ToolMessage
from langroid.language_models.base import (
    LLMConfig,
    LLMFunctionSpec,
    LLMMessage,
    OpenAIJsonSchemaSpec,
    OpenAIToolCall,
    OpenAIToolSpec,
    Role,
)

from whichmodel.agents.base import AgentConfig, EmptyReply, StatelessAgent
from whichmodel.config import default
from whichmodel.history.items import content_text
from whichmodel.portkey.context import current_call
from whichmodel.records.runs import Replay

SAMPLING = ("temperature", "top_p", "stop", "seed")


class CandidateConfig(AgentConfig):
    name: str = "candidate"
    system_message: str = ""
    """The model's ``system_prompt`` setting: sent when a conversation has none of its
    own (empty: a conversation without one is sent without one, as it was logged)."""
    recognize_recipient_in_content: bool = False  # answers are replayed, never routed


@dataclass
class Answer:
    text: str
    status: str  # ok | error
    finish_reason: str | None = None
    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: float = 0.0
    error: str | None = None
    usage_reported: bool = True
    tool_calls: list[dict[str, str]] = field(default_factory=list)
    """[{id, name, arguments}] with ``arguments`` as the provider sent it."""


def describe_error(exc: BaseException) -> str:
    status = getattr(exc, "status_code", None)
    text = f"{type(exc).__name__}: {exc}"
    if status is not None and str(status) not in text:
        text = f"HTTP {status} {text}"
    return text[:500]


def _tool_spec(tool: dict[str, Any]) -> OpenAIToolSpec:
    fn = tool["function"]
    return OpenAIToolSpec(
        type="function",
        strict=fn.get("strict"),
        function=LLMFunctionSpec(
            name=fn["name"],
            description=fn.get("description") or "",
            parameters=fn.get("parameters") or {"type": "object", "properties": {}},
        ),
    )


def _schema_spec(fmt: dict[str, Any]) -> OpenAIJsonSchemaSpec:
    spec = fmt.get("json_schema") or {}
    return OpenAIJsonSchemaSpec(
        strict=spec.get("strict"),
        function=LLMFunctionSpec(
            name=spec.get("name") or "response",
            description=spec.get("description") or "",
            parameters=spec.get("schema") or {"type": "object"},
        ),
    )


class CandidateAgent(StatelessAgent):
    def __init__(self, config: CandidateConfig):
        super().__init__(config)
        self.config: CandidateConfig = config

    def get_formatted_tool_messages(
        self, input_str: str, from_llm: bool = True
    ) -> list[ToolMessage]:
        # A candidate's answers are graded, never handled: no search for tool JSON.
        return []

    def conversation(self, messages: list[dict[str, Any]]) -> list[LLMMessage]:
        """The messages sent to the model: the conversation's own system prompt, else the
        configured one, else none; tool calls and tool results go as OpenAI sends them."""
        turns = list(messages)
        system = self.config.system_message
        if turns and turns[0]["role"] == "system":
            system = content_text(turns.pop(0)["content"])
        out = [LLMMessage(role=Role.SYSTEM, content=system)] if system else []
        for m in turns:
            role = m["role"]
            if role == "tool":
                out.append(
                    LLMMessage(
                        role=Role.TOOL,
                        tool_call_id=m.get("tool_call_id"),
                        content=content_text(m.get("content")),
                    )
                )
            elif role == "assistant" and m.get("tool_calls"):
                out.append(
                    LLMMessage(
                        role=Role.ASSISTANT,
                        content=content_text(m.get("content")) or None,
                        tool_calls=[OpenAIToolCall.from_dict(c) for c in m["tool_calls"]],
                    )
                )
            else:
                out.append(LLMMessage(role=Role(role), content=content_text(m.get("content"))))
        return out

    def _llm_for(self, replay: Replay) -> Any:
        """The shared LLM, or a shallow copy carrying this call's own parameters (its
        clients stay shared; the shared config is not touched)."""
        llm = self.llm
        config = getattr(llm, "config", None)
        wanted = dict(replay.sampling)
        fmt = replay.response_format or {}
        if fmt.get("type") == "json_object":
            wanted["response_format"] = {"type": "json_object"}
        if not wanted or config is None or not hasattr(config, "params"):
            return llm
        from langroid.language_models.openai_gpt import OpenAICallParams

        params = (config.params or OpenAICallParams()).model_copy(update=wanted)
        per_call = copy.copy(llm)
        per_call.config = config.model_copy(update={"params": params})
        return per_call

    async def answer(self, messages: list[dict[str, Any]], replay: Replay | None = None) -> Answer:
        """Answer the last user turn (or tool result) of ``messages`` with ``replay``'s
        tools, format and parameters. Safe to call concurrently on one agent."""
        replay = replay or Replay()
        if not messages or messages[-1]["role"] not in ("user", "tool"):
            return Answer(
                text="", status="error", error="conversation does not end with a user turn"
            )
        fmt = replay.response_format or {}
        max_tokens = replay.max_tokens or getattr(self.llm.config, "max_output_tokens", None)
        start = time.perf_counter()
        try:
            ctx = current_call()
            if ctx is not None:
                ctx.empty_reply = ctx.reply = None
            response = await self._llm_for(replay).achat(
                self.conversation(messages),
                max_tokens=max_tokens or default("max_tokens"),
                tools=[_tool_spec(t) for t in replay.tools] if replay.tools else None,
                tool_choice=replay.tool_choice if replay.tool_choice is not None else "auto",
                response_format=_schema_spec(fmt) if fmt.get("type") == "json_schema" else None,
            )
            calls = _raw_tool_calls(ctx.reply if ctx else None, response)
            if ctx is not None and ctx.empty_reply and not response.message and not calls:
                raise EmptyReply(f"the provider's reply held no answer ({ctx.empty_reply})")
        except Exception as exc:  # a failed call is a row with status=error, not a crash
            return Answer(
                text="",
                status="error",
                error=describe_error(exc),
                latency_ms=(time.perf_counter() - start) * 1000,
            )
        latency = (time.perf_counter() - start) * 1000
        usage = response.usage
        return Answer(
            text=response.message or "",
            status="ok",
            finish_reason=response.finish_reason,
            prompt_tokens=usage.prompt_tokens if usage else 0,
            cached_tokens=usage.cached_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
            latency_ms=latency,
            usage_reported=bool(usage and (usage.prompt_tokens or usage.completion_tokens)),
            tool_calls=calls,
        )


def _raw_tool_calls(reply: dict[str, Any] | None, response: Any) -> list[dict[str, str]]:
    """Tool calls with their arguments exactly as sent: from the raw reply when the wire
    recorded it, else from Langroid's parsed calls (re-serialised)."""
    raw = ((reply or {}).get("message") or {}).get("tool_calls")
    if isinstance(raw, list):
        out = []
        for i, call in enumerate(raw):
            fn = call.get("function") or {}
            args = fn.get("arguments")
            out.append(
                {
                    "id": str(call.get("id") or f"call_{i}"),
                    "name": str(fn.get("name")),
                    "arguments": args if isinstance(args, str) else json.dumps(args),
                }
            )
        return out
    return [
        {
            "id": str(c.id),
            "name": str(c.function.name if c.function else ""),
            "arguments": json.dumps(c.function.arguments if c.function else {}),
        }
        for c in (getattr(response, "oai_tool_calls", None) or [])
    ]


def make_candidate(
    llm: LLMConfig, system_prompt: str | None = None, retries: int | None = None
) -> CandidateAgent:
    return CandidateAgent(
        CandidateConfig(
            llm=llm,
            system_message=system_prompt or "",
            retries=default("retries") if retries is None else retries,
        )
    )
