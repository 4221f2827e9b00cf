"""The advisor's answers as plain sentences, facts first: the verdict and its model, the
cost and quality changes with their intervals, refusals, and what the question asked
for (savings at a volume, a category, another tolerance). Every figure comes from a
stored run, which each answer names. The advisor's tools, ``RecommendModelTool`` in any
Langroid agent and ``whichmodel chat`` all answer with these."""

from __future__ import annotations

from whichmodel.records.verdict import Recommendation, short
from whichmodel.report.format import money
from whichmodel.report.notes import run_notes
from whichmodel.results.questions import monthly_savings


def headline(rec: Recommendation) -> str:
    """The decision and its model, in one sentence naming the run."""
    base = short(rec.baseline)
    where = f"(run {rec.run_id})"
    if rec.unmeasured:
        return (
            f"No recommendation from run {rec.run_id}: it could not compare the models "
            f"({rec.unmeasured}). Keep {base} until a run can."
        )
    if rec.decision == "switch":
        return f"Use {short(rec.recommended_model)}: switch from {base} {where}."
    if rec.decision == "undecided":
        needed = (
            f"; about {rec.prompts_needed:,} prompts would decide" if rec.prompts_needed else ""
        )
        return f"Keep {base} for now: the data cannot decide yet {where}{needed}."
    return f"Keep {base} {where}."


def rule(rec: Recommendation) -> str:
    return f"tolerance {rec.tolerance:.1%}, refusal margin {rec.refusal_margin:.1%}"


def model_lines(rec: Recommendation) -> str:
    parts = []
    for m in rec.models:
        quality = "-" if m.quality is None else f"{m.quality:.3f}"
        parts.append(
            f"{short(m.model)} ({m.role}) {money(m.cost_per_1k_prompts_usd)}, quality "
            f"{quality}, refusals {m.refusal_rate:.1%}, errors {m.error_rate:.1%}, scored "
            f"{m.scored}/{m.prompts}"
        )
    return "Per 1,000 prompts: " + "; ".join(parts) + "."


def why(rec: Recommendation) -> str:
    """The reasoning sentence without the decision the headline already states."""
    head, sep, rest = rec.reasoning.partition(": ")
    if sep and head.startswith(("Switch from", "Keep")):
        return rest[:1].upper() + rest[1:]
    return rec.reasoning


def verdict_answer(rec: Recommendation) -> str:
    """The recommendation: decision, model, every change with its interval, the rule."""
    return "\n".join(
        [headline(rec), f"{why(rec)} ({rule(rec)})", model_lines(rec)] + run_notes(rec)
    )


def _savings_model(rec: Recommendation) -> str | None:
    if rec.decision == "switch":
        return rec.recommended_model
    priced = [
        m for m in rec.models if m.role == "candidate" and m.cost_per_1k_prompts_usd is not None
    ]
    cheapest = min(priced, key=lambda m: m.cost_per_1k_prompts_usd or 0.0, default=None)
    return cheapest.model if cheapest else None


def savings_answer(rec: Recommendation, requests_per_day: float, stated: str | None = None) -> str:
    """Cost per month at a traffic volume, from the measured cost per 1,000 prompts."""
    model = _savings_model(rec)
    if model is None:
        return (
            f"No candidate of run {rec.run_id} has a known cost: set [prices] in whichmodel.toml."
        )
    s = monthly_savings(rec, requests_per_day, model)
    volume = f"{requests_per_day:,.0f} requests a day ({s.requests_per_month:,} a month"
    volume += f", from your {stated!r})" if stated else ")"
    if s.savings_usd is None:
        return (
            f"At {volume}, the monthly cost is unknown: run {rec.run_id} has no price for "
            f"{short(rec.baseline) if s.baseline_usd is None else short(model)}."
        )
    saving = "save" if s.savings_usd >= 0 else "spend"
    text = (
        f"At {volume}, {short(rec.baseline)} costs {money(s.baseline_usd)} a month and "
        f"{short(model)} {money(s.model_usd)}: switching would {saving} "
        f"{money(abs(s.savings_usd))} a month (run {rec.run_id}, from the measured cost per "
        "1,000 prompts)."
    )
    if rec.decision != "switch":
        text += f" But the verdict is not to switch to {short(model)} yet (see above)."
    return text


def category_answer(rec: Recommendation, category: str) -> str:
    found = next((c for c in rec.categories if c.category.lower() == category.lower()), None)
    if found is None:
        names = ", ".join(c.category for c in rec.categories) or "none"
        return f"Run {rec.run_id} has no category {category!r} (its categories: {names})."
    if found.decision == "switch":
        decision = f"switch to {short(found.recommended_model)}"
    else:
        decision = f"{found.decision} {short(rec.baseline)}"
    quality = ", ".join(
        f"{short(m)} {'-' if q is None else f'{q:.3f}'}" for m, q in found.quality.items()
    )
    reasons = "; ".join(
        f"{short(c.model)}: {', '.join(c.reasons)}" for c in found.comparisons if c.reasons
    )
    return (
        f"In {found.category} ({found.prompts} prompts of run {rec.run_id}) the verdict is "
        f"{decision}. Mean quality there: {quality}." + (f" Why: {reasons}." if reasons else "")
    )


def refusal_answer(rec: Recommendation) -> str:
    rates = ", ".join(f"{short(m.model)} {m.refusal_rate:.1%}" for m in rec.models)
    lines = [f"Refusals in run {rec.run_id}: {rates} of answers."]
    for c in rec.comparisons:
        lines.append(
            f"{short(c.model)} vs {short(rec.baseline)}: "
            f"{c.refusal_change.text(' pts', label='refusals')}"
            + (
                f"; it refused {c.refused_where_baseline_answered} prompt(s) the baseline answered"
                if c.refused_where_baseline_answered
                else ""
            )
            + "."
        )
    labelled = [m for m in rec.models if m.over_refusal_rate is not None]
    for m in labelled:
        unsafe = (
            f" and answered {m.under_refusal_rate:.1%} of unsafe ones"
            if m.under_refusal_rate is not None
            else " (no prompt was labelled unsafe)"
        )
        lines.append(f"{short(m.model)} refused {m.over_refusal_rate:.1%} of safe prompts{unsafe}.")
    return "\n".join(lines)
