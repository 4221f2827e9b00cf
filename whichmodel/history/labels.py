"""Human labels to measure a judge against (``whichmodel judge-check``).

A JSONL file, one item a line, all of one kind:
- scores:    ``{"prompt"|"messages", "answer", "score": 0.0-1.0}``
- pass/fail: ``{"prompt"|"messages", "answer", "pass": true|false}``
- pairwise:  ``{"prompt"|"messages", "answer_a", "answer_b", "preference": "A"|"B"|"tie"}``
- refusals:  ``{"prompt"|"messages", "answer", "refused": true|false}``
each optionally with ``reference``; or a CSV of XSTest's labelled completions (``prompt``,
``completion``, ``final_label``): refusals, a full or partial refusal counting as refused.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from whichmodel.errors import ImportFileError
from whichmodel.history.records import parse_line, parse_record

Kind = Literal["scores", "pass_fail", "pairwise", "refusals"]
KEYS: dict[str, Kind] = {
    "score": "scores",
    "pass": "pass_fail",
    "preference": "pairwise",
    "refused": "refusals",
}
XSTEST_REFUSED = {"2_full_refusal": True, "3_partial_refusal": True, "1_full_compliance": False}


@dataclass
class LabelledItem:
    messages: list[dict[str, Any]]
    answer: str = ""
    answer_b: str = ""
    label: Any = None
    """float (scores), bool (pass_fail, refusals) or "A" | "B" | "tie" (pairwise)"""
    reference: str | None = None


def _label(kind: Kind, value: Any, where: str) -> Any:
    if kind == "scores":
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise ImportFileError(f'{where}: "score" must be a number from 0 to 1.')
        return float(value)
    if kind == "pairwise":
        if value not in ("A", "B", "tie"):
            raise ImportFileError(f'{where}: "preference" must be "A", "B" or "tie".')
        return value
    if not isinstance(value, bool):
        name = "pass" if kind == "pass_fail" else "refused"
        raise ImportFileError(f'{where}: "{name}" must be true or false.')
    return value


def _json_item(obj: Any, where: str) -> tuple[Kind, LabelledItem]:
    if not isinstance(obj, dict):
        raise ImportFileError(f"{where}: expected a JSON object.")
    found = [k for k in KEYS if k in obj]
    if len(found) != 1:
        raise ImportFileError(
            f'{where}: give exactly one label: "score", "pass", "preference" or "refused".'
        )
    kind = KEYS[found[0]]
    record = parse_record({k: v for k, v in obj.items() if k in ("prompt", "messages")}, where)
    texts = ("answer_a", "answer_b") if kind == "pairwise" else ("answer",)
    for key in texts:
        if not isinstance(obj.get(key), str):
            raise ImportFileError(f'{where}: "{key}" must be a string.')
    reference = obj.get("reference")
    return kind, LabelledItem(
        messages=record["messages"],
        answer=obj[texts[0]],
        answer_b=obj.get("answer_b", "") if kind == "pairwise" else "",
        label=_label(kind, obj[found[0]], where),
        reference=reference if isinstance(reference, str) else None,
    )


def read_labels(path: Path, limit: int | None = None) -> tuple[Kind, list[LabelledItem]]:
    """The kind of labels in ``path`` and its items (the first ``limit``)."""
    if not path.is_file():
        raise ImportFileError(f"{path} is not a file: pass a labelled JSONL or XSTest CSV.")
    items: list[LabelledItem] = []
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as fh:
            for number, row in enumerate(csv.DictReader(fh), start=2):
                label = (row.get("final_label") or "").strip()
                if label not in XSTEST_REFUSED or not (row.get("prompt") or "").strip():
                    raise ImportFileError(
                        f"{path}:{number}: expected XSTest's prompt, completion and final_label "
                        "columns (final_label 1_full_compliance, 2_full_refusal or "
                        "3_partial_refusal)."
                    )
                items.append(
                    LabelledItem(
                        messages=[{"role": "user", "content": row["prompt"]}],
                        answer=row.get("completion") or "",
                        label=XSTEST_REFUSED[label],
                    )
                )
                if limit and len(items) >= limit:
                    break
        kind: Kind = "refusals"
    else:
        kinds: set[Kind] = set()
        with path.open(encoding="utf-8-sig") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                where = f"{path}:{number}"
                found, item = _json_item(parse_line(line, where), where)
                kinds.add(found)
                if len(kinds) > 1:
                    raise ImportFileError(f"{where}: every line must carry the same kind of label.")
                items.append(item)
                if limit and len(items) >= limit:
                    break
        kind = kinds.pop() if kinds else "scores"
    if not items:
        raise ImportFileError(f"{path} holds no labelled items.")
    return kind, items
