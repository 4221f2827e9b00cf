"""The advisor: a chat agent that answers "which model should I use?" from stored
results only, through its tools (see ``whichmodel.tools.advisor``).

Each question is read deterministically first (``results.intent``): what it asks and
the arguments it states. The tools that question needs always run, with those
arguments, whatever the LLM does; a capable LLM may call more tools on its own. The
answer is composed from the tools' results (``advisor_plan.compose``): the verdict and
its model, the changes with their intervals, and what was asked, naming the run. The
LLM's own wording is added after the facts only when every figure in it came from a
tool. A reply is never a tool request. With a small local model (``constrained=True``)
the LLM only words the answer; with a larger one it may also choose tools.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from langroid.agent.chat_agent import ChatAgent
from langroid.agent.chat_document import ChatDocument
from langroid.agent.tool_message import ToolMessage
from langroid.language_models.base import LLMMessage, Role

from whichmodel.agents.advisor_plan import complete, compose, models_and_categories, plan
from whichmodel.agents.base import AgentConfig
from whichmodel.errors import NoDataError
from whichmodel.portkey.wire import harden_llm
from whichmodel.records.runs import Run
from whichmodel.results.decide import HOW_TO_MAKE_A_RUN, find_run
from whichmodel.results.intent import Ask, read_question
from whichmodel.store import Store
from whichmodel.tools.advisor import ADVISOR_TOOLS, EvaluateModelsTool
from whichmodel.tools.context import ToolContext

Evaluator = Callable[[EvaluateModelsTool], Awaitable[tuple[str, str | None]]]
"""Runs an evaluation for the advisor: (text for the LLM, the new run id or None).
Given by the caller (``whichmodel.tasks.orchestrator.make_advisor``)."""

ADVISOR_SYSTEM = """You help a team choose which LLM to use in production, using the results
of whichmodel evaluations stored in a database. Rules:
- Every number you state must come from a tool result in this conversation. Never guess.
- Name the run id your numbers come from.
- list_runs shows the runs; recommend_model says which model to use (use tolerance,
  refusal_margin, requests_per_day or category for "what if", cost-per-month and
  category questions); compare_models compares two models overall and per category;
  worse_examples shows prompts where a candidate did worse than the baseline;
  evaluate_models evaluates more models.
- If no run exists, tell the user how to make one (the tools say how).
After a tool result, answer in a few plain sentences."""

WORDING_SYSTEM = (
    "You restate facts about an LLM evaluation for a busy reader. Answer the question in one "
    "or two short plain sentences, using only the facts given. Copy every number exactly."
)


class AdvisorConfig(AgentConfig):
    name: str = "advisor"
    system_message: str = ADVISOR_SYSTEM
    constrained: bool = False
    """A small model: it only words the answer; the tools are chosen from the question."""
    max_turns: int = 8
    wording_tokens: int = 60


@dataclass
class AdvisorReply:
    text: str
    tools_used: list[str] = field(default_factory=list)
    runs_cited: list[str] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)
    """Figures the LLM's wording stated that no tool returned (that wording was left out)."""
    facts: str = ""
    """The part of ``text`` composed from the tools' results."""
    wording: str | None = None
    """The LLM's own wording, when it passed the figures check."""
    tool_results: list[str] = field(default_factory=list)
    """What the tools returned, in order."""


_NUMBER = re.compile(r"(?<![\w.])[-+]?\$?\d[\d,]*(?:\.\d+)?%?")


def _value(token: str) -> float:
    return float(token.strip("$%+-").replace("$", "").replace(",", ""))


def unverified_numbers(text: str, sources: list[str]) -> list[str]:
    """Numbers in ``text`` that are none of the numbers in ``sources`` (tool results, the
    question): compared as values, so "1,000" is "1000" but "100" is not "1000"."""
    known = {_value(t) for source in sources for t in _NUMBER.findall(source)}
    found = []
    for token in _NUMBER.findall(text):
        if _value(token) not in known and token not in found:
            found.append(token)
    return found


def _on_topic(wording: str, names: list[str]) -> bool:
    """The wording names one of the run's models: a small model's text about something
    else (it happens) is left out."""
    low = wording.lower()
    return any(name.lower() in low for name in names)


def _looks_like_a_tool(text: str) -> bool:
    stripped = text.strip()
    if stripped.startswith("{") or '"request"' in stripped:
        return True
    try:
        json.loads(stripped)
    except ValueError:
        return False
    return True


