"""Terminal rendering of a recommendation (rich).

Stored text (model names, categories, reasons, warnings) is never read as rich markup:
every piece of data goes in as a ``Text``, so ``[/b]`` in a model name prints as it is.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from whichmodel.records.verdict import Recommendation, short
from whichmodel.report.format import check_rate, interval, money, pct, seconds
from whichmodel.report.notes import run_notes
from whichmodel.verdict.checks import CHECKS


def models_table(rec: Recommendation) -> Table:
    table = Table(
        title=Text(f"Run {rec.run_id}: {rec.models_compared} models"),
        title_justify="left",
        pad_edge=False,
        caption="$/1k: cost per 1,000 prompts; quality: judge score 0-1; "
        "p50/p95: latency in seconds",
        caption_justify="left",
    )
    table.add_column("model", overflow="fold", min_width=26)
    for col in ("$/1k", "quality", "refused", "errors", "p50 s", "p95 s", "scored"):
        table.add_column(col, justify="right", no_wrap=True)
    for m in rec.models:
        name = short(m.model)
        if m.role == "baseline":
            name += " (base)"
        elif m.model == rec.recommended_model and rec.decision == "switch":
            name += " *"
        table.add_row(
            Text(name),
            money(m.cost_per_1k_prompts_usd),
            "-" if m.quality is None else f"{m.quality:.3f}",
            pct(m.refusal_rate),
            pct(m.error_rate),
            seconds(m.latency_p50_ms),
            seconds(m.latency_p95_ms),
            f"{m.scored}/{m.prompts}",
        )
    return table


def comparison_lines(rec: Recommendation) -> list[Text]:
    """Each candidate vs the baseline on the same prompts, with 95% intervals (lines, so
    that intervals stay readable in a narrow terminal)."""
    pairwise = rec.judge_mode == "pairwise"
    lines = []
    for c in rec.comparisons:
        verdict = c.status
        if verdict == "undecided" and c.prompts_needed:
            verdict += f" (about {c.prompts_needed:,} prompts would decide)"
        quality = interval(c.quality_change, " pts" if pairwise else "%")
        if pairwise:
            quality += (
                f"  net preference: {c.wins} wins, {c.ties} ties, "
                f"{c.losses} losses; order consistency "
                f"{pct(c.order_consistency)}"
            )
        lines += [
            Text.assemble(
                (short(c.model), "bold"),
                f" vs {short(rec.baseline)} ({c.scored_prompts} prompts, 95% intervals)",
            ),
            Text(f"  cost      {interval(c.cost_change)}"),
            Text(f"  quality   {quality}"),
            Text(
                f"  refusals  {interval(c.refusal_change, ' pts')}"
                + (
                    f"; refused {c.refused_where_baseline_answered} prompt(s) the baseline answered"
                    if c.refused_where_baseline_answered
                    else ""
                )
            ),
        ]
        p95 = c.latency_p95_ms
        if rec.max_p95_latency_ms and p95.estimate is not None:
            bounds = (
                f" [{p95.low:,.0f}, {p95.high:,.0f}]"
                if p95.low is not None and p95.high is not None
                else ""
            )
            lines.append(
                Text(
                    f"  p95 ms    {p95.estimate:,.0f}{bounds} (limit {rec.max_p95_latency_ms:,.0f})"
                )
            )
        for name, change in c.check_changes.items():
            lines.append(Text(f"  check     {CHECKS.get(name, name)}: {interval(change, ' pts')}"))
        lines.append(Text(f"  verdict   {verdict}"))
    return lines


def checks_table(rec: Recommendation) -> Table | None:
    """Pass rate of each deterministic check per model, with its 95% interval; None when
    no answer had a check (no JSON format or tools in the prompts)."""
    names = sorted({n for m in rec.models for n in m.checks})
    if not names:
        return None
    table = Table(
        title="Checks (structured output and tool calls, before any judge)",
        title_justify="left",
        pad_edge=False,
        caption="pass rate [95% interval] over the answers the check applies to",
        caption_justify="left",
    )
    table.add_column("check", overflow="fold")
    for m in rec.models:
        table.add_column(Text(short(m.model)), justify="right")
    for name in names:
        cells = [check_rate(m.checks.get(name)) for m in rec.models]
        table.add_row(Text(CHECKS.get(name, name)), *cells)
    return table


def bias_table(rec: Recommendation) -> Table:
    """Answer length against score (a length-biased judge shows), and refusals by label."""
    labelled = any(m.over_refusal_rate is not None for m in rec.models)
    table = Table(
        title="Length and refusals",
        title_justify="left",
        pad_edge=False,
        caption="r: correlation of answer length and score (a length-biased judge shows"
        " a high r everywhere)"
        + ("; over: refused a safe prompt; under: answered an unsafe one" if labelled else ""),
        caption_justify="left",
    )
    table.add_column("model", overflow="fold", min_width=16)
    table.add_column("chars", justify="right")
    table.add_column("r", justify="right")
    table.add_column("partial", justify="right")
    if labelled:
        table.add_column("over", justify="right")
        table.add_column("under", justify="right")
    sampled = any(m.judge_spread is not None for m in rec.models)
    if sampled:
        table.add_column("judge spread", justify="right")
    for m in rec.models:
        corr = m.length_score_correlation
        row: list[str | Text] = [
            Text(short(m.model)),
            "-" if m.mean_answer_chars is None else f"{m.mean_answer_chars:,.0f}",
            "-" if corr is None else f"{corr:+.2f}",
            pct(m.partial_refusal_rate),
        ]
        if labelled:
            row += [pct(m.over_refusal_rate), pct(m.under_refusal_rate)]
        if sampled:
            spread = m.judge_spread
            row.append("-" if spread is None else f"±{spread:.3f}")
        table.add_row(*row)
    return table


def categories_table(rec: Recommendation) -> Table:
    models = [m.model for m in rec.models]
    table = Table(title="By category (mean quality)", title_justify="left", pad_edge=False)
    table.add_column("category")
    table.add_column("prompts", justify="right")
    for m in models:
        table.add_column(Text(short(m)), justify="right")
    table.add_column("decision")
    for cat in rec.categories:
        decision: str = cat.decision
        if decision == "switch":
            decision += f" to {short(cat.recommended_model)}"
        quality = [cat.quality.get(m) for m in models]
        table.add_row(
            Text(cat.category),
            str(cat.prompts),
            *["-" if q is None else f"{q:.3f}" for q in quality],
            Text(decision),
        )
    return table


def price_sources(rec: Recommendation) -> Text:
    sources = sorted({m.price_source for m in rec.models})
    return Text("Prices: " + "; ".join(sources))


def print_recommendation(
    rec: Recommendation, console: Console | None = None, *, by_category: bool = False
) -> None:
    console = console or Console()
    console.print(models_table(rec))
    console.print(price_sources(rec), highlight=False)
    checks = checks_table(rec)
    if checks is not None:
        console.print(checks)
    for line in comparison_lines(rec):
        console.print(line, highlight=False)
    if any(m.mean_answer_chars is not None for m in rec.models):
        console.print(bias_table(rec))
    if by_category and rec.categories:
        console.print(categories_table(rec))
    colour = "green" if rec.decision == "switch" else "yellow"
    console.print(Text.assemble(("Verdict:", f"bold {colour}"), " ", rec.reasoning))
    for note in run_notes(rec):
        console.print(Text(note), highlight=False)
    if rec.judge_cost_usd is not None:
        console.print(Text(f"Judge cost of this evaluation: {money(rec.judge_cost_usd)}"))
    for warning in rec.warnings:
        console.print(Text.assemble(("warning:", "yellow"), " ", warning))
