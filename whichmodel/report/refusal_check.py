"""``whichmodel refusal-check``: the detector's figures as rich tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text

from whichmodel.refusal.measure import DETECTED_ORDER, TRUE_ORDER, CheckResult


def print_check(result: CheckResult, console: Any) -> None:
    """The figures of :func:`check_file` as rich tables."""
    console.print(
        Text.assemble(
            (result.path, "bold"), f": {result.rows} completions; refused = full or partial refusal"
        ),
        highlight=False,
    )
    console.print(
        f"Precision {result.precision:.3f}   Recall {result.recall:.3f}   F1 {result.f1:.3f}",
        highlight=False,
    )
    three = Table(title="Confusion matrix (rows: true label, columns: detected)")
    three.add_column("true \\ detected")
    for col in ("full", "partial", "not refused"):
        three.add_column(col, justify="right")
    for true, name in zip(
        TRUE_ORDER, ("full refusal", "partial refusal", "compliance"), strict=True
    ):
        three.add_row(name, *(str(result.confusion[true][c]) for c in DETECTED_ORDER))
    console.print(three)
    two = Table(title="Binary (refused = full or partial)")
    two.add_column("true \\ detected")
    two.add_column("refused", justify="right")
    two.add_column("not refused", justify="right")
    two.add_row("refused", f"{result.tp} (TP)", f"{result.fn} (FN)")
    two.add_row("not refused", f"{result.fp} (FP)", f"{result.tn} (TN)")
    console.print(two)
    if result.signals:
        found = ", ".join(f"{name} {n}" for name, n in result.signals.most_common())
        console.print(f"Refusal signals that fired: {found}", highlight=False)


def print_cross_validation(results: list[CheckResult], console: Any) -> None:
    """Each file held out in turn: its figures with a classifier fitted on the others."""
    table = Table(
        title="Leave one file (model) out: the classifier fitted on the other files",
        caption="refused = full or partial refusal; recall of full and partial refusals apart",
        caption_justify="left",
    )
    table.add_column("held-out file", overflow="fold")
    for col in ("rows", "precision", "recall", "F1", "full recall", "partial recall"):
        table.add_column(col, justify="right")

    def share(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    for r in results:
        table.add_row(
            Text(Path(r.path).name),
            str(r.rows),
            f"{r.precision:.3f}",
            f"{r.recall:.3f}",
            f"{r.f1:.3f}",
            share(r.recall_of("full")),
            share(r.recall_of("partial")),
        )
    console.print(table)
    worst = min(results, key=lambda r: r.f1)
    console.print(Text(f"Worst held-out F1: {worst.f1:.3f} ({worst.path})"), highlight=False)
