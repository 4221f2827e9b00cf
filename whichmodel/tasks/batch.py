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
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from whichmodel.agents.candidate import CandidateAgent
from whichmodel.agents.judge import JudgeAgent
from whichmodel.portkey.batches import ENDPOINT, BatchAPI
from whichmodel.portkey.context import call_context
from whichmodel.portkey.exchange import capture, replay
from whichmodel.records.answers import AnswerRecord, BatchRecord, ScoreRecord
from whichmodel.records.runs import Prompt
from whichmodel.records.verdict import short
from whichmodel.store import Store, worklist
from whichmodel.store.worklist import Table
from whichmodel.tasks.calls import Calls
from whichmodel.tasks.spending import Budget, Estimator

MAX_ATTEMPTS = 2
"""A batch that fails, expires or is cancelled is sent once more for what it left undone."""
Job = tuple[Prompt, str]


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
        agents: dict[str, CandidateAgent],
        judge: Any,
        online: Callable[[Iterator[Job]], Awaitable[None]],
    ) -> None:
        """The batch answers; then the other models' answers online (``online``), so the
        judge's batch holds every answer; then the judge's batch (pointwise, one sample).
        The batch files are removed at the end, however it ends."""
        history = self.settings.baseline_from_history
        batched = [
            m for m in agents if self.takes(m) and not (history and m == self.roles.baseline)
        ]
        try:
            await self.answers({m: agents[m] for m in batched})
            if not self.budget.stopped:
                rest = [m for m in self.roles.models if m not in batched]
                await online(self.store.todo(self.run_id, rest, "responses"))
            if self.budget.stopped or self.roles.pairwise or self.settings.judge_samples != 1:
                return  # pairwise comparisons and sampled judgments run online
            await self.judgments(judge)
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    # ---------------------------------------------------------------- the parts

    async def answers(self, agents: dict[str, CandidateAgent]) -> None:
        async def ask(prompt: Prompt, model: str, calls: Calls) -> AnswerRecord:
            return await calls.answer(
                self.run_id, prompt, model, agents[model], self.store.production(prompt.id)
            )

        await self._part(
            "answers",
            lambda model: self.store.todo(self.run_id, [model], "responses", carried_by="answers"),
            ask,
            self.store.save_response,
            agents,
        )

    async def judgments(self, judge: JudgeAgent) -> None:
        if not self.takes(self.roles.judge):
            return

        async def ask(prompt: Prompt, model: str, calls: Calls) -> ScoreRecord:
            answer = self.store.response(self.run_id, prompt.id, model)
            assert answer is not None  # only answered prompts are judged
            return await calls.judge(self.run_id, prompt, model, answer, judge)

        await self._part(
            "judgments",
            lambda _: self.store.todo(
                self.run_id, self.roles.models, "scores", carried_by="judgments", answered_ok=True
            ),
            ask,
            self.store.save_score,
            {self.roles.judge: judge},
        )

    # ---------------------------------------------------------------- one part

    async def _part(
        self,
        part: str,
        jobs: Callable[[str], Iterator[Job]],
        ask: Any,
        keep: Any,
        agents: dict[str, Any],
    ) -> None:
        """Poll the part's batches sent before (a resumed run), send new ones for the jobs
        no batch carries, read each back as it completes."""
        sent = []
        for batch in self.store.batches(self.run_id, open_only=True):
            if batch.part == part and batch.model in agents:
                found = await self._recover(batch, agents[batch.model])
                if found is not None:
                    sent.append(found)
        for model, agent in agents.items():
            batch = await self._send(part, model, jobs(model), agent, ask, attempt=1)
            if batch is not None:
                sent.append(batch)
            if self.budget.stopped:
                break
        await asyncio.gather(*(self._follow(b, agents[b.model], ask, keep) for b in sent))

    async def _recover(self, batch: BatchRecord, agent: Any) -> BatchRecord | None:
        """A batch stored by an earlier session: with its provider id (one created just
        before a crash is found by its key); None, and given up, when it was never sent,
        so its jobs are sent again."""
        if batch.batch_id:
            return batch
        state = await self._api(agent, batch.model).find(batch.key)
        if state is None:
            self.store.update_batch(batch.key, status="given_up", error="never sent")
            return None
        self.store.update_batch(batch.key, batch_id=state.id, status=state.status)
        batch.batch_id, batch.status = state.id, state.status
        return batch

    def _api(self, agent: Any, model: str) -> BatchAPI:
        return BatchAPI(agent.llm.async_client, model)

    async def _send(
        self, part: str, model: str, jobs: Iterable[Job], agent: Any, ask: Any, attempt: int
    ) -> BatchRecord | None:
        """Capture each job's request into a JSONL file (its items stored as they come),
        check the spending limit, upload, create. None when there is nothing to send
        (every request came from the cache) or the limit stops it."""
        key = uuid.uuid4().hex[:16]
        path = self.folder / f"{key}.jsonl"
        batch = BatchRecord(
            key=key,
            run_id=self.run_id,
            part=part,
            model=model,
            attempt=attempt,
            status="preparing",
            items=0,
            estimate_usd=0.0,
        )
        items: list[tuple[str, str, str]] = []
        count, estimate = 0, 0.0
        factor = self.calls.prices.batch_factor(model)
        self.store.save_batch(batch, items)  # its items follow, a page at a time

        # each captured call ends in an error Langroid logs: nothing to tell the user
        with path.open("w") as fh, _quiet():
            for prompt, job_model in jobs:
                with capture() as ex:
                    await ask(prompt, job_model, self.capturing)
                if ex.request is None:
                    continue  # answered from the cache: the online part serves it
                custom_id = str(count)
                line = {
                    "custom_id": custom_id,
                    "method": "POST",
                    "url": ENDPOINT,
                    "body": ex.request["body"],
                }
                fh.write(json.dumps(line, separators=(",", ":")) + "\n")
                items.append((custom_id, prompt.id, job_model))
                count += 1
                if len(items) == worklist.PAGE:
                    self.store.add_batch_items(key, items)
                    items.clear()
                answer, judgment = self.estimator.job(prompt, job_model)
                estimate += (answer if part == "answers" else judgment) * factor
        self.store.add_batch_items(key, items)
        if not count or not self.budget.reserve(estimate):
            path.unlink(missing_ok=True)
            self.store.drop_batch(key)
            return None
        self.store.update_batch(key, items=count, estimate_usd=estimate)
        self.reserved[key] = estimate
        api = self._api(agent, model)
        with call_context(run_id=self.run_id, role=f"batch {part}", model=model):
            file_id = await api.upload(path)
            self.store.update_batch(key, input_file_id=file_id)
            state = await api.create(file_id, key, self.run_id, self.settings.batch_window)
        self.store.update_batch(key, batch_id=state.id, status=state.status)
        path.unlink(missing_ok=True)
        batch.items, batch.estimate_usd, batch.batch_id = count, estimate, state.id
        batch.input_file_id, batch.status = file_id, state.status
        return batch

    async def _follow(self, batch: BatchRecord, agent: Any, ask: Any, keep: Any) -> None:
        """Wait for one batch to end, read it back; send again once what it left undone."""
        api = self._api(agent, batch.model)
        stage = f"batch {batch.part} {short(batch.model)}"
        while True:
            assert batch.batch_id is not None
            state = await api.retrieve(batch.batch_id)
            self.progress(stage, state.completed + state.failed, state.total or batch.items)
            if state.status != batch.status:
                self.store.update_batch(batch.key, status=state.status)
                batch.status = state.status
            if state.done:
                break
            await asyncio.sleep(self.settings.batch_poll_seconds)
        table: Table = "responses" if batch.part == "answers" else "scores"
        before = self.calls.spent
        for file_id in (state.output_file_id, state.error_file_id):
            if file_id:
                await self._read(api, file_id, batch.key, table, ask, keep)
        if batch.key in self.reserved:
            self.budget.settle(self.reserved.pop(batch.key), self.calls.spent - before)
        undone = sum(1 for _ in self.store.undone_items(batch.key, table))
        self.store.update_batch(
            batch.key,
            output_file_id=state.output_file_id,
            error_file_id=state.error_file_id,
            status="ingested",
            error=state.errors or (f"{state.status}: {undone} undone" if undone else None),
        )
        if not undone:
            return
        jobs = (
            (prompt, model)
            for prompt_id, model in self.store.undone_items(batch.key, table)
            if (prompt := self.store.prompt(prompt_id)) is not None
        )
        if batch.attempt < MAX_ATTEMPTS and not self.budget.stopped:
            again = await self._send(batch.part, batch.model, jobs, agent, ask, batch.attempt + 1)
            if again is not None:
                await self._follow(again, agent, ask, keep)
            return
        reason = f"the batch {state.id} ended {state.status}" + (
            f" ({state.errors})" if state.errors else ""
        )
        for prompt, model in jobs:
            # a 400 is not retried: the error is stored as it is, with no call
            with replay(400, {"error": {"message": f"{reason}, twice"}}):
                keep(await ask(prompt, model, self.calls))

    async def _read(
        self, api: BatchAPI, file_id: str, key: str, table: Table, ask: Any, keep: Any
    ) -> None:
        """Read one output or error file back through the agents, a line at a time.
        Lines without a provider answer (an expired request) are left undone."""
        path = await api.download(file_id, self.folder / f"{file_id}.jsonl")
        lines = _lines(path)

        async def worker() -> None:
            for line in lines:
                response = line.get("response") or {}
                item = self.store.batch_item(key, str(line.get("custom_id")), table)
                if item is None or not response.get("status_code"):
                    continue
                prompt_id, model, stored = item
                if stored:
                    continue  # read back before a crash
                prompt = self.store.prompt(prompt_id)
                if prompt is None:
                    continue
                with replay(int(response["status_code"]), response.get("body") or {}):
                    keep(await ask(prompt, model, self.calls))

        await asyncio.gather(*(worker() for _ in range(self.settings.concurrency)))
        path.unlink(missing_ok=True)

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
