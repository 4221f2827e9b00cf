"""The orchestrator as a Langroid Task another task can run as a sub-task.

A parent agent's LLM emits ``EvaluateModelsTool``; the sub-task's agent (no LLM of
its own) runs the evaluation and ends with the recommendation as its result.
"""

from __future__ import annotations

from typing import Any

from langroid.agent.chat_agent import ChatAgent, ChatAgentConfig
from langroid.agent.task import Task, TaskConfig
from langroid.agent.tool_message import ToolMessage
from langroid.agent.tools.orchestration import AgentDoneTool

from whichmodel import advice
from whichmodel.config import Settings
from whichmodel.errors import WhichmodelError
from whichmodel.store import Store


class EvaluateModelsTool(ToolMessage):
    request: str = "evaluate_models"
    purpose: str = (
        "To evaluate <candidates> (portkey/<provider>/<model> strings) against the <baseline> "
        "on the stored prompt history, scored by the <judge>, and get a recommendation."
    )
    candidates: list[str]
    baseline: str | None = None
    judge: str | None = None


class EvaluatorAgent(ChatAgent):
    """Runs evaluations when handed an ``EvaluateModelsTool``; needs no LLM."""

    def __init__(self, store: Store, settings: Settings, name: str = "evaluator"):
        super().__init__(ChatAgentConfig(name=name, llm=None))
        self.whichmodel_store = store
        self.settings = settings
        self.enable_message(EvaluateModelsTool, use=False, handle=True)
        self.last_recommendation: Any = None

    async def evaluate_models_async(self, msg: EvaluateModelsTool) -> AgentDoneTool:
        from whichmodel.tasks.evaluation import evaluate_async

        settings = self.settings.model_copy(update={
            "candidates": msg.candidates,
            "baseline": msg.baseline or self.settings.baseline,
            "judge": msg.judge or self.settings.judge,
        })
        try:
            rec = await evaluate_async(self.whichmodel_store, settings)
        except WhichmodelError as exc:
            return AgentDoneTool(content=f"Evaluation not run: {exc}")
        self.last_recommendation = rec
        return AgentDoneTool(content=advice.recommendation_text(rec))

    def evaluate_models(self, msg: EvaluateModelsTool) -> AgentDoneTool:
        import asyncio

        return asyncio.run(self.evaluate_models_async(msg))


def evaluation_task(store: Store, settings: Settings, name: str = "evaluator") -> Task:
    """A Task wrapping the orchestrator, for use as a sub-task (``parent.add_sub_task``)."""
    return Task(
        EvaluatorAgent(store, settings, name=name),
        interactive=False,
        config=TaskConfig(enable_loggers=False, enable_html_logging=False),
    )
