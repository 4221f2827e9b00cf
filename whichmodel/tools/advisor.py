"""Tools over stored results: the advisor's, and ``RecommendModelTool`` for any Langroid agent.

Handlers take the agent (``response(self, agent)``) and use the ``ToolContext`` it holds
(``whichmodel.tools.context``: the advisor gives one over its store); an agent without
one reads the configured database. Every result names its run. Errors go back to the LLM as text
it can act on (for example "no run exists yet: ...").

``EvaluateModelsTool`` is only the message: the agent that receives it runs the
evaluation (``whichmodel.tasks.orchestrator``).
"""

from __future__ import annotations

from typing import Any

from langroid.agent.tool_message import ToolMessage
from pydantic import Field

from whichmodel.errors import WhichmodelError
from whichmodel.records.verdict import Recommendation
from whichmodel.report import answers, text
from whichmodel.results import questions
from whichmodel.results.decide import recommendation
from whichmodel.store import Store
from whichmodel.tools.base import Tool
from whichmodel.tools.context import context_of


def store_of(agent: Any) -> Store:
    """The database ``agent``'s tools read."""
    return context_of(agent).store


def _answer(agent: Any, kind: str, query: Any, render: Any) -> str:
    """Run ``query(store)``; its run is cited; a problem the user can fix becomes the reply."""
    context = context_of(agent)
    try:
        result = query(context.store)
    except WhichmodelError as exc:
        context.remember("problem", str(exc))
        return str(exc)
    context.cite(result["run_id"] if isinstance(result, dict) else result.run_id)
    context.remember(kind, result)
    return str(render(result))


class ListRunsTool(Tool):
    request: str = "list_runs"
    purpose: str = "To list the stored evaluation runs with their ids, models and verdicts."

    def response(self, agent: Any) -> str:
        context = context_of(agent)
        runs = questions.run_lines(context.store)
        for run in runs[:3]:
            context.cite(run.id)
        context.remember("runs", runs)
        return text.runs_text(runs)


class RecommendModelTool(Tool):
    request: str = "recommend_model"
    purpose: str = (
        "To get which model to use, from a stored evaluation run: optionally with another "
        "quality <tolerance> (0.02 = accept 2% lower quality), <refusal_margin>, a traffic "
        "volume <requests_per_day> for monthly cost, a prompt <category>, and a <run_id> "
        "(default: latest)."
    )
    run_id: str | None = None
    tolerance: float | None = Field(default=None, ge=0, le=1)
    refusal_margin: float | None = Field(default=None, ge=0, le=1)
    requests_per_day: float | None = Field(default=None, gt=0)
    category: str | None = None

    def recommendation(self, store: Store) -> Recommendation:
        """The typed answer, for Python callers."""
        return recommendation(
            store, self.run_id, tolerance=self.tolerance, refusal_margin=self.refusal_margin
        )

    def answer(self, rec: Recommendation) -> str:
        """The verdict in plain sentences, with the savings and the category asked for."""
        parts = [answers.verdict_answer(rec)]
        if self.requests_per_day:
            parts.append(answers.savings_answer(rec, self.requests_per_day))
        if self.category:
            parts.append(answers.category_answer(rec, self.category))
        return "\n".join(parts)

    def response(self, agent: Any) -> str:
        return _answer(agent, "recommendation", self.recommendation, self.answer)

    @classmethod
    def examples(cls) -> list[ToolMessage | tuple[str, ToolMessage]]:
        return [
            cls(),
            (
                "The user accepts 2% lower quality and has 100k requests a day",
                cls(tolerance=0.02, requests_per_day=100_000),
            ),
        ]


class CompareModelsTool(Tool):
    request: str = "compare_models"
    purpose: str = (
        "To compare two models of a run (<model_a>, <model_b>: names as in the run, "
        "e.g. gpt-4o-mini), overall and per prompt category."
    )
    model_a: str
    model_b: str
    run_id: str | None = None

    def response(self, agent: Any) -> str:
        return _answer(
            agent,
            "compare",
            lambda store: questions.compare(store, self.model_a, self.model_b, self.run_id),
            text.compare_text,
        )


class WorseExamplesTool(Tool):
    request: str = "worse_examples"
    purpose: str = (
        "To show example prompts where <candidate> scored lower than the baseline, "
        "with both answers and the judge's rationale."
    )
    candidate: str
    run_id: str | None = None
    limit: int = Field(default=3, ge=1, le=10)

    def response(self, agent: Any) -> str:
        return _answer(
            agent,
            "worse",
            lambda store: questions.worse_examples(store, self.candidate, self.run_id, self.limit),
            text.worse_examples_text,
        )


class EvaluateModelsTool(Tool):
    """The message only: the agent that receives it runs the evaluation (its
    ``evaluate_models`` method; see ``whichmodel.tasks.orchestrator``)."""

    request: str = "evaluate_models"
    purpose: str = (
        "To evaluate <candidates> (model strings portkey/<provider>/<model>) on the stored "
        "prompt history, against the latest run's baseline and judge unless given."
    )
    candidates: list[str]
    baseline: str | None = None
    judge: str | None = None


ADVISOR_TOOLS: list[type[ToolMessage]] = [
    ListRunsTool,
    RecommendModelTool,
    CompareModelsTool,
    WorseExamplesTool,
    EvaluateModelsTool,
]
