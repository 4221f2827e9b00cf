"""Can a run compare the models at all? A verdict is never drawn from missing or
meaningless data: a baseline that never answered, a judge that never scored, a judge
that gave every answer the same score (or called every pair a tie) has measured
nothing. Pure: a run's answers in, the cause (or None) out."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from whichmodel.records.verdict import short
from whichmodel.verdict.rows import Answers


def _first(answers: Answers, name: str) -> str:
    found = answers.first(name)
    return f": {str(found)[:200]}" if found else ""


def cannot_compare(by_model: Mapping[str, Answers], baseline: str, pairwise: bool) -> str | None:
    """Why the answers cannot decide between the models, or None when they can."""
    base = by_model.get(baseline)
    if base is not None and len(base) and not base.has("status", "ok").any():
        return f"the baseline {short(baseline)} failed on all {len(base)} calls" + _first(
            base, "answer_error"
        )
    if pairwise:
        judged = [
            a.take(a.has("status", "ok") & (a.code("pair_status") != 0))
            for m, a in by_model.items()
            if m != baseline
        ]
        preferences = np.concatenate([a.number("preference") for a in judged] or [np.empty(0)])
        consistent = np.concatenate([a.number("order_consistent") for a in judged] or [np.empty(0)])
        given = ~np.isnan(preferences)
        count = int(given.sum())
        if preferences.size and not count:
            first = next((f for a in judged if (f := _first(a, "pair_error"))), "")
            return f"the judge gave no verdict on any of the {preferences.size} pairs" + first
        ties = int(((preferences == 0) & (np.nan_to_num(consistent) != 0)).sum())
        if count >= 2 and ties == count:
            return (
                f"the judge called all {count} pairs a tie in both orders: it did not "
                "tell the answers apart"
            )
        return None
    judged = [
        (m, a.take(a.has("status", "ok") & (a.code("score_status") != 0)))
        for m, a in by_model.items()
    ]
    scores = np.concatenate([a.number("quality") for _, a in judged] or [np.empty(0)])
    valid = scores[~np.isnan(scores)]
    if scores.size and not valid.size:
        first = next((f for _, a in judged if (f := _first(a, "score_error"))), "")
        return f"the judge gave no valid score for any of the {scores.size} answers" + first
    models = sum(1 for _, a in judged if (~np.isnan(a.number("quality"))).any())
    if valid.size >= 2 and models >= 2 and valid.max() - valid.min() < 1e-9:
        return (
            f"the judge gave all {valid.size} answers the same score ({valid[0]:.2f}): it "
            "did not tell the answers apart"
        )
    return None
