"""A stored run -> a per-group routing policy and what it would have changed.

Each group of prompts (their category, or the value of another metadata key the
application sends to Portkey) goes to the candidate whose own decision in that group is
``switch``; the rest stays with the baseline. The policy's cost, quality and refusal
changes against the baseline alone are paired by prompt over the stored answers: no
model is called.
"""

from __future__ import annotations

from whichmodel.config import ROUTE_BY
from whichmodel.results.decide import find_run, grouped_rows, run_prices, run_verdict
from whichmodel.store import Store
from whichmodel.verdict.routing import RoutingPolicy, policy_change, routes_of


def routing_policy(
    store: Store, run_id: str | None = None, route_by: str = ROUTE_BY
) -> RoutingPolicy:
    run = find_run(store, run_id, "any")
    rows = grouped_rows(store, run.id, route_by)  # read once, for both
    rec = run_verdict(store, run.id, group_by=route_by, rows=rows)
    routes = {} if rec.unmeasured else routes_of(rec.categories)
    prompts, routed, change = policy_change(
        rows,
        baseline=run.baseline,
        routes=routes,
        prices=run_prices(store, run),
        pairwise=rec.judge_mode == "pairwise",
    )
    return RoutingPolicy(
        route_by=route_by,
        routes=routes,
        baseline=run.baseline,
        groups=rec.categories,
        prompts=prompts,
        routed_prompts=routed,
        change=change,
        unmeasured=rec.unmeasured,
    )
