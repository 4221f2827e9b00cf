"""``whichmodel refusal-check``'s tables: the detector's figures as people read them."""

from __future__ import annotations

import io
import re

from rich.console import Console

from whichmodel.refusal.detect import FULL, PARTIAL, RefusalVerdict
from whichmodel.refusal.measure import CheckResult
from whichmodel.report.refusal_check import print_check, print_cross_validation

DECLINE = RefusalVerdict(True, "phrase", FULL, "decline")
APOLOGY = RefusalVerdict(True, "phrase", PARTIAL, "apology")
ANSWERED = RefusalVerdict(False, None)


def result(path: str, rows: list[tuple[str, RefusalVerdict, int]]) -> CheckResult:
    """A check of ``path``: ``n`` completions of each (true label, verdict)."""
    out = CheckResult(path)
    for true, verdict, n in rows:
        for _ in range(n):
            out.add(true, verdict)
    return out


# 5 refusals (4 found), 5 compliances (1 taken for a refusal):
# precision 4/5, recall 4/5
FIGURES = [
    (FULL, DECLINE, 3),
    (PARTIAL, APOLOGY, 1),
    (PARTIAL, ANSWERED, 1),
    ("compliance", DECLINE, 1),
    ("compliance", ANSWERED, 4),
]


def shown(print_fn, value) -> str:
    """What ``print_fn`` prints on a wide console that reads markup (rich's default)."""
    console = Console(file=io.StringIO(), width=160, record=True, color_system=None)
    print_fn(value, console)
    return console.export_text()


def cells(text: str, first: str) -> list[str]:
    """The cells of the first table row whose first cell is ``first``."""
    for line in text.splitlines():
        parts = [p.strip() for p in re.split("[│┃]", line)[1:-1]]
        if parts and parts[0] == first:
            return parts
    raise AssertionError(f"no row {first!r} in:\n{text}")


def test_a_check_prints_its_figures_and_both_confusion_matrices() -> None:
    text = shown(print_check, result("xstest_gpt4.csv", FIGURES))
    lines = text.splitlines()
    assert lines[0] == ("xstest_gpt4.csv: 10 completions; refused = full or partial refusal")
    assert lines[1] == "Precision 0.800   Recall 0.800   F1 0.800"
    words = " ".join(text.split())  # a title wider than its table wraps
    assert "Confusion matrix (rows: true label, columns: detected)" in words
    assert "Binary (refused = full or partial)" in words
    assert cells(text, "full refusal") == ["full refusal", "3", "0", "0"]
    assert cells(text, "partial refusal") == ["partial refusal", "0", "1", "1"]
    assert cells(text, "compliance") == ["compliance", "1", "0", "4"]
    assert cells(text, "refused") == ["refused", "4 (TP)", "1 (FN)"]
    assert cells(text, "not refused") == ["not refused", "1 (FP)", "4 (TN)"]
    assert lines[-1] == "Refusal signals that fired: decline 4, apology 1"


def test_a_check_where_nothing_fired_prints_no_signal_line() -> None:
    text = shown(print_check, result("plain.csv", [("compliance", ANSWERED, 3)]))
    assert "Precision 0.000   Recall 0.000   F1 0.000" in text
    assert "Refusal signals" not in text


def test_a_path_with_markup_prints_as_it_is() -> None:
    text = shown(print_check, result("runs/[/b]odd[red].csv", FIGURES))
    assert text.splitlines()[0].startswith("runs/[/b]odd[red].csv: 10 completions")


def test_cross_validation_prints_each_held_out_file_and_the_worst() -> None:
    good = result("data/a[red]x[bold].csv", FIGURES)
    # no partial refusal in this file: its partial recall is unknown, not 0
    worse = result(
        "data/b.csv", [(FULL, DECLINE, 1), (FULL, ANSWERED, 1), ("compliance", ANSWERED, 2)]
    )
    text = shown(print_cross_validation, [good, worse])
    assert "Leave one file (model) out: the classifier fitted on the other files" in text
    assert cells(text, "a[red]x[bold].csv") == [
        "a[red]x[bold].csv", "10", "0.800", "0.800", "0.800", "1.000", "0.500"
    ]  # fmt: skip
    assert cells(text, "b.csv") == ["b.csv", "4", "1.000", "0.500", "0.667", "0.500", "-"]
    assert text.splitlines()[-1] == "Worst held-out F1: 0.667 (data/b.csv)"
