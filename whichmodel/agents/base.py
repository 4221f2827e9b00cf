"""What candidate and judge agents share: call records, and concurrency without clones.

Both agents answer through Langroid's ``llm_response_messages_async`` with the full
message list of one request, so they keep no per-request history and one agent per
model (or one judge) serves every concurrent call. Langroid registers each
``ChatDocument`` in a process-wide registry; the documents of a finished request are
removed from it, so memory does not grow with the number of prompts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from langroid.agent.chat_agent import ChatAgent, ChatAgentConfig
from langroid.agent.chat_document import ChatDocument
from langroid.language_models.base import LLMMessage
from langroid.utils.object_registry import ObjectRegistry

from whichmodel.config import default
from whichmodel.portkey.context import current_call
from whichmodel.portkey.wire import harden_llm


class EmptyReply(Exception):
    """A provider answered 200 with nothing in it (no choices, or null content)."""


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


class AgentConfig(ChatAgentConfig):
    retries: int = default("retries")
    """Retries of a failed call by the OpenAI client, the one retry layer."""
    enable_orchestration_tool_handling: bool = False
    """These agents are called on explicit message lists, never inside a Langroid task:
    they need none of its orchestration tools (done, pass, forward, ...), and enabling
    those eight costs ~0.1 s of CPU per agent."""


class StatelessAgent(ChatAgent):
    """A ChatAgent used only through explicit message lists (safe to share)."""

    def __init__(self, config: AgentConfig):
        super().__init__(config)
        if self.llm is not None:
            harden_llm(self.llm, config.retries)

    async def call(self, messages: list[LLMMessage]) -> tuple[ChatDocument, LLMCall]:
        """One LLM round trip on exactly ``messages``; raises on a failed call, and on a
        reply that holds no answer at all (no choices, null content): that is a failure
        of the provider, not an empty answer."""
        start = time.perf_counter()
        ctx = current_call()
        if ctx is not None:
            ctx.empty_reply = ctx.reply = None
        response = await self.llm_response_messages_async(messages)
        latency = (time.perf_counter() - start) * 1000
        if ctx is not None and ctx.empty_reply and not response.content:
            self.forget(response)
            raise EmptyReply(f"the provider's reply held no answer ({ctx.empty_reply})")
        usage = response.metadata.usage
        return response, LLMCall(
            text=response.content,
            finish_reason=response.metadata.finish_reason,
            prompt_tokens=usage.prompt_tokens if usage else 0,
            cached_tokens=usage.cached_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
            latency_ms=latency,
            usage_reported=bool(usage and (usage.prompt_tokens or usage.completion_tokens)),
        )

    @staticmethod
    def forget(*docs: ChatDocument | None) -> None:
        """Drop finished documents from Langroid's process-wide registry."""
        for doc in docs:
            if doc is not None:
                ObjectRegistry.remove(doc.id())
