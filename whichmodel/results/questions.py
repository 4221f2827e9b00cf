"""The advisor's read-only questions about stored runs, answered from the database
alone (no LLM): each result names the run it comes from. ``report.text`` renders them."""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel

from whichmodel.errors import NoDataError
from whichmodel.records.runs import Run
from whichmodel.records.verdict import Recommendation, short
from whichmodel.results.decide import find_run, run_answers
from whichmodel.store import Store
from whichmodel.verdict.rows import Answers

DAYS_PER_MONTH = 30


def resolve_model(run: Run, name: str) -> str:
    """``claude-3-5-haiku`` or ``anthropic/claude-3-5-haiku-latest`` -> the run's full name."""
    models = [run.baseline, *run.candidates]
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
        f"Model {name!r} is not in run {run.id} (models: {', '.join(short(m) for m in models)})."
    )


class MonthlySavings(BaseModel):
    model: str
    baseline: str
    requests_per_month: int
    baseline_usd: float | None
    model_usd: float | None
    savings_usd: float | None


def monthly_savings(
    rec: Recommendation, requests_per_day: float, model: str | None = None
) -> MonthlySavings:
    """Cost per month at a traffic volume, from the measured cost per 1k prompts."""
    model = model or rec.recommended_model
    per = {m.model: m.cost_per_1k_prompts_usd for m in rec.models}
    monthly = round(requests_per_day * DAYS_PER_MONTH)
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


class RunLine(BaseModel):
    id: str
    created_at: str
    status: str
    prompt_count: int
    baseline: str
    candidates: list[str]
    judge: str
    decision: str | None
    recommended_model: str | None
    error: str | None

    @property
    def verdict(self) -> str:
        if self.decision is None:
            return f"none ({self.error})" if self.error else "none yet"
        if self.decision == "switch":
            return f"switch to {short(self.recommended_model or '')}"
        return self.decision


def run_lines(store: Store) -> list[RunLine]:
    """Every run, newest first, with the model its verdict recommends (if any)."""
    out = []
    for r in store.runs():
        rec = store.recommendation(r.id)
        out.append(
            RunLine(
                id=r.id,
                created_at=r.created_at or "",
                status=r.status,
                prompt_count=r.prompt_count,
                baseline=r.baseline,
                candidates=r.candidates,
                judge=r.judge,
                decision=rec.decision if rec else None,
                recommended_model=rec.recommended_model if rec else None,
                error=r.error,
            )
        )
    return out


def _aggregate(answers: Answers) -> dict[str, Any]:
    quality = answers.number("quality")
    scored = quality[~np.isnan(quality)]
    costs = answers.number("cost_usd")
    return {
        "answers": len(answers),
        "quality": float(scored.mean()) if scored.size else None,
        "cost_usd": None if np.isnan(costs).any() else float(costs.sum()),
        "refusal_rate": float(answers.flag("refused").mean()) if len(answers) else None,
    }


def compare(store: Store, model_a: str, model_b: str, run_id: str | None = None) -> dict[str, Any]:
    """Two models of one run, overall and per prompt category, over their answered prompts
    (refusals as in the verdict: the answer's own signals and the judge's flag)."""
    run = find_run(store, run_id)
    a, b = resolve_model(run, model_a), resolve_model(run, model_b)
    answers = run_answers(store, run.id)
    ok = answers.take(answers.has("status", "ok"))
    per_model = {m: ok.take(ok.has("model", m)) for m in (a, b)}
    groups = {
        m: np.array([c or "uncategorised" for c in x.texts("category")], dtype=object)
        for m, x in per_model.items()
    }
    categories = sorted({c for g in groups.values() for c in g})
    return {
        "run_id": run.id,
        "models": [a, b],
        "overall": {m: _aggregate(x) for m, x in per_model.items()},
        "by_category": {
            c: {m: _aggregate(x.take(groups[m] == c)) for m, x in per_model.items()}
            for c in categories
        },
    }


def worse_examples(
    store: Store, candidate: str, run_id: str | None = None, limit: int = 3
) -> dict[str, Any]:
    """Prompts where the candidate scored below the baseline, largest gap first."""
    run = find_run(store, run_id)
    cand = resolve_model(run, candidate)
    rows = store.worse_answers(run.id, run.baseline, cand, limit)
    for r in rows:
        r["prompt"] = r.pop("messages")[-1]["content"]
    return {"run_id": run.id, "baseline": run.baseline, "candidate": cand, "examples": rows}
