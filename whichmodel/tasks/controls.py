"""The judge's controls: before a run's scores are trusted, the judge is shown answers
whose order is known, built from the run's own prompts. For each of a few prompts a good
answer (its reference, else the baseline's answer) is judged against a bad one (empty,
another prompt's answer, cut to its first quarter, or its words shuffled), and the good
one is judged a second time, never from the cache, to see that one answer gets one score.
Pairwise runs compare the good and the bad answer in both orders. Every control is stored
and priced as judge cost; ``verdict.controls`` decides whether the judge passed."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, contextmanager, nullcontext
from typing import Any, TypeVar

from whichmodel.agents.judge import JudgeAgent, PairwiseJudgeAgent
from whichmodel.records.answers import AnswerRecord, ControlRecord, ScoreRecord
from whichmodel.records.runs import Prompt
from whichmodel.store import Store
from whichmodel.tasks.calls import Calls

T = TypeVar("T")
KINDS = ("empty", "other", "shuffled", "truncated")
SEED = 7


def _good(prompt: Prompt, answer: AnswerRecord | None) -> str | None:
    if prompt.reference:
        return str(prompt.reference)
    if answer and answer.ok and (answer.text or "").strip():
        return str(answer.text)
    return None


def _bad(kind: str, good: str, other: str | None, rng: random.Random) -> str | None:
    words = good.split()
    if kind == "empty":
        return ""
    if kind == "other":
        return other if other and other.strip() != good.strip() else None
    if len(words) < 8:  # too short to cut or shuffle into something surely worse
        return None
    if kind == "truncated":
        return " ".join(words[: max(1, len(words) // 4)])
    shuffled = words[:]
    while shuffled == words:
        rng.shuffle(shuffled)
    return " ".join(shuffled)


async def control_items(
    prompts: Sequence[Prompt],
    baseline: Callable[[str], Awaitable[AnswerRecord | None]],
    n: int,
) -> list[tuple[Prompt, str, str, str]]:
    """(prompt, kind, good answer, bad answer) for up to ``n`` prompts, chosen by a fixed
    seed; each prompt gets the first kind, in turn, that its answers allow. ``baseline``
    gives a prompt's final baseline answer (None: none), waiting for one still being made."""
    rng = random.Random(SEED)
    order = list(range(len(prompts)))
    rng.shuffle(order)
    chosen, goods = [], []
    for index in order:  # looked up one by one: a large run reads only a few answers
        prompt = prompts[index]
        good = _good(prompt, None if prompt.reference else await baseline(prompt.id))
        if good:
            chosen.append(prompt)
            goods.append(good)
            if len(chosen) == n:
                break
    items = []
    for i, prompt in enumerate(chosen):
        other = goods[(i + 1) % len(goods)] if len(goods) > 1 else None
        for k in range(len(KINDS)):
            kind = KINDS[(i + k) % len(KINDS)]
            bad = _bad(kind, goods[i], other, rng)
            if bad is not None:
                items.append((prompt, kind, goods[i], bad))
                break
    return items


def _answer(run_id: str, prompt: Prompt, model: str, text: str) -> AnswerRecord:
    """A made answer the judge is shown (never stored as an answer)."""
    return AnswerRecord(run_id=run_id, prompt_id=prompt.id, model=model, status="ok", text=text)


