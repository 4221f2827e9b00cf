"""The dashboard: server-rendered HTML with inline CSS and a few lines of inline JS,
nothing loaded from elsewhere (it works offline)."""

from __future__ import annotations

import html
import logging
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from whichmodel.records.runs import Run
from whichmodel.records.verdict import Recommendation, short
from whichmodel.report.html import render_html
from whichmodel.results.decide import run_verdict
from whichmodel.results.run_report import run_report
from whichmodel.store import Store
from whichmodel.web.common import StoreDep, find_run, run_info
from whichmodel.web.runner import ApiError
from whichmodel.web.schemas import RunInfo

log = logging.getLogger("whichmodel.web")
router = APIRouter(include_in_schema=False)

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:72rem;
padding:0 1rem;color:#1d2330;background:#fff}
h1{font-size:1.5rem;margin:.2rem 0 1rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #e3e6ee;vertical-align:top}
th{background:#f4f6fa}code{font-size:.88em}a{color:#2457c5}
.status-completed{color:#17803d}.status-failed,.status-interrupted{color:#b42318}
.status-running{color:#2457c5}.status-stopped{color:#b54708}
form{display:grid;grid-template-columns:9rem 1fr;gap:.5rem .8rem;max-width:48rem}
input{font:inherit;padding:.35rem .5rem;border:1px solid #c5cad6;border-radius:4px}
button{font:inherit;padding:.4rem 1rem;border-radius:4px;border:0;background:#2457c5;
color:#fff;cursor:pointer;justify-self:start}.muted{color:#667085}.err{color:#b42318}
"""
BANNER_STYLE = (
    "font-family:system-ui,sans-serif;margin:0 0 1rem;padding:.7rem 1rem;"
    "border-bottom:1px solid #d0d5e2;background:#f4f6fa;color:#1d2330;font-size:.95rem"
)
START_JS = """
document.getElementById('start').addEventListener('submit', async (event) => {
  event.preventDefault();
  const f = event.target, msg = document.getElementById('msg');
  const body = {baseline: f.baseline.value.trim(), judge: f.judge.value.trim(),
    candidates: f.candidates.value.split(/[\\s,]+/).filter(Boolean)};
  msg.textContent = 'Checking models, keys and gateway…';
  msg.className = 'muted';
  try {
    const r = await fetch('/api/runs', {method: 'POST',
      headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
    const d = await r.json().catch(() => ({}));
    if (r.ok) { location.href = '/runs/' + encodeURIComponent(d.id); return; }
    msg.textContent = d.error || ('Error ' + r.status);
  } catch (e) { msg.textContent = String(e); }
  msg.className = 'err';
});
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _page(title: str, body: str, *, refresh: bool = False, status: int = 200) -> HTMLResponse:
    meta = '<meta http-equiv="refresh" content="2">' if refresh else ""
    return HTMLResponse(
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">{meta}'
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>{body}</body></html>",
        status_code=status,
    )


@router.get("/", response_class=HTMLResponse)
def runs_page(request: Request, store: StoreDep) -> HTMLResponse:
    runner = request.app.state.runner
    settings = request.app.state.settings
    rows = []
    for run in store.runs():
        info = run_info(store, run, runner, with_progress=False)
        verdict = (
            f"{_e(info.decision)}: {_e(short(info.recommended_model or ''))}"
            if info.decision
            else '<span class="muted">-</span>'
        )
        rows.append(
            f'<tr><td><a href="/runs/{_e(info.id)}"><code>{_e(info.id)}</code></a></td>'
            f"<td>{_e((info.created_at or '')[:19].replace('T', ' '))}</td>"
            f'<td class="status-{_e(info.status)}">{_e(info.status)}</td>'
            f"<td>{_e(short(info.baseline))}</td>"
            f"<td>{_e(', '.join(short(c) for c in info.candidates))}</td>"
            f"<td>{verdict}</td>"
            f'<td><a href="/runs/{_e(info.id)}">report</a> · '
            f'<a href="/api/runs/{_e(info.id)}">status</a> · '
            f'<a href="/api/runs/{_e(info.id)}/recommendation">JSON</a></td></tr>'
        )
    table = (
        "<table><tr><th>Run</th><th>Created (UTC)</th><th>Status</th><th>Baseline</th>"
        f"<th>Candidates</th><th>Decision</th><th>Links</th></tr>{''.join(rows)}</table>"
        if rows
        else '<p class="muted">No runs yet: start one below (add prompts first with '
        "<code>whichmodel import</code> or <code>POST /api/prompts</code>).</p>"
    )
    prompts = store.prompt_count()
    form = (
        '<form id="start">'
        '<label for="baseline">Baseline</label>'
        f'<input id="baseline" name="baseline" required value="{_e(settings.baseline)}" '
        'placeholder="portkey/openai/gpt-4o-mini">'
        '<label for="candidates">Candidates</label>'
        f'<input id="candidates" name="candidates" required '
        f'value="{_e(", ".join(settings.candidates))}" '
        'placeholder="portkey/anthropic/claude-3-5-haiku-latest, ...">'
        '<label for="judge">Judge</label>'
        f'<input id="judge" name="judge" required value="{_e(settings.judge)}" '
        'placeholder="portkey/openai/gpt-4o">'
        '<span></span><button type="submit">Start run</button>'
        '<span></span><p id="msg" class="muted"></p></form>'
    )
    body = (
        "<h1>whichmodel runs</h1>"
        f"{table}<h2>Start a run</h2>"
        f'<p class="muted">Over all {prompts} stored prompt(s), with the server\'s settings '
        "for everything else.</p>"
        f"{form}<script>{START_JS}</script>"
        '<p class="muted" style="margin-top:2rem">API: <a href="/openapi.json">/openapi.json</a>'
        "</p>"
    )
    return _page("whichmodel runs", body)


def _banner(info: RunInfo) -> str:
    parts = [
        '<a href="/">← all runs</a>',
        f"run <code>{_e(info.id)}</code>",
        f'status <b class="status-{_e(info.status)}">{_e(info.status)}</b>',
    ]
    html_ = f'<div class="wm-run-banner" style="{BANNER_STYLE}">' + " · ".join(parts)
    p = info.progress
    if info.status == "running" and p is not None:
        for name, stage in (("Answers", p.answers), ("Judgments", p.judgments)):
            html_ += (
                f'<div style="margin-top:.4rem">{name} {stage.done} / {stage.total} '
                f'<progress max="{max(stage.total, 1)}" value="{stage.done}" '
                'style="width:18rem;vertical-align:middle"></progress></div>'
            )
        html_ += '<div style="color:#667085">Refreshing every 2 s until the run ends.</div>'
    if info.error and info.status != "completed":
        html_ += f'<div style="color:#b42318;margin-top:.4rem">{_e(info.error)}</div>'
    return html_ + "</div>"


def _inject(document: str, banner: str, refresh: bool) -> str:
    if refresh:
        meta = '<meta http-equiv="refresh" content="2">'
        document, n = re.subn(r"</head>", meta + "</head>", document, count=1, flags=re.I)
        if not n:
            document = meta + document
    document, n = re.subn(
        r"(<body[^>]*>)", lambda m: m.group(1) + banner, document, count=1, flags=re.I
    )
    return document if n else banner + document


def _partial_recommendation(store: Store, run: Run) -> Recommendation | None:
    """What the stored rows say so far; None when they say nothing yet."""
    try:
        return run_verdict(store, run.id)
    except Exception:  # too few rows for any figure yet
        log.debug("No partial recommendation for run %s", run.id, exc_info=True)
        return None


def _recommendation(store: Store, run: Run) -> Recommendation | None:
    """The stored verdict; else (none stored, or one that does not read as a
    ``Recommendation``) what the stored rows say so far."""
    try:
        stored = store.recommendation(run.id)
    except ValidationError:
        log.warning("The stored recommendation of run %s does not read", run.id)
        stored = None
    return stored or _partial_recommendation(store, run)


def _summary(rec: Recommendation) -> str:
    """A plain table, used when the full report cannot be drawn."""
    rows = "".join(
        f"<tr><td>{_e(short(m.model))}</td><td>{_e(m.role)}</td>"
        f"<td>{_e(m.quality)}</td><td>{_e(m.cost_per_1k_prompts_usd)}</td>"
        f"<td>{_e(m.refusal_rate)}</td></tr>"
        for m in rec.models
    )
    return (
        f"<h1>Run {_e(rec.run_id)}: {_e(rec.decision)}</h1>"
        f"<p>{_e(rec.reasoning)}</p><table><tr><th>Model</th><th>Role</th>"
        f"<th>Quality</th><th>Cost / 1k prompts (USD)</th><th>Refusal rate</th></tr>{rows}</table>"
    )


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(run_id: str, request: Request, store: StoreDep) -> HTMLResponse:
    try:
        run = find_run(store, run_id)
    except ApiError as exc:
        return _page(
            "No such run", f'<h1>{_e(exc.message)}</h1><p><a href="/">All runs</a></p>', status=404
        )
    info = run_info(store, run, request.app.state.runner)
    running = run.status == "running"
    rec = _recommendation(store, run)
    banner = _banner(info)
    progress_only = _page(
        f"Run {run.id}",
        f"{banner}<p class='muted'>"
        + (
            "No answers stored yet: the report appears here as results arrive."
            if running
            else "This run stored no results to report."
        )
        + "</p>",
        refresh=running,
    )
    if rec is None and not (info.progress and info.progress.answers.done):
        return progress_only
    try:
        document = render_html(run_report(store, run.id, rec))
    except Exception:
        log.warning("The HTML report of run %s failed", run.id, exc_info=True)
        if rec is None:
            return progress_only
        return _page(f"Run {run.id}", banner + _summary(rec), refresh=running)
    return HTMLResponse(_inject(document, banner, running))


__all__ = ["router"]
