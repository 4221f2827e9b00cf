"""The notes every face prints under a verdict: how the prompts were chosen, whose
answers stood for the baseline, whether the history still stands for it, and which
logged request fields a model's own settings replaced."""

from __future__ import annotations

from typing import Any

from whichmodel.records.verdict import JudgeControls, short
from whichmodel.report.format import interval
from whichmodel.verdict.routing import RoutingPolicy


def run_notes(rec: dict[str, Any]) -> list[str]:
    """Which prompts, whose answers stood for the baseline, what settings overrode."""
    notes = []
    if rec.get("sample"):
        notes.append(f"Prompts: {rec['sample']}.")
    if rec.get("baseline_source") == "history":
        base = next((m for m in rec["models"] if m["role"] == "baseline"), None)
        note = f" ({base['price_note']})" if base and base.get("price_note") else ""
        notes.append(f"Baseline: the answers production gave, from history{note}.")
    drift = rec.get("drift")
    if drift:
        notes.append(
            f"Drift check: {short(rec['baseline'])} answered again on {drift['prompts']} "
            f"prompts; {drift['within']} scored within the tolerance of the stored answer; "
            f"quality {interval(drift.get('quality_change'))}"
            + ("; the history looks stale." if drift.get("stale") else ".")
        )
    for model, fields in (rec.get("overrides") or {}).items():
        fields_text = ", ".join(fields)
        notes.append(f"{short(model)}: its settings overrode the logged {fields_text}.")
    for model, fields in (rec.get("not_forwarded") or {}).items():
        notes.append(
            f"{short(model)}: the gateway does not send {', '.join(fields)} to its provider, "
            "so the prompts that logged it reached the model without it."
        )
    if rec.get("judge_controls"):
        controls = JudgeControls.model_validate(rec["judge_controls"])
        line = controls.text()
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
