"""whichmodel: which LLM should serve your traffic? Replay, judge, recommend.

from whichmodel import evaluate, recommend
rec = evaluate(baseline="portkey/openai/gpt-4o-mini",
               candidates=["portkey/anthropic/claude-3-5-haiku-latest"],
               judge="portkey/openai/gpt-4o", prompts="history.jsonl")
print(rec.reasoning)
"""

from __future__ import annotations

from typing import Any

from whichmodel.offline_tiktoken import ensure_tiktoken_offline

# Must run before anything imports Langroid (which loads tiktoken at import time).
ensure_tiktoken_offline()

__version__ = "0.1.0"

_LAZY = {
    "evaluate": ("whichmodel.api", "evaluate"),
    "recommend": ("whichmodel.api", "recommend"),
    "Recommendation": ("whichmodel.records.verdict", "Recommendation"),
    "Selection": ("whichmodel.history.selection", "Selection"),
    "RecommendModelTool": ("whichmodel.tools.advisor", "RecommendModelTool"),
    "ScoreTool": ("whichmodel.tools.score", "ScoreTool"),
    "evaluation_task": ("whichmodel.tasks.orchestrator", "evaluation_task"),
    "EvaluateModelsTool": ("whichmodel.tasks.orchestrator", "EvaluateModelsTool"),
    "make_advisor": ("whichmodel.tasks.orchestrator", "make_advisor"),
    "advisor_task": ("whichmodel.tasks.orchestrator", "advisor_task"),
    "WhichmodelError": ("whichmodel.errors", "WhichmodelError"),
}

__all__ = [*_LAZY, "__version__"]


def __getattr__(name: str) -> Any:
    # Lazy, so `import whichmodel` (and the CLI's --help) does not import Langroid.
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'whichmodel' has no attribute {name!r}")
