"""Can a run compare the models at all? A verdict is never drawn from missing or
meaningless data: a baseline that never answered, a judge that never scored, a judge
that gave every answer the same score (or called every pair a tie) has measured
nothing. Pure: stored rows in, the cause (or None) out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from whichmodel.verdict.models import short

Rows = Mapping[str, list[Mapping[str, Any]]]


def _first(rows: list[Mapping[str, Any]], key: str) -> str:
    found = next((str(r[key]) for r in rows if r.get(key)), None)
    return f": {found[:200]}" if found else ""


def cannot_compare(by_model: Rows, baseline: str, pairwise: bool) -> str | None:
    """Why the stored rows cannot decide between the models, or None when they can."""
    base = by_model.get(baseline, [])
    if base and not any(r["status"] == "ok" for r in base):
        return f"the baseline {short(baseline)} failed on all {len(base)} calls" + _first(
            base, "answer_error"
        )
    answered = [r for rows in by_model.values() for r in rows if r["status"] == "ok"]
    if pairwise:
        judged = [r for r in answered if r["model"] != baseline and r.get("pair_status")]
        verdicts = [r["preference"] for r in judged if r.get("preference") is not None]
        if judged and not verdicts:
            return f"the judge gave no verdict on any of the {len(judged)} pairs" + _first(
                judged, "pair_error"
            )
        ties = [r for r in judged if r.get("preference") == 0 and r.get("order_consistent")]
        if len(verdicts) >= 2 and len(ties) == len(verdicts):
            return (
                f"the judge called all {len(verdicts)} pairs a tie in both orders: it did not "
                "tell the answers apart"
            )
        return None
    judged = [r for r in answered if r.get("score_status")]
    scores = [r["quality"] for r in judged if r.get("quality") is not None]
    if judged and not scores:
        return f"the judge gave no valid score for any of the {len(judged)} answers" + _first(
            judged, "score_error"
        )
    models = {r["model"] for r in judged if r.get("quality") is not None}
    if len(scores) >= 2 and len(models) >= 2 and max(scores) - min(scores) < 1e-9:
        return (
            f"the judge gave all {len(scores)} answers the same score ({scores[0]:.2f}): it "
            "did not tell the answers apart"
        )
    return None
