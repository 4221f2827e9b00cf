"""What the API reads and answers (these models make /openapi.json)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ErrorOut(BaseModel):
    error: str
    detail: Any = None


class PromptsAdded(BaseModel):
    received: int
    new: int
    already_stored: int
    """Already in the database, or repeated within this request."""
    ids: list[str]
    """Prompt ids in the order given (content hashes: the same prompt, the same id)."""


class RunRequest(BaseModel):
    """A run to start. Fields left out come from the server's settings."""

    model_config = ConfigDict(extra="forbid")

    baseline: str = Field(description="The model in production now: portkey/<provider>/<model>.")
    candidates: list[str] = Field(min_length=1, description="Models to compare with it.")
    judge: str = Field(description="The model that scores every answer.")
    concurrency: int | None = None
    tolerance: float | None = Field(None, description="Accepted quality loss (0.05 = 5%).")
    refusal_margin: float | None = Field(None, description="Accepted refusal-rate increase.")
    judge_mode: Literal["pointwise", "pairwise"] | None = None
    judge_samples: int | None = None
    max_cost: float | None = Field(None, description="Stop before spending this many USD.")
    prompt_ids: list[str] | None = Field(
        None, min_length=1, description="Prompts to evaluate (default: every stored prompt)."
    )


class RunStarted(BaseModel):
    id: str
    status: str
    links: dict[str, str]


class Stage(BaseModel):
    done: int
    total: int


class Progress(BaseModel):
    answers: Stage
    judgments: Stage
    answer_errors: int = 0


class RunInfo(BaseModel):
    id: str
    status: str
    """running, completed, failed, stopped (spending limit) or interrupted."""
    active: bool
    """Running in this server process now."""
    created_at: str | None
    finished_at: str | None
    baseline: str
    candidates: list[str]
    judge: str
    prompt_count: int | None
    judge_mode: str
    error: str | None
    decision: str | None
    recommended_model: str | None
    progress: Progress | None = None
    links: dict[str, str]


class RunList(BaseModel):
    runs: list[RunInfo]
    total: int


class ResponsesPage(BaseModel):
    run_id: str
    model: str | None
    total: int
    limit: int
    offset: int
    items: list[dict[str, Any]]


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 401, 404, 409, 422)
}
