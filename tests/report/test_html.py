"""The self-contained HTML report: parsed back with the standard library's html.parser."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from html.parser import HTMLParser

import pytest
from typer.testing import CliRunner

from tests.fakes import BASE, CAND, JUDGE, add_pairwise_run, make_results_db
from whichmodel.cli import app
from whichmodel.records.answers import AnswerRecord
from whichmodel.records.runs import Run
from whichmodel.records.verdict import Recommendation
from whichmodel.report import html
from whichmodel.report.chart import chart_png, chart_svg
from whichmodel.results.run_report import chart_data, pareto, run_report


def render_html(store, run_id, rec=None):
    return html.render_html(run_report(store, run_id, rec))


VOID = {"meta", "input", "br", "img", "hr", "link", "source", "wbr", "col", "area", "base"}
URL_ATTRS = {"src", "href", "xlink:href", "action", "formaction", "poster", "data", "srcset"}


class Page(HTMLParser):
    """Collects tags, attributes, text (per enclosing tag) and checks that every
    element is closed in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.svg_text: list[str] = []
        self.style: list[str] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
            return
        self.stack.pop()

    def handle_data(self, data):
        where = self.stack[-1] if self.stack else ""
        if where == "style":
            self.style.append(data)
        elif where == "script":
            self.scripts.append(data)
        else:
            self.text.append(data)
            if "svg" in self.stack:
                self.svg_text.append(data)

    @property
    def all_text(self) -> str:
        return " ".join(" ".join(self.text).split())


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    assert not page.errors, page.errors[:5]
    assert page.stack == [], page.stack
    return page


def offline(page: Page, html: str) -> None:
    """No reference that a browser would fetch."""
    for tag, attrs in page.tags:
        assert tag not in {"link", "img", "iframe", "object", "embed", "base"}, tag
        if tag == "script":
            assert "src" not in attrs
        for name, value in attrs.items():
            value = value or ""
            if name in URL_ATTRS:  # in-page anchors, or inline data (the colour bar)
                assert value.startswith(("#", "data:image/png;base64,")), (tag, name, value)
            assert not re.search(r"https?:", value, re.I), (tag, name, value)
            if name == "style":
                assert "url(" not in value.lower()
    css = " ".join(page.style).lower()
    assert "url(" not in css and "@import" not in css and "http" not in css
    assert not re.search(r"https?://", " ".join(page.scripts))


@pytest.fixture
def results(tmp_path):
    store, run_id = make_results_db(tmp_path / "w.db")
    yield store, run_id
    store.close()


def test_report_has_verdict_chart_tables_prompts_and_settings(results):
    store, run_id = results
    rec = store.recommendation(run_id)
    html = render_html(store, run_id)
    page = parse(html)
    text = page.all_text
    offline(page, html)
    assert "http://" not in html and "https://" not in html  # no base URLs in this run

    # 1. the verdict, with its decision as a badge
    assert rec.decision == "switch"
    assert " ".join(rec.reasoning.split()) in text
    assert ("span", {"class": "badge b-switch"}) in page.tags

    # 2. one inline chart, with the models and the baseline labelled, as text
    assert sum(1 for tag, _ in page.tags if tag == "svg") == 1
    svg = " ".join(page.svg_text)
    assert "gpt-4o-mini (baseline)" in svg
    assert "gemini-2.0-flash-lite (recommended)" in svg
    for label in ("baseline", "candidate", "Pareto frontier", "refusal rate", "quality"):
        assert label in svg, label

    # 3. tables: per model, candidates vs baseline with intervals, per category, bias
    assert "$10.00" in text and "$4.00" in text  # cost per 1k prompts
    cand = next(c for c in rec.comparisons if c.model == CAND)
    q = cand.quality_change
    assert f"{q.estimate:+.1f}% [{q.low:+.1f}, {q.high:+.1f}]" in text
    assert "qualifies" in text
    for category in ("math", "writing"):
        assert ("section", {"class": "cat", "data-cat": category}) in page.tags
        assert category in text
    assert "length~score r" in text and "mean chars" in text

    # 4. every prompt, every answer, every judge rationale
    ids = store.run_prompt_ids(run_id)
    details = [a["id"] for tag, a in page.tags if tag == "details" and a.get("class") == "p"]
    assert details == [f"p-{pid}" for pid in sorted(ids, key=_category_then_position(store, ids))]
    for i in range(40):
        assert f"question {i}" in text
        assert f"{BASE} answer {i}" in text and f"{CAND} answer {i}" in text
    assert "scored 0.7" in text and "quality 0.800" in text
    search = next(a for tag, a in page.tags if tag == "input" and a.get("type") == "search")
    assert search["id"] == "q"

    # 5. settings
    for needle in (BASE, CAND, JUDGE, "tolerance 5%", "refusal margin 1 points", "pointwise"):
        assert needle in text, needle
    assert "accuracy 0.4, relevance 0.35, clarity 0.25" in text
    assert "genai-prices" in text


def _category_then_position(store, ids):
    cats = {p.id: p.category for p in store.prompts(ids)}
    return lambda pid: (cats[pid], ids.index(pid))


