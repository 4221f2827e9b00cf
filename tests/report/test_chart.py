"""The cost-quality chart: what it labels (read from the SVG's text, which stays text)
and what it draws (read from the matplotlib figure)."""

from __future__ import annotations

import re

import pytest
from matplotlib.collections import PathCollection

from tests.verdicts import BASE, CAND, OTHER, comparison, keep, recommendation, summary
from whichmodel.errors import NoDataError
from whichmodel.records.verdict import Interval
from whichmodel.report.chart import _figure, chart_png, chart_svg
from whichmodel.results.run_report import chart_data


def svg_texts(svg: str) -> list[str]:
    return re.findall(r"<text\b[^>]*>([^<]*)</text>", svg)


def three_models(**changes):
    """The baseline, the recommended candidate (cheaper, a little worse) and a third
    model dearer and worse than the candidate: dominated, off the frontier."""
    other = summary(OTHER, cost_per_1k_prompts_usd=8.0, quality=0.70, refusal_rate=0.2)
    other_vs_base = comparison(
        OTHER,
        quality_change=Interval(estimate=-12.5, low=-15.0, high=-10.0),
        cost_change=Interval(estimate=-20.0, low=-21.0, high=-19.0),
        status="fails",
        eligible=False,
    )
    values = {
        "models_compared": 3,
        "models": [summary(BASE), summary(CAND), other],
        "comparisons": [comparison(), other_vs_base],
    }
    return recommendation(**{**values, **changes})


def frontier_line(rec):
    """The dashed step joining the frontier (None when the figure draws none)."""
    ax = _figure(chart_data(rec)).axes[0]
    steps = [line for line in ax.get_lines() if line.get_drawstyle() == "steps-post"]
    assert len(steps) <= 1
    return steps[0] if steps else None


def test_the_chart_labels_the_baseline_and_the_recommended_model() -> None:
    texts = svg_texts(chart_svg(chart_data(three_models())))
    assert "gpt-4o-mini (baseline)" in texts
    assert "gemini-2.0-flash-lite (recommended)" in texts
    assert "claude-3-5-haiku" in texts  # neither: its name alone
    for label in ("baseline", "candidate", "95% interval vs baseline", "refusal rate"):
        assert label in texts, label
    assert "cost per 1,000 prompts (USD, log scale)" in texts
    assert "quality (judge score, 0-1)" in texts
    assert "Cost vs quality per model" in texts


def test_a_kept_baseline_recommends_no_point() -> None:
    texts = svg_texts(chart_svg(chart_data(keep())))
    assert "gpt-4o-mini (baseline)" in texts and "gemini-2.0-flash-lite" in texts
    assert not any("(recommended)" in text for text in texts)


def test_the_pareto_frontier_joins_only_the_models_nothing_beats() -> None:
    rec = three_models()
    line = frontier_line(rec)
    assert list(line.get_xdata()) == [4.0, 10.0]  # the candidate, then the baseline
    assert list(line.get_ydata()) == [0.78, 0.80]  # not the dominated 8.0 / 0.70
    assert line.get_linestyle() == "--"
    assert "Pareto frontier (cheaper and better)" in svg_texts(chart_svg(chart_data(rec)))


def test_one_model_that_beats_all_others_makes_no_frontier_line() -> None:
    better = summary(CAND, quality=0.85)
    rec = recommendation(models=[summary(BASE), better])
    assert frontier_line(rec) is None
    assert "Pareto frontier (cheaper and better)" not in svg_texts(chart_svg(chart_data(rec)))


def test_models_with_unknown_prices_are_left_out() -> None:
    unpriced = summary(OTHER, cost_usd=None, cost_per_1k_prompts_usd=None, price_known=False)
    rec = three_models(models=[summary(BASE), summary(CAND), unpriced])
    texts = " ".join(svg_texts(chart_svg(chart_data(rec))))
    assert "gpt-4o-mini (baseline)" in texts and "claude" not in texts
    assert chart_data(rec).no_price == [OTHER]


def test_nothing_to_plot_is_no_svg_and_a_png_refused_with_a_reason(tmp_path) -> None:
    unpriced = {"cost_usd": None, "cost_per_1k_prompts_usd": None, "price_known": False}
    rec = keep(models=[summary(BASE, **unpriced), summary(CAND, **unpriced)])
    assert chart_svg(chart_data(rec)) is None
    with pytest.raises(NoDataError, match="no model has both a known price and a score"):
        chart_png(chart_data(rec), tmp_path / "chart.png")
    assert not (tmp_path / "chart.png").exists()


def test_a_dollar_sign_in_a_model_name_is_not_read_as_math() -> None:
    """Matplotlib reads ``$...$`` as mathtext (and fails on a single ``$``)."""
    odd = "portkey/openai/fake-$x$-$"
    rec = recommendation(
        recommended_model=odd,
        models=[summary(BASE), summary(odd)],
        comparisons=[comparison(odd)],
    )
    assert "fake-$x$-$ (recommended)" in svg_texts(chart_svg(chart_data(rec)))


def test_a_pairwise_chart_plots_net_preference_with_the_baseline_at_zero() -> None:
    comp = comparison(quality_change=Interval(estimate=25.0, low=10.0, high=40.0))
    rec = recommendation(
        judge_mode="pairwise",
        models=[summary(BASE, quality=None), summary(CAND, quality=None)],
        comparisons=[comp],
    )
    texts = svg_texts(chart_svg(chart_data(rec)))
    assert "net preference vs baseline (pts; baseline = 0)" in texts
    assert "Cost vs net preference per model" in texts
    ax = _figure(chart_data(rec)).axes[0]
    scatters = [c for c in ax.collections if isinstance(c, PathCollection)]  # not whiskers
    points = {x: y for c in scatters for x, y in c.get_offsets().tolist()}
    assert points == {10.0: 0.0, 4.0: 25.0}


def test_the_colour_bar_reaches_the_highest_refusal_rate() -> None:
    texts = svg_texts(chart_svg(chart_data(three_models())))  # claude refuses 20%
    assert "20%" in texts
    texts = svg_texts(chart_svg(chart_data(recommendation())))  # nobody refuses: 0 to 5%
    assert "5%" in texts and "20%" not in texts
