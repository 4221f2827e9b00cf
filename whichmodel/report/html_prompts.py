"""The HTML report's drill-down: every prompt with each model's answer, score and reasons."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from whichmodel.records.runs import Prompt
from whichmodel.records.verdict import short
from whichmodel.report.html_checks import answer_extras, production_line, request_block
from whichmodel.report.html_tables import esc
from whichmodel.results.run_report import RunReport

ANSWER_CAP = 1500
"""Characters of an answer (or prompt message) shown before a "show more" fold."""
SNIPPET = 140
"""Characters of the prompt shown in its one-line summary."""


def _capped(text: str | None, cap: int = ANSWER_CAP) -> str:
    """Escaped text; beyond ``cap`` characters the rest folds into a closed <details>."""
    text = text or ""
    if len(text) <= cap:
        return f'<div class="t">{esc(text)}</div>'
    head, tail = text[:cap], text[cap:]
    return (
        f'<div class="t">{esc(head)}<details class="more"><summary>show '
        f"{len(tail):,} more characters ({len(text):,} in all)</summary>{esc(tail)}</details></div>"
    )


def _chip(row: Mapping[str, Any] | None, base: Mapping[str, Any] | None, pairwise: bool) -> str:
    if row is None:
        return '<span class="c">…</span>'
    if row["status"] != "ok":
        return '<span class="c e">err</span>'
    if row["refused"]:
        return '<span class="c r">ref</span>'
    if pairwise:
        outcome = row.get("outcome")
        if outcome is None:
            return '<span class="c">-</span>'
        return {1: '<span class="c b">+</span>', -1: '<span class="c w">−</span>'}.get(
            outcome, '<span class="c">=</span>'
        )
    q = row.get("quality")
    if q is None:
        return '<span class="c">-</span>'
    worse = base is not None and base is not row and (base.get("quality") or 0) > q + 1e-9
    return f'<span class="c{" w" if worse else ""}">{q:.2f}</span>'


_WINNER = {"A": "A wins", "B": "B wins", "tie": "tie", None: "no verdict"}


def _answer_card(row: Mapping[str, Any] | None, model: str, is_base: bool, pairwise: bool) -> str:
    cls = "a base" if is_base else "a"
    name = esc(short(model))
    if row is None:
        return (
            f'<div class="{cls}"><div class="h">{name}</div>'
            '<div class="mut">no answer yet</div></div>'
        )
    tags = ['<span class="tag">baseline</span>'] if is_base else []
    if row["status"] != "ok":
        cls += " err"
        tags.append('<span class="tag err">error</span>')
    elif row["refused"]:
        cls += " ref"
        kind = row.get("refusal_kind") or "refused"
        why = f" ({row['refusal_reason']})" if row.get("refusal_reason") else ""
        tags.append(f'<span class="tag ref">refused: {esc(kind)}{esc(why)}</span>')
    out = [f'<div class="{cls}"><div class="h">{name}{"".join(tags)}</div>']
    if row["status"] != "ok":
        out.append(f'<div class="sc">{esc(row.get("error") or "failed")}</div>')
    if pairwise:
        if not is_base:
            if row.get("pair_status") is None:
                out.append('<div class="sc">not judged yet</div>')
            else:
                outcome = {1: "candidate better", -1: "baseline better", 0: "tie"}.get(
                    row.get("outcome"), "unscored"
                )
                consistent = (
                    ""
                    if row.get("consistent") is None
                    else (" (consistent)" if row["consistent"] else " (flipped with the order)")
                )
                out.append(
                    f'<div class="sc">baseline as A: {_WINNER.get(row.get("first"), "?")}; '
                    f"candidate as A: {_WINNER.get(row.get('second'), '?')} &rArr; "
                    f"<b>{outcome}</b>{consistent}</div>"
                )
                if row.get("pair_error"):
                    out.append(f'<div class="sc">{esc(row["pair_error"])}</div>')
                if row.get("pair_rationale"):
                    out.append(f'<div class="rat">{esc(row["pair_rationale"])}</div>')
    elif row["status"] == "ok":
        if row.get("score_status") is None:
            out.append('<div class="sc">not scored yet</div>')
        elif row.get("quality") is None:
            out.append(
                f'<div class="sc">{esc(row["score_status"])}'
                f"{': ' + esc(row['score_error']) if row.get('score_error') else ''}</div>"
            )
        else:
            parts = [f"<b>quality {row['quality']:.3f}</b>"]
            for key in ("accuracy", "relevance", "clarity"):
                if row.get(key) is not None:
                    parts.append(f"{key} {row[key]:.2f}")
            if row.get("spread") is not None:
                parts.append(f"spread {row['spread']:.3f}")
            out.append(f'<div class="sc">{" · ".join(parts)}</div>')
        if row.get("rationale"):
            out.append(f'<div class="rat">{esc(row["rationale"])}</div>')
    if row["status"] == "ok":
        meta = []
        if row.get("latency_ms") is not None:
            meta.append(f"{row['latency_ms'] / 1000:.2f} s")
        if row.get("cost_usd") is not None:
            meta.append(f"${row['cost_usd']:.5f}")
        if row.get("finish_reason") and row["finish_reason"] != "stop":
            meta.append(f"finish: {esc(row['finish_reason'])}")
        if meta:
            out.append(f'<div class="sc">{" · ".join(meta)}</div>')
        out.append(answer_extras(row))
        out.append(_capped(row.get("text")))
    out.append("</div>")
    return "".join(out)


def _prompt_text(messages: list[Mapping[str, Any]]) -> str:
    last = next((m for m in reversed(messages) if m.get("role") == "user"), None)
    content = (last or (messages[-1] if messages else {})).get("content") or ""
    return content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)


def drilldown(report: RunReport) -> str:
    models, prompts, answers = report.models, report.prompts, report.answers
    pairwise = report.pairwise
    groups: dict[str, list[Prompt]] = defaultdict(list)
    for p in prompts:
        groups[p.category or "uncategorised"].append(p)
    out = [
        '<div class="tools"><input type="search" id="q" placeholder="Search prompts '
        '(text or id)" aria-label="search prompts">'
        '<label class="small"><input type="checkbox" id="qa"> answers too</label>'
        '<select id="f" aria-label="filter"><option value="">all prompts</option>'
        '<option value="r">a model refused</option><option value="e">a call failed</option>'
        '<option value="u">not scored</option>'
        '<option value="w">a candidate did worse than the baseline</option>'
        + ('<option value="i">verdict flipped with the order</option>' if pairwise else "")
        + f'</select><span id="n" class="mut small">{len(prompts):,} prompts</span></div>'
    ]
    out.append(
        '<p class="mut small">Each line: the prompt, then per model (baseline first, in the '
        "order "
        + ", ".join(esc(short(m)) for m in models)
        + (
            "): the pairwise outcome for each candidate (+ better, = tie, − worse)"
            if pairwise
            else "): the judge's quality"
        )
        + "; <i>ref</i> refused, <i>err</i> failed. Open a line for the full answers and the "
        "judge's reasons.</p>"
    )
    for name in sorted(groups):
        items = groups[name]
        out.append(
            f'<section class="cat" data-cat="{esc(name)}"><h3>{esc(name)} '
            f'<span class="mut small">({len(items):,} prompts)</span></h3>'
        )
        for p in items:
            rows = [answers.get((p.id, m)) for m in models]
            base = rows[0]
            flags = set()
            for i, r in enumerate(rows):
                if r is None:
                    continue
                if r["status"] != "ok":
                    flags.add("e")
                elif r["refused"]:
                    flags.add("r")
                if pairwise:
                    if i and r.get("outcome") is None:
                        flags.add("u")
                    if i and r.get("outcome") == -1:
                        flags.add("w")
                    if i and r.get("consistent") == 0:
                        flags.add("i")
                else:
                    if r["status"] == "ok" and r.get("quality") is None:
                        flags.add("u")
                    if (
                        i
                        and base is not None
                        and r.get("quality") is not None
                        and base.get("quality") is not None
                        and r["quality"] < base["quality"] - 1e-9
                    ):
                        flags.add("w")
            snippet = " ".join(_prompt_text(p.messages).split())
            if len(snippet) > SNIPPET:
                snippet = snippet[:SNIPPET] + "…"
            chips = "".join(
                _chip(r, base, pairwise) if (i or not pairwise) else _chip_base(r)
                for i, r in enumerate(rows)
            )
            out.append(
                f'<details class="p" id="p-{esc(p.id)}" data-f="{" ".join(sorted(flags))}">'
                f'<summary><span class="chips">{chips}</span><span class="pid">'
                f"{esc(p.external_id or p.id)}</span> {esc(snippet)}</summary>"
                '<div class="body"><div class="pm">'
            )
            for m in p.messages:
                content = m.get("content")
                if not isinstance(content, str):
                    content = json.dumps(content, ensure_ascii=False)
                out.append(
                    f'<div class="msg"><span class="role">{esc(m.get("role"))}</span>'
                    f"{_capped(content)}</div>"
                )
            out.append(request_block(p.request))
            out.append(production_line(report.production.get(p.id)))
            if p.reference:
                out.append(
                    f'<div class="msg"><span class="role">reference answer</span>'
                    f"{_capped(p.reference)}</div>"
                )
            label = f" · label {esc(p.label)}" if p.label else ""
            out.append(f'<div class="pid">prompt {esc(p.id)}{label}</div></div>')
            out.append('<div class="grid">')
            out.extend(
                _answer_card(r, m, i == 0, pairwise)
                for i, (r, m) in enumerate(zip(rows, models, strict=True))
            )
            out.append("</div></div></details>")
        out.append("</section>")
    return "".join(out)


def _chip_base(row: Mapping[str, Any] | None) -> str:
    """Pairwise mode: the baseline has no score of its own."""
    if row is None:
        return '<span class="c">…</span>'
    if row["status"] != "ok":
        return '<span class="c e">err</span>'
    if row["refused"]:
        return '<span class="c r">ref</span>'
    return '<span class="c">base</span>'
