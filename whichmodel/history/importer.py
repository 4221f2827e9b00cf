"""A history file -> the prompts table, streamed: lines are read, checked and inserted
one batch at a time inside ONE transaction, so a bad line (or Ctrl-C, or kill -9)
leaves nothing from the file stored, and memory stays flat however long the file is."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whichmodel.errors import ImportFileError
from whichmodel.history.reading import lines
from whichmodel.history.records import parse_line, parse_record
from whichmodel.store import Store

Progress = Callable[[int], None]
"""progress(lines read so far)"""


@dataclass
class ImportResult:
    read: int
    """Records read from the file."""
    new: int
    """Prompts that were not stored before."""
    ids: list[str] = field(default_factory=list)
    """Prompt ids in file order, each once."""


def _records(path: Path, progress: Progress | None) -> Iterator[dict[str, Any]]:
    for number, text in lines(path):
        if progress is not None and number % 1000 == 0:
            progress(number)
        if not text.strip():
            continue
        where = f"{path}:{number}"
        record = parse_record(parse_line(text, where), where)
        record["source"] = path.name
        yield record


def import_history(
    store: Store, path: str | Path, *, progress: Progress | None = None
) -> ImportResult:
    """Import a JSONL history file whole, or (on any problem) not at all."""
    path = Path(path)
    count = 0

    def counted() -> Iterator[dict[str, Any]]:
        nonlocal count
        for record in _records(path, progress):
            count += 1
            yield record

    try:
        new, ids = store.add_prompts(counted())
    except ImportFileError as exc:
        raise ImportFileError(f"{exc} Nothing from this file was stored.") from None
    if not count:
        raise ImportFileError(f"{path} has no prompts: one JSON object per line expected.")
    return ImportResult(read=count, new=new, ids=list(dict.fromkeys(ids)))
