"""What the advisor's tools share with the agent that handles them: the database they
read, the runs their results cite, and their typed results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from whichmodel.config import load_settings
from whichmodel.store import Store


@dataclass
class ToolContext:
    """One question's worth of tool results over one database: the advisor composes
    its answer from ``facts`` and names the runs in ``runs_cited``."""

    store: Store
    runs_cited: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def cite(self, run_id: str) -> None:
        if run_id not in self.runs_cited:
            self.runs_cited.append(run_id)

    def remember(self, kind: str, value: Any) -> None:
        """Keep a tool's typed result (the advisor composes its answer from them)."""
        self.facts[kind] = value

    def fresh(self) -> ToolContext:
        """The same database, nothing cited or remembered yet (the next question)."""
        return ToolContext(self.store)


class HoldsToolContext(Protocol):
    """An agent whose tools share a context (the advisor, the evaluator)."""

    tool_context: ToolContext


def context_of(agent: Any) -> ToolContext:
    """The context ``agent`` holds; an agent without one (``RecommendModelTool`` enabled
    on any Langroid agent) is given one over the configured database (``db`` of
    ``whichmodel.toml`` or ``WHICHMODEL_DB``, else ``./whichmodel.db``)."""
    context = getattr(agent, "tool_context", None)
    if not isinstance(context, ToolContext):
        context = ToolContext(Store(load_settings().db))
        agent.tool_context = context
    return context
