"""One line of a JSONL history -> a prompt record, checked.

``{"prompt": "..."}`` or ``{"messages": [...]}`` (OpenAI's chat format: system, user,
assistant with ``tool_calls``, tool results, text parts), with optional ``reference``,
``category``, ``label`` and ``id``. Every string must be storable text (a lone
surrogate from a JSON escape is not).
"""

from __future__ import annotations

import json
from typing import Any

from whichmodel.errors import ImportFileError

OPTIONAL = ("reference", "category", "label", "id")


def parse_record(obj: Any, where: str) -> dict[str, Any]:
    """Validate one history record; raise ImportFileError naming ``where``."""
    from whichmodel.history.items import Skip, messages

    if not isinstance(obj, dict):
        raise ImportFileError(f'{where}: expected a JSON object with "prompt" or "messages".')
    if "prompt" in obj and "messages" in obj:
        raise ImportFileError(f'{where}: give either "prompt" or "messages", not both.')
    if "prompt" in obj:
        if not isinstance(obj["prompt"], str) or not obj["prompt"].strip():
            raise ImportFileError(f'{where}: "prompt" must be a non-empty string.')
        turns = [{"role": "user", "content": obj["prompt"]}]
    elif "messages" in obj:
        if not isinstance(obj["messages"], list) or not obj["messages"]:
            raise ImportFileError(f'{where}: "messages" must be a non-empty list.')
        try:
            turns = messages(obj["messages"])
        except Skip as exc:
            raise ImportFileError(f"{where}: {exc.reason}.") from None
    else:
        raise ImportFileError(f'{where}: missing "prompt" or "messages".')
    record: dict[str, Any] = {"messages": turns}
    for key in OPTIONAL:
        value = obj.get(key)
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise ImportFileError(f'{where}: "{key}" must be a string.')
            record[key] = str(value)
    check_text(record, where)
    return record


def check_text(value: Any, where: str) -> None:
    """Every string in ``value`` can be stored as UTF-8 (no lone surrogates)."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ImportFileError(
            f"{where}: text is not valid Unicode (a lone surrogate {exc.object[exc.start]!r}); "
            "fix the JSON escape and import again."
        ) from None


def parse_line(text: str, where: str) -> Any:
    """A line's JSON value; any failure is one ``ImportFileError`` naming ``where``."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"{where}: invalid JSON ({exc.msg}); fix the line.") from None
    except RecursionError:
        raise ImportFileError(f"{where}: the JSON is nested too deeply to read.") from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise ImportFileError(f"{where}: unreadable JSON value ({exc}).") from None
