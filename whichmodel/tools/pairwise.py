"""``CompareTool``: how the judge answers in pairwise mode."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from whichmodel.tools.base import Done, Tool


class CompareTool(Tool):
    request: str = "compare"
    purpose: str = (
        "To say which of the two answers, <A> or <B>, serves the user better: <winner> is "
        '"A", "B" or "tie", with a short <rationale>.'
    )
    winner: Literal["A", "B", "tie"] = Field(description='"A", "B" or "tie"')
    rationale: str = Field(max_length=600, description="One or two sentences explaining why")

    def handle(self) -> Done:
        # A valid verdict ends the judge's turn with the tool itself as the result.
        return Done(tools=[self])

    @classmethod
    def examples(cls) -> list[Tool | tuple[str, Tool]]:
        return [
            cls(winner="A", rationale="A is correct; B misses the second part of the question."),
            (
                "Both answers are equally correct and clear",
                cls(winner="tie", rationale="Same facts, same clarity."),
            ),
        ]
