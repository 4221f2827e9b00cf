"""The terminal report (rich), read back as the plain text people see."""

from __future__ import annotations

import io
import re

from rich.console import Console

from tests.fakes import make_results_db
from tests.verdicts import BASE, CAND, OTHER, category, comparison, keep, recommendation, summary
from whichmodel.records.verdict import CheckRate, DriftCheck, Interval, JudgeControls
from whichmodel.report.terminal import print_recommendation
from whichmodel.results.decide import recommendation as recommendation_of


def shown(rec, *, by_category: bool = False) -> str:
    """What ``print_recommendation`` prints, without colours, on a wide terminal. The
    console reads markup (rich's default), as a caller's own console may."""
    console = Console(file=io.StringIO(), width=200, record=True, color_system=None)
    print_recommendation(rec, console, by_category=by_category)
    return console.export_text()


def table(text: str, title: str) -> list[list[str]]:
    """The cells of the table under ``title``: its header first, then one list per row."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    rows = []
    for line in lines[start + 1 :]:
        if line.startswith("└"):
            break
        if line.startswith(("┃", "│")):
            rows.append([cell.strip() for cell in re.split("[┃│]", line.strip())[1:-1]])
    return rows


def row(text: str, title: str, name: str) -> list[str]:
    """The cells of the row of table ``title`` whose first cell is ``name``."""
    return next(cells for cells in table(text, title) if cells[0] == name)


def test_the_models_table_marks_the_baseline_and_the_recommended_model() -> None:
    text = shown(recommendation())
    assert "Run run0001: 2 models" in text
    assert row(text, "Run run0001", "gpt-4o-mini (base)") == [
        "gpt-4o-mini (base)", "$10.00", "0.800", "0.0%", "0.0%", "1.23", "2.50", "40/40"
    ]  # fmt: skip
    assert row(text, "Run run0001", "gemini-2.0-flash-lite *")[1:3] == ["$4.00", "0.780"]
    assert "Prices: genai-prices" in text


def test_a_kept_baseline_marks_no_candidate() -> None:
    text = shown(keep())
    assert "gemini-2.0-flash-lite *" not in text
    assert row(text, "Run run0001", "gemini-2.0-flash-lite")[1] == "$4.00"


def test_an_unknown_price_reads_unknown_never_zero_dollars() -> None:
    unpriced = summary(
        CAND, cost_usd=None, cost_per_1k_prompts_usd=None, price_known=False, price_source="unknown"
    )
    text = shown(keep(models=[summary(BASE), unpriced]))
    assert row(text, "Run run0001", "gemini-2.0-flash-lite")[1] == "unknown"
    assert "$0" not in text
    assert "Prices: genai-prices; unknown" in text


def test_each_comparison_reads_its_intervals_and_verdict() -> None:
    lines = shown(recommendation()).splitlines()
    start = lines.index("gemini-2.0-flash-lite vs gpt-4o-mini (40 prompts, 95% intervals)")
    assert lines[start + 1 : start + 5] == [
        "  cost      -60.0% [-61.0%, -59.0%]",
        "  quality   -2.5% [-4.1%, -1.2%]",
        "  refusals  +0.0 pts [+0.0 pts, +0.0 pts]",
        "  verdict   qualifies",
    ]


def test_an_undecided_candidate_says_how_many_prompts_would_decide() -> None:
    comp = comparison(status="undecided", eligible=False, prompts_needed=1200)
    text = shown(keep(decision="undecided", comparisons=[comp]))
    assert "  verdict   undecided (about 1,200 prompts would decide)" in text


def test_a_pairwise_comparison_shows_wins_ties_and_losses() -> None:
    comp = comparison(
        quality_change=Interval(estimate=25.0, low=10.0, high=40.0),
        wins=30,
        ties=8,
        losses=2,
        order_consistency=0.8,
    )
    text = shown(recommendation(judge_mode="pairwise", comparisons=[comp]))
    assert (
        "  quality   +25.0 pts [+10.0 pts, +40.0 pts]  net preference: 30 wins, 8 ties, "
        "2 losses; order consistency 80.0%"
    ) in text


def test_refusals_the_baseline_answered_checks_and_the_latency_limit() -> None:
    comp = comparison(
        refusal_change=Interval(estimate=2.5, low=0.0, high=7.5),
        refused_where_baseline_answered=1,
        latency_p95_ms=Interval(estimate=2500.0, low=2100.0, high=3100.0),
        check_changes={"json_valid": Interval(estimate=-5.0, low=-12.0, high=0.0)},
    )
    rec = recommendation(comparisons=[comp])
    text = shown(rec)
    assert (
        "  refusals  +2.5 pts [+0.0 pts, +7.5 pts]; refused 1 prompt(s) the baseline answered"
    ) in text
    assert "p95 ms" not in text  # no latency limit in the rule: no latency line
    assert "  check     JSON output parses: -5.0 pts [-12.0 pts, +0.0 pts]" in text
    limited = rec.model_copy(update={"rule": rec.rule.updated(max_p95_latency_ms=3000)})
    assert "  p95 ms    2,500 [2,100, 3,100] (limit 3,000)" in shown(limited)


def test_the_checks_table_appears_only_when_an_answer_had_a_check() -> None:
    assert "Checks (structured output" not in shown(recommendation())
    checks = {"json_valid": CheckRate(passed=19, total=20, rate=0.95, low=0.764, high=0.991)}
    rec = recommendation(models=[summary(BASE, checks=checks), summary(CAND)])
    text = shown(rec)
    assert "Checks (structured output and tool calls, before any judge)" in text
    assert "95% [76%, 99%] 19/20" in text


def test_the_bias_table_appears_only_when_answer_lengths_exist() -> None:
    assert "Length and refusals" not in shown(recommendation())
    models = [
        summary(BASE, mean_answer_chars=1234.4, length_score_correlation=None),
        summary(CAND, mean_answer_chars=46.0, length_score_correlation=0.43),
    ]
    text = shown(recommendation(models=models))
    assert "Length and refusals" in text
    bias = table(text, "Length and refusals")
    assert bias == [  # no labelled prompts, no repeated judging: no columns for them
        ["model", "chars", "r", "partial"],
        ["gpt-4o-mini", "1,234", "-", "0.0%"],
        ["gemini-2.0-flash-lite", "46", "+0.43", "0.0%"],
    ]


def test_the_bias_table_shows_refusals_by_label_and_the_judges_spread_when_known() -> None:
    models = [
        summary(BASE, mean_answer_chars=40.0, over_refusal_rate=0.0, under_refusal_rate=0.1),
        summary(CAND, mean_answer_chars=46.0, over_refusal_rate=0.05, judge_spread=0.0123),
    ]
    text = shown(recommendation(models=models))
    caption = " ".join(text.split())  # the caption wraps at the table's width
    assert "over: refused a safe prompt; under: answered an unsafe one" in caption
    bias = table(text, "Length and refusals")
    assert bias[0] == ["model", "chars", "r", "partial", "over", "under", "judge spread"]
    assert bias[1][-3:] == ["0.0%", "10.0%", "-"]
    assert bias[2][-3:] == ["5.0%", "-", "±0.012"]


def test_the_categories_table_only_when_asked_for_and_there_are_categories() -> None:
    rec = recommendation(
        categories=[
            category("math"),
            category("writing", decision="switch", recommended_model=CAND),
        ]
    )
    assert "By category" not in shown(rec)
    text = shown(rec, by_category=True)
    assert "By category (mean quality)" in text
    assert table(text, "By category") == [
        ["category", "prompts", "gpt-4o-mini", "gemini-2.0-flash-lite", "decision"],
        ["math", "20", "0.800", "0.760", "undecided"],
        ["writing", "20", "0.800", "0.760", "switch to gemini-2.0-flash-lite"],
    ]
    assert "By category" not in shown(recommendation(), by_category=True)


def test_the_verdict_notes_judge_cost_and_warnings_follow_the_tables() -> None:
    rec = recommendation(
        judge_cost_usd=0.08,
        judge_controls=JudgeControls(passed=8, total=8),
        warnings=["gemini-2.0-flash-lite: 1 of 40 calls failed (e.g. HTTP 503)."],
    )
    lines = shown(rec).splitlines()
    verdict = next(i for i, line in enumerate(lines) if line.startswith("Verdict: Switch from"))
    assert lines[verdict + 1 :] == [
        "Judge controls: 8/8 passed.",
        "Judge cost of this evaluation: $0.0800",
        "warning: gemini-2.0-flash-lite: 1 of 40 calls failed (e.g. HTTP 503).",
    ]


def test_an_unknown_judge_cost_is_left_out_not_zero() -> None:
    text = shown(recommendation(judge_cost_usd=None))
    assert "Judge cost" not in text and "$0" not in text


def test_a_baseline_from_history_and_a_stale_drift_check_are_told() -> None:
    drift = DriftCheck(
        prompts=12,
        within=3,
        quality_change=Interval(estimate=-12.0, low=-18.0, high=-7.5),
        stale=True,
    )
    base = summary(BASE, price_note="costs as logged")
    text = shown(
        recommendation(baseline_source="history", drift=drift, models=[base, summary(CAND)])
    )
    assert "Baseline: the answers production gave, from history (costs as logged)." in text
    assert "; the history looks stale." in text


def test_markup_in_stored_text_prints_as_it_is() -> None:
    """Model names, categories, reasons and warnings come from the data: rich must not
    read ``[/b]`` in them as a closing tag (that raises) nor ``[red]`` as a style."""
    odd = "portkey/openai/fake-[/b]x[red]"
    rec = recommendation(
        recommended_model=odd,
        reasoning="Switch to fake-[/b]x[red]: [bold]cheaper[/bold].",
        models=[summary(BASE, mean_answer_chars=40.0), summary(odd, mean_answer_chars=40.0)],
        comparisons=[comparison(odd)],
        categories=[category("[/]math[i]", recommended_model=odd, decision="switch")],
        warnings=["[/b] stored warning"],
        overrides={odd: ["[/temperature]"]},
    )
    text = shown(rec, by_category=True)
    assert "fake-[/b]x[red] *" in text
    assert "fake-[/b]x[red] vs gpt-4o-mini" in text
    assert "Verdict: Switch to fake-[/b]x[red]: [bold]cheaper[/bold]." in text
    assert "[/]math[i]" in text and "switch to fake-[/b]x[red]" in text
    assert "warning: [/b] stored warning" in text
    assert "fake-[/b]x[red]: its settings overrode the logged [/temperature]." in text


def test_three_models_make_three_rows_and_two_comparisons() -> None:
    rec = recommendation(
        models_compared=3,
        models=[summary(BASE), summary(CAND), summary(OTHER, cost_per_1k_prompts_usd=8.0)],
        comparisons=[comparison(), comparison(OTHER, status="fails", eligible=False)],
    )
    text = shown(rec)
    assert "Run run0001: 3 models" in text
    assert row(text, "Run run0001", "claude-3-5-haiku")[1] == "$8.00"
    assert "claude-3-5-haiku vs gpt-4o-mini" in text and "  verdict   fails" in text


def test_a_stored_runs_verdict_prints_as_decided(tmp_path) -> None:
    """The verdict ``results.decide`` stores for a run (see ``make_results_db``)."""
    store, run_id = make_results_db(tmp_path / "w.db")
    try:
        rec = recommendation_of(store, run_id)
    finally:
        store.close()
    text = shown(rec)
    q = rec.comparisons[0].quality_change
    assert f"  quality   -2.5% [{q.low:+.1f}%, {q.high:+.1f}%]" in text
    assert "  cost      -60.0% [-60.0%, -60.0%]" in text
    assert "  verdict   qualifies" in text
    assert row(text, "Run run0001", "gemini-2.0-flash-lite *")[1:3] == ["$4.00", "0.780"]
    assert "Judge cost of this evaluation: $0.0800" in text
    assert table(text, "Length and refusals")[0] == ["model", "chars", "r", "partial"]
