"""The advisor: a chat agent that answers "which model should I use?" from stored
results only, through its tools (see ``whichmodel.tools.advisor``).

Every number it states comes from a tool result, and each reply names the run it
used: if the LLM's wording forgets, the run ids are appended. With a small local
model (``constrained=True``) the first reply to each question is forced, by a JSON
schema, to be one of the tools, so the answer always rests on data.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from langroid.agent.chat_agent import ChatAgent
from langroid.agent.chat_document import ChatDocument

from whichmodel.agents.base import AgentConfig
from whichmodel.portkey.wire import harden_llm
from whichmodel.store import Store
from whichmodel.tools.advisor import ADVISOR_TOOLS, EvaluateModelsTool, note_run

Evaluator = Callable[[EvaluateModelsTool], Awaitable[tuple[str, str | None]]]
"""Runs an evaluation for the advisor: (text for the LLM, the new run id or None).
Given by the caller (``whichmodel.tasks.orchestrator.make_advisor``)."""

ADVISOR_SYSTEM = """You help a team choose which LLM to use in production, using the results
of whichmodel evaluations stored in a database. Rules:
- Every number you state must come from a tool result in this conversation. Never guess.
- Name the run id your numbers come from.
- list_runs shows the runs; recommend_model says which model to use (use tolerance,
  refusal_margin or requests_per_day for "what if" and cost-per-month questions);
  compare_models compares two models overall and per category; worse_examples shows
  prompts where a candidate did worse than the baseline; evaluate_models evaluates more models.
- If no run exists, tell the user how to make one (the tools say how).
After a tool result, answer in a few plain sentences."""

NUDGE = (
    "Answer from data only: first use one of the tools (list_runs, recommend_model, "
    "compare_models, worse_examples, evaluate_models)."
)


class AdvisorConfig(AgentConfig):
    name: str = "advisor"
    system_message: str = ADVISOR_SYSTEM
    constrained: bool = False
    """Force the first reply to each question to be a tool call (JSON schema); for small models."""
    max_turns: int = 8


@dataclass
class AdvisorReply:
    text: str
    tools_used: list[str] = field(default_factory=list)
    runs_cited: list[str] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)
    """Figures in the reply that appear in no tool result (flagged to the user)."""


_NUMBER = re.compile(r"(?<![\w.])\$?\d[\d,]*(?:\.\d+)?%?")


def unverified_numbers(text: str, sources: list[str]) -> list[str]:
    """Numbers in ``text`` that occur in none of ``sources`` (tool results, the question)."""
    haystack = " ".join(sources).replace(",", "")
    found = []
    for token in _NUMBER.findall(text):
        bare = token.strip("$%").replace(",", "")
        if bare and bare not in haystack and token not in found:
            found.append(token)
    return found


def _first_step_schema(tools: list[Any]) -> dict[str, Any]:
    """For small models: the first reply must name a tool that needs no arguments.
    (A 135M model cannot fill arguments usefully, and every extra free-text field
    makes constrained decoding slower.)"""
    names = [
        t.default_value("request")
        for t in tools
        if not t.llm_function_schema(request=True).parameters.get("required")
        or t.llm_function_schema(request=True).parameters["required"] == ["request"]
    ]
    return {
        "type": "json_schema",
        "json_schema": {
            "name": "advisor_tool",
            "strict": True,
            "schema": {
                "type": "object",
                "properties": {"request": {"type": "string", "enum": names}},
                "required": ["request"],
                "additionalProperties": False,
            },
        },
    }


class AdvisorAgent(ChatAgent):
    def __init__(self, config: AdvisorConfig, store: Store, evaluator: Evaluator | None = None):
        super().__init__(config)
        self.config: AdvisorConfig = config
        if self.llm is not None:
            harden_llm(self.llm, config.retries)
        for tool in ADVISOR_TOOLS:
            self.enable_message(tool)
        if config.constrained:
            # the schema already fixes the format; generic instructions would only
            # lengthen a small model's prompt
            self.system_tool_format_instructions = ""
        self.whichmodel_store = store
        self.evaluator = evaluator
        self.runs_cited: list[str] = []
        self.tools_used: list[str] = []
        self._nudged = False

    async def llm_response_async(
        self, message: None | str | ChatDocument = None
    ) -> ChatDocument | None:
        params = getattr(getattr(self.llm, "config", None), "params", None)
        if self.config.constrained and params is not None:
            body = dict(params.extra_body or {})
            if self.tools_used:
                body.pop("response_format", None)
            else:
                body["response_format"] = _first_step_schema(ADVISOR_TOOLS)
            params.extra_body = body
        return await super().llm_response_async(message)

    async def evaluate_models_async(self, msg: EvaluateModelsTool) -> str:
        """The handler of ``EvaluateModelsTool``: the evaluator given at construction."""
        if self.evaluator is None:
            return "This advisor cannot start evaluations: run `whichmodel eval` instead."
        reply, run_id = await self.evaluator(msg)
        if run_id is not None:
            note_run(self, run_id)
        return reply

    # -- one question

    async def ask(self, question: str) -> AdvisorReply:
        """Answer one question (the conversation so far is kept).

        A small loop over Langroid's own steps (LLM reply, then the agent's tool
        handling, which also returns tool-validation feedback to the LLM) rather than a
        Task: the stopping rule here is "a plain-text reply after data was fetched",
        which Task's done conditions cannot express without also stopping on the question.
        """
        self.runs_cited, self.tools_used = [], []
        nudged = False
        sources = [question]
        message: str | ChatDocument | None = question
        text = ""
        for _ in range(self.config.max_turns):
            reply = await self.llm_response_async(message)
            if reply is None:
                break
            tools = self.get_tool_messages(reply)
            if tools and self.config.constrained and self.tools_used:
                # a small model tends to copy its earlier tool call instead of answering
                tools = []
            if not tools:
                text = reply.content
                if self.tools_used or nudged:
                    break
                nudged = True  # answered without data: ask once for a tool first
                message = NUDGE
                continue
            self.tools_used.extend(t.request for t in tools)
            message = await self.agent_response_async(reply)
            if message is None:
                break
            sources.append(message.content)
        text = text.strip()
        unverified = unverified_numbers(text, sources)
        if unverified:
            text += f"\n(Not from the stored results, do not rely on: {', '.join(unverified[:8])}.)"
        missing = [r for r in self.runs_cited if r not in text]
        if missing:
            text = f"{text}\n(Source: run {', '.join(missing)}.)".strip()
        return AdvisorReply(
            text=text,
            tools_used=list(self.tools_used),
            runs_cited=list(self.runs_cited),
            unverified=unverified,
        )
