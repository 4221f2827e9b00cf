"""What candidate and judge agents share: a pool of reusable clones and call records."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from langroid.agent.chat_agent import ChatAgent
from langroid.agent.chat_document import ChatDocument

from whichmodel.models import harden_llm


@dataclass
class LLMCall:
    """One LLM round trip as the agent saw it."""

    text: str
    finish_reason: str | None
    prompt_tokens: int
    cached_tokens: int
    completion_tokens: int
    latency_ms: float
    usage_reported: bool = True


def llm_call(response: ChatDocument, latency_ms: float) -> LLMCall:
    usage = response.metadata.usage
    return LLMCall(
        text=response.content,
        finish_reason=response.metadata.finish_reason,
        prompt_tokens=usage.prompt_tokens if usage else 0,
        cached_tokens=usage.cached_tokens if usage else 0,
        completion_tokens=usage.completion_tokens if usage else 0,
        latency_ms=latency_ms,
        usage_reported=bool(usage and (usage.prompt_tokens or usage.completion_tokens)),
    )


class RecordingAgent(ChatAgent):
    """A ChatAgent that keeps a record of each LLM call it makes (usage, latency)."""

    def __init__(self, config: Any):
        super().__init__(config)
        if self.llm is not None:
            harden_llm(self.llm)
        self.calls: list[LLMCall] = []

    async def llm_response_async(
        self, message: None | str | ChatDocument = None
    ) -> ChatDocument | None:
        start = time.perf_counter()
        response = await super().llm_response_async(message)
        latency = (time.perf_counter() - start) * 1000
        if response is not None:
            self.calls.append(llm_call(response, latency))
        return response

    def reset(self) -> None:
        """Back to the system message only, ready for an unrelated request."""
        self.clear_history(1 if self.message_history else 0)
        self.calls = []


A = TypeVar("A", bound=RecordingAgent)


class AgentPool(Generic[A]):
    """Reuse agents instead of building one per call (a ChatAgent costs ~50 ms of CPU).

    Clones are made on demand, never more than ``size``; each call borrows one
    exclusively, so per-call state (history, call records) cannot mix.
    """

    def __init__(self, first: A, size: int):
        self._first = first
        self._size = max(size, 1)
        self._made = 1
        self._idle: asyncio.Queue[A] = asyncio.Queue()
        self._idle.put_nowait(first)

    async def acquire(self) -> A:
        if self._idle.empty() and self._made < self._size:
            self._made += 1
            clone = self._first.clone(self._made)
            return clone  # type: ignore[return-value]
        return await self._idle.get()

    def release(self, agent: A) -> None:
        agent.reset()
        self._idle.put_nowait(agent)
