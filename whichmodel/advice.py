"""Questions about stored results, answered from SQLite only (no LLM).

The advisor's tools and the public ``recommend`` function call these; every
result names the run it comes from.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from whichmodel.errors import NoDataError
from whichmodel.recommendation import PriceInfo, Recommendation, recommend, short
from whichmodel.report import money
from whichmodel.store import Store

HOW_TO_MAKE_A_RUN = (
    "No evaluation run exists yet. Make one with: whichmodel import history.jsonl, then "
    "whichmodel eval --baseline portkey/<provider>/<model> --candidate portkey/<provider>/<model> "
    "--judge portkey/<provider>/<model> (or run `whichmodel demo` to try it offline)."
)

DAYS_PER_MONTH = 30


def find_run(store: Store, run_id: str | None = None) -> dict[str, Any]:
    """A run by id (or unique prefix), or the latest completed one."""
    if run_id:
        run = store.run(run_id)
        if run is None:
            raise NoDataError(f"No run {run_id!r}: list runs to see the ids.")
        return run
    rows = list(
        store.db.query(
            "select id from runs where id in (select run_id from recommendations) "
            "order by created_at desc limit 1"
        )
    )
    if not rows:
        raise NoDataError(HOW_TO_MAKE_A_RUN)
    run = store.run(rows[0]["id"])
    assert run is not None
    return run


def resolve_model(run: dict[str, Any], name: str) -> str:
    """``claude-3-5-haiku`` or ``anthropic/claude-3-5-haiku-latest`` -> the run's full name."""
    models = [run["baseline"], *run["candidates"]]
    if name in models:
        return name
    wanted = name.lower().removeprefix("portkey/")
    exact = [m for m in models if short(m).lower() == wanted or m.lower().endswith("/" + wanted)]
    if len(exact) == 1:
        return exact[0]
    partial = [m for m in models if wanted in m.lower()]
    if len(partial) == 1:
        return partial[0]
    raise NoDataError(
        f"Model {name!r} is not in run {run['id']} (models: {', '.join(short(m) for m in models)})."
    )


def stored_prices(store: Store, run_id: str, models: list[str]) -> dict[str, PriceInfo]:
    """Which models had a known price in this run, and from where (as stored with the answers)."""
    prices: dict[str, PriceInfo] = {m: PriceInfo(False, "unknown") for m in models}
    for row in store.db.query(
        "select model, max(price_source) source from responses where run_id = ? "
        "and cost_usd is not null group by model",
        [run_id],
    ):
        prices[row["model"]] = PriceInfo(True, row["source"])
    return prices


def recommendation(
    store: Store,
    run_id: str | None = None,
    *,
    tolerance: float | None = None,
    refusal_margin: float | None = None,
    error_margin: float | None = None,
) -> Recommendation:
    """The run's recommendation, recomputed for other thresholds when given."""
    from whichmodel.tasks.evaluation import answer_rows

    run = find_run(store, run_id)
    stored = store.recommendation(run["id"])
    settings = run["settings"]
    if stored and tolerance is None and refusal_margin is None and error_margin is None:
        return Recommendation.model_validate(stored)
    judge_costs = [r["cost_usd"] for r in store.scores(run["id"])]
    return recommend(
        answer_rows(store, run["id"]),
        run_id=run["id"],
        baseline=run["baseline"],
        candidates=run["candidates"],
        prices=stored_prices(store, run["id"], [run["baseline"], *run["candidates"]]),
        prompts=run["prompt_count"],
        tolerance=tolerance if tolerance is not None else settings.get("tolerance", 0.05),
        refusal_margin=(
            refusal_margin if refusal_margin is not None else settings.get("refusal_margin", 0.01)
        ),
        error_margin=(
            error_margin if error_margin is not None else settings.get("error_margin", 0.02)
        ),
        judge=run["judge"],
        judge_cost_usd=None if any(c is None for c in judge_costs) else sum(judge_costs),
    )


class MonthlySavings(BaseModel):
    model: str
    baseline: str
    requests_per_month: int
    baseline_usd: float | None
    model_usd: float | None
    savings_usd: float | None


def monthly_savings(
    rec: Recommendation, requests_per_day: int, model: str | None = None
) -> MonthlySavings:
    """Cost per month at a traffic volume, from the measured cost per 1k prompts."""
    model = model or rec.recommended_model
    per = {m.model: m.cost_per_1k_prompts_usd for m in rec.models}
    monthly = requests_per_day * DAYS_PER_MONTH
    base = per.get(rec.baseline)
    other = per.get(model)
    base_usd = base * monthly / 1000 if base is not None else None
    other_usd = other * monthly / 1000 if other is not None else None
    return MonthlySavings(
        model=model,
        baseline=rec.baseline,
        requests_per_month=monthly,
        baseline_usd=base_usd,
        model_usd=other_usd,
        savings_usd=(base_usd - other_usd)
        if base_usd is not None and other_usd is not None
        else None,
    )


def recommendation_text(rec: Recommendation, requests_per_day: int | None = None) -> str:
    lines = [
        f"Run {rec.run_id} (tolerance {rec.tolerance:.1%}, refusal margin "
        f"{rec.refusal_margin:.1%}): {rec.reasoning}"
    ]
    for m in rec.models:
        lines.append(
            f"- {short(m.model)} ({m.role}): cost/1k prompts {money(m.cost_per_1k_prompts_usd)}, "
            f"quality {'-' if m.quality is None else f'{m.quality:.3f}'}, refusals "
            f"{m.refusal_rate:.1%}, errors {m.error_rate:.1%}, scored {m.scored}/{m.prompts}"
        )
    if requests_per_day:
        s = monthly_savings(rec, requests_per_day)
        lines.append(
            f"At {requests_per_day:,} requests/day ({s.requests_per_month:,}/month): "
            f"{short(s.baseline)} costs {money(s.baseline_usd)}/month, {short(s.model)} "
            f"{money(s.model_usd)}/month, savings {money(s.savings_usd)}/month."
        )
    return "\n".join(lines)


