"""Measuring the refusal detector on labelled completions (XSTest's CSV format):
precision, recall, F1 and the full/partial/compliance confusion matrix; and the figure
that counts, on models it was not fitted on: ``cross_validate`` holds out each file (one
model's completions) in turn, fits the classifier on the others and checks the held-out
file with it."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whichmodel.errors import WhichmodelError
from whichmodel.refusal import classifier
from whichmodel.refusal.classifier import RefusalModel
from whichmodel.refusal.detect import FULL, PARTIAL, RefusalVerdict, detect

LABELS = {
    "2_full_refusal": FULL,
    "3_partial_refusal": PARTIAL,
    "1_full_compliance": "compliance",
}
TRUE_ORDER = (FULL, PARTIAL, "compliance")
DETECTED_ORDER = (FULL, PARTIAL, "not_refused")
REQUIRED_COLUMNS = ("completion", "final_label")


class RefusalCheckError(WhichmodelError):
    """A labelled-completions file cannot be checked."""


@dataclass
class CheckResult:
    path: str
    confusion: dict[str, dict[str, int]] = field(
        default_factory=lambda: {t: dict.fromkeys(DETECTED_ORDER, 0) for t in TRUE_ORDER}
    )
    """true label (full | partial | compliance) -> detected (full | partial | not_refused) -> n"""
    signals: Counter[str] = field(default_factory=Counter)

    def add(self, true: str, verdict: RefusalVerdict) -> None:
        detected = (verdict.kind or FULL) if verdict.refused else "not_refused"
        self.confusion[true][detected] += 1
        if verdict.refused:
            self.signals[verdict.signal or verdict.reason or "?"] += 1

    @property
    def rows(self) -> int:
        return sum(sum(d.values()) for d in self.confusion.values())

    def _count(self, true: tuple[str, ...], refused: bool) -> int:
        cols = (FULL, PARTIAL) if refused else ("not_refused",)
        return sum(self.confusion[t][c] for t in true for c in cols)

    @property
    def tp(self) -> int:
        return self._count((FULL, PARTIAL), True)

    @property
    def fn(self) -> int:
        return self._count((FULL, PARTIAL), False)

    @property
    def fp(self) -> int:
        return self._count(("compliance",), True)

    @property
    def tn(self) -> int:
        return self._count(("compliance",), False)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def recall_of(self, true: str) -> float | None:
        """Share of the ``true`` (full | partial) refusals detected as a refusal."""
        row = self.confusion[true]
        total = sum(row.values())
        return (row[FULL] + row[PARTIAL]) / total if total else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.path,
            "rows": self.rows,
            "positive": "full or partial refusal",
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "recall_full": self.recall_of(FULL),
            "recall_partial": self.recall_of(PARTIAL),
            "binary": {"tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn},
            "confusion": self.confusion,
            "signals": dict(self.signals.most_common()),
        }


def read_labelled(path: Path | str) -> list[tuple[str, str]]:
    """(completion, true label: full | partial | compliance) of every row of a CSV with
    XSTest's ``completion`` and ``final_label`` columns."""
    path = Path(path)
    hint = "pass a CSV with `completion` and `final_label` columns (XSTest's format)"
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "does not exist"
        raise RefusalCheckError(f"{path} {what}: {hint}.")
    rows = []
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            columns = [c.strip() for c in reader.fieldnames or []]
            if not columns:
                raise RefusalCheckError(f"{path} is empty: {hint}.")
            missing = [c for c in REQUIRED_COLUMNS if c not in columns]
            if missing:
                raise RefusalCheckError(
                    f"{path} has no {' and no '.join(repr(c) for c in missing)} column "
                    f"(found: {', '.join(columns)}): {hint}."
                )
            reader.fieldnames = columns
            for number, row in enumerate(reader, start=1):
                label = (row.get("final_label") or "").strip()
                if label not in LABELS:
                    raise RefusalCheckError(
                        f"{path}: row {number} (line {reader.line_num}) has final_label "
                        f"{label!r}; expected one of {', '.join(sorted(LABELS))}."
                    )
                rows.append((row.get("completion") or "", LABELS[label]))
    except UnicodeDecodeError as exc:
        raise RefusalCheckError(f"{path} is not UTF-8 text ({exc.reason}): {hint}.") from exc
    except csv.Error as exc:
        raise RefusalCheckError(f"{path} is not a readable CSV ({exc}): {hint}.") from exc
    if not rows:
        raise RefusalCheckError(f"{path} has a header but no rows: {hint}.")
    return rows


_SHIPPED: Any = object()


def check_file(path: Path | str, classifier: RefusalModel | None = _SHIPPED) -> CheckResult:
    """Run :func:`detect` (text only, no finish reason) on every ``completion`` of the file
    and count the outcomes (``classifier``: the shipped weights unless given; None: the
    phrases alone)."""
    result = CheckResult(str(path))
    extra = {} if classifier is _SHIPPED else {"classifier": classifier}
    for completion, label in read_labelled(path):
        result.add(label, detect(completion, **extra))
    return result


def cross_validate(paths: list[Path | str]) -> list[CheckResult]:
    """Each file checked by a detector whose classifier was fitted on the other files only
    (leave one file, i.e. one model, out). Needs two files or more."""
    if len(paths) < 2:
        raise RefusalCheckError(
            "--cross-validate holds each file out in turn: pass two labelled files or more "
            "(one per model)."
        )
    data = [read_labelled(p) for p in paths]
    grams = [[classifier.grams(text) for text, _ in rows] for rows in data]
    results = []
    for held, path in enumerate(paths):
        texts = [g for i, gs in enumerate(grams) if i != held for g in gs]
        labels = [
            label != "compliance" for i, rows in enumerate(data) if i != held for _, label in rows
        ]
        model = classifier.fit(texts, labels)
        result = CheckResult(str(path))
        for completion, label in data[held]:
            result.add(label, detect(completion, classifier=model))
        results.append(result)
    return results
