"""The orchestrator as a Langroid Task another task can run as a sub-task, and the
advisor wired to start evaluations.

A parent agent's LLM emits ``EvaluateModelsTool``; the sub-task's agent (no LLM of
its own) runs the evaluation and answers, in one round, with the recommendation.
"""

from __future__ import annotations

import asyncio

from langroid.agent.chat_agent import ChatAgent, ChatAgentConfig
from langroid.agent.chat_document import ChatDocument
from langroid.agent.task import Task, TaskConfig
from langroid.language_models.base import LLMConfig

from whichmodel.agents.advisor import AdvisorAgent, AdvisorConfig
from whichmodel.config import Settings, load_settings
from whichmodel.errors import WhichmodelError
from whichmodel.report.text import recommendation_text
from whichmodel.results.decide import find_run
from whichmodel.store import Store
from whichmodel.tasks.evaluation import run_evaluation
from whichmodel.tools.advisor import EvaluateModelsTool
from whichmodel.tools.context import ToolContext

__all__ = [
    "EvaluateModelsTool",
    "EvaluatorAgent",
    "advisor_task",
    "evaluation_task",
    "make_advisor",
]


class Evaluations:
    """Runs the evaluations ``EvaluateModelsTool`` asks for on one database, with
    ``settings`` when given, else the current configuration (``whichmodel.toml`` and the
    environment; a stored run keeps no header values). The baseline and judge default
    to the latest run's."""

    def __init__(self, store: Store, settings: Settings | None = None):
        self.store = store
        self.settings = settings

    async def __call__(self, msg: EvaluateModelsTool) -> tuple[str, str | None]:
        try:
            base = self.settings or load_settings(db=self.store.path)
            latest = find_run(self.store) if self.store.runs() else None
            settings = base.model_copy(
                update={
                    "candidates": msg.candidates,
                    "baseline": msg.baseline or base.baseline or (latest or {}).get("baseline"),
                    "judge": msg.judge or base.judge or (latest or {}).get("judge"),
                }
            )
            rec = await run_evaluation(self.store, settings)
        except WhichmodelError as exc:
            return str(exc), None
        return f"New evaluation finished.\n{recommendation_text(rec)}", rec.run_id


class EvaluatorAgent(ChatAgent):
    """Runs evaluations when handed an ``EvaluateModelsTool``; needs no LLM."""

    def __init__(self, store: Store, settings: Settings, name: str = "evaluator"):
        super().__init__(ChatAgentConfig(name=name, llm=None))
        self.tool_context = ToolContext(store)
        self.evaluations = Evaluations(store, settings)
        self.enable_message(EvaluateModelsTool, use=False, handle=True)

    async def evaluate_models_async(self, msg: EvaluateModelsTool) -> str:
        return (await self.evaluations(msg))[0]

    def evaluate_models(self, msg: EvaluateModelsTool) -> str:
        return asyncio.run(self.evaluate_models_async(msg))


def evaluation_task(store: Store, settings: Settings, name: str = "evaluator") -> Task:
    """A Task wrapping the orchestrator, for use as a sub-task (``parent.add_sub_task``)."""
    return Task(
        EvaluatorAgent(store, settings, name=name),
        interactive=False,
        single_round=True,
        config=TaskConfig(enable_loggers=False, enable_html_logging=False),
    )


def make_advisor(
    llm: LLMConfig,
    store: Store,
    *,
    constrained: bool = False,
    eval_settings: Settings | None = None,
) -> AdvisorAgent:
    """The advisor over ``store``; it can start evaluations (with ``eval_settings``, or
    the latest run's settings)."""
    return AdvisorAgent(
        AdvisorConfig(llm=llm, constrained=constrained), store, Evaluations(store, eval_settings)
    )


class AskAdvisorAgent(ChatAgent):
    """The advisor as a sub-task's agent: each message it receives is a question, its
    response the advisor's answer (facts first, never a tool request)."""

    def __init__(self, advisor: AdvisorAgent, name: str = "advisor"):
        super().__init__(ChatAgentConfig(name=name, llm=None))
        self.advisor = advisor

    async def agent_response_async(
        self, msg: str | ChatDocument | None = None
    ) -> ChatDocument | None:
        question = msg.content if isinstance(msg, ChatDocument) else (msg or "")
        if not question.strip():
            return None
        reply = await self.advisor.ask(question)
        return self.create_agent_response(reply.text)

    def agent_response(self, msg: str | ChatDocument | None = None) -> ChatDocument | None:
        return asyncio.run(self.agent_response_async(msg))


def advisor_task(advisor: AdvisorAgent, name: str = "advisor") -> Task:
    """The advisor as a Task another task can add as a sub-task: it answers the question
    it is handed, in one round."""
    return Task(
        AskAdvisorAgent(advisor, name=name),
        interactive=False,
        single_round=True,
        config=TaskConfig(enable_loggers=False, enable_html_logging=False),
    )
