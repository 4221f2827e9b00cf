"""Is the history stale? The baseline's stored production answers against fresh ones
for the same prompts, scored by the same judge. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from whichmodel.records.verdict import DriftCheck, Interval
from whichmodel.verdict.rows import Answers
from whichmodel.verdict.stats import Pairs, paired_comparison


def drift_check(
    rows: Iterable[Mapping[str, Any]], stored: str, fresh: str, tolerance: float
) -> DriftCheck | None:
    """Compare the scored answers of model ``fresh`` with those of ``stored`` prompt by
    prompt; None when the run has no fresh answers. ``rows``: answers, or ``Answers``."""
    answers = Answers.of(rows)
    scored = answers.has("status", "ok") & answers.known("quality")
    old = answers.take(scored & answers.has("model", stored))
    new = answers.take(scored & answers.has("model", fresh))
    if not len(new):
        return None
    at_old, at_new = old.matched(new)
    before = old.number("quality")[at_old]
    after = new.number("quality")[at_new]
    nothing = np.zeros(len(before), dtype=bool)
    unpriced = np.full(len(before), np.nan)
    pairs = Pairs(before, after, unpriced, unpriced, nothing, nothing)
    within = int((np.abs(after - before) <= tolerance * np.abs(before) + 1e-9).sum())
    change = (
        paired_comparison(pairs).quality_change_percent if len(pairs) else Interval(estimate=None)
    )
    stale = (
        change.low is not None
        and change.high is not None
        and (change.high < -tolerance * 100 or change.low > tolerance * 100)
    )
    return DriftCheck(
        prompts=len(pairs),
        within=within,
        quality_change=change,
        stale=stale,
    )
