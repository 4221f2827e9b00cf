"""Langroid tool messages: the judge's ScoreTool (more tools live beside it)."""

from whichmodel.tools.pairwise import CompareTool
from whichmodel.tools.score import ScoreTool

__all__ = ["CompareTool", "ScoreTool"]
