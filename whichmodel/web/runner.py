"""Evaluations started over HTTP: checked in the request, run as asyncio tasks in the
server's event loop, with their progress kept in memory (and derivable from SQLite)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool

from whichmodel.config import Settings
from whichmodel.errors import BudgetError, NoDataError, WhichmodelError
from whichmodel.store import Store

log = logging.getLogger("whichmodel.web")

MAX_ACTIVE_RUNS = 4


class ApiError(Exception):
    """An answer other than 2xx, with a one-line message."""

    def __init__(self, status: int, message: str, detail: Any = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.detail = detail


@dataclass
class RunState:
    run_id: str
    task: asyncio.Task[Any] | None = None
    progress: dict[str, dict[str, int]] = field(default_factory=dict)
    error: str | None = None
    evaluation: Any = None

    @property
    def active(self) -> bool:
        return self.task is not None and not self.task.done()


class Runner:
    """The registry of runs started by this server."""

    def __init__(self) -> None:
        self.runs: dict[str, RunState] = {}
        self._starting = 0

    def active(self) -> list[RunState]:
        return [s for s in self.runs.values() if s.active]

    def state(self, run_id: str) -> RunState | None:
        return self.runs.get(run_id)

    async def start(self, settings: Settings, prompt_ids: list[str] | None) -> str:
        """Check everything (model strings, keys, gateway, prompts), create the run row,
        then run it in the background. Returns the run id."""
        if len(self.active()) + self._starting >= MAX_ACTIVE_RUNS:
            raise ApiError(
                409,
                f"{MAX_ACTIVE_RUNS} runs are already running on this server: "
                "wait for one to finish.",
            )
        self._starting += 1
        try:
            # Langroid's import and the gateway check block: not in the event loop
            evaluation, run_id = await run_in_threadpool(_prepare, settings, prompt_ids)
        finally:
            self._starting -= 1
        state = RunState(run_id, evaluation=evaluation)

        def progress(stage: str, done: int, total: int) -> None:
            state.progress[stage] = {"done": done, "total": total}

        evaluation.progress = progress
        state.task = asyncio.create_task(self._run(state), name=f"whichmodel-run-{run_id}")
        self.runs[run_id] = state
        return run_id

    async def _run(self, state: RunState) -> None:
        evaluation = state.evaluation
        try:
            await evaluation.run(state.run_id)
        except asyncio.CancelledError:
            state.error = "interrupted: the server stopped"
            raise
        except BudgetError as exc:  # stored as "stopped"
            state.error = str(exc)
        except WhichmodelError as exc:  # stored as "failed"
            state.error = str(exc)
            log.warning("Run %s failed: %s", state.run_id, exc)
        except Exception as exc:
            state.error = f"{type(exc).__name__}: {exc}"
            log.exception("Run %s failed", state.run_id)
        finally:
            evaluation.store.close()
            state.evaluation = None  # its agents and clients can go

    async def stop_all(self) -> list[str]:
        """Cancel running evaluations; each marks its run "interrupted" in the database.
        Returns their ids."""
        tasks = {s.run_id: s.task for s in self.active() if s.task is not None}
        for task in tasks.values():
            task.cancel()
        await asyncio.gather(*tasks.values(), return_exceptions=True)
        return list(tasks)


def _prepare(settings: Settings, prompt_ids: list[str] | None) -> tuple[Any, str]:
    from whichmodel.tasks.evaluation import Evaluation

    store = Store(settings.db)  # the run's own connection, used only by its task
    try:
        if prompt_ids is not None:
            ids = list(dict.fromkeys(prompt_ids))
            known = {p.id for p in store.prompts(ids)}
            unknown = [i for i in ids if i not in known]
            if unknown:
                raise ApiError(
                    422,
                    f"body.prompt_ids: {len(unknown)} unknown prompt id(s), e.g. "
                    f"{unknown[0][:40]!r}: POST /api/prompts returns the ids.",
                    {"field": "prompt_ids", "unknown": unknown[:20]},
                )
            prompt_ids = ids
        evaluation = Evaluation(store, settings)
        evaluation.check_budget_prices()  # max_cost with an unknown price: say so now
        try:
            run_id = evaluation.start(prompt_ids)
        except NoDataError:
            raise ApiError(
                409, "No prompts to evaluate: add some with POST /api/prompts first."
            ) from None
        return evaluation, run_id
    except BaseException:
        store.close()
        raise
