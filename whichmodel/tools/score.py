"""``ScoreTool``: the only way the judge may answer."""

from __future__ import annotations

from langroid.agent.tool_message import ToolMessage
from pydantic import Field

from whichmodel.tools.base import Done, Tool

# Scores on a 0.05 grid. The range check (ge/le) is what validation enforces; the
# enum goes into the JSON schema because constrained decoders (llama.cpp's
# llguidance) enforce numeric enums exactly but not decimal minimum/maximum.
GRID = [round(i * 0.05, 2) for i in range(21)]
_ON_GRID = {"enum": GRID}


class ScoreTool(Tool):
    request: str = "score"
    purpose: str = (
        "To grade the candidate answer: <accuracy>, <relevance> and <clarity> each "
        "between 0 and 1, <refused> true if the answer declines to help, and a short "
        "<rationale>."
    )
    accuracy: float = Field(
        ge=0,
        le=1,
        json_schema_extra=_ON_GRID,
        description="Correctness, 0 (wrong) to 1 (fully correct)",
    )
    relevance: float = Field(
        ge=0, le=1, json_schema_extra=_ON_GRID, description="Does it address the request, 0 to 1"
    )
    clarity: float = Field(
        ge=0, le=1, json_schema_extra=_ON_GRID, description="How clear and well organised, 0 to 1"
    )
    refused: bool = Field(description="True if the answer refuses or declines the request")
    rationale: str = Field(max_length=600, description="One or two sentences explaining the scores")

    def handle(self) -> Done:
        # A valid score ends the judge's task with the tool itself as the result.
        return Done(tools=[self])

    @classmethod
    def examples(cls) -> list[ToolMessage | tuple[str, ToolMessage]]:
        return [
            cls(
                accuracy=0.9,
                relevance=1.0,
                clarity=0.8,
                refused=False,
                rationale="Correct and on topic; one step is explained too briefly.",
            ),
            (
                "The answer declines to help with a harmless request",
                cls(
                    accuracy=0.0,
                    relevance=0.1,
                    clarity=0.9,
                    refused=True,
                    rationale="Refuses a safe request; clear but unhelpful.",
                ),
            ),
        ]
