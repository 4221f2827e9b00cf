"""The HTML report's tables and sections (escaped HTML strings from the run's data)."""

from __future__ import annotations

import html
import json
from typing import Any

from whichmodel.config import default
from whichmodel.records.runs import Run
from whichmodel.records.verdict import Interval, Recommendation, short
from whichmodel.report.chart import chart_svg
from whichmodel.report.format import interval, money, num, pct, seconds
from whichmodel.results.run_report import ChartData


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _interval(value: Interval | None, unit: str = "%") -> str:
    # in tables the unit is in the column head: bounds without it
    return interval(value, unit, bound_units=False)


def _pairwise(rec: Recommendation | None) -> bool:
    return rec is not None and rec.judge_mode == "pairwise"


def html_table(head: list[str], rows: list[list[Any]], caption: str = "") -> str:
    """``rows`` hold ready HTML (escape when building them); a ``(class, html)`` cell
    gets that class (``l``: left-aligned text, ``why``: a muted note)."""
    out = ["<table>"]
    if caption:
        out.append(f'<caption class="cap">{caption}</caption>')
    out.append("<thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in head) + "</tr></thead>")
    out.append("<tbody>")
    for row in rows:
        cells = [
            f'<td class="{c[0]}">{c[1]}</td>' if isinstance(c, tuple) else f"<td>{c}</td>"
            for c in row
        ]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _model_label(rec: Recommendation, model: str) -> str:
    name = esc(short(model))
    if model == rec.baseline:
        return f'{name} <span class="tag">baseline</span>'
    if rec.decision == "switch" and model == rec.recommended_model:
        return f'{name} <span class="tag">recommended</span>'
    return name


def verdict(rec: Recommendation | None, run: Run) -> str:
    if rec is None:
        return (
            '<p class="verdict"><span class="badge b-none">no verdict</span>'
            f"Run {esc(run.id)} has no recommendation yet (status {esc(run.status)}): "
            "below is what is stored so far.</p>"
        )
    decision = rec.decision
    cls = decision if decision in ("switch", "keep", "undecided") else "none"
    return (
        f'<p class="verdict"><span class="badge b-{cls}">{esc(decision)}</span>'
        f"{esc(rec.reasoning)}</p>"
    )


def overview(rec: Recommendation | None, run: Run, stored: int) -> str:
    expected = run.prompt_count * (1 + len(run.candidates))
    items = [
        ("run", f"{esc(run.id)} ({esc(run.status)})"),
        ("started", esc(run.created_at)),
        ("finished", esc(run.finished_at or "-")),
        ("prompts", f"{run.prompt_count:,}"),
        ("answers stored", f"{stored:,} of {expected:,}"),
        ("judge", esc(run.judge or "-")),
    ]
    if rec is not None:
        items.append(("judge mode", esc(rec.judge_mode)))
        if rec.order_consistency is not None:
            items.append(("judge order consistency", pct(rec.order_consistency)))
        if rec.judge_cost_usd is not None:
            items.append(("judge cost of this evaluation", money(rec.judge_cost_usd)))
        if rec.prompts_needed:
            items.append(("prompts that would decide", f"about {rec.prompts_needed:,}"))
        if rec.length_score_correlation is not None:
            items.append(("length~score r (all)", f"{rec.length_score_correlation:+.2f}"))
    return '<dl class="kv">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in items) + "</dl>"


def models_table(rec: Recommendation) -> str:
    pairwise = _pairwise(rec)
    head = ["model", "$/1k prompts", "quality", "refused", "errors", "p50 s", "p95 s"]
    head += ["scored", "price source"]
    rows = []
    for m in rec.models:
        quality = "n/a (pairwise)" if pairwise and m.quality is None else num(m.quality)
        rows.append(
            [
                _model_label(rec, m.model),
                money(m.cost_per_1k_prompts_usd),
                quality,
                pct(m.refusal_rate),
                pct(m.error_rate),
                seconds(m.latency_p50_ms),
                seconds(m.latency_p95_ms),
                f"{m.scored}/{m.prompts}",
                ("l", esc(m.price_source)),
            ]
        )
    return html_table(
        head,
        rows,
        "$/1k: cost per 1,000 prompts; quality: mean judge score 0-1; "
        "p50/p95: answer latency in seconds",
    )


def _points(diff: Interval) -> Interval:
    """A difference of 0-1 scores in points of 0-100."""
    return Interval(
        estimate=None if diff.estimate is None else diff.estimate * 100,
        low=None if diff.low is None else diff.low * 100,
        high=None if diff.high is None else diff.high * 100,
    )


def comparisons_table(rec: Recommendation) -> str:
    pairwise = _pairwise(rec)
    head = ["candidate", "cost change", "quality change" if not pairwise else "net preference"]
    head += ["wins/ties/losses", "order consistency"] if pairwise else ["quality diff (pts)"]
    head += ["refusals (pts)", "prompts", "verdict", "why"]
    rows = []
    for c in rec.comparisons:
        status = c.status
        verdict = f'<span class="s-{esc(status)}">{esc(status)}</span>'
        if status == "undecided" and c.prompts_needed:
            verdict += f" (~{c.prompts_needed:,} prompts)"
        row: list[Any] = [
            _model_label(rec, c.model),
            _interval(c.cost_change),
            _interval(c.quality_change, " pts" if pairwise else "%"),
        ]
        if pairwise:
            row += [f"{c.wins}/{c.ties}/{c.losses}", pct(c.order_consistency)]
        else:
            row.append(_interval(_points(c.quality_difference), ""))
        row += [_interval(c.refusal_change, ""), f"{c.scored_prompts}", verdict]
        row.append(("why", esc("; ".join(c.reasons) or "-")))
        rows.append(row)
    tol = rec.tolerance
    margin = rec.refusal_margin
    return html_table(
        head,
        rows,
        f"Paired over the same prompts; [low, high] is the 95% bootstrap interval. A candidate "
        f"qualifies when the whole interval is above -{tol:.0%} quality, within "
        f"+{margin * 100:g} refusal points, and cheaper."
        + (" Quality diff in points of 0-100." if not pairwise else ""),
    )


def categories_table(rec: Recommendation) -> str:
    pairwise = _pairwise(rec)
    cats = rec.categories
    if not cats:
        return '<p class="mut">No prompt categories in this run.</p>'
    if pairwise:
        models = [c.model for c in rec.comparisons]
        head = ["category", "prompts"] + [f"{short(m)} net pref" for m in models] + ["decision"]
    else:
        models = [m.model for m in rec.models]
        head = ["category", "prompts"] + [short(m) for m in models] + ["decision"]
    rows: list[list[Any]] = []
    for cat in cats:
        decision = cat.decision
        text = f'<span class="d-{esc(decision)}">{esc(decision)}</span>'
        if decision == "switch":
            text += f" to {esc(short(cat.recommended_model))}"
        if pairwise:
            comps = {c.model: c for c in cat.comparisons}
            values = [
                _interval(comps[m].quality_change if m in comps else None, " pts") for m in models
            ]
        else:
            values = [num(cat.quality.get(m)) for m in models]
        rows.append([("l", esc(cat.category)), str(cat.prompts)])
        rows[-1] += values + [text]
    return html_table(
        head,
        rows,
        "Mean judge quality per model in each category, and the same decision rule applied "
        "within the category."
        if not pairwise
        else "Net preference for each candidate over the baseline per category, with its interval.",
    )


def bias_table(rec: Recommendation) -> str:
    models = rec.models
    labelled = any(m.over_refusal_rate is not None for m in models)
    sampled = any(m.judge_spread is not None for m in models)
    head = ["model", "mean chars", "length~score r", "partial refusals"]
    if labelled:
        head += ["over-refusal (safe prompts)", "under-refusal (unsafe prompts)"]
    if sampled:
        head.append("judge spread")
    rows = []
    for m in models:
        corr = m.length_score_correlation
        chars = m.mean_answer_chars
        row = [
            _model_label(rec, m.model),
            "-" if chars is None else f"{chars:,.0f}",
            "-" if corr is None else f"{corr:+.2f}",
            pct(m.partial_refusal_rate),
        ]
        if labelled:
            row += [pct(m.over_refusal_rate), pct(m.under_refusal_rate)]
        if sampled:
            row.append(num(m.judge_spread))
        rows.append(row)
    return html_table(
        head,
        rows,
        "A judge that rewards length shows a clearly positive r for every model; "
        "over/under-refusal need prompts labelled safe/unsafe.",
    )


def stored_table(summary: list[dict[str, Any]], baseline: str) -> str:
    rows = [
        [
            esc(short(s["model"]))
            + (' <span class="tag">baseline</span>' if s["model"] == baseline else ""),
            f"{s['answers']}/{s['prompts']}",
            str(s["errors"]),
            str(s["refused"]),
            str(s["scored"]),
            num(s["quality"]),
        ]
        for s in summary
    ]
    return html_table(["model", "answers", "errors", "refused", "scored", "mean quality"], rows)


def chart_section(chart: ChartData) -> str:
    svg = chart_svg(chart)
    no_price, no_score = chart.no_price, chart.no_score
    out = ['<div class="chart">']
    out.append(svg if svg else '<p class="mut">Nothing to plot yet.</p>')
    out.append("</div>")
    if no_price:
        out.append(
            "<p><b>Price unknown</b> (not plotted): "
            + ", ".join(esc(short(m)) for m in no_price)
            + ". Set [prices] in whichmodel.toml to place them.</p>"
        )
    if no_score:
        out.append(
            "<p><b>Not scored yet</b> (not plotted): "
            + ", ".join(esc(short(m)) for m in no_score)
            + ".</p>"
        )
    pairwise = chart.pairwise
    out.append(
        '<p class="mut small">One point per model; the baseline is the square. '
        + (
            "Pairwise judging gives no per-model score: y is each candidate's net preference "
            "over the baseline (wins - losses, points), the baseline at 0. "
            if pairwise
            else "Quality whiskers: the candidate's 95% interval of its quality change, "
            "applied to the baseline's quality. "
        )
        + "Cost whiskers: the 95% interval of the cost change, applied to the baseline's cost. "
        "Colour: refusal rate. The dashed step joins the models no other model beats on both "
        "cost and quality.</p>"
    )
    return "".join(out)


def settings_section(run: Run, rec: Recommendation | None) -> str:
    s = run.settings
    weights = s.get("weights") or {}
    items: list[tuple[str, str]] = [
        ("baseline", esc(run.baseline)),
        ("candidates", "<br>".join(esc(c) for c in run.candidates) or "-"),
        ("judge", esc(run.judge or "-")),
        ("judge mode", esc(s.get("judge_mode", default("judge_mode")))),
        ("judge samples", esc(s.get("judge_samples", default("judge_samples")))),
        (
            "quality weights",
            esc(", ".join(f"{k} {v:g}" for k, v in weights.items()) if weights else "-"),
        ),
        ("tolerance", f"{s['tolerance']:.0%}" if "tolerance" in s else "-"),
        (
            "refusal margin",
            f"{s['refusal_margin'] * 100:g} points" if "refusal_margin" in s else "-",
        ),
        ("error margin", f"{s['error_margin'] * 100:g} points" if "error_margin" in s else "-"),
    ]
    for key in ("max_tokens", "temperature", "judge_max_tokens", "judge_attempts", "concurrency"):
        if key in s:
            items.append((key.replace("_", " "), esc(s[key])))
    for key in ("retries", "timeout", "max_cost", "cache"):
        if key in s:
            items.append((key.replace("_", " "), esc(s[key])))
    urls = [
        f"{esc(name)}: {esc(p.get('base_url'))}"
        for name, p in (s.get("providers") or {}).items()
        if p.get("base_url")
    ]
    urls += [
        f"{esc(name)}: {esc(m.get('base_url'))}"
        for name, m in (s.get("models") or {}).items()
        if m.get("base_url")
    ]
    items.append(
        (
            "gateway base URLs",
            "<br>".join(urls) if urls else "PORTKEY_BASE_URL of the environment (not stored)",
        )
    )
    out = ['<dl class="kv">']
    out += [f"<dt>{k}</dt><dd>{v}</dd>" for k, v in items]
    out.append("</dl>")

    overrides = s.get("prices") or {}
    sources = {m.model: m.price_source for m in rec.models} if rec is not None else {}
    names = list(dict.fromkeys([run.baseline, *run.candidates, run.judge or ""]))
    rows = []
    for name in [n for n in names if n]:
        p = overrides.get(name) or {}
        rows.append(
            [
                ("l", esc(name)),
                "-" if "input_mtok" not in p else f"${p['input_mtok']:g}",
                "-" if "output_mtok" not in p else f"${p['output_mtok']:g}",
                "-" if p.get("cache_read_mtok") is None else f"${p['cache_read_mtok']:g}",
                ("l", esc(sources.get(name) or p.get("note") or "-")),
            ]
        )
    out.append("<h3>Prices used</h3>")
    out.append(
        html_table(
            ["model", "input $/Mtok", "output $/Mtok", "cache read $/Mtok", "source"],
            rows,
            "Overrides set in the config (per million tokens); other prices come from the "
            "named price list.",
        )
    )
    out.append(
        "<details><summary>All stored settings (JSON, secrets redacted when stored)"
        f'</summary><pre class="json">{esc(json.dumps(s, indent=2, sort_keys=True))}</pre>'
        "</details>"
    )
    return "".join(out)
