"""The HTML report's tables and sections, one at a time (``test_html`` reads the whole
page of a stored run; here each piece meets the cases a run rarely has)."""

from __future__ import annotations

import json
from dataclasses import replace

from tests.report.page import row, rows, text
from tests.verdicts import (
    BASE,
    CAND,
    JUDGE,
    OTHER,
    category,
    comparison,
    keep,
    recommendation,
    summary,
)
from whichmodel.records.runs import Run
from whichmodel.records.verdict import Interval
from whichmodel.report.html_tables import (
    bias_table,
    categories_table,
    chart_section,
    comparisons_table,
    esc,
    models_table,
    overview,
    settings_section,
    verdict,
)
from whichmodel.results.run_report import chart_data

RUN = Run(
    id="run0001",
    baseline=BASE,
    candidates=[CAND],
    judge=JUDGE,
    prompt_count=40,
    status="completed",
    created_at="2025-03-04 05:06:07",
)


def test_esc_escapes_quotes_and_reads_none_as_nothing() -> None:
    assert esc(None) == ""
    assert esc('<a href="x">') == "&lt;a href=&quot;x&quot;&gt;"
    assert esc(0) == "0"


def test_the_verdict_is_a_badge_of_its_decision() -> None:
    html = verdict(keep(), RUN)
    assert '<span class="badge b-keep">keep</span>' in html
    assert text(html).endswith("Keep gpt-4o-mini: gemini-2.0-flash-lite loses too much quality.")
    none = verdict(None, replace(RUN, status="failed"))
    assert '<span class="badge b-none">no verdict</span>' in none
    assert "Run run0001 has no recommendation yet (status failed)" in text(none)


def test_the_models_table_reads_unknown_prices_and_tags_the_models() -> None:
    unpriced = summary(OTHER, cost_usd=None, cost_per_1k_prompts_usd=None, price_source="unknown")
    rec = recommendation(models=[summary(BASE), summary(CAND), unpriced])
    html = models_table(rec)
    assert rows(html)[0] == [
        "model", "$/1k prompts", "quality", "refused", "errors", "p50 s", "p95 s", "scored",
        "price source",
    ]  # fmt: skip
    assert row(html, "gpt-4o-mini baseline") == [
        "gpt-4o-mini baseline", "$10.00", "0.800", "0.0%", "0.0%", "1.23", "2.50", "40/40",
        "genai-prices",
    ]  # fmt: skip
    assert row(html, "gemini-2.0-flash-lite recommended")[1] == "$4.00"
    assert row(html, "claude-3-5-haiku")[1:3] == ["unknown", "0.780"]
    assert row(html, "claude-3-5-haiku")[-1] == "unknown"
    assert "$0" not in html
    kept = models_table(keep())
    assert "recommended" not in text(kept)  # only a switch recommends a candidate


def test_a_pairwise_run_has_no_quality_per_model() -> None:
    models = [summary(BASE, quality=None), summary(CAND, quality=None)]
    html = models_table(recommendation(judge_mode="pairwise", models=models))
    assert row(html, "gpt-4o-mini baseline")[2] == "n/a (pairwise)"


def test_comparisons_show_intervals_in_points_and_the_rule_in_the_caption() -> None:
    fails = comparison(OTHER, status="fails", eligible=False, reasons=["quality", "refusals"])
    html = comparisons_table(recommendation(comparisons=[comparison(), fails]))
    assert rows(html)[0] == [
        "candidate", "cost change", "quality change", "quality diff (pts)", "refusals (pts)",
        "prompts", "verdict", "why",
    ]  # fmt: skip
    assert row(html, "gemini-2.0-flash-lite recommended") == [
        "gemini-2.0-flash-lite recommended",
        "-60.0% [-61.0, -59.0]",
        "-2.5% [-4.1, -1.2]",
        "-2.0 [-3.2, -1.0]",  # -0.02 of a 0-1 score: -2 points of 0-100
        "+0.0 [+0.0, +0.0]",
        "40",
        "qualifies",
        "-",
    ]
    assert row(html, "claude-3-5-haiku")[-2:] == ["fails", "quality; refusals"]
    caption = text(html)
    assert "qualifies when the whole interval is above -5% quality" in caption
    assert "within +1 refusal points, and cheaper" in caption


def test_an_undecided_comparison_says_how_many_prompts_would_decide() -> None:
    comp = comparison(status="undecided", eligible=False, prompts_needed=1200)
    html = comparisons_table(keep(decision="undecided", comparisons=[comp]))
    assert row(html, "gemini-2.0-flash-lite")[6] == "undecided (~1,200 prompts)"
    assert '<span class="s-undecided">undecided</span>' in html


def test_a_pairwise_comparison_shows_wins_ties_losses_and_order_consistency() -> None:
    comp = comparison(
        quality_change=Interval(estimate=25.0, low=10.0, high=40.0),
        wins=30,
        ties=8,
        losses=2,
        order_consistency=0.8,
    )
    html = comparisons_table(recommendation(judge_mode="pairwise", comparisons=[comp]))
    assert rows(html)[0][2:5] == ["net preference", "wins/ties/losses", "order consistency"]
    assert row(html, "gemini-2.0-flash-lite recommended")[2:5] == [
        "+25.0 pts [+10.0, +40.0]",
        "30/8/2",
        "80.0%",
    ]
    assert "Quality diff in points" not in text(html)


