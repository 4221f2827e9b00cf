"""A history source -> the prompts table, streamed: items are read, checked and inserted
one batch at a time inside ONE transaction, so a bad line (or Ctrl-C, or kill -9)
leaves nothing from the file stored, and memory stays flat however long the file is.

Formats (``fmt="auto"`` tells them apart): ``jsonl`` (whichmodel's own), ``openai``
(request/response logs and OpenAI Batch files), ``portkey`` (a Portkey logs export) and
``llm`` (the logs.db of Simon Willison's llm). Rows that are not replayable chat
completions are skipped and counted by reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from whichmodel.errors import ImportFileError
from whichmodel.history.formats import READERS
from whichmodel.history.items import Skip
from whichmodel.history.llm_log import Turns, llm_items
from whichmodel.history.reading import lines
from whichmodel.history.records import check_text, parse_line
from whichmodel.records.runs import HistoryItem, LaterAnswer, Production
from whichmodel.store import Store
from whichmodel.store.llm_logs import is_sqlite

Format = Literal["auto", "jsonl", "openai", "portkey", "llm"]
FORMATS = ("auto", "jsonl", "openai", "portkey", "llm")
Progress = Callable[[int], None]
"""progress(lines or rows read so far)"""
PORTKEY_KEYS = {"ai_org", "ai_model", "req_units", "res_units", "response_time", "is_success"}


@dataclass
class ImportResult:
    read: int
    """Items read (rows that were chat completions whichmodel can replay)."""
    new: int
    """Prompts that were not stored before."""
    ids: list[str] = field(default_factory=list)
    """Prompt ids in file order, each once."""
    format: str = "jsonl"
    answers: int = 0
    """Production answers stored with their prompts."""
    skipped: Counter[str] = field(default_factory=Counter)
    """Rows not imported, by reason."""


def typed(item: dict[str, Any], source: str | None) -> HistoryItem | LaterAnswer:
    """A reader's item as the record the store keeps."""
    if "attach_to" in item:
        return LaterAnswer(item["attach_to"], Production.of(item["production"], source), source)
    return HistoryItem.of(item, source)


def sniff(path: Path) -> str:
    """The format of ``path`` from its first line (or an SQLite header)."""
    if is_sqlite(path):
        return "llm"
    for number, text in lines(path):
        if not text.strip():
            continue
        obj = parse_line(text, f"{path}:{number}")
        if not isinstance(obj, dict):
            break
        keys = set(obj)
        if keys & PORTKEY_KEYS:
            return "portkey"
        if "custom_id" in keys or "request" in keys or ("model" in keys and "messages" in keys):
            return "openai"
        if "prompt" in keys or "messages" in keys:
            return "jsonl"
        break
    raise ImportFileError(
        f"Cannot tell the format of {path} from its first line: pass --format "
        "jsonl, openai, portkey or llm."
    )


def _line_items(
    path: Path, fmt: str, progress: Progress | None, skipped: Counter[str]
) -> Iterator[dict[str, Any]]:
    read = READERS[fmt]
    for number, text in lines(path):
        if progress is not None and number % 1000 == 0:
            progress(number)
        if not text.strip():
            continue
        where = f"{path}:{number}"
        try:
            yield read(parse_line(text, where), where)
        except Skip as exc:
            skipped[exc.reason] += 1


def _llm(
    path: Path, turns: Turns, progress: Progress | None, skipped: Counter[str]
) -> Iterator[dict[str, Any]]:
    for n, found in enumerate(llm_items(path, turns), start=1):
        if progress is not None and n % 100 == 0:
            progress(n)
        if isinstance(found, Skip):
            skipped[found.reason] += 1
        else:
            yield found


def import_history(
    store: Store,
    path: str | Path,
    *,
    fmt: Format = "auto",
    turns: Turns = "last",
    progress: Progress | None = None,
) -> ImportResult:
    """Import a history source whole, or (on any problem) not at all."""
    path = Path(path)
    if not path.exists():
        raise ImportFileError(f"Cannot read {path}: No such file or directory.")
    if path.is_dir():
        raise ImportFileError(f"{path} is a folder: pass a history file.")
    fmt = sniff(path) if fmt == "auto" else fmt
    if fmt not in FORMATS[1:]:
        raise ImportFileError(f"Unknown format {fmt!r}: use jsonl, openai, portkey or llm.")
    if fmt == "llm" and not is_sqlite(path):
        raise ImportFileError(f"{path} is not an SQLite file: --format llm reads llm's logs.db.")
    skipped: Counter[str] = Counter()
    count = 0
    source = path.name
    found = (
        _llm(path, turns, progress, skipped)
        if fmt == "llm"
        else _line_items(path, fmt, progress, skipped)
    )

    def checked() -> Iterator[HistoryItem | LaterAnswer]:
        nonlocal count
        for item in found:
            check_text(item, f"{path} (item {count + 1})")
            if "attach_to" not in item:
                count += 1
            yield typed(item, source)

    try:
        added = store.add_history(checked())
    except ImportFileError as exc:
        raise ImportFileError(f"{exc} Nothing from this file was stored.") from None
    for _ in added.unmatched:
        skipped["a batch output whose input is not stored (import the input file first)"] += 1
    if not count and not added.answers:
        reasons = "; ".join(f"{n} {reason}" for reason, n in skipped.most_common(3))
        raise ImportFileError(
            f"{path} has no prompts to import"
            + (f" (skipped: {reasons})" if reasons else ": one JSON object per line expected")
            + "."
        )
    return ImportResult(
        read=count,
        new=added.new,
        ids=list(dict.fromkeys(added.ids)),
        format=fmt,
        answers=added.answers,
        skipped=skipped,
    )
