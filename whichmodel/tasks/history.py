"""Prompt history -> the prompts table.

One JSON object per line: ``{"prompt": "..."}`` or ``{"messages": [{"role", "content"}, ...]}``,
with optional ``reference``, ``category``, ``label`` and ``id``. The whole file is
checked first; a bad line stops the import with its line number and nothing from
the file is stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from whichmodel.errors import ImportFileError
from whichmodel.store import Store

ROLES = {"system", "user", "assistant"}
OPTIONAL = ("reference", "category", "label", "id")


def parse_record(obj: Any, where: str) -> dict[str, Any]:
    """Validate one history record; raise ImportFileError naming ``where``."""
    if not isinstance(obj, dict):
        raise ImportFileError(f'{where}: expected a JSON object with "prompt" or "messages".')
    if "prompt" in obj and "messages" in obj:
        raise ImportFileError(f'{where}: give either "prompt" or "messages", not both.')
    if "prompt" in obj:
        if not isinstance(obj["prompt"], str) or not obj["prompt"].strip():
            raise ImportFileError(f'{where}: "prompt" must be a non-empty string.')
        messages = [{"role": "user", "content": obj["prompt"]}]
    elif "messages" in obj:
        messages = obj["messages"]
        if not isinstance(messages, list) or not messages:
            raise ImportFileError(f'{where}: "messages" must be a non-empty list.')
        for i, m in enumerate(messages):
            if (
                not isinstance(m, dict)
                or m.get("role") not in ROLES
                or not isinstance(m.get("content"), str)
            ):
                raise ImportFileError(
                    f'{where}: messages[{i}] needs "role" (system, user or assistant) '
                    'and a string "content".'
                )
        messages = [{"role": m["role"], "content": m["content"]} for m in messages]
        if messages[-1]["role"] != "user":
            raise ImportFileError(f"{where}: the last message must be from the user.")
    else:
        raise ImportFileError(f'{where}: missing "prompt" or "messages".')
    record: dict[str, Any] = {"messages": messages}
    for key in OPTIONAL:
        value = obj.get(key)
        if value is not None:
            if not isinstance(value, (str, int, float)):
                raise ImportFileError(f'{where}: "{key}" must be a string.')
            record[key] = str(value)
    return record


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise ImportFileError(f"Cannot read {path}: {exc.strerror}.") from None
    with handle:
        for lineno, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ImportFileError(
                    f"{where}: invalid JSON ({exc.msg}); fix the line and "
                    "import again (nothing from this file was stored)."
                ) from None
            try:
                record = parse_record(obj, where)
            except ImportFileError as exc:
                raise ImportFileError(f"{exc} Nothing from this file was stored.") from None
            record["source"] = path.name
            yield record


def import_history(store: Store, path: str | Path) -> tuple[int, int, list[str]]:
    """Import a JSONL file; returns (records read, new prompts, prompt ids in file order)."""
    path = Path(path)
    records = list(read_jsonl(path))  # validate everything before storing anything
    if not records:
        raise ImportFileError(f"{path} has no prompts: one JSON object per line expected.")
    new, ids = store.add_prompts(records)
    return len(records), new, list(dict.fromkeys(ids))
