"""``whichmodel refusal-check``: the detector's figures as rich tables."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text

from whichmodel.verdict.refusal_check import DETECTED_ORDER, TRUE_ORDER, CheckResult


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
