"""The orchestrator as a Langroid Task another task can run as a sub-task.

A parent agent's LLM emits ``EvaluateModelsTool``; the sub-task's agent (no LLM of
its own) runs the evaluation and answers, in one round, with the recommendation.
"""

from __future__ import annotations

from langroid.agent.chat_agent import ChatAgent, ChatAgentConfig
from langroid.agent.task import Task, TaskConfig

from whichmodel.config import Settings
from whichmodel.store import Store
from whichmodel.tools.advisor import EvaluateModelsTool

__all__ = ["EvaluateModelsTool", "EvaluatorAgent", "evaluation_task"]


class EvaluatorAgent(ChatAgent):
    """Runs evaluations when handed an ``EvaluateModelsTool``; needs no LLM."""

    def __init__(self, store: Store, settings: Settings, name: str = "evaluator"):
        super().__init__(ChatAgentConfig(name=name, llm=None))
        self.whichmodel_store = store
        self.eval_settings = settings
        self.enable_message(EvaluateModelsTool, use=False, handle=True)


def evaluation_task(store: Store, settings: Settings, name: str = "evaluator") -> Task:
    """A Task wrapping the orchestrator, for use as a sub-task (``parent.add_sub_task``)."""
    return Task(
        EvaluatorAgent(store, settings, name=name),
        interactive=False,
        single_round=True,
        config=TaskConfig(enable_loggers=False, enable_html_logging=False),
    )
