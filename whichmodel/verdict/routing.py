"""Per-category routing: which model serves each group of prompts, and what that mixed
policy would have changed against the baseline, from the stored answers (no new calls).

A group goes to a candidate only when the candidate's own decision within that group
is ``switch`` (which needs at least ``MIN_PROMPTS`` scored prompts of the group);
every other group, and every prompt with no group, stays with the baseline.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel

from whichmodel.verdict.models import CategoryResult, PriceInfo
from whichmodel.verdict.rule import pair_of
from whichmodel.verdict.stats import PairedResult, paired_comparison


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
    answer rows whose ``category`` holds the prompt's group."""
    by_key: dict[tuple[str, str], Mapping[str, Any]] = {}
    order: list[str] = []
    for r in rows:
        if r["status"] != "ok":
            continue
        if r["model"] == baseline:
            order.append(r["prompt_id"])
        by_key[(r["prompt_id"], r["model"])] = r
    known = {m: info.known for m, info in prices.items()}
    pairs, routed = [], 0
    for prompt_id in order:
        base = by_key[(prompt_id, baseline)]
        model = routes.get(str(base.get("category") or ""), baseline)
        chosen = by_key.get((prompt_id, model))
        if chosen is None:
            continue  # the routed model has no answer here: the prompt is left out
        routed += model != baseline
        if model == baseline:
            chosen = {**base, "preference": 0}  # the baseline against itself: a tie
        priced = known.get(baseline, False) and known.get(model, False)
        pairs.append(pair_of(base, chosen, pairwise, priced, priced))
    if not routed:
        return len(pairs), 0, None
    return len(pairs), routed, paired_comparison(pairs)