def test_categories_table_or_a_note_that_there_are_none() -> None:
    assert text(categories_table(recommendation())) == "No prompt categories in this run."
    rec = recommendation(
        categories=[
            category("math"),
            category("writing", decision="switch", recommended_model=CAND),
        ]
    )
    html = categories_table(rec)
    assert rows(html)[1:] == [
        ["math", "20", "0.800", "0.760", "undecided"],
        ["writing", "20", "0.800", "0.760", "switch to gemini-2.0-flash-lite"],
    ]


def test_pairwise_categories_show_each_candidates_net_preference() -> None:
    pref = comparison(quality_change=Interval(estimate=10.0, low=-5.0, high=25.0))
    rec = recommendation(judge_mode="pairwise", categories=[category("math", comparisons=[pref])])
    html = categories_table(rec)
    assert rows(html) == [
        ["category", "prompts", "gemini-2.0-flash-lite net pref", "decision"],
        ["math", "20", "+10.0 pts [-5.0, +25.0]", "undecided"],
    ]


def test_the_bias_table_adds_label_and_spread_columns_only_when_known() -> None:
    plain = bias_table(recommendation())
    assert rows(plain)[0] == ["model", "mean chars", "length~score r", "partial refusals"]
    models = [
        summary(BASE, mean_answer_chars=1234.4, over_refusal_rate=0.0, under_refusal_rate=0.1),
        summary(CAND, length_score_correlation=0.43, judge_spread=0.0123),
    ]
    html = bias_table(recommendation(models=models))
    assert rows(html)[0][4:] == [
        "over-refusal (safe prompts)",
        "under-refusal (unsafe prompts)",
        "judge spread",
    ]
    assert row(html, "gpt-4o-mini baseline")[1:] == ["1,234", "-", "0.0%", "0.0%", "10.0%", "-"]
    assert row(html, "gemini-2.0-flash-lite recommended")[1:] == [
        "-", "+0.43", "0.0%", "-", "-", "0.012"
    ]  # fmt: skip


def test_the_overview_lists_what_is_known_of_the_run() -> None:
    rec = keep(
        decision="undecided",
        judge_cost_usd=0.08,
        prompts_needed=1200,
        length_score_correlation=0.12,
        order_consistency=0.9,
    )
    items = text(overview(rec, RUN, stored=70))
    for item in (
        "run run0001 (completed)",
        "prompts 40",
        "answers stored 70 of 80",
        "judge mode pointwise",
        "judge order consistency 90.0%",
        "judge cost of this evaluation $0.0800",
        "prompts that would decide about 1,200",
        "length~score r (all) +0.12",
    ):
        assert item in items, item
    bare = text(overview(None, RUN, stored=0))
    assert "answers stored 0 of 80" in bare and "finished -" in bare
    assert "judge cost" not in bare and "judge mode" not in bare


def test_chart_section_lists_the_models_it_could_not_plot() -> None:
    unscored = summary(OTHER, quality=None, scored=0)
    unpriced = summary(CAND, cost_usd=None, cost_per_1k_prompts_usd=None)
    rec = keep(models=[summary(BASE), unpriced, unscored])
    words = text(chart_section(chart_data(rec)))
    assert "Price unknown (not plotted): gemini-2.0-flash-lite." in words
    assert "Not scored yet (not plotted): claude-3-5-haiku." in words
    assert "the baseline is the square" in words


def test_settings_show_the_rule_prices_and_base_urls_as_stored() -> None:
    settings = {
        "tolerance": 0.05,
        "refusal_margin": 0.01,
        "judge_mode": "pairwise",
        "weights": {"accuracy": 0.4, "relevance": 0.35, "clarity": 0.25},
        "max_tokens": 1024,
        "max_cost": 2.5,
        "providers": {"openai": {"base_url": "http://127.0.0.1:8787/v1"}},
        "models": {CAND: {"base_url": "http://gateway.internal/v1"}},
        "prices": {CAND: {"input_mtok": 0.075, "output_mtok": 0.3, "note": "illustrative"}},
    }
    run = Run(id="r1", baseline=BASE, candidates=[CAND], judge=JUDGE, settings=settings)
    html = settings_section(run, None)
    words = text(html)
    for item in (
        "judge mode pairwise",
        "judge samples 1",  # not stored: its default
        "quality weights accuracy 0.4, relevance 0.35, clarity 0.25",
        "tolerance 5%",
        "refusal margin 1 points",
        "error margin -",  # a run stored before the setting existed
        "max tokens 1024",
        "max cost 2.5",
        f"openai: http://127.0.0.1:8787/v1 {CAND}: http://gateway.internal/v1",
    ):
        assert item in words, item
    assert row(html, CAND) == [CAND, "$0.075", "$0.3", "-", "illustrative"]
    assert row(html, BASE) == [BASE, "-", "-", "-", "-"]
    stored = html.split('<pre class="json">')[1].split("</pre>")[0]
    assert json.loads(text(stored)) == settings


def test_settings_without_base_urls_point_to_the_environment() -> None:
    run = Run(id="r1", baseline=BASE, candidates=[CAND], judge=JUDGE, settings={})
    rec = recommendation()
    words = text(settings_section(run, rec))
    assert "gateway base URLs PORTKEY_BASE_URL of the environment (not stored)" in words
    assert "tolerance -" in words
    assert row(settings_section(run, rec), BASE)[-1] == "genai-prices"  # from the verdict
