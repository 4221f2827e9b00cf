"""What the API and the dashboard pages share: a database connection per request,
finding a run by id, and a run's status with its progress."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from whichmodel.config import default
from whichmodel.records.runs import Run
from whichmodel.store import Store
from whichmodel.web.runner import ApiError, Runner
from whichmodel.web.schemas import Progress, RunInfo, Stage

RUN_ID = re.compile(r"[A-Za-z0-9._-]{1,100}")


def open_store(request: Request) -> Iterator[Store]:
    store = Store(request.app.state.settings.db)
    try:
        yield store
    finally:
        store.close()


StoreDep = Annotated[Store, Depends(open_store)]


def find_run(store: Store, run_id: str) -> Run:
    run = store.run(run_id) if RUN_ID.fullmatch(run_id) else None
    if run is None:
        raise ApiError(404, f"No run {run_id[:100]!r}: GET /api/runs lists the runs.")
    return run


def links(run_id: str) -> dict[str, str]:
    return {
        "self": f"/api/runs/{run_id}",
        "recommendation": f"/api/runs/{run_id}/recommendation",
        "responses": f"/api/runs/{run_id}/responses",
        "page": f"/runs/{run_id}",
    }


def run_info(store: Store, run: Run, runner: Runner, *, with_progress: bool = True) -> RunInfo:
    candidates, settings = run.candidates, run.settings
    state = runner.state(run.id)
    rec = store.recommendation(run.id)
    progress = None
    if with_progress:
        counts = stored_progress(store, run)
        if state is not None and state.active:
            counts.update(state.progress)  # fresher than the database by a moment
        progress = Progress(
            answers=Stage(**counts["answers"]),
            judgments=Stage(**counts["judgments"]),
            answer_errors=store.counts(run.id)["errors"],
        )
    error = (state.error if state else None) or run.error  # the fuller message first
    return RunInfo(
        id=run.id,
        status=run.status,
        active=bool(state and state.active),
        created_at=run.created_at,
        finished_at=run.finished_at,
        baseline=run.baseline,
        candidates=candidates,
        judge=run.judge,
        prompt_count=run.prompt_count,
        judge_mode=settings.get("judge_mode", default("judge_mode")),
        error=error,
        decision=rec.decision if rec else None,
        recommended_model=rec.recommended_model if rec else None,
        progress=progress,
        links=links(run.id),
    )


def stored_progress(store: Store, run: Run) -> dict[str, dict[str, int]]:
    """Progress of any run, counted from the database."""
    models = [run.baseline, *[c for c in run.candidates if c != run.baseline]]
    pairwise = run.settings.get("judge_mode") == "pairwise"
    n = run.prompt_count or 0
    counts = store.counts(run.id)
    return {
        "answers": {"done": counts["answers"], "total": n * len(models)},
        "judgments": {
            "done": counts["pairwise" if pairwise else "scores"],
            "total": n * (len(models) - 1 if pairwise else len(models)),
        },
    }