async def run_controls(
    run_id: str,
    store: Store,
    calls: Calls,
    judge: JudgeAgent,
    n: int,
    *,
    baseline: Callable[[str], Awaitable[AnswerRecord | None]] | None = None,
    slot: Callable[[], AbstractAsyncContextManager[Any]] = nullcontext,
) -> None:
    """Make and store the run's controls (none when it has them already). ``baseline``:
    a prompt's final baseline answer (default: as stored); ``slot``: held around each
    judge call (the run's tail lends its free worker slots)."""
    if store.judge_controls(run_id):
        return
    roles = calls.roles

    async def stored(prompt_id: str) -> AnswerRecord | None:
        return store.response(run_id, prompt_id, roles.baseline)

    position = 0

    def save(
        prompt: Prompt,
        kind: str,
        scores: tuple[Any, Any],
        passed: bool,
        cost: float | None,
        detail: dict[str, Any],
    ) -> None:
        nonlocal position
        store.save_judge_control(
            ControlRecord(
                run_id=run_id,
                position=position,
                prompt_id=prompt.id,
                kind=kind,
                good_score=scores[0],
                other_score=scores[1],
                passed=passed,
                cost_usd=cost,
                detail=detail,
            )
        )
        position += 1

    prompts = _RunPrompts(store, store.run_prompt_ids(run_id))
    items = await control_items(prompts, baseline or stored, n)

    async def held(call: Awaitable[T]) -> T:
        async with slot():
            return await call

    def made(prompt: Prompt, text: str) -> AnswerRecord:
        return _answer(run_id, prompt, roles.judge, text)

    async def judged(prompt: Prompt, good: str, bad: str) -> list[ScoreRecord]:
        """The good answer, the bad one, and the good one again (never from the cache)."""
        return list(
            await asyncio.gather(
                held(calls.judge(run_id, prompt, roles.judge, made(prompt, good), judge)),
                held(calls.judge(run_id, prompt, roles.judge, made(prompt, bad), judge)),
                held(
                    calls.judge(run_id, prompt, roles.judge, made(prompt, good), judge, fresh=True)
                ),
            )
        )

    if isinstance(judge, PairwiseJudgeAgent):
        pairs = await asyncio.gather(
            *(
                held(
                    calls.compare(
                        run_id,
                        prompt,
                        roles.judge,
                        {roles.baseline: made(prompt, good), roles.judge: made(prompt, bad)},
                        judge,
                    )
                )
                for prompt, _, good, bad in items
            )
        )
        for (prompt, kind, _, bad), pair in zip(items, pairs, strict=True):
            save(
                prompt,
                f"pairwise:{kind}",
                (None, pair.outcome),
                pair.outcome == -1,
                pair.cost_usd,
                {"bad": bad[:300]},
            )
        return
    results = await asyncio.gather(*(judged(p, good, bad) for p, _, good, bad in items))
    for (prompt, kind, _, bad), (first, worse, again) in zip(items, results, strict=True):
        g, b, r = first.quality, worse.quality, again.quality
        # each row carries the cost of its own judgments: the ordering row the good and
        # the bad answer's, the repeat row the second look at the good one
        costs = [first.cost_usd, worse.cost_usd]
        save(
            prompt,
            f"ordering:{kind}",
            (g, b),
            g is not None and b is not None and g > b + 1e-9,
            None if None in costs else sum(costs),
            {"bad": bad[:300]},
        )
        bound = calls.settings.judge_repeat_bound
        save(
            prompt,
            "repeat",
            (g, r),
            g is not None and r is not None and abs(g - r) <= bound,
            again.cost_usd,
            {},
        )


class _RunPrompts(Sequence[Prompt]):
    """The run's prompts in order, each read when asked for (a control needs a few)."""

    def __init__(self, store: Store, ids: list[str]):
        self.store, self.ids = store, ids

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index: int) -> Prompt:  # type: ignore[override]
        prompt = self.store.prompt(self.ids[index])
        assert prompt is not None
        return prompt


class Pending:
    """The baseline's jobs still being worked on: a control made during the run's tail
    waits for a prompt's final baseline answer (scored, so its score is in the cache)
    instead of choosing around it, so the controls are those a run after the tail makes."""

    def __init__(self, store: Store, run_id: str, baseline: str):
        self.store, self.run_id, self.baseline = store, run_id, baseline
        self._events: dict[str, asyncio.Event] = {}

    @contextmanager
    def working(self, prompt_id: str, model: str) -> Iterator[None]:
        if model != self.baseline:
            yield
            return
        done = self._events[prompt_id] = asyncio.Event()
        try:
            yield
        finally:
            done.set()
            self._events.pop(prompt_id, None)

    async def answer(self, prompt_id: str) -> AnswerRecord | None:
        done = self._events.get(prompt_id)
        if done is not None:
            await done.wait()
        return self.store.response(self.run_id, prompt_id, self.baseline)


async def with_controls(
    workers: list[Awaitable[None]],
    controls: Callable[..., Awaitable[None]] | None,
    stopped: Callable[[], bool],
) -> None:
    """The run's last workers, and the judge's controls in the slots they leave: once
    the first worker finds no job left, each control call waits for a finished worker's
    slot, so no more calls are in flight than the run's concurrency, and the controls
    overlap the run's tail instead of following it. None: no controls."""
    freed = asyncio.Semaphore(0)

    async def then_free(work: Awaitable[None]) -> None:
        try:
            await work
        finally:
            freed.release()

    async def in_free_slots() -> None:
        async with freed:  # every job has been handed out
            pass
        if controls is not None and not stopped():
            await controls(slot=lambda: freed)

    await asyncio.gather(*(then_free(w) for w in workers), in_free_slots())
