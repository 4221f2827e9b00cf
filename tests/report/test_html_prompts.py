"""The HTML report's drill-down: every prompt, each model's answer, score and reasons,
with the flags the page's filter reads (refused, failed, unscored, worse, flipped)."""

from __future__ import annotations

import re
from typing import Any

from tests.report.page import text
from tests.verdicts import BASE, CAND, JUDGE
from whichmodel.records.runs import Production, Prompt, Run
from whichmodel.report.html_prompts import ANSWER_CAP, SNIPPET, drilldown
from whichmodel.results.run_report import RunReport


def answer(**changes: Any) -> dict[str, Any]:
    """An answer row with its score, as ``results.decide.answer_rows`` gives it."""
    values: dict[str, Any] = {
        "status": "ok",
        "refused": False,
        "text": "an answer",
        "score_status": "scored",
        "quality": 0.8,
        "accuracy": 0.8,
        "relevance": 0.8,
        "clarity": 0.8,
        "rationale": "fine",
        "latency_ms": 1234.0,
        "cost_usd": 0.00123,
        "finish_reason": "stop",
    }
    return {**values, **changes}


def prompt(pid: str, content: str = "question", **changes: Any) -> Prompt:
    return Prompt(id=pid, messages=[{"role": "user", "content": content}], **changes)


def report(
    prompts: list[Prompt],
    answers: dict[tuple[str, str], dict[str, Any]],
    *,
    pairwise: bool = False,
    production: dict[str, Production] | None = None,
) -> RunReport:
    run = Run(id="r1", baseline=BASE, candidates=[CAND], judge=JUDGE, prompt_count=len(prompts))
    return RunReport(
        run=run,
        rec=None,
        pairwise=pairwise,
        models=[BASE, CAND],
        answers=answers,
        prompts=prompts,
        stored=[],
        chart=None,
        production=production or {},
    )


def details(html: str) -> dict[str, tuple[str, str]]:
    """Prompt id -> (its filter flags, the HTML of its <details> up to the next prompt)."""
    out = {}
    for chunk in html.split('<details class="p" ')[1:]:
        found = re.match(r'id="p-([^"]+)" data-f="([^"]*)">', chunk)
        assert found, chunk[:80]
        out[found[1]] = (found[2], chunk)
    return out


def chips(body: str) -> list[str]:
    """The chips of a prompt's summary line, with their class."""
    summary = body.split('<span class="chips">')[1].split('<span class="pid">')[0]
    return re.findall(r'<span class="(c[^"]*)">([^<]*)</span>', summary)


def test_each_prompt_is_flagged_for_the_pages_filter() -> None:
    prompts = [prompt(f"p{i}", category="math") for i in range(6)]
    answers = {(p.id, BASE): answer() for p in prompts}
    answers |= {
        ("p0", CAND): answer(),  # as good: no flag
        ("p1", CAND): answer(quality=0.7),  # worse than the baseline
        ("p2", CAND): answer(refused=True, refusal_kind="partial", refusal_reason="phrase"),
        ("p3", CAND): answer(status="error", error="HTTP 503 upstream", quality=None),
        ("p4", CAND): answer(quality=None, score_status="unscored", score_error="no ScoreTool"),
    }  # p5: the candidate has not answered yet
    found = details(drilldown(report(prompts, answers)))
    assert {pid: flags for pid, (flags, _) in found.items()} == {
        "p0": "",
        "p1": "w",
        "p2": "r",
        "p3": "e",
        "p4": "u",
        "p5": "",
    }
    assert chips(found["p1"][1]) == [("c", "0.80"), ("c w", "0.70")]
    assert chips(found["p2"][1])[1] == ("c r", "ref")
    assert chips(found["p3"][1])[1] == ("c e", "err")
    assert chips(found["p4"][1])[1] == ("c", "-")
    assert chips(found["p5"][1])[1] == ("c", "…")


def test_each_answer_card_says_what_happened_to_it() -> None:
    prompts = [prompt(f"p{i}") for i in range(4)]
    answers = {(p.id, BASE): answer() for p in prompts}
    answers |= {
        ("p0", CAND): answer(
            quality=0.7,
            accuracy=0.6,
            relevance=0.75,
            clarity=0.8,
            spread=0.05,
            rationale="misses a step",
            finish_reason="length",
        ),
        ("p1", CAND): answer(refused=True, refusal_kind="partial", refusal_reason="phrase"),
        ("p2", CAND): answer(status="error", error="HTTP 503 upstream"),
        ("p3", CAND): answer(quality=None, score_status=None),
    }
    found = details(drilldown(report(prompts, answers)))
    scored = text(found["p0"][1])
    assert "quality 0.700 · accuracy 0.60 · relevance 0.75 · clarity 0.80 · spread 0.050" in scored
    assert "misses a step" in scored
    assert "1.23 s · $0.00123 · finish: length" in scored
    assert "refused: partial (phrase)" in text(found["p1"][1])
    assert "error HTTP 503 upstream" in text(found["p2"][1])
    assert "not scored yet" in text(found["p3"][1])