def test_everything_stored_is_escaped(results):
    store, run_id = results
    pid = store.run_prompt_ids(run_id)[0]
    row = next(r for r in store.responses(run_id, CAND) if r.prompt_id == pid)
    store.save_response(replace(row, text="<script>alert(1)</script> & <b>bold</b>"))
    score = next(s for s in store.scores(run_id) if s.prompt_id == pid and s.model == CAND)
    store.save_score(replace(score, rationale='<img src=x onerror="alert(2)">'))
    rec = Recommendation.model_validate(store.recommendation(run_id))
    rec.reasoning = "Switch </p><script>alert(3)</script>"

    html = render_html(store, run_id, rec)
    page = parse(html)
    offline(page, html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in html
    assert "&lt;/p&gt;&lt;script&gt;alert(3)" in html
    scripts = [a for tag, a in page.tags if tag == "script"]
    assert scripts == [{}]  # only the report's own search script
    assert not any("alert" in s for s in page.scripts)
    assert not any(tag == "img" for tag, _ in page.tags)
    assert "<script>alert(1)</script> & <b>bold</b>" in page.all_text  # shown as text


def test_long_answers_fold_and_the_page_is_deterministic(results):
    store, run_id = results
    pid = store.run_prompt_ids(run_id)[3]
    row = next(r for r in store.responses(run_id, BASE) if r.prompt_id == pid)
    long = "start " + "x" * 5000 + " THE-END"
    store.save_response(replace(row, text=long))
    html = render_html(store, run_id)
    page = parse(html)
    assert "THE-END" in page.all_text  # the whole answer is there ...
    assert re.search(r"show [\d,]+ more characters \(5,014 in all\)", html)  # ... folded
    assert render_html(store, run_id) == html  # the SVG ids and everything else are stable


def test_unknown_price_is_listed_not_plotted(results):
    store, run_id = results
    rec = Recommendation.model_validate(store.recommendation(run_id))
    for m in rec.models:
        if m.model == CAND:
            m.cost_per_1k_prompts_usd, m.price_known, m.price_source = None, False, "unknown"
    html = render_html(store, run_id, rec)
    page = parse(html)
    assert "Price unknown (not plotted): gemini-2.0-flash-lite" in page.all_text
    svg = " ".join(page.svg_text)
    assert "gpt-4o-mini (baseline)" in svg and "gemini" not in svg


def test_pareto_frontier():
    points = [
        {"x": 1.0, "y": 0.7},
        {"x": 2.0, "y": 0.6},  # dominated: dearer and worse
        {"x": 3.0, "y": 0.8},
        {"x": 3.0, "y": 0.75},  # dominated: same cost, worse
        {"x": 5.0, "y": 0.9},
    ]
    assert [(p["x"], p["y"]) for p in pareto(points)] == [(1.0, 0.7), (3.0, 0.8), (5.0, 0.9)]


def test_run_in_progress_without_recommendation(results):
    store, _ = results
    ids = store.run_prompt_ids("run0001")[:6]
    store.create_run(
        Run(id="run0002", baseline=BASE, candidates=[CAND], judge=JUDGE, settings={}),
        ids,
    )
    for pid in ids[:4]:  # some answers, no scores yet
        store.save_response(
            AnswerRecord(run_id="run0002", prompt_id=pid, model=BASE, status="ok", text="hi")
        )
    store.save_response(
        AnswerRecord(
            run_id="run0002",
            prompt_id=ids[0],
            model=CAND,
            status="error",
            error="HTTP 503 upstream",
        )
    )
    html = render_html(store, "run0002")
    page = parse(html)
    text = page.all_text
    offline(page, html)
    assert "has no recommendation yet (status running)" in text
    assert "This run is running" in text
    assert not any(tag == "svg" for tag, _ in page.tags)
    assert "5 of 12" in text  # answers stored of expected
    assert "no answer yet" in text and "not scored yet" in text and "HTTP 503 upstream" in text
    assert sum(1 for tag, a in page.tags if tag == "details" and a.get("class") == "p") == 6

    # the dashboard passes a recommendation computed from what is stored so far
    from whichmodel.results.decide import run_verdict

    partial = run_verdict(store, "run0002")
    page = parse(render_html(store, "run0002", partial))
    assert partial.reasoning in page.all_text
    assert "Nothing to plot yet." in page.all_text  # nothing scored


def test_pairwise_run(results):
    store, _ = results
    rec = add_pairwise_run(store, "pair01")
    assert rec["judge_mode"] == "pairwise"  # the JSON as stored

    html = render_html(store, "pair01")
    page = parse(html)
    text = page.all_text
    offline(page, html)
    svg = " ".join(page.svg_text)
    assert "net preference vs baseline" in svg and "gpt-4o-mini (baseline)" in svg
    assert "baseline as A: B wins; candidate as A: A wins ⇒ candidate better (consistent)" in text
    assert "candidate as A: A wins ⇒ tie (flipped with the order)" in text
    assert "pair verdict 7" in text
    assert "30/10/0" in text  # wins/ties/losses
    assert "pairwise" in text


def test_chart_png_and_svg(results, tmp_path):
    store, run_id = results
    rec = Recommendation.model_validate(store.recommendation(run_id))
    path = chart_png(chart_data(rec), tmp_path / "chart.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = chart_svg(chart_data(rec))
    assert svg.startswith("<svg") and "<metadata>" not in svg and "http" not in svg


def test_write_html_and_cli(results, tmp_path):
    store, run_id = results
    out = html.write_html(run_report(store, run_id), tmp_path / "sub" / "r.html")
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")

    runner = CliRunner()
    db = str(tmp_path / "w.db")
    target = tmp_path / "report.html"
    result = runner.invoke(app, ["report", "--db", db, "--html", str(target)])
    assert result.exit_code == 0, result.output
    assert target.exists()
    assert f"HTML report written: {target}" in result.output and "KB)" in result.output
    assert "Verdict:" in result.output  # the terminal report as before
    parse(target.read_text(encoding="utf-8"))

    # --json: stdout stays JSON, the line goes to stderr
    target.unlink()
    result = runner.invoke(app, ["report", run_id, "--json", "--db", db, "--html", str(target)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["decision"] == "switch"
    assert "HTML report written" in result.stderr
    assert target.exists()
