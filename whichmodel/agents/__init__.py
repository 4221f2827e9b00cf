"""Langroid agents: candidates answer, the judge scores."""

from whichmodel.agents.candidate import Answer, CandidateAgent, CandidateConfig
from whichmodel.agents.judge import JudgeAgent, JudgeConfig, Judgment

__all__ = [
    "Answer",
    "CandidateAgent",
    "CandidateConfig",
    "JudgeAgent",
    "JudgeConfig",
    "Judgment",
]
