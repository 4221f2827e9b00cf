"""The HTML report's pieces for structured output and tools: the checks table, the
notes under the verdict, and how a request's tools and an answer's tool calls read."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from whichmodel.records.runs import Production
from whichmodel.records.verdict import Recommendation, short
from whichmodel.report.format import check_rate
from whichmodel.report.html_tables import esc, html_table
from whichmodel.report.notes import run_notes
from whichmodel.verdict.checks import CHECKS


def checks_table(rec: Recommendation) -> str:
    """Pass rate of each check per model with its 95% interval ("" when no answer had
    a check)."""
    names = sorted({n for m in rec.models for n in m.checks})
    if not names:
        return ""
    rows = []
    for name in names:
        row: list[Any] = [("l", esc(CHECKS.get(name, name)))]
        row += [esc(check_rate(m.checks.get(name))) for m in rec.models]
        rows.append(row)
    margin = rec.check_margin
    return "<h2>Checks</h2>" + html_table(
        ["check", *[short(m.model) for m in rec.models]],
        rows,
        "Deterministic checks of structured output and tool calls, before any judge: pass "
        "rate [95% Wilson interval] over the answers each applies to. A candidate fails "
        f"when a check's pass rate is surely more than {margin * 100:g} "
        "points below the baseline's.",
    )


def notes(rec: Recommendation | None) -> str:
    if rec is None:
        return ""
    lines = run_notes(rec)
    return "".join(f'<p class="note">{esc(line)}</p>' for line in lines)


def request_block(request: Mapping[str, Any] | None) -> str:
    """The tools offered and the output format asked for, as replayed."""
    if not request:
        return ""
    out = []
    for tool in request.get("tools") or []:
        fn = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(fn, dict):
            continue
        params = json.dumps(fn.get("parameters") or {}, ensure_ascii=False, indent=1)
        out.append(
            f'<div class="msg"><span class="role">tool {esc(fn.get("name"))}</span>'
            f'<div class="t">{esc(fn.get("description") or "")}\n{esc(params)}</div></div>'
        )
    fmt = request.get("response_format")
    if isinstance(fmt, dict) and fmt.get("type") not in (None, "text"):
        out.append(
            '<div class="msg"><span class="role">response format</span>'
            f'<div class="t">{esc(json.dumps(fmt, ensure_ascii=False, indent=1))}</div></div>'
        )
    return "".join(out)


def answer_extras(row: Mapping[str, Any]) -> str:
    """An answer's tool calls and its checks (failed ones marked)."""
    out = []
    calls = row.get("tool_calls")
    if isinstance(calls, str):
        try:
            calls = json.loads(calls)
        except ValueError:
            calls = []
    for call in calls or []:
        out.append(
            f'<div class="sc">calls <b>{esc(call.get("name"))}</b>'
            f'<div class="t">{esc(call.get("arguments"))}</div></div>'
        )
    checks = row.get("checks") or {}
    if checks:
        tags = "".join(
            f'<span class="tag{"" if ok else " err"}">'
            f"{'' if ok else 'failed: '}{esc(CHECKS.get(name, name))}</span>"
            for name, ok in sorted(checks.items())
        )
        out.append(f'<div class="sc">{tags}</div>')
    if row.get("origin") == "history":
        out.append('<div class="sc mut">the answer production gave (from history)</div>')
    return "".join(out)


def production_line(production: Production | None) -> str:
    """Who answered this prompt in production, and when (from the log)."""
    if not production:
        return ""
    who = " / ".join(esc(v) for v in (production.provider, production.model) if v)
    when = f", {esc(production.logged_at)} UTC" if production.logged_at else ""
    trace = f", trace {esc(production.trace_id)}" if production.trace_id else ""
    return f'<div class="pid">production: {who or "unknown model"}{when}{trace}</div>'


def judge_check_section(check: Mapping[str, Any] | None) -> str:
    """The judge's agreement with people, from the latest `whichmodel judge-check`."""
    if not check:
        return ""
    figures = check["figures"]
    rows = [
        [("l", esc(key.replace("_", " "))), "-" if value is None else f"{value:+.3f}"]
        for key, value in figures.items()
        if key not in ("items", "judged")
    ]
    return "<h2>The judge against people</h2>" + html_table(
        ["figure", "value"],
        rows,
        f"whichmodel judge-check {esc(check['id'])} of {esc(check['judge'])} on "
        f"{esc(check['labels'])}: {esc(check['kind'])} labels, {figures['judged']} of "
        f"{figures['items']} items judged.",
    )