def runs_text(store: Store) -> str:
    runs = store.runs()
    if not runs:
        return HOW_TO_MAKE_A_RUN
    lines = []
    for r in runs:
        rec = store.recommendation(r["id"])
        verdict = f"recommends {short(rec['recommended_model'])}" if rec else "no recommendation"
        cands = ", ".join(short(c) for c in json.loads(r["candidates"]))
        lines.append(
            f"run {r['id']} ({r['created_at'][:16]}, {r['status']}, {r['prompt_count']} "
            f"prompts): baseline {short(r['baseline'])}, candidates {cands}; {verdict}"
        )
    return "\n".join(lines)


def compare(store: Store, model_a: str, model_b: str, run_id: str | None = None) -> dict[str, Any]:
    """Two models of one run, overall and per prompt category, on prompts both answered."""
    run = find_run(store, run_id)
    a, b = resolve_model(run, model_a), resolve_model(run, model_b)
    rows = list(
        store.db.query(
            """select p.category, r.model, s.quality, r.cost_usd, r.refused, r.latency_ms
           from responses r join prompts p on p.id = r.prompt_id
           left join scores s on s.run_id = r.run_id and s.prompt_id = r.prompt_id
                and s.model = r.model
           where r.run_id = ? and r.model in (?, ?) and r.status = 'ok'""",
            [run["id"], a, b],
        )
    )

    def agg(sub: list[dict[str, Any]]) -> dict[str, Any]:
        q = [r["quality"] for r in sub if r["quality"] is not None]
        costs = [r["cost_usd"] for r in sub]
        return {
            "answers": len(sub),
            "quality": sum(q) / len(q) if q else None,
            "cost_usd": None if None in costs else sum(costs),
            "refusal_rate": sum(1 for r in sub if r["refused"]) / len(sub) if sub else None,
        }

    categories = sorted({r["category"] or "uncategorised" for r in rows})
    return {
        "run_id": run["id"],
        "models": [a, b],
        "overall": {m: agg([r for r in rows if r["model"] == m]) for m in (a, b)},
        "by_category": {
            c: {
                m: agg(
                    [r for r in rows if r["model"] == m and (r["category"] or "uncategorised") == c]
                )
                for m in (a, b)
            }
            for c in categories
        },
    }


def compare_text(result: dict[str, Any]) -> str:
    a, b = result["models"]

    def fmt(d: dict[str, Any]) -> str:
        q = "-" if d["quality"] is None else f"{d['quality']:.3f}"
        return f"quality {q}, cost {money(d['cost_usd'])}, answers {d['answers']}"

    lines = [
        f"Run {result['run_id']}: {short(a)} vs {short(b)}",
        f"overall: {short(a)} {fmt(result['overall'][a])}; {short(b)} {fmt(result['overall'][b])}",
    ]
    for cat, d in result["by_category"].items():
        lines.append(f"{cat}: {short(a)} {fmt(d[a])}; {short(b)} {fmt(d[b])}")
    return "\n".join(lines)


def worse_examples(
    store: Store, candidate: str, run_id: str | None = None, limit: int = 3
) -> dict[str, Any]:
    """Prompts where the candidate scored below the baseline, largest gap first."""
    run = find_run(store, run_id)
    cand = resolve_model(run, candidate)
    rows = list(
        store.db.query(
            """select p.id, p.messages, p.category, rb.text base_text, rc.text cand_text,
                  sb.quality base_q, sc.quality cand_q, sc.rationale cand_rationale
           from prompts p
           join responses rb on rb.prompt_id = p.id and rb.run_id = :run and rb.model = :base
           join responses rc on rc.prompt_id = p.id and rc.run_id = :run and rc.model = :cand
           join scores sb on sb.prompt_id = p.id and sb.run_id = :run and sb.model = :base
           join scores sc on sc.prompt_id = p.id and sc.run_id = :run and sc.model = :cand
           where sc.quality < sb.quality
           order by sb.quality - sc.quality desc limit :limit""",
            {"run": run["id"], "base": run["baseline"], "cand": cand, "limit": limit},
        )
    )
    for r in rows:
        r["prompt"] = json.loads(r.pop("messages"))[-1]["content"]
    return {"run_id": run["id"], "baseline": run["baseline"], "candidate": cand, "examples": rows}


def worse_examples_text(result: dict[str, Any], width: int = 300) -> str:
    base, cand = short(result["baseline"]), short(result["candidate"])
    if not result["examples"]:
        return f"Run {result['run_id']}: {cand} never scored below {base}."
    lines = [f"Run {result['run_id']}: prompts where {cand} scored below {base}:"]
    for r in result["examples"]:
        lines.append(
            f"- prompt {r['id']} ({r['category'] or 'uncategorised'}): {r['prompt'][:width]!r}\n"
            f"  {base} ({r['base_q']:.2f}): {(r['base_text'] or '')[:width]!r}\n"
            f"  {cand} ({r['cand_q']:.2f}): {(r['cand_text'] or '')[:width]!r}\n"
            f"  judge: {r['cand_rationale'] or ''}"
        )
    return "\n".join(lines)
