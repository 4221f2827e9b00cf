"""Per-category routing: which model serves each group of prompts, and what that mixed
policy would have changed against the baseline, from the stored answers (no new calls).

A group goes to a candidate only when the candidate's own decision within that group
is ``switch`` (which needs at least ``MIN_PROMPTS`` scored prompts of the group);
every other group, and every prompt with no group, stays with the baseline.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np
from pydantic import BaseModel

from whichmodel.records.verdict import CategoryResult, PriceInfo
from whichmodel.verdict.rows import Answers
from whichmodel.verdict.rule import pairs_of
from whichmodel.verdict.stats import PairedResult, Pairs, paired_comparison

_FIGURES = ("base_quality", "cand_quality", "base_cost", "cand_cost")
_REFUSED = ("base_refused", "cand_refused")
"""The columns of ``Pairs``: figures, then refusals."""


class RoutingPolicy(BaseModel):
    route_by: str
    """The metadata key the application sends (``metadata.<route_by>``)."""
    routes: dict[str, str]
    """Group value -> the model that serves it (only groups that switch)."""
    baseline: str
    groups: list[CategoryResult]
    """Every group's own comparison and decision."""
    prompts: int
    """Prompts answered by the baseline and by the model the policy picks for them."""
    routed_prompts: int
    """Of those, prompts the policy sends to a model other than the baseline."""
    change: PairedResult | None = None
    """The policy against the baseline alone, paired by prompt (None: nothing routed)."""
    unmeasured: str | None = None
    """Why the run cannot compare models at all (then nothing is routed)."""


def routes_of(groups: Iterable[CategoryResult]) -> dict[str, str]:
    """Group -> model for the groups whose decision is a switch."""
    return {g.category: g.recommended_model for g in groups if g.decision == "switch"}


def policy_change(
    rows: Iterable[Mapping[str, Any]],
    *,
    baseline: str,
    routes: Mapping[str, str],
    prices: Mapping[str, PriceInfo],
    pairwise: bool = False,
) -> tuple[int, int, PairedResult | None]:
    """(prompts, routed prompts, paired change) of the policy that answers each prompt
    with ``routes[its group]`` (the baseline when its group has no route). ``rows`` are
    answers (or ``Answers``) whose ``category`` holds the prompt's group."""
    answers = Answers.of(rows)
    ok = answers.take(answers.has("status", "ok"))
    base = ok.take(ok.has("model", baseline))
    model_of = np.full(len(base), baseline, dtype=object)
    for group in base.distinct("category"):
        model_of[base.has("category", group)] = routes.get(str(group or ""), baseline)
    known = {m: info.known for m, info in prices.items()}
    figures = {name: np.full(len(base), np.nan) for name in _FIGURES}
    refused = {name: np.zeros(len(base), dtype=bool) for name in _REFUSED}
    kept = np.zeros(len(base), dtype=bool)
    routed = 0
    for model in dict.fromkeys(model_of.tolist()):
        where = np.flatnonzero(model_of == model)
        mine = base.take(where)
        priced = known.get(baseline, False) and known.get(model, False)
        if model == baseline:
            pairs = pairs_of(mine, mine, False, priced, priced)
            if pairwise:  # the baseline against itself: a tie
                tie = np.full(len(mine), 0.5)
                pairs = replace(pairs, base_quality=tie, cand_quality=tie)
        else:
            theirs = ok.take(ok.has("model", model))
            at_theirs, at_mine = theirs.matched(mine)  # no answer there: left out
            where = where[at_mine]
            pairs = pairs_of(mine.take(at_mine), theirs.take(at_theirs), pairwise, priced, priced)
            routed += len(where)
        for name, column in (*figures.items(), *refused.items()):
            column[where] = getattr(pairs, name)
        kept[where] = True
    prompts = int(kept.sum())
    if not routed:
        return prompts, 0, None
    policy = Pairs(**{name: column[kept] for name, column in (*figures.items(), *refused.items())})
    return prompts, routed, paired_comparison(policy)
