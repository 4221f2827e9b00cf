"""What the advisor fetches for a question, and how it answers from what it fetched.

``plan`` turns the question (read by ``results.intent``) into tool calls with every
argument the question states; ``complete`` fills the arguments an LLM left out of its
own tool calls; ``compose`` writes the answer from the tools' typed results, facts
first, always naming the decision, its model and the run.
"""

from __future__ import annotations

from typing import Any

from langroid.agent.tool_message import ToolMessage

from whichmodel.records.runs import Run
from whichmodel.records.verdict import Recommendation
from whichmodel.report import answers, text
from whichmodel.results.intent import Ask
from whichmodel.results.questions import RunLine
from whichmodel.tools.advisor import (
    CompareModelsTool,
    EvaluateModelsTool,
    ListRunsTool,
    RecommendModelTool,
    WorseExamplesTool,
)

SCOPE = (
    "I answer from the evaluation runs stored in {db}: which model to use, what it costs a "
    "month at your traffic, quality and refusals overall or per category, prompts where a "
    "candidate did worse, the list of runs, and evaluating more models. That question is "
    "outside what they hold."
)


def _recommend(ask: Ask) -> RecommendModelTool:
    return RecommendModelTool(
        run_id=ask.run_id,
        tolerance=ask.tolerance,
        refusal_margin=ask.refusal_margin,
        requests_per_day=ask.requests_per_day if ask.kind == "savings" else None,
        category=ask.category if ask.kind == "category" else None,
    )


def plan(ask: Ask, run: Run | None) -> list[ToolMessage]:
    """The tool calls that fetch what ``ask`` needs (the verdict always, for its headline)."""
    if ask.kind == "outside":
        return []
    if ask.kind == "runs":
        return [ListRunsTool()]
    if ask.kind == "evaluate":
        return [EvaluateModelsTool(candidates=ask.to_evaluate)] if ask.to_evaluate else []
    calls: list[ToolMessage] = [_recommend(ask)]
    candidates = [m for m in ask.models if run is None or m != run.baseline]
    if ask.kind == "compare" and run is not None:
        a, b = (ask.models + [run.baseline, *run.candidates])[:2]
        if a == b:
            b = next(m for m in [run.baseline, *run.candidates] if m != a)
        calls.append(CompareModelsTool(model_a=a, model_b=b, run_id=ask.run_id))
    if ask.kind == "worse" and run is not None:
        candidate = (candidates or run.candidates)[0]
        calls.append(WorseExamplesTool(candidate=candidate, run_id=ask.run_id))
    return calls


def complete(tool: ToolMessage, ask: Ask) -> ToolMessage:
    """An LLM's tool call with the arguments the question states but the LLM left out."""
    if isinstance(tool, RecommendModelTool):
        for name in ("tolerance", "refusal_margin", "run_id"):
            if getattr(tool, name) is None and getattr(ask, name) is not None:
                setattr(tool, name, getattr(ask, name))
        if tool.requests_per_day is None and ask.requests_per_day:
            tool.requests_per_day = ask.requests_per_day
        if tool.category is None and ask.category:
            tool.category = ask.category
    return tool


def compose(ask: Ask, facts: dict[str, Any], db: str) -> str:
    """The answer to ``ask`` from the tools' typed results."""
    if ask.kind == "outside":
        return SCOPE.format(db=db)
    if "problem" in facts and not facts.get("recommendation"):
        return str(facts["problem"])
    if ask.kind == "runs" and "runs" in facts:
        runs: list[RunLine] = facts["runs"]
        return text.runs_text(runs)
    if ask.kind == "evaluate":
        return str(
            facts.get(
                "evaluation",
                "Name the models to evaluate as portkey/<provider>/<model>, e.g. "
                "portkey/openai/gpt-4.1-nano.",
            )
        )
    rec: Recommendation | None = facts.get("recommendation")
    if rec is None:
        return str(facts.get("problem", "No stored run answers this."))
    parts = [answers.headline(rec)]
    if ask.kind == "savings":
        parts.append(answers.why(rec))
        if ask.requests_per_day:
            parts.append(answers.savings_answer(rec, ask.requests_per_day, ask.volume))
        else:
            parts.append(answers.model_lines(rec))
            parts.append("Say your traffic (e.g. 10,000 requests a day) for the cost per month.")
    elif ask.kind == "category":
        if ask.category:
            parts.append(answers.category_answer(rec, ask.category))
        else:
            parts += [answers.category_answer(rec, c.category) for c in rec.categories]
    elif ask.kind == "refusals":
        parts.append(answers.refusal_answer(rec))
    elif ask.kind == "compare" and "compare" in facts:
        parts.append(text.compare_text(facts["compare"]))
    elif ask.kind == "worse" and "worse" in facts:
        parts.append(text.worse_examples_text(facts["worse"]))
    else:
        parts = [answers.verdict_answer(rec)]
    if "problem" in facts:
        parts.append(str(facts["problem"]))
    return "\n".join(parts)


def models_and_categories(
    run: Run | None, rec: Recommendation | None
) -> tuple[list[str], list[str]]:
    """The names a question about ``run`` can mention."""
    if run is None:
        return [], []
    models = [run.baseline, *run.candidates]
    categories = [c.category for c in rec.categories] if rec else []
    return models, categories
