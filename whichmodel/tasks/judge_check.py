"""``whichmodel judge-check``: the configured judge over items people labelled, and how
far it agrees with them (``verdict.agreement``). The result is stored; the HTML report of
a run with the same judge shows it."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from whichmodel.agents.judge import JudgeAgent, PairwiseJudgeAgent
from whichmodel.config import Settings
from whichmodel.history.labels import Kind, LabelledItem, read_labels
from whichmodel.store import Store
from whichmodel.verdict import agreement

PASS_AT = 0.5
"""A pass/fail item passes when the judge's quality is at least this."""


def _winner(judgment: Any) -> str | None:
    return judgment.score.winner if judgment.score is not None else None


async def _judge_one(
    kind: Kind, item: LabelledItem, judge: Any, settings: Settings
) -> dict[str, Any]:
    if kind == "pairwise":
        first = await judge.judge_pair(item.messages, item.answer, item.answer_b, item.reference)
        second = await judge.judge_pair(item.messages, item.answer_b, item.answer, item.reference)
        one, two = _winner(first), {"A": "B", "B": "A"}.get(_winner(second) or "", _winner(second))
        verdict = one if one == two and one is not None else "tie"
        return {"verdict": verdict, "first": one, "scored": None not in (one, two)}
    judgment = await judge.judge(item.messages, item.answer, item.reference)
    score = judgment.score
    if score is None:
        return {"quality": None, "refused": None, "scored": False}
    quality = settings.weights.quality(score.accuracy, score.relevance, score.clarity)
    return {"quality": quality, "refused": bool(score.refused), "scored": True}


def figures(kind: Kind, items: list[LabelledItem], results: list[dict[str, Any]]) -> dict[str, Any]:
    """Agreement of the judge's results with the items' labels."""
    pairs = [(i, r) for i, r in zip(items, results, strict=True) if r["scored"]]
    out: dict[str, Any] = {"items": len(items), "judged": len(pairs)}
    lengths = [len(i.answer) for i, _ in pairs]
    if kind == "scores":
        judge = [r["quality"] for _, r in pairs]
        human = [i.label for i, _ in pairs]
        out.update(
            spearman=agreement.spearman(judge, human),
            kendall=agreement.kendall(judge, human),
            length_bias=agreement.spearman(judge, lengths),
            human_length=agreement.spearman(human, lengths),
        )
    elif kind in ("pass_fail", "refusals"):
        if kind == "pass_fail":
            judge_flags = [r["quality"] >= PASS_AT for _, r in pairs]
        else:
            judge_flags = [r["refused"] for _, r in pairs]
        out.update(agreement.kappa(judge_flags, [i.label for i, _ in pairs]))
        if kind == "pass_fail":
            out["length_bias"] = agreement.spearman([r["quality"] for _, r in pairs], lengths)
    else:
        longer = [
            "A"
            if len(i.answer) > len(i.answer_b)
            else "B"
            if len(i.answer_b) > len(i.answer)
            else None
            for i, _ in pairs
        ]
        out.update(
            agreement.pairwise_agreement(
                [r["verdict"] for _, r in pairs],
                [i.label for i, _ in pairs],
                [r["first"] for _, r in pairs],
                longer,
            )
        )
    return out


async def judge_check(
    store: Store,
    settings: Settings,
    labels: Path,
    judge: JudgeAgent | PairwiseJudgeAgent,
    *,
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Run ``judge`` over the labelled items of ``labels``; store and return the figures."""
    kind, items = read_labels(labels, limit)
    if (kind == "pairwise") != isinstance(judge, PairwiseJudgeAgent):
        raise ValueError("a pairwise label file needs the pairwise judge, and only it")
    limiter = asyncio.Semaphore(settings.concurrency)
    done = 0

    async def one(item: LabelledItem) -> dict[str, Any]:
        nonlocal done
        async with limiter:
            result = await _judge_one(kind, item, judge, settings)
        done += 1
        if progress is not None:
            progress(done, len(items))
        return result

    from langroid.utils.configuration import settings as lr_settings

    quiet_before, lr_settings.quiet = lr_settings.quiet, True  # no message echo on stdout
    try:
        results = await asyncio.gather(*(one(i) for i in items))
    finally:
        lr_settings.quiet = quiet_before
    found = figures(kind, items, list(results))
    check = {
        "id": uuid.uuid4().hex[:12],
        "judge": settings.judge,
        "labels": str(labels),
        "kind": kind,
        "items": len(items),
        "figures": found,
    }
    store.save_judge_check({**check, "figures": json.dumps(found)})
    return check
