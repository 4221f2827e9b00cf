"""The notes every face prints under a verdict: how the prompts were chosen, whose
answers stood for the baseline, whether the history still stands for it, and which
logged request fields a model's own settings replaced."""

from __future__ import annotations

from whichmodel.records.verdict import Recommendation, short
from whichmodel.report.format import interval
from whichmodel.verdict.routing import RoutingPolicy


def run_notes(rec: Recommendation) -> list[str]:
    """Which prompts, whose answers stood for the baseline, what settings overrode."""
    notes = []
    if rec.sample:
        notes.append(f"Prompts: {rec.sample}.")
    if rec.baseline_source == "history":
        base = next((m for m in rec.models if m.role == "baseline"), None)
        note = f" ({base.price_note})" if base and base.price_note else ""
        notes.append(f"Baseline: the answers production gave, from history{note}.")
    drift = rec.drift
    if drift is not None:
        notes.append(
            f"Drift check: {short(rec.baseline)} answered again on {drift.prompts} "
            f"prompts; {drift.within} scored within the tolerance of the stored answer; "
            f"quality {interval(drift.quality_change)}"
            + ("; the history looks stale." if drift.stale else ".")
        )
    for model, fields in rec.overrides.items():
        fields_text = ", ".join(fields)
        notes.append(f"{short(model)}: its settings overrode the logged {fields_text}.")
    for model, fields in rec.not_forwarded.items():
        notes.append(
            f"{short(model)}: the gateway does not send {', '.join(fields)} to its provider, "
            "so the prompts that logged it reached the model without it."
        )
    if rec.judge_controls is not None:
        line = rec.judge_controls.text()
        notes.append(line[:1].upper() + line[1:] + ".")
    return notes


def routing_lines(policy: RoutingPolicy) -> list[str]:
    """The per-group routing policy and what it would have changed, in plain lines."""
    if policy.unmeasured:
        return [f"Routing by {policy.route_by}: nothing routed ({policy.unmeasured})."]
    if not policy.routes:
        decided = ", ".join(f"{g.category}: {g.decision}" for g in policy.groups) or "no groups"
        return [
            f"Routing by {policy.route_by}: no group switches on its own ({decided}); "
            f"everything stays on {short(policy.baseline)}."
        ]
    sent = "; ".join(f"{value} -> {short(model)}" for value, model in sorted(policy.routes.items()))
    lines = [f"Routing by {policy.route_by}: {sent}; anything else -> {short(policy.baseline)}."]
    change = policy.change
    if change is not None:
        lines.append(
            f"Mixed policy vs {short(policy.baseline)} alone, on the run's {policy.prompts} "
            f"prompts ({policy.routed_prompts} routed): "
            f"{change.cost_change_percent.text(label='cost')}, "
            f"{change.quality_change_percent.text(label='quality')}, "
            f"{change.refusal_change_points.text(' pts', label='refusals')}."
        )
    return lines