def test_an_answer_not_given_yet_says_so() -> None:
    found = details(drilldown(report([prompt("p0")], {("p0", BASE): answer()})))
    assert "gemini-2.0-flash-lite no answer yet" in text(found["p0"][1])


def test_prompts_are_grouped_by_category_with_uncategorised_ones_apart() -> None:
    prompts = [prompt("p0", category="writing"), prompt("p1"), prompt("p2", category="math")]
    html = drilldown(report(prompts, {}))
    sections = re.findall(
        r'<section class="cat" data-cat="([^"]+)"><h3>[^<]+ <span[^>]*>([^<]+)', html
    )
    assert sections == [
        ("math", "(1 prompts)"),
        ("uncategorised", "(1 prompts)"),
        ("writing", "(1 prompts)"),
    ]
    assert '<span id="n" class="mut small">3 prompts</span>' in html


def test_the_summary_shows_the_last_user_message_cut_and_the_logs_own_id() -> None:
    long = "a  long\n\nquestion " + "x" * 300
    messages = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": long},
        {"role": "assistant", "content": "earlier answer"},
    ]
    p = Prompt(id="p0", messages=messages, external_id="req-42")
    body = details(drilldown(report([p], {})))["p0"][1]
    summary = body.split("</summary>")[0]
    snippet = ("a long question " + "x" * 300)[:SNIPPET] + "…"
    assert f'<span class="pid">req-42</span> {snippet}' in summary
    assert "be brief" not in summary


def test_a_long_answer_folds_beyond_the_cap() -> None:
    long = "y" * (ANSWER_CAP + 100)
    found = details(drilldown(report([prompt("p0")], {("p0", BASE): answer(text=long)})))
    assert "show 100 more characters (1,600 in all)" in text(found["p0"][1])
    assert ANSWER_CAP == 1500


def test_reference_label_request_and_production_are_shown_with_the_prompt() -> None:
    p = prompt(
        "p0",
        reference="the ideal <answer>",
        label="safe",
        request={"response_format": {"type": "json_object"}},
    )
    production = {"p0": Production(provider="openai", model="gpt-4o-mini")}
    body = details(drilldown(report([p], {}, production=production)))["p0"][1]
    words = text(body)
    assert "reference answer the ideal <answer>" in words
    assert "prompt p0 · label safe" in words
    assert "response format" in words and '"json_object"' in words
    assert "production: openai / gpt-4o-mini" in words


def test_a_pairwise_run_shows_outcomes_and_flags_flipped_verdicts() -> None:
    prompts = [prompt(f"p{i}") for i in range(4)]
    answers = {(p.id, BASE): answer(quality=None) for p in prompts}
    pair = {"pair_status": "scored", "pair_rationale": "B is clearer"}
    answers |= {
        ("p0", CAND): answer(quality=None, outcome=1, consistent=1, first="B", second="A", **pair),
        ("p1", CAND): answer(quality=None, outcome=-1, consistent=1, first="A", second="B", **pair),
        ("p2", CAND): answer(quality=None, outcome=0, consistent=0, first="A", second="A", **pair),
        ("p3", CAND): answer(quality=None, outcome=None, pair_status=None),
    }
    html = drilldown(report(prompts, answers, pairwise=True))
    assert '<option value="i">verdict flipped with the order</option>' in html
    found = details(html)
    assert {pid: flags for pid, (flags, _) in found.items()} == {
        "p0": "",
        "p1": "w",
        "p2": "i",
        "p3": "u",
    }
    assert chips(found["p0"][1]) == [("c", "base"), ("c b", "+")]
    assert chips(found["p1"][1])[1] == ("c w", "−")
    assert chips(found["p2"][1])[1] == ("c", "=")
    assert "baseline as A: B wins; candidate as A: A wins ⇒ candidate better (consistent)" in text(
        found["p0"][1]
    )
    assert "⇒ tie (flipped with the order)" in text(found["p2"][1])
    assert "not judged yet" in text(found["p3"][1])


def test_a_pointwise_page_has_no_flipped_filter() -> None:
    html = drilldown(report([prompt("p0")], {}))
    assert 'value="i"' not in html
    assert "the judge's quality" in text(html)
