"""What the HTML report and the dashboard draw of one run, gathered in one place: the
run, its verdict, every answer with its score and final refusal verdict, the prompts in
run order, and the chart's points (with whiskers from the intervals and the Pareto
frontier). ``report.html`` renders it and computes nothing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from whichmodel.records.runs import Production, Prompt, Run
from whichmodel.records.verdict import Recommendation
from whichmodel.results.decide import answer_rows, find_run
from whichmodel.store import Store


@dataclass
class ChartData:
    points: list[dict[str, Any]]
    """One per plottable model: model, baseline, x (cost/1k), y, refusal, xerr, yerr."""
    no_price: list[str]
    no_score: list[str]
    frontier: list[Mapping[str, Any]]
    pairwise: bool
    recommended: str | None


@dataclass
class RunReport:
    run: Run
    rec: Recommendation | None
    pairwise: bool
    models: list[str]
    """Baseline first, then the candidates."""
    answers: dict[tuple[str, str], dict[str, Any]]
    """(prompt id, model) -> the answer with its score, pairwise verdict and refusal."""
    prompts: list[Prompt]
    stored: list[dict[str, Any]]
    """Per-model counts from the stored rows, for a run without a verdict yet."""
    chart: ChartData | None
    judge_check: dict[str, Any] | None = None
    """The latest `judge-check` of this run's judge: its agreement with people."""
    production: dict[str, Production] = field(default_factory=dict)
    """Prompt id -> the answer production gave, as logged (model, provider, time...)."""


def _points(
    rec: Recommendation, pairwise: bool
) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """One point per plottable model, and the models left out (price unknown, not scored)."""
    base_name = rec.baseline
    comps = {c.model: c for c in rec.comparisons}
    base = next((m for m in rec.models if m.model == base_name), None)
    base_cost = base.cost_per_1k_prompts_usd if base else None
    base_q = 0.0 if pairwise else (base.quality if base else None)
    points, no_price, no_score = [], [], []
    for m in rec.models:
        is_base = m.model == base_name
        comp = comps.get(m.model)
        cost = m.cost_per_1k_prompts_usd
        if pairwise:
            y = 0.0 if is_base else (comp.quality_change.estimate if comp else None)
        else:
            y = m.quality
        if cost is None or cost <= 0:
            no_price.append(m.model)
            continue
        if y is None:
            no_score.append(m.model)
            continue
        point: dict[str, Any] = {
            "model": m.model,
            "baseline": is_base,
            "x": cost,
            "y": y,
            "refusal": m.refusal_rate,
            "xerr": None,
            "yerr": None,
        }
        if comp and not is_base:
            qc = comp.quality_change
            if qc.low is not None and qc.high is not None:
                bounds: tuple[float, float] | None = None
                if pairwise:
                    bounds = (qc.low, qc.high)
                elif base_q is not None:
                    bounds = (base_q * (1 + qc.low / 100), base_q * (1 + qc.high / 100))
                if bounds is not None:
                    lo, hi = bounds
                    point["yerr"] = (max(0.0, y - lo), max(0.0, hi - y))
            cc = comp.cost_change
            if base_cost and cc.low is not None and cc.high is not None:
                lo, hi = base_cost * (1 + cc.low / 100), base_cost * (1 + cc.high / 100)
                point["xerr"] = (max(0.0, cost - max(lo, cost * 1e-3)), max(0.0, hi - cost))
        points.append(point)
    return points, no_price, no_score


def pareto(points: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The non-dominated points (nothing else is at most as costly and at least as good,
    and better in one of the two), cheapest first."""
    frontier: list[Mapping[str, Any]] = []
    for p in sorted(points, key=lambda p: (p["x"], -p["y"])):
        if not frontier or p["y"] > frontier[-1]["y"]:
            frontier.append(p)
    return frontier


def chart_data(rec: Recommendation) -> ChartData:
    pairwise = rec.judge_mode == "pairwise"
    points, no_price, no_score = _points(rec, pairwise)
    return ChartData(
        points=points,
        no_price=no_price,
        no_score=no_score,
        frontier=pareto(points),
        pairwise=pairwise,
        recommended=rec.recommended_model if rec.decision == "switch" else None,
    )


def _stored_summary(
    models: list[str], answers: Mapping[tuple[str, str], Mapping[str, Any]], prompts: int
) -> list[dict[str, Any]]:
    """Per-model counts from the stored rows (when there is no recommendation)."""
    out = []
    for model in models:
        rows = [r for (_, m), r in answers.items() if m == model]
        ok = [r for r in rows if r["status"] == "ok"]
        scored = [r["quality"] for r in ok if r["quality"] is not None]
        out.append(
            {
                "model": model,
                "answers": len(rows),
                "errors": len(rows) - len(ok),
                "refused": sum(1 for r in ok if r["refused"]),
                "scored": len(scored),
                "quality": sum(scored) / len(scored) if scored else None,
                "prompts": prompts,
            }
        )
    return out


def run_report(store: Store, run_id: str, rec: Recommendation | None = None) -> RunReport:
    """Everything the report of ``run_id`` shows; ``rec``: the verdict to show (default:
    the stored one; the dashboard passes one computed from what is stored so far)."""
    run = find_run(store, run_id, "any")
    if rec is None:
        rec = store.recommendation(run.id)
    pairwise = (rec is not None and rec.judge_mode == "pairwise") or run.setting(
        "judge_mode"
    ) == "pairwise"
    answers = {(r["prompt_id"], r["model"]): r for r in answer_rows(store, run.id)}
    models = [run.baseline, *[c for c in run.candidates if c != run.baseline]]
    ids = store.run_prompt_ids(run.id)
    return RunReport(
        run=run,
        rec=rec,
        pairwise=pairwise,
        models=models,
        answers=answers,
        prompts=store.prompts(ids),
        stored=_stored_summary([run.baseline, *run.candidates], answers, run.prompt_count),
        chart=chart_data(rec) if rec is not None else None,
        production=store.productions(ids),
        judge_check=next(iter(store.judge_checks(run.judge)), None) if run.judge else None,
    )