class AdvisorAgent(ChatAgent):
    def __init__(self, config: AdvisorConfig, store: Store, evaluator: Evaluator | None = None):
        super().__init__(config)
        self.config: AdvisorConfig = config
        if self.llm is not None:
            harden_llm(self.llm, config.retries)
        for tool in ADVISOR_TOOLS:
            self.enable_message(tool)
        # what the tools read (the store) and leave (runs cited, typed results)
        self.tool_context = ToolContext(store)
        self.evaluator = evaluator
        self.tools_used: list[str] = []
        self.last_ask: Ask | None = None
        self._names: list[str] = []
        self._results: list[str] = []

    async def evaluate_models_async(self, msg: EvaluateModelsTool) -> str:
        """The handler of ``EvaluateModelsTool``: the evaluator given at construction."""
        if self.evaluator is None:
            return "This advisor cannot start evaluations: run `whichmodel eval` instead."
        reply, run_id = await self.evaluator(msg)
        if run_id is not None:
            self.tool_context.cite(run_id)
        self.tool_context.remember("evaluation", reply)
        return reply

    # -- one question

    def _read(self, question: str) -> tuple[Ask, Run | None]:
        store = self.tool_context.store
        try:
            run = find_run(store)
        except NoDataError:
            run = None
        rec = store.recommendation(run.id) if run else None
        models, categories = models_and_categories(run, rec)
        self._names = [m.split("/")[-1] for m in models]
        ask = read_question(question, models=models, categories=categories, previous=self.last_ask)
        return ask, run

    async def _run(self, tool: ToolMessage, sources: list[str]) -> None:
        self.tools_used.append(tool.request)
        handler = getattr(self, f"{tool.request}_async", None)
        result = await handler(tool) if handler else tool.response(self)  # type: ignore[attr-defined]
        sources.append(str(result))
        self._results.append(str(result))

    async def _llm_turns(self, question: str, ask: Ask, sources: list[str]) -> str | None:
        """A capable LLM's own tool calls (arguments the question states filled in), until
        it answers in text. Returns that text."""
        message: str | ChatDocument | None = question
        for _ in range(self.config.max_turns):
            reply = await self.llm_response_async(message)
            if reply is None:
                return None
            tools = [complete(t, ask) for t in self.get_tool_messages(reply)]
            if not tools:
                return reply.content
            for tool in tools:
                await self._run(tool, sources)
            message = "\n".join(sources[-len(tools) :]) + "\nNow answer the question."
        return None

    async def _wording(self, question: str, facts: str) -> str | None:
        """A small model's one- or two-sentence answer from the facts (no tools)."""
        if self.llm is None:
            return None
        messages = [
            LLMMessage(role=Role.SYSTEM, content=WORDING_SYSTEM),
            LLMMessage(role=Role.USER, content=f"Facts:\n{facts}\n\nQuestion: {question}"),
        ]
        try:
            response = await self.llm.achat(messages, max_tokens=self.config.wording_tokens)
        except Exception:  # wording is optional; the facts stand on their own
            return None
        return response.message

    async def ask(self, question: str) -> AdvisorReply:
        """Answer one question; the conversation so far is kept (a follow-up such as "and
        at 2%?" changes only what it states)."""
        self.tool_context = self.tool_context.fresh()
        self.tools_used, self._results = [], []
        ask, run = self._read(question)
        self.last_ask = ask
        sources = [question]
        if run is None and ask.kind not in ("evaluate", "runs"):
            return AdvisorReply(text=HOW_TO_MAKE_A_RUN, facts=HOW_TO_MAKE_A_RUN)
        wording = None
        if ask.kind != "outside" and not self.config.constrained and self.llm is not None:
            wording = await self._llm_turns(question, ask, sources)
        done = set(self.tools_used)
        for tool in plan(ask, run):
            if tool.request not in done:
                await self._run(tool, sources)
        context = self.tool_context
        facts = compose(ask, context.facts, str(context.store.path))
        sources.append(facts)
        if self.config.constrained and ask.kind != "outside":
            wording = await self._wording(question, facts)
        return self._reply(facts, wording, sources)

    def _reply(self, facts: str, wording: str | None, sources: list[str]) -> AdvisorReply:
        text, unverified = facts, []
        wording = (wording or "").strip()
        if wording and not _looks_like_a_tool(wording):
            unverified = unverified_numbers(wording, sources)
            if not _on_topic(wording, self._names):
                wording = ""
            elif unverified:
                text += (
                    "\n(The advisor model's own wording was left out: it stated figures no "
                    "tool returned.)"
                )
                wording = ""
            elif wording not in facts:
                text += f"\n\n{wording}"
        else:
            wording = ""
        cited = self.tool_context.runs_cited
        missing = [r for r in cited if r not in text]
        if missing:
            text += f"\n(Source: run {', '.join(missing)}.)"
        return AdvisorReply(
            text=text,
            tools_used=list(self.tools_used),
            runs_cited=list(cited),
            unverified=unverified,
            facts=facts,
            wording=wording or None,
            tool_results=list(self._results),
        )
