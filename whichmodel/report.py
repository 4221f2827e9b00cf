"""Terminal rendering of a recommendation (rich)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from whichmodel.recommend import short


def _money(value: float | None) -> str:
    if value is None:
        return "unknown"
    return f"${value:.4f}" if value < 1 else f"${value:,.2f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def models_table(rec: dict[str, Any]) -> Table:
    table = Table(title=f"Run {rec['run_id']}: {rec['models_compared']} models", title_justify="left")
    for col in ("model", "role", "cost/1k prompts", "quality", "refusals", "errors",
                "p50 ms", "p95 ms", "scored", "price source"):
        table.add_column(col, justify="left" if col in ("model", "role", "price source") else "right")
    for m in rec["models"]:
        mark = " *" if m["model"] == rec["recommended_model"] and rec["decision"] == "switch" else ""
        table.add_row(
            short(m["model"]) + mark,
            m["role"],
            _money(m["cost_per_1k_prompts_usd"]),
            "-" if m["quality"] is None else f"{m['quality']:.3f}",
            _pct(m["refusal_rate"]),
            _pct(m["error_rate"]),
            _ms(m["latency_p50_ms"]),
            _ms(m["latency_p95_ms"]),
            f"{m['scored']}/{m['prompts']}",
            m["price_source"],
        )
    return table


def print_recommendation(rec: dict[str, Any], console: Console | None = None) -> None:
    console = console or Console()
    console.print(models_table(rec))
    verdict = "[bold green]Switch[/]" if rec["decision"] == "switch" else "[bold yellow]Keep[/]"
    console.print(f"{verdict}: {rec['reasoning']}")
    if rec.get("judge_cost_usd") is not None:
        console.print(f"Judge cost of this evaluation: {_money(rec['judge_cost_usd'])}")
    for warning in rec.get("warnings", []):
        console.print(f"[yellow]warning:[/] {warning}")
