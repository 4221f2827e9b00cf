"""What every whichmodel tool shares."""

from __future__ import annotations

from functools import cache
from typing import Any

from langroid.agent.tool_message import ToolMessage
from langroid.agent.tools.orchestration import AgentDoneTool


@cache
def _defaults(cls: type[ToolMessage]) -> dict[str, Any]:
    properties = cls.model_json_schema()["properties"]
    return {name: spec["default"] for name, spec in properties.items() if "default" in spec}


class Tool(ToolMessage):
    """A ToolMessage whose field defaults are read once per class.

    Langroid asks a tool class for its ``request`` name many times per message and
    each time rebuilds the whole JSON schema (~1.5 ms); a tool's schema never
    changes, so it is built once.
    """

    @classmethod
    def default_value(cls, f: str) -> Any:
        return _defaults(cls).get(f)


class Done(AgentDoneTool, Tool):
    """Langroid's ``AgentDoneTool`` (ends the agent's task with the given tools as its
    result), with its defaults read once."""
