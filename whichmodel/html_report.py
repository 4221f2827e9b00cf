"""One self-contained HTML file per run: verdict, chart, tables, every answer, settings.

No network: the CSS and the small search script are inline, the chart is an inline
SVG drawn by matplotlib (text kept as text, deterministic ids, no date). Everything
stored is escaped. Each prompt is a closed ``<details>``, so a browser lays out only
what is opened: 1,000 prompts x 5 models open quickly.

``render_html`` also works on a run still in progress (the dashboard passes a
recommendation computed from what is stored so far) and on a run without a
recommendation yet (it shows what is stored, with a note).
"""

from __future__ import annotations

import html
import io
import json
import math
import re
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from whichmodel.errors import NoDataError, WhichmodelError
from whichmodel.recommendation import short
from whichmodel.refusal import stored_verdict
from whichmodel.report import money
from whichmodel.store import Store

ANSWER_CAP = 1500
"""Characters of an answer (or prompt message) shown before a "show more" fold."""
SNIPPET = 140
"""Characters of the prompt shown in its one-line summary."""

_CHART_LOCK = threading.Lock()  # rcParams are global: one chart at a time
_SVG_RC = {"svg.fonttype": "none", "svg.hashsalt": "whichmodel", "svg.image_inline": True}


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _num(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _s(value_ms: float | None) -> str:
    return "-" if value_ms is None else f"{value_ms / 1000:,.2f}"


def _interval(value: Mapping[str, Any] | None, unit: str = "%") -> str:
    if not value or value.get("estimate") is None:
        return "unknown"
    head = f"{value['estimate']:+.1f}{unit}"
    if value.get("low") is None or value.get("high") is None:
        return head
    return f"{head} [{value['low']:+.1f}, {value['high']:+.1f}]"


def _pairwise(rec: Mapping[str, Any] | None) -> bool:
    return bool(rec) and rec.get("judge_mode") == "pairwise"  # type: ignore[union-attr]


# ---------------------------------------------------------------- the chart


def _points(rec: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """One point per plottable model, and the models left out (price unknown, not scored)."""
    pairwise = _pairwise(rec)
    base_name = rec["baseline"]
    comps = {c["model"]: c for c in rec.get("comparisons", [])}
    base = next((m for m in rec["models"] if m["model"] == base_name), None)
    base_cost = base["cost_per_1k_prompts_usd"] if base else None
    base_q = 0.0 if pairwise else (base["quality"] if base else None)
    points, no_price, no_score = [], [], []
    for m in rec["models"]:
        is_base = m["model"] == base_name
        comp = comps.get(m["model"])
        cost = m["cost_per_1k_prompts_usd"]
        if pairwise:
            y = 0.0 if is_base else (comp or {}).get("quality_change", {}).get("estimate")
        else:
            y = m["quality"]
        if cost is None or cost <= 0:
            no_price.append(m["model"])
            continue
        if y is None:
            no_score.append(m["model"])
            continue
        point = {
            "model": m["model"],
            "baseline": is_base,
            "x": cost,
            "y": y,
            "refusal": m["refusal_rate"],
            "xerr": None,
            "yerr": None,
        }
        if comp and not is_base:
            qc = comp.get("quality_change") or {}
            if qc.get("low") is not None and qc.get("high") is not None:
                if pairwise:
                    lo, hi = qc["low"], qc["high"]
                elif base_q is not None:
                    lo = base_q * (1 + qc["low"] / 100)
                    hi = base_q * (1 + qc["high"] / 100)
                else:
                    lo = hi = None
                if lo is not None:
                    point["yerr"] = (max(0.0, y - lo), max(0.0, hi - y))
            cc = comp.get("cost_change") or {}
            if base_cost and cc.get("low") is not None and cc.get("high") is not None:
                lo, hi = base_cost * (1 + cc["low"] / 100), base_cost * (1 + cc["high"] / 100)
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


def _figure(rec: Mapping[str, Any]) -> Any | None:
    """The cost-quality chart as a matplotlib Figure (None when nothing can be plotted)."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    points, _, _ = _points(rec)
    if not points:
        return None
    pairwise = _pairwise(rec)
    # fixed axes, no layout engine: constrained layout would triple the drawing time
    fig = Figure(figsize=(8.0, 4.8))
    ax = fig.add_axes((0.095, 0.105, 0.79, 0.83))
    cax = fig.add_axes((0.9, 0.105, 0.022, 0.83))
    ax.set_xscale("log")
    vmax = max(0.05, max(p["refusal"] for p in points))
    cmap = "YlOrRd"

    front = pareto(points)
    if len(front) > 1:
        ax.step(
            [p["x"] for p in front],
            [p["y"] for p in front],
            where="post",
            color="#2a9d8f",
            linewidth=1.5,
            linestyle="--",
            zorder=1,
        )
    for p in points:
        if p["xerr"] or p["yerr"]:
            ax.errorbar(
                p["x"],
                p["y"],
                xerr=None if p["xerr"] is None else [[p["xerr"][0]], [p["xerr"][1]]],
                yerr=None if p["yerr"] is None else [[p["yerr"][0]], [p["yerr"][1]]],
                fmt="none",
                ecolor="#888888",
                elinewidth=1,
                capsize=3,
                zorder=2,
            )
    scatter = None
    for is_base, marker, size in ((False, "o", 90), (True, "s", 150)):
        group = [p for p in points if p["baseline"] == is_base]
        if not group:
            continue
        scatter = ax.scatter(
            [p["x"] for p in group],
            [p["y"] for p in group],
            c=[p["refusal"] for p in group],
            cmap=cmap,
            vmin=0,
            vmax=vmax,
            marker=marker,
            s=size,
            edgecolors="black",
            linewidths=1.6 if is_base else 0.8,
            zorder=3,
        )
    recommended = rec.get("recommended_model") if rec.get("decision") == "switch" else None
    if pairwise:
        ax.axhline(0, color="#bbbbbb", linewidth=0.8, zorder=0)
    xs = [p["x"] for p in points]
    xs += [p["x"] - p["xerr"][0] for p in points if p["xerr"]]
    xs += [p["x"] + p["xerr"][1] for p in points if p["xerr"]]
    xs = [x for x in xs if x > 0]
    low, high = min(xs) / 1.6, max(xs) * 1.6
    ax.set_xlim(low, high)
    _dollar_ticks(ax, math.log10(high / low))
    span = math.log10(high / low)
    for p in points:
        label = short(p["model"])
        if p["baseline"]:
            label += " (baseline)"
        elif p["model"] == recommended:
            label += " (recommended)"
        # labels of points on the right half go to their left, away from the colour bar
        left = math.log10(p["x"] / low) / span > 0.55
        ax.annotate(
            label,
            (p["x"], p["y"]),
            xytext=(-8 if left else 8, 7),
            textcoords="offset points",
            ha="right" if left else "left",
            fontsize=8,
            parse_math=False,
            fontweight="bold" if p["baseline"] or p["model"] == recommended else "normal",
        )
    ys = [p["y"] for p in points]
    ys += [p["y"] - p["yerr"][0] for p in points if p["yerr"]]
    ys += [p["y"] + p["yerr"][1] for p in points if p["yerr"]]
    pad = max(0.02 if not pairwise else 2.0, (max(ys) - min(ys)) * 0.15)
    ax.set_ylim(min(ys) - pad, max(ys) + pad * 1.5)
    ax.set_xlabel("cost per 1,000 prompts (USD, log scale)")
    ax.set_ylabel(
        "net preference vs baseline (pts; baseline = 0)"
        if pairwise
        else "quality (judge score, 0-1)"
    )
    ax.grid(True, which="both", alpha=0.25)
    handles = [
        Line2D(
            [], [], marker="s", linestyle="", color="white", markeredgecolor="black", markersize=9
        ),
        Line2D(
            [], [], marker="o", linestyle="", color="white", markeredgecolor="black", markersize=8
        ),
        Line2D([], [], color="#888888", linewidth=1, marker="|", markersize=8),
    ]
    labels = ["baseline", "candidate", "95% interval vs baseline"]
    if len(front) > 1:
        handles.append(Line2D([], [], color="#2a9d8f", linestyle="--", linewidth=1.5))
        labels.append("Pareto frontier (cheaper and better)")
    ax.legend(handles, labels, loc="best", fontsize=8, framealpha=0.85)
    if scatter is not None:
        bar = fig.colorbar(scatter, cax=cax)
        bar.set_label("refusal rate")
        bar.ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_title(
        "Cost vs net preference per model" if pairwise else "Cost vs quality per model",
        fontsize=11,
    )
    return fig


def _dollar(value: float) -> str:
    return f"${value:.3g}" if value < 1000 else f"${value:,.0f}"


def _dollar_ticks(ax: Any, decades: float) -> None:
    """Plain "$0.5" tick labels (no mathtext: faster, and readable): minor ticks are
    labelled too when the axis spans few decades."""
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _dollar(v)))

    def minor(value: float, _: int) -> str:
        if value <= 0 or decades > 3:
            return ""
        mantissa = round(value / 10 ** math.floor(math.log10(value) + 1e-9), 6)
        if decades <= 1.2 or mantissa in (2, 5):
            return _dollar(value)
        return ""

    ax.xaxis.set_minor_formatter(FuncFormatter(minor))
    ax.tick_params(axis="x", which="minor", pad=5.1)  # level with the major labels


_SVG_CLEAN = [
    (re.compile(r"<metadata>.*?</metadata>\s*", re.S), ""),
    (re.compile(r'\s+xmlns(:xlink)?="[^"]*"'), ""),
]


def chart_svg(rec: Mapping[str, Any]) -> str | None:
    """The chart as an ``<svg>`` element to inline in HTML (None: nothing to plot)."""
    import matplotlib

    with _CHART_LOCK, matplotlib.rc_context(_SVG_RC):
        fig = _figure(rec)
        if fig is None:
            return None
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    for pattern, repl in _SVG_CLEAN:
        svg = pattern.sub(repl, svg)
    # the width/height in pt stay as the natural size; CSS lets it shrink
    return svg


def chart_png(rec: Mapping[str, Any], path: str | Path, dpi: int = 150) -> Path:
    """The same chart as a PNG file (for documentation)."""
    import matplotlib

    path = Path(path)
    with _CHART_LOCK, matplotlib.rc_context(_SVG_RC):
        fig = _figure(rec)
        if fig is None:
            raise NoDataError("Nothing to plot: no model has both a known price and a score.")
        fig.savefig(path, format="png", dpi=dpi, metadata={"Software": None})
    return path


# ---------------------------------------------------------------- stored rows


def _answers(store: Store, run_id: str) -> dict[tuple[str, str], dict[str, Any]]:
    """Every stored answer with its score and pairwise verdict, keyed (prompt, model)."""
    rows = store.db.query(
        """select r.prompt_id, r.model, r.status, r.text, r.error, r.finish_reason,
                  r.latency_ms, r.cost_usd, r.output_tokens, r.refused as answer_refused,
                  r.refusal_reason, r.refusal_kind,
                  s.status as score_status, s.quality, s.accuracy, s.relevance, s.clarity,
                  s.refused as judge_refused, s.rationale, s.error as score_error, s.spread,
                  w.status as pair_status, w.first, w.second, w.outcome, w.consistent,
                  w.rationale as pair_rationale, w.error as pair_error
           from responses r
           left join scores s
             on s.run_id = r.run_id and s.prompt_id = r.prompt_id and s.model = r.model
           left join pairwise w
             on w.run_id = r.run_id and w.prompt_id = r.prompt_id and w.model = r.model
           where r.run_id = ?""",
        [run_id],
    )
    out = {}
    for row in rows:
        verdict = stored_verdict(row)
        row["refused"] = row["status"] == "ok" and verdict.refused
        row["refusal_reason"] = verdict.reason
        row["refusal_kind"] = verdict.kind if verdict.refused else None
        out[(row["prompt_id"], row["model"])] = row
    return out


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


# ---------------------------------------------------------------- HTML pieces

CSS = """
:root{--fg:#1d2430;--mut:#5f6b7a;--line:#d8dee6;--bg:#fff;--soft:#f4f6f9;
--ok:#1a7f37;--warn:#9a6700;--bad:#b42318;--info:#0b5cad}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
color:var(--fg);background:var(--bg);margin:0 auto;max-width:1280px;padding:16px 24px 64px}
h1{font-size:22px;margin:8px 0 4px}h2{font-size:18px;margin:32px 0 8px;
border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:15px;margin:20px 0 6px}
.mut{color:var(--mut)}.small{font-size:12px}
.verdict{font-size:16px;background:var(--soft);border-left:4px solid var(--info);
padding:10px 14px;margin:12px 0}
.badge{display:inline-block;padding:1px 9px;border-radius:10px;color:#fff;font-weight:600;
font-size:13px;margin-right:8px;text-transform:uppercase;letter-spacing:.03em}
.b-switch{background:var(--ok)}.b-keep{background:var(--info)}.b-undecided{background:var(--warn)}
.b-none{background:var(--mut)}
.note{background:#fff8e6;border:1px solid #f0d58c;padding:8px 12px;margin:10px 0}
ul.warn{margin:6px 0;padding-left:20px;color:var(--warn)}
table{border-collapse:collapse;margin:6px 0 4px;font-size:13px}
th,td{border-bottom:1px solid var(--line);padding:4px 10px;text-align:right;vertical-align:top;
white-space:nowrap}
th{background:var(--soft);font-weight:600}
th:first-child,td:first-child,td.l,th.l{text-align:left}
caption.cap{caption-side:bottom;text-align:left;color:var(--mut);font-size:12px;padding-top:4px}
td.why{text-align:left;max-width:420px;color:var(--mut);font-size:12px;white-space:normal}
.s-qualifies,.d-switch{color:var(--ok);font-weight:600}
.s-fails{color:var(--bad);font-weight:600}.s-undecided,.d-undecided{color:var(--warn);font-weight:600}
.chart svg{max-width:100%;height:auto;display:block}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:6px 0}
dl.kv dt{color:var(--mut)}dl.kv dd{margin:0;word-break:break-word}
pre.json{background:var(--soft);padding:10px;overflow:auto;font-size:12px;max-height:480px}
.tools{position:sticky;top:0;background:var(--bg);padding:8px 0;z-index:2;
border-bottom:1px solid var(--line);display:flex;gap:12px;align-items:center;flex-wrap:wrap}
.tools input[type=search]{width:340px;max-width:100%;padding:5px 8px;font:inherit}
details.p{border:1px solid var(--line);border-radius:6px;margin:5px 0;background:var(--bg)}
details.p>summary{cursor:pointer;padding:6px 10px;list-style-position:inside}
details.p[open]>summary{background:var(--soft);border-bottom:1px solid var(--line)}
.pid{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:11px;color:var(--mut)}
.chips{float:right}
.c{display:inline-block;min-width:38px;text-align:center;font-size:11px;margin-left:3px;
padding:0 4px;border-radius:4px;background:var(--soft);font-family:ui-monospace,monospace}
.c.r{background:#fde7c2}.c.e{background:#f9d0cc}.c.w{background:#fbe2e0}.c.b{background:#dcfce7}
.body{padding:8px 10px}
.pm{margin-bottom:8px}.msg{margin:2px 0}.role{font-weight:600;color:var(--mut);
font-size:12px;text-transform:uppercase}
.t{white-space:pre-wrap;word-break:break-word}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(210px,1fr));gap:8px}
.a{border:1px solid var(--line);border-radius:6px;padding:6px 8px;min-width:0}
.a.base{border-color:#7aa7d9}.a.ref{background:#fff8ec}.a.err{background:#fdf0ef}
.a .h{font-weight:600;margin-bottom:2px}.tag{font-size:11px;font-weight:600;padding:0 5px;
border-radius:4px;margin-left:4px;background:var(--soft);color:var(--mut)}
.tag.ref{background:#fde7c2;color:#7a4b00}.tag.err{background:#f9d0cc;color:var(--bad)}
.sc{font-size:12px;color:var(--mut);margin:2px 0}
.rat{font-size:12px;font-style:italic;color:var(--mut);margin:2px 0 6px}
details.more>summary{cursor:pointer;color:var(--info);font-size:12px}
"""

JS = """
(function(){
var q=document.getElementById('q'),f=document.getElementById('f'),
all=document.getElementById('qa'),n=document.getElementById('n');
var items=Array.prototype.slice.call(document.querySelectorAll('details.p'));
var cats=Array.prototype.slice.call(document.querySelectorAll('section.cat'));
var tp=null,ta=null,timer=null;
function low(d,whole){var e=whole?d:d.querySelector('.pm');
return (d.id+' '+(e?e.textContent:'')+' '+d.querySelector('summary').textContent).toLowerCase();}
function run(){
var s=q.value.trim().toLowerCase(),fl=f.value,w=all.checked,shown=0,i,d,ok,txt;
if(s&&!w&&!tp){tp=items.map(function(d){return low(d,false);});}
if(s&&w&&!ta){ta=items.map(function(d){return low(d,true);});}
txt=w?ta:tp;
for(i=0;i<items.length;i++){d=items[i];
ok=(!fl||(' '+d.getAttribute('data-f')+' ').indexOf(' '+fl+' ')>=0)&&(!s||txt[i].indexOf(s)>=0);
d.hidden=!ok;if(ok){shown++;}}
cats.forEach(function(c){c.hidden=!c.querySelector('details.p:not([hidden])');});
n.textContent=shown+' of '+items.length+' prompts';}
q.addEventListener('input',function(){clearTimeout(timer);timer=setTimeout(run,150);});
f.addEventListener('change',run);all.addEventListener('change',run);
})();
"""


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


def _table(head: list[str], rows: list[list[Any]], caption: str = "") -> str:
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


def _model_label(rec: Mapping[str, Any], model: str) -> str:
    name = esc(short(model))
    if model == rec["baseline"]:
        return f'{name} <span class="tag">baseline</span>'
    if rec.get("decision") == "switch" and model == rec.get("recommended_model"):
        return f'{name} <span class="tag">recommended</span>'
    return name


def _verdict(rec: Mapping[str, Any] | None, run: Mapping[str, Any]) -> str:
    if rec is None:
        return (
            '<p class="verdict"><span class="badge b-none">no verdict</span>'
            f"Run {esc(run['id'])} has no recommendation yet (status {esc(run['status'])}): "
            "below is what is stored so far.</p>"
        )
    decision = rec.get("decision", "keep")
    cls = decision if decision in ("switch", "keep", "undecided") else "none"
    return (
        f'<p class="verdict"><span class="badge b-{cls}">{esc(decision)}</span>'
        f"{esc(rec.get('reasoning', ''))}</p>"
    )


def _overview(rec: Mapping[str, Any] | None, run: Mapping[str, Any], stored: int) -> str:
    expected = run["prompt_count"] * (1 + len(run["candidates"]))
    items = [
        ("run", f"{esc(run['id'])} ({esc(run['status'])})"),
        ("started", esc(run.get("created_at"))),
        ("finished", esc(run.get("finished_at") or "-")),
        ("prompts", f"{run['prompt_count']:,}"),
        ("answers stored", f"{stored:,} of {expected:,}"),
        ("judge", esc(run.get("judge") or "-")),
    ]
    if rec is not None:
        items.append(("judge mode", esc(rec.get("judge_mode", "pointwise"))))
        if rec.get("order_consistency") is not None:
            items.append(("judge order consistency", _pct(rec["order_consistency"])))
        if rec.get("judge_cost_usd") is not None:
            items.append(("judge cost of this evaluation", money(rec["judge_cost_usd"])))
        if rec.get("prompts_needed"):
            items.append(("prompts that would decide", f"about {rec['prompts_needed']:,}"))
        if rec.get("length_score_correlation") is not None:
            items.append(("length~score r (all)", f"{rec['length_score_correlation']:+.2f}"))
    return '<dl class="kv">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in items) + "</dl>"


def _models_table(rec: Mapping[str, Any]) -> str:
    pairwise = _pairwise(rec)
    head = ["model", "$/1k prompts", "quality", "refused", "errors", "p50 s", "p95 s"]
    head += ["scored", "price source"]
    rows = []
    for m in rec["models"]:
        quality = "n/a (pairwise)" if pairwise and m["quality"] is None else _num(m["quality"])
        rows.append(
            [
                _model_label(rec, m["model"]),
                money(m["cost_per_1k_prompts_usd"]),
                quality,
                _pct(m["refusal_rate"]),
                _pct(m["error_rate"]),
                _s(m["latency_p50_ms"]),
                _s(m["latency_p95_ms"]),
                f"{m['scored']}/{m['prompts']}",
                ("l", esc(m["price_source"])),
            ]
        )
    return _table(
        head,
        rows,
        "$/1k: cost per 1,000 prompts; quality: mean judge score 0-1; "
        "p50/p95: answer latency in seconds",
    )


def _comparisons_table(rec: Mapping[str, Any]) -> str:
    pairwise = _pairwise(rec)
    head = ["candidate", "cost change", "quality change" if not pairwise else "net preference"]
    head += ["wins/ties/losses", "order consistency"] if pairwise else ["quality diff (pts)"]
    head += ["refusals (pts)", "prompts", "verdict", "why"]
    rows = []
    for c in rec.get("comparisons", []):
        status = c.get("status", "qualifies" if c.get("eligible") else "fails")
        verdict = f'<span class="s-{esc(status)}">{esc(status)}</span>'
        if status == "undecided" and c.get("prompts_needed"):
            verdict += f" (~{c['prompts_needed']:,} prompts)"
        row = [
            _model_label(rec, c["model"]),
            _interval(c.get("cost_change")),
            _interval(c.get("quality_change"), " pts" if pairwise else "%"),
        ]
        if pairwise:
            row += [
                f"{c.get('wins', 0)}/{c.get('ties', 0)}/{c.get('losses', 0)}",
                _pct(c.get("order_consistency")),
            ]
        else:
            diff = c.get("quality_difference")
            row.append(
                "unknown"
                if not diff or diff.get("estimate") is None
                else _interval(
                    {k: (v * 100 if v is not None else None) for k, v in diff.items()}, ""
                )
            )
        row += [
            _interval(c.get("refusal_change"), ""),
            f"{c.get('scored_prompts', c.get('paired_prompts', 0))}",
            verdict,
        ]
        row.append(("why", esc("; ".join(c.get("reasons", [])) or "-")))
        rows.append(row)
    tol, margin = rec.get("tolerance", 0.05), rec.get("refusal_margin", 0.01)
    return _table(
        head,
        rows,
        f"Paired over the same prompts; [low, high] is the 95% bootstrap interval. A candidate "
        f"qualifies when the whole interval is above -{tol:.0%} quality, within "
        f"+{margin * 100:g} refusal points, and cheaper."
        + (" Quality diff in points of 0-100." if not pairwise else ""),
    )


def _categories_table(rec: Mapping[str, Any]) -> str:
    pairwise = _pairwise(rec)
    cats = rec.get("categories", [])
    if not cats:
        return '<p class="mut">No prompt categories in this run.</p>'
    if pairwise:
        models = [c["model"] for c in rec.get("comparisons", [])]
        head = ["category", "prompts"] + [f"{short(m)} net pref" for m in models] + ["decision"]
    else:
        models = [m["model"] for m in rec["models"]]
        head = ["category", "prompts"] + [short(m) for m in models] + ["decision"]
    rows = []
    for cat in cats:
        decision = cat["decision"]
        text = f'<span class="d-{esc(decision)}">{esc(decision)}</span>'
        if decision == "switch":
            text += f" to {esc(short(cat['recommended_model']))}"
        if pairwise:
            comps = {c["model"]: c for c in cat.get("comparisons", [])}
            values = [_interval((comps.get(m) or {}).get("quality_change"), " pts") for m in models]
        else:
            values = [_num(cat["quality"].get(m)) for m in models]
        rows.append([("l", esc(cat["category"])), str(cat["prompts"])])
        rows[-1] += values + [text]
    return _table(
        head,
        rows,
        "Mean judge quality per model in each category, and the same decision rule applied "
        "within the category."
        if not pairwise
        else "Net preference for each candidate over the baseline per category, with its interval.",
    )


def _bias_table(rec: Mapping[str, Any]) -> str:
    models = rec["models"]
    labelled = any(m.get("over_refusal_rate") is not None for m in models)
    sampled = any(m.get("judge_spread") is not None for m in models)
    head = ["model", "mean chars", "length~score r", "partial refusals"]
    if labelled:
        head += ["over-refusal (safe prompts)", "under-refusal (unsafe prompts)"]
    if sampled:
        head.append("judge spread")
    rows = []
    for m in models:
        corr = m.get("length_score_correlation")
        chars = m.get("mean_answer_chars")
        row = [
            _model_label(rec, m["model"]),
            "-" if chars is None else f"{chars:,.0f}",
            "-" if corr is None else f"{corr:+.2f}",
            _pct(m.get("partial_refusal_rate")),
        ]
        if labelled:
            row += [_pct(m.get("over_refusal_rate")), _pct(m.get("under_refusal_rate"))]
        if sampled:
            row.append(_num(m.get("judge_spread")))
        rows.append(row)
    return _table(
        head,
        rows,
        "A judge that rewards length shows a clearly positive r for every model; "
        "over/under-refusal need prompts labelled safe/unsafe.",
    )


def _stored_table(summary: list[dict[str, Any]], baseline: str) -> str:
    rows = [
        [
            esc(short(s["model"]))
            + (' <span class="tag">baseline</span>' if s["model"] == baseline else ""),
            f"{s['answers']}/{s['prompts']}",
            str(s["errors"]),
            str(s["refused"]),
            str(s["scored"]),
            _num(s["quality"]),
        ]
        for s in summary
    ]
    return _table(["model", "answers", "errors", "refused", "scored", "mean quality"], rows)


def _chart_section(rec: Mapping[str, Any]) -> str:
    svg = chart_svg(rec)
    _, no_price, no_score = _points(rec)
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
    pairwise = _pairwise(rec)
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


def _settings_section(run: Mapping[str, Any], rec: Mapping[str, Any] | None) -> str:
    s = run.get("settings") or {}
    weights = s.get("weights") or {}
    items: list[tuple[str, str]] = [
        ("baseline", esc(run["baseline"])),
        ("candidates", "<br>".join(esc(c) for c in run["candidates"]) or "-"),
        ("judge", esc(run.get("judge") or "-")),
        ("judge mode", esc(s.get("judge_mode", "pointwise"))),
        ("judge samples", esc(s.get("judge_samples", 1))),
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
    sources = {m["model"]: m["price_source"] for m in (rec or {}).get("models", [])}
    names = list(dict.fromkeys([run["baseline"], *run["candidates"], run.get("judge") or ""]))
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
        _table(
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
        out.append(_capped(row.get("text")))
    out.append("</div>")
    return "".join(out)


def _prompt_text(messages: list[Mapping[str, Any]]) -> str:
    last = next((m for m in reversed(messages) if m.get("role") == "user"), None)
    content = (last or (messages[-1] if messages else {})).get("content") or ""
    return content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)


def _drilldown(
    store: Store,
    run: Mapping[str, Any],
    answers: Mapping[tuple[str, str], Mapping[str, Any]],
    pairwise: bool,
) -> str:
    models = [run["baseline"], *[c for c in run["candidates"] if c != run["baseline"]]]
    prompts = store.prompts(store.run_prompt_ids(run["id"]))
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in prompts:
        groups[p.get("category") or "uncategorised"].append(p)
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
            rows = [answers.get((p["id"], m)) for m in models]
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
            snippet = " ".join(_prompt_text(p["messages"]).split())
            if len(snippet) > SNIPPET:
                snippet = snippet[:SNIPPET] + "…"
            chips = "".join(
                _chip(r, base, pairwise) if (i or not pairwise) else _chip_base(r)
                for i, r in enumerate(rows)
            )
            out.append(
                f'<details class="p" id="p-{esc(p["id"])}" data-f="{" ".join(sorted(flags))}">'
                f'<summary><span class="chips">{chips}</span><span class="pid">'
                f"{esc(p.get('external_id') or p['id'])}</span> {esc(snippet)}</summary>"
                '<div class="body"><div class="pm">'
            )
            for m in p["messages"]:
                content = m.get("content")
                if not isinstance(content, str):
                    content = json.dumps(content, ensure_ascii=False)
                out.append(
                    f'<div class="msg"><span class="role">{esc(m.get("role"))}</span>'
                    f"{_capped(content)}</div>"
                )
            if p.get("reference"):
                out.append(
                    f'<div class="msg"><span class="role">reference answer</span>'
                    f"{_capped(p['reference'])}</div>"
                )
            label = f" · label {esc(p['label'])}" if p.get("label") else ""
            out.append(f'<div class="pid">prompt {esc(p["id"])}{label}</div></div>')
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


# ---------------------------------------------------------------- the document


def render_html(store: Store, run_id: str, rec: dict | None = None) -> str:
    """A complete, self-contained HTML document for one run.

    ``rec``: the recommendation to show (default: the stored one). Works on a run still
    in progress and on a run without a recommendation (then it shows what is stored)."""
    run = store.run(run_id)
    if run is None:
        raise NoDataError(f"No run {run_id!r}: `whichmodel report --list` shows runs.")
    if rec is not None and hasattr(rec, "model_dump"):
        rec = rec.model_dump(mode="json")  # a Recommendation object works too
    if rec is None:
        rec = store.recommendation(run["id"])
    pairwise = _pairwise(rec) or (run.get("settings") or {}).get("judge_mode") == "pairwise"
    answers = _answers(store, run["id"])

    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>whichmodel report: run {esc(run['id'])}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>whichmodel: run {esc(run['id'])}</h1>",
        f'<p class="mut">Baseline {esc(run["baseline"])} against '
        f"{', '.join(esc(c) for c in run['candidates'])}; judge {esc(run.get('judge') or '-')}."
        "</p>",
        _verdict(rec, run),
    ]
    if run["status"] != "completed":
        parts.append(
            f'<p class="note">This run is {esc(run["status"])}: the figures are computed from '
            "what is stored so far and may change.</p>"
        )
    if rec is not None and rec.get("warnings"):
        parts.append(
            '<ul class="warn">' + "".join(f"<li>{esc(w)}</li>" for w in rec["warnings"]) + "</ul>"
        )
    parts.append(_overview(rec, run, len(answers)))
    if rec is not None:
        parts += ["<h2>Cost and quality</h2>", _chart_section(rec)]
        parts += ["<h2>Models</h2>", _models_table(rec)]
        if rec.get("comparisons"):
            parts += [
                f"<h2>Candidates vs {esc(short(rec['baseline']))}</h2>",
                _comparisons_table(rec),
            ]
        parts += ["<h2>By category</h2>", _categories_table(rec)]
        parts += ["<h2>Length and refusals</h2>", _bias_table(rec)]
    else:
        summary = _stored_summary(
            [run["baseline"], *run["candidates"]], answers, run["prompt_count"]
        )
        parts += [
            "<h2>Stored so far</h2>",
            '<p class="note">No recommendation yet: no chart, intervals or decision. '
            "Counts below are from the stored answers and scores.</p>",
            _stored_table(summary, run["baseline"]),
        ]
    parts += ["<h2>Every prompt and answer</h2>", _drilldown(store, run, answers, pairwise)]
    parts += ["<h2>Settings of this run</h2>", _settings_section(run, rec)]
    parts += [
        '<p class="mut small">Generated by whichmodel from the stored run; this file needs '
        "no network.</p>",
        f"<script>{JS}</script></body></html>",
    ]
    return "\n".join(parts)


def write_html(store: Store, run_id: str, path: str | Path) -> Path:
    """Render the stored run and write it to ``path`` (folders created); returns the path."""
    path = Path(path)
    text = render_html(store, run_id)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise WhichmodelError(
            f"Cannot write the HTML report to {path} ({exc.strerror or exc}): "
            "pass --html with a writable file path."
        ) from None
    return path
