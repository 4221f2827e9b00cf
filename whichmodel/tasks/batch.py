"""Batch mode (``eval --batch``): answers, then judgments, sent as OpenAI Batch jobs
through the gateway for models whose provider takes them; the rest of the run goes
online as usual, and so does whatever a batch leaves undone.

Each request of a batch is the very request the model's agent would send live: the
agent is called with its exchange captured (``portkey.exchange``), and each answer is
read back by the same agent with the batch's answer replayed, so tools, formats,
parameters, tool parsing, checks and refusal signals are those of a live call. Answers
from a batch are priced at the batch price, carry no latency (none was measured) and no
trace of their own.

Every batch is stored before it is sent and again once the provider has it, so a
resumed run looks at batches already sent instead of sending them again (one that was
being created when the process died is found by the key in its metadata). A batch that
fails, expires or is cancelled is sent again once for what it left undone; after that,
each undone item is stored as an error that says so. ``--max-cost`` is checked before a
batch is sent, with the batch price.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import tempfile
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from whichmodel.agents.candidate import CandidateAgent
from whichmodel.agents.judge import JudgeAgent
from whichmodel.portkey.batches import ENDPOINT, BatchAPI, BatchState
from whichmodel.portkey.context import call_context
from whichmodel.portkey.exchange import capture, replay
from whichmodel.store import Store
from whichmodel.tasks.calls import Calls
from whichmodel.tasks.spending import Budget, Estimator
from whichmodel.verdict.models import short

MAX_ATTEMPTS = 2
"""A batch that fails, expires or is cancelled is sent once more for what it left undone."""
Job = tuple[dict[str, Any], str]


class BatchRun:
    """The batch part of one run session."""

    def __init__(
        self,
        run_id: str,
        store: Store,
        calls: Calls,
        estimator: Estimator,
        budget: Budget,
    ):
        self.run_id = run_id
        self.store = store
        self.settings = calls.settings
        self.roles = calls.roles
        self.calls = Calls(store, calls.settings, calls.roles, calls.prices, batch=True)
        self.capturing = Calls(store, calls.settings, calls.roles, calls.prices)
        self.estimator = estimator
        self.budget = budget
        self.progress: Callable[[str, int, int], None] = lambda stage, done, total: None
        self.folder = Path(tempfile.mkdtemp(prefix="whichmodel-batch-"))
        self.reserved: dict[str, float] = {}
        """Batch key -> the estimate this session reserved for it under the limit."""

    def takes(self, model: str) -> bool:
        return self.roles.refs[model].provider in self.settings.batch_providers

    async def run(
        self,
        prompts: list[dict[str, Any]],
        production: dict[str, Any],
        agents: dict[str, CandidateAgent],
        judge: Any,
        online: Callable[[list[Job]], Awaitable[None]],
    ) -> None:
        """The batch answers; then the other models' answers online (``online``), so the
        judge's batch holds every answer; then the judge's batch (pointwise, one sample).
        The batch files are removed at the end, however it ends."""
        try:
            await self._steps(prompts, production, agents, judge, online)
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    async def _steps(
        self,
        prompts: list[dict[str, Any]],
        production: dict[str, Any],
        agents: dict[str, CandidateAgent],
        judge: Any,
        online: Callable[[list[Job]], Awaitable[None]],
    ) -> None:
        by_id = {p["id"]: p for p in prompts}
        history = self.settings.baseline_from_history
        batched = [
            m for m in agents if self.takes(m) and not (history and m == self.roles.baseline)
        ]
        await self.answers(by_id, batched, agents, production)
        answered = self.store.done_keys("responses", self.run_id)
        rest = [
            (p, m)
            for p in prompts
            for m in self.roles.models
            if m not in batched and (p["id"], m) not in answered
        ]
        if rest and not self.budget.stopped:
            await online(rest)
        if self.budget.stopped or self.roles.pairwise or self.settings.judge_samples != 1:
            return  # pairwise comparisons and sampled judgments run online
        await self.judgments(by_id, self.roles.models, judge)

    # ---------------------------------------------------------------- the parts

    async def answers(
        self,
        prompts: dict[str, dict[str, Any]],
        models: list[str],
        agents: dict[str, CandidateAgent],
        production: dict[str, Any],
    ) -> None:
        answered = self.store.done_keys("responses", self.run_id)
        jobs = {
            model: [(p, model) for p in prompts.values() if (p["id"], model) not in answered]
            for model in models
            if self.takes(model)
        }

        async def ask(prompt: dict[str, Any], model: str, calls: Calls) -> dict[str, Any]:
            return await calls.answer(
                self.run_id, prompt, model, agents[model], production.get(prompt["id"])
            )

        def keep(row: dict[str, Any]) -> None:
            self.store.save_response(row)

        await self._part("answers", jobs, prompts, ask, keep, {m: agents[m] for m in jobs})

    async def judgments(
        self,
        prompts: dict[str, dict[str, Any]],
        models: list[str],
        judge: JudgeAgent,
    ) -> None:
        if not self.takes(self.roles.judge):
            return
        judged = self.store.done_keys("scores", self.run_id)
        answered = self.store.answered_ok(self.run_id)  # keys only: memory stays small
        jobs = {
            self.roles.judge: [
                (prompt, model)
                for prompt in prompts.values()
                for model in models
                if (prompt["id"], model) in answered and (prompt["id"], model) not in judged
            ]
        }

        async def ask(prompt: dict[str, Any], model: str, calls: Calls) -> dict[str, Any]:
            answer = self.store.response(self.run_id, prompt["id"], model) or {}
            return await calls.judge(self.run_id, prompt, model, answer, judge)

        def keep(row: dict[str, Any]) -> None:
            self.store.save_score(row)

        await self._part("judgments", jobs, prompts, ask, keep, {self.roles.judge: judge})

    # ---------------------------------------------------------------- one part

    async def _part(
        self,
        part: str,
        jobs: dict[str, list[Job]],
        prompts: dict[str, dict[str, Any]],
        ask: Any,
        keep: Any,
        agents: dict[str, Any],
    ) -> None:
        """Poll the part's batches sent before (a resumed run), send new ones for the jobs
        no batch carries, read each back as it completes."""
        sent = [b for b in self.store.batches(self.run_id, open_only=True) if b["part"] == part]
        carried = {item for b in sent for item in self.store.batch_items(b["key"]).values()}
        for model, model_jobs in jobs.items():
            todo = [(p, m) for p, m in model_jobs if (p["id"], m) not in carried]
            if todo:
                batch = await self._send(part, model, todo, agents[model], ask, attempt=1)
                if batch is not None:
                    sent.append(batch)
            if self.budget.stopped:
                break
        await asyncio.gather(
            *(self._follow(b, prompts, agents[b["model"]], ask, keep) for b in sent)
        )

    def _api(self, agent: Any, model: str) -> BatchAPI:
        return BatchAPI(agent.llm.async_client, model)

    async def _send(
        self, part: str, model: str, jobs: list[Job], agent: Any, ask: Any, attempt: int
    ) -> dict[str, Any] | None:
        """Capture each job's request into a JSONL file, check the spending limit, store
        the batch, upload, create. None when there is nothing to send (every request
        came from the cache) or the limit stops it."""
        key = uuid.uuid4().hex[:16]
        path = self.folder / f"{key}.jsonl"
        items: list[tuple[str, str, str]] = []
        estimate = 0.0
        factor = self.calls.prices.batch_factor(model)
        # each captured call ends in an error Langroid logs: nothing to tell the user
        with path.open("w") as fh, _quiet():
            for prompt, job_model in jobs:
                with capture() as ex:
                    await ask(prompt, job_model, self.capturing)
                if ex.request is None:
                    continue  # answered from the cache: the online part serves it
                custom_id = str(len(items))
                line = {
                    "custom_id": custom_id,
                    "method": "POST",
                    "url": ENDPOINT,
                    "body": ex.request["body"],
                }
                fh.write(json.dumps(line, separators=(",", ":")) + "\n")
                items.append((custom_id, prompt["id"], job_model))
                answer, judgment = self.estimator.job(prompt, job_model)
                estimate += (answer if part == "answers" else judgment) * factor
        if not items:
            path.unlink(missing_ok=True)
            return None
        if not self.budget.reserve(estimate):
            path.unlink(missing_ok=True)
            return None
        row = {
            "key": key,
            "run_id": self.run_id,
            "part": part,
            "model": model,
            "attempt": attempt,
            "status": "preparing",
            "items": len(items),
            "estimate_usd": estimate,
        }
        self.store.save_batch(row, items)
        self.reserved[key] = estimate
        api = self._api(agent, model)
        with call_context(run_id=self.run_id, role=f"batch {part}", model=model):
            file_id = await api.upload(path)
            self.store.update_batch(key, input_file_id=file_id)
            state = await api.create(file_id, key, self.run_id, self.settings.batch_window)
        self.store.update_batch(key, batch_id=state.id, status=state.status)
        path.unlink(missing_ok=True)
        return {**row, "batch_id": state.id, "input_file_id": file_id, "status": state.status}

    async def _follow(
        self,
        batch: dict[str, Any],
        prompts: dict[str, dict[str, Any]],
        agent: Any,
        ask: Any,
        keep: Any,
    ) -> None:
        """Wait for one batch to end, read it back; send again once what it left undone."""
        api = self._api(agent, batch["model"])
        stage = f"batch {batch['part']} {short(batch['model'])}"
        state: BatchState | None = None
        if not batch.get("batch_id"):
            state = await api.find(batch["key"])  # created just before a crash?
            if state is None:
                self.store.update_batch(batch["key"], status="given_up", error="never sent")
                return  # its jobs are sent again by the next session, or run online
            self.store.update_batch(batch["key"], batch_id=state.id, status=state.status)
            batch = {**batch, "batch_id": state.id}
        while True:
            state = await api.retrieve(batch["batch_id"])
            self.progress(stage, state.completed + state.failed, state.total or batch["items"])
            if state.status != batch["status"]:
                self.store.update_batch(batch["key"], status=state.status)
                batch = {**batch, "status": state.status}
            if state.done:
                break
            await asyncio.sleep(self.settings.batch_poll_seconds)
        items = self.store.batch_items(batch["key"])
        done: set[str] = set()
        before = self.calls.spent
        for file_id in (state.output_file_id, state.error_file_id):
            if file_id:
                done |= await self._read(api, file_id, items, prompts, ask, keep, batch)
        if batch["key"] in self.reserved:
            self.budget.settle(self.reserved.pop(batch["key"]), self.calls.spent - before)
        undone = [(prompts[p], m) for cid, (p, m) in items.items() if cid not in done]
        self.store.update_batch(
            batch["key"],
            output_file_id=state.output_file_id,
            error_file_id=state.error_file_id,
            status="ingested",
            error=state.errors or (f"{state.status}: {len(undone)} undone" if undone else None),
        )
        if not undone:
            return
        if batch["attempt"] < MAX_ATTEMPTS and not self.budget.stopped:
            again = await self._send(
                batch["part"], batch["model"], undone, agent, ask, batch["attempt"] + 1
            )
            if again is not None:
                await self._follow(again, prompts, agent, ask, keep)
            return
        reason = f"the batch {state.id} ended {state.status}" + (
            f" ({state.errors})" if state.errors else ""
        )
        for prompt, model in undone:
            # a 400 is not retried: the error is stored as it is, with no call
            with replay(400, {"error": {"message": f"{reason}, twice"}}):
                keep(await ask(prompt, model, self.calls))

    async def _read(
        self,
        api: BatchAPI,
        file_id: str,
        items: dict[str, tuple[str, str]],
        prompts: dict[str, dict[str, Any]],
        ask: Any,
        keep: Any,
        batch: dict[str, Any],
    ) -> set[str]:
        """Read one output or error file back through the agents; the custom ids read.
        Lines without a provider answer (an expired request) are left undone."""
        path = await api.download(file_id, self.folder / f"{file_id}.jsonl")
        stored = self.store.done_keys(
            "responses" if batch["part"] == "answers" else "scores", self.run_id
        )
        done: set[str] = set()
        lines = _lines(path)

        async def worker() -> None:
            for line in lines:
                custom_id = str(line.get("custom_id"))
                response = line.get("response") or {}
                if custom_id not in items or not response.get("status_code"):
                    continue
                prompt_id, model = items[custom_id]
                done.add(custom_id)
                if (prompt_id, model) in stored:
                    continue  # read back before a crash
                with replay(int(response["status_code"]), response.get("body") or {}):
                    keep(await ask(prompts[prompt_id], model, self.calls))

        await asyncio.gather(*(worker() for _ in range(self.settings.concurrency)))
        path.unlink(missing_ok=True)
        return done

    @property
    def spent(self) -> float:
        return self.calls.spent


@contextmanager
def _quiet() -> Iterator[None]:
    logging.disable(logging.ERROR)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    with path.open() as fh:
        for raw in fh:
            if raw.strip():
                try:
                    line = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(line, dict):
                    yield line
