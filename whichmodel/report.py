"""Terminal rendering of a recommendation (rich)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from whichmodel.recommendation import short


def money(value: float | None) -> str:
    """US dollars for people; None (price unknown) reads "unknown", never $0."""
    if value is None:
        return "unknown"
    return f"${value:.4f}" if value < 1 else f"${value:,.2f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _s(value_ms: float | None) -> str:
    return "-" if value_ms is None else f"{value_ms / 1000:,.2f}"


def models_table(rec: dict[str, Any]) -> Table:
    table = Table(
        title=f"Run {rec['run_id']}: {rec['models_compared']} models",
        title_justify="left",
        pad_edge=False,
        caption="$/1k: cost per 1,000 prompts; quality: judge score 0-1; "
        "p50/p95: latency in seconds",
        caption_justify="left",
    )
    table.add_column("model", overflow="fold", min_width=26)
    for col in ("$/1k", "quality", "refused", "errors", "p50 s", "p95 s", "scored"):
        table.add_column(col, justify="right", no_wrap=True)
    for m in rec["models"]:
        name = short(m["model"])
        if m["role"] == "baseline":
            name += " (base)"
        elif m["model"] == rec["recommended_model"] and rec["decision"] == "switch":
            name += " *"
        table.add_row(
            name,
            money(m["cost_per_1k_prompts_usd"]),
            "-" if m["quality"] is None else f"{m['quality']:.3f}",
            _pct(m["refusal_rate"]),
            _pct(m["error_rate"]),
            _s(m["latency_p50_ms"]),
            _s(m["latency_p95_ms"]),
            f"{m['scored']}/{m['prompts']}",
        )
    return table


def price_sources(rec: dict[str, Any]) -> str:
    sources = sorted({m["price_source"] for m in rec["models"]})
    return "Prices: " + "; ".join(sources)


def print_recommendation(rec: dict[str, Any], console: Console | None = None) -> None:
    console = console or Console()
    console.print(models_table(rec))
    console.print(price_sources(rec), highlight=False)
    colour = "green" if rec["decision"] == "switch" else "yellow"
    console.print(f"[bold {colour}]Verdict:[/] {escape(rec['reasoning'])}")
    if rec.get("judge_cost_usd") is not None:
        console.print(f"Judge cost of this evaluation: {money(rec['judge_cost_usd'])}")
    for warning in rec.get("warnings", []):
        console.print(f"[yellow]warning:[/] {escape(warning)}")
