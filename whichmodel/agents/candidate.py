"""Candidate agents: one Langroid ChatAgent per model answers each replayed prompt.

A prompt is a conversation; everything before its last user turn becomes the
agent's history, and the agent answers that last turn. The agent is reused
(its history is reset after each answer), never rebuilt per call.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from langroid.agent.chat_agent import ChatAgentConfig
from langroid.language_models.base import LLMConfig, LLMMessage, Role

from whichmodel.agents.base import AgentPool, RecordingAgent

DEFAULT_SYSTEM = "You are a helpful assistant."


class CandidateConfig(ChatAgentConfig):
    name: str = "candidate"
    system_message: str = DEFAULT_SYSTEM


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


class CandidateAgent(RecordingAgent):
    def __init__(self, config: CandidateConfig):
        super().__init__(config)
        self.config: CandidateConfig = config

    def reset(self) -> None:
        self.system_message = self.config.system_message
        super().reset()

    async def answer(self, messages: list[dict[str, str]]) -> Answer:
        """Answer the last user turn of ``messages`` (a single- or multi-turn conversation)."""
        self.reset()
        system = self.config.system_message
        turns = list(messages)
        if turns and turns[0]["role"] == "system":
            # the conversation's own system prompt replaces the default one
            system = turns.pop(0)["content"]
        if not turns or turns[-1]["role"] != "user":
            return Answer(
                text="", status="error", error="conversation does not end with a user turn"
            )
        # Langroid rebuilds history[0] from self.system_message before each call
        self.system_message = system
        self.message_history = [LLMMessage(role=Role.SYSTEM, content=system)] + [
            LLMMessage(role=Role(m["role"]), content=m["content"]) for m in turns[:-1]
        ]
        start = time.perf_counter()
        try:
            response = await self.llm_response_async(turns[-1]["content"])
        except Exception as exc:  # a failed call is a row with status=error, not a crash
            return Answer(
                text="",
                status="error",
                error=describe_error(exc),
                latency_ms=(time.perf_counter() - start) * 1000,
            )
        if response is None or not self.calls:
            return Answer(
                text="",
                status="error",
                error="no response from the model",
                latency_ms=(time.perf_counter() - start) * 1000,
            )
        call = self.calls[-1]
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


def make_candidate(llm: LLMConfig, system_prompt: str | None = None) -> CandidateAgent:
    return CandidateAgent(CandidateConfig(llm=llm, system_message=system_prompt or DEFAULT_SYSTEM))


class CandidatePool(AgentPool[CandidateAgent]):
    def reset(self) -> None:
        self.system_message = self.config.system_message
        super().reset()

    async def answer(self, messages: list[dict[str, str]]) -> Answer:
        agent = await self.acquire()
        try:
            return await agent.answer(messages)
        finally:
            self.release(agent)
