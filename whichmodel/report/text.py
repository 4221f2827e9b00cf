"""Plain text of stored results, as the advisor's tools return them to an LLM (and to
people): every block names the run its figures come from."""

from __future__ import annotations

from typing import Any

from whichmodel.records.verdict import Recommendation, short
from whichmodel.report.format import money
from whichmodel.report.notes import run_notes
from whichmodel.results.decide import HOW_TO_MAKE_A_RUN
from whichmodel.results.questions import RunLine, monthly_savings


def recommendation_text(rec: Recommendation, requests_per_day: float | None = None) -> str:
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
    lines += run_notes(rec)
    if requests_per_day:
        s = monthly_savings(rec, requests_per_day)
        lines.append(
            f"At {requests_per_day:,.0f} requests/day ({s.requests_per_month:,}/month): "
            f"{short(s.baseline)} costs {money(s.baseline_usd)}/month, {short(s.model)} "
            f"{money(s.model_usd)}/month, savings {money(s.savings_usd)}/month."
        )
    return "\n".join(lines)


def runs_text(runs: list[RunLine]) -> str:
    if not runs:
        return HOW_TO_MAKE_A_RUN
    lines = []
    for r in runs:
        verdict = (
            f"recommends {short(r.recommended_model)}"
            if r.recommended_model
            else "no recommendation"
        )
        cands = ", ".join(short(c) for c in r.candidates)
        lines.append(
            f"run {r.id} ({r.created_at[:16]}, {r.status}, {r.prompt_count} "
            f"prompts): baseline {short(r.baseline)}, candidates {cands}; {verdict}"
        )
    return "\n".join(lines)


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
