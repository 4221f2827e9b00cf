"""Candidate agents: one Langroid ChatAgent per model answers each replayed prompt.

A prompt is a conversation; its system prompt (or the model's configured one), its
earlier turns and its last user turn go to the model as they are. The agent answers
through ``llm_response_messages_async``, which reads no agent history, so one agent
per model serves every concurrent call: nothing is cloned or rebuilt per call.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from langroid.agent.tool_message import ToolMessage
from langroid.language_models.base import LLMConfig, LLMMessage, Role

from whichmodel.agents.base import AgentConfig, StatelessAgent
from whichmodel.config import DEFAULT_SYSTEM_PROMPT, default


class CandidateConfig(AgentConfig):
    name: str = "candidate"
    system_message: str = DEFAULT_SYSTEM_PROMPT
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


def describe_error(exc: BaseException) -> str:
    status = getattr(exc, "status_code", None)
    text = f"{type(exc).__name__}: {exc}"
    if status is not None and str(status) not in text:
        text = f"HTTP {status} {text}"
    return text[:500]


class CandidateAgent(StatelessAgent):
    def __init__(self, config: CandidateConfig):
        super().__init__(config)
        self.config: CandidateConfig = config

    def get_formatted_tool_messages(
        self, input_str: str, from_llm: bool = True
    ) -> list[ToolMessage]:
        # A candidate has no tools: its answer is text to grade, so Langroid's
        # search of every answer for tool JSON (~2 ms each) is skipped.
        return []

    def conversation(self, messages: list[dict[str, str]]) -> list[LLMMessage]:
        """The messages sent to the model: the conversation's own system prompt
        replaces the configured one."""
        turns = list(messages)
        system = self.config.system_message
        if turns and turns[0]["role"] == "system":
            system = turns.pop(0)["content"]
        return [LLMMessage(role=Role.SYSTEM, content=system)] + [
            LLMMessage(role=Role(m["role"]), content=m["content"]) for m in turns
        ]

    async def answer(self, messages: list[dict[str, str]]) -> Answer:
        """Answer the last user turn of ``messages`` (a single- or multi-turn
        conversation). Safe to call concurrently on one agent."""
        if not messages or messages[-1]["role"] != "user":
            return Answer(
                text="", status="error", error="conversation does not end with a user turn"
            )
        start = time.perf_counter()
        try:
            response, call = await self.call(self.conversation(messages))
        except Exception as exc:  # a failed call is a row with status=error, not a crash
            return Answer(
                text="",
                status="error",
                error=describe_error(exc),
                latency_ms=(time.perf_counter() - start) * 1000,
            )
        self.forget(response)
        return Answer(
            text=call.text,
            status="ok",
            finish_reason=call.finish_reason,
            prompt_tokens=call.prompt_tokens,
            cached_tokens=call.cached_tokens,
            completion_tokens=call.completion_tokens,
            latency_ms=call.latency_ms,
            usage_reported=call.usage_reported,
        )


def make_candidate(
    llm: LLMConfig, system_prompt: str | None = None, retries: int | None = None
) -> CandidateAgent:
    return CandidateAgent(
        CandidateConfig(
            llm=llm,
            system_message=system_prompt or DEFAULT_SYSTEM_PROMPT,
            retries=default("retries") if retries is None else retries,
        )
    )
