"""Is the history stale? The baseline's stored production answers against fresh ones
for the same prompts, scored by the same judge. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from whichmodel.verdict.models import DriftCheck
from whichmodel.verdict.stats import Interval, Pair, paired_comparison


def drift_check(
    rows: Iterable[Mapping[str, Any]], stored: str, fresh: str, tolerance: float
) -> DriftCheck | None:
    """Compare the scored answers of model ``fresh`` with those of ``stored`` prompt by
    prompt; None when the run has no fresh answers."""
    scores: dict[str, dict[str, float]] = {stored: {}, fresh: {}}
    for row in rows:
        if row["model"] in scores and row["status"] == "ok" and row.get("quality") is not None:
            scores[row["model"]][row["prompt_id"]] = float(row["quality"])
    if not scores[fresh]:
        return None
    both = [p for p in scores[fresh] if p in scores[stored]]
    pairs = [
        Pair(
            base_quality=scores[stored][p],
            cand_quality=scores[fresh][p],
            base_cost=None,
            cand_cost=None,
            base_refused=False,
            cand_refused=False,
        )
        for p in both
    ]
    within = sum(
        1
        for p in both
        if abs(scores[fresh][p] - scores[stored][p]) <= tolerance * abs(scores[stored][p]) + 1e-9
    )
    change = paired_comparison(pairs).quality_change_percent if pairs else Interval(estimate=None)
    stale = (
        change.low is not None
        and change.high is not None
        and (change.high < -tolerance * 100 or change.low > tolerance * 100)
    )
    return DriftCheck(
        prompts=len(both),
        within=within,
        quality_change=change,
        stale=stale,
    )
