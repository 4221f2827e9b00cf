"""``llm``'s logs.db -> history items: each conversation becomes one multi-turn item (its
system prompt, earlier turns, tool calls and tool results included) whose production
answer is its last turn; with ``turns="all"`` every turn of it is an item of its own.
Both the message tree of llm 0.32+ and the legacy ``responses`` tables are read."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from whichmodel.history import items
from whichmodel.history.items import Skip
from whichmodel.store.llm_logs import LlmLogs

Turns = Literal["last", "all"]
# llm option names that are request parameters a replay sends again
OPTIONS = {"temperature": "temperature", "top_p": "top_p", "max_tokens": "max_tokens"}
OPTIONS |= {"stop": "stop", "seed": "seed"}


def _tools(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        schema = json.loads(row["input_schema"]) if row.get("input_schema") else {}
        out.append(
            {
                "type": "function",
                "function": {
                    "name": row["name"],
                    "description": row.get("description") or "",
                    "parameters": schema or {"type": "object", "properties": {}},
                },
            }
        )
    return out


def _request(
    options_json: str | None, schema: str | None, tools: list[dict[str, Any]]
) -> dict[str, Any]:
    params: dict[str, Any] = {}
    options = json.loads(options_json) if options_json else {}
    for theirs, ours in OPTIONS.items():
        if options.get(theirs) is not None:
            params[ours] = options[theirs]
    if schema:
        params["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "schema", "schema": json.loads(schema)},
        }
    elif options.get("json_object"):
        params["response_format"] = {"type": "json_object"}
    if tools:
        params["tools"] = tools
    return params


def _production(turn: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    return {
        "provider": None,
        "model": turn.get("resolved_model") or turn.get("model"),
        **answer,
        "input_tokens": turn.get("input_tokens"),
        "output_tokens": turn.get("output_tokens"),
        "latency_ms": turn.get("duration_ms"),
        "logged_at": items.utc_time(turn.get("datetime_utc")),
    }


# ---------------------------------------------------------------- llm >= 0.32


class _Tree:
    def __init__(self, logs: LlmLogs):
        self.logs = logs

    def _text(self, part: dict[str, Any]) -> str:
        if part["text"] is not None:
            return str(part["text"])
        refs = part["payload"].get("text_ref") or []
        found = self.logs.fragments([r["fragment"] for r in refs if "fragment" in r])
        return "".join(
            found.get(r["fragment"], "") if "fragment" in r else str(r.get("literal", ""))
            for r in refs
        )

    def message(self, msg: dict[str, Any], ids: dict[str, list[str]]) -> list[dict[str, Any]]:
        """One stored message as OpenAI messages (a tool message holds several results)."""
        role, parts = msg["role"], msg["parts"]
        if any(p["type"] == "attachment" for p in parts):
            raise Skip("image content (not replayed)")
        if role == "tool":
            out = []
            for p in parts:
                if p["type"] != "tool_result":
                    continue
                call_id = p["payload"].get("tool_call_id")
                if not call_id:  # replayed legacy history: the calls of that name, in order
                    pending = ids.get(p["payload"].get("name") or p["tool_name"], [])
                    call_id = pending.pop(0) if pending else None
                out.append(
                    {
                        "role": "tool",
                        "tool_call_id": call_id,
                        "content": str(p["payload"].get("output", "")),
                    }
                )
            return out
        text = "".join(self._text(p) for p in parts if p["type"] == "text")
        calls = []
        for i, p in enumerate(p for p in parts if p["type"] == "tool_call"):
            payload = p["payload"]
            call_id = payload.get("tool_call_id") or f"call_{msg['hash'][-8:]}_{i}"
            name = payload.get("name") or p["tool_name"]
            ids.setdefault(name, []).append(call_id)
            calls.append(
                {
                    "id": call_id,
                    "name": name,
                    "arguments": json.dumps(payload.get("arguments") or {}),
                }
            )
        message: dict[str, Any] = {"role": role, "content": text if text or not calls else None}
        if calls:
            message["tool_calls"] = items.openai_tool_calls(calls)
        return [message]

    def items(self, turns: Turns) -> Iterator[dict[str, Any] | Skip]:
        for thread in self.logs.threads():
            try:
                chain = self.logs.chain(thread["tip_message_hash"])
                position = {m["hash"]: i for i, m in enumerate(chain)}
                all_turns = self.logs.turns(thread["id"])
            except Skip as exc:
                yield exc
                continue
            chosen = all_turns if turns == "all" else all_turns[-1:]
            for turn in chosen:
                try:
                    yield self._item(chain, position, turn)
                except Skip as exc:
                    yield exc

    def _item(
        self, chain: list[dict[str, Any]], position: dict[str, int], turn: dict[str, Any]
    ) -> dict[str, Any]:
        start, end = (
            position.get(turn["parent_message_hash"]),
            position.get(turn["tip_message_hash"]),
        )
        if start is None or end is None:
            raise Skip("a turn outside its conversation's messages")
        ids: dict[str, list[str]] = {}
        openai: list[dict[str, Any]] = []
        for msg in chain[: start + 1]:
            openai += self.message(msg, ids)
        answers = [m for msg in chain[start + 1 : end + 1] for m in self.message(msg, ids)]
        final = next((m for m in reversed(answers) if m["role"] == "assistant"), None)
        if final is None:
            raise Skip("a turn without an answer")
        calls = items.tool_calls(final["tool_calls"]) if final.get("tool_calls") else []
        answer = {"text": final["content"] or "", "tool_calls": calls, "finish_reason": None}
        tools = _tools(self.logs.turn_tools(turn["id"]))
        request = _request(turn.get("options_json"), self.logs.schema(turn.get("schema_id")), tools)
        item: dict[str, Any] = {"messages": items.messages(openai)}
        if request:
            item["request"] = items.request_params(request)
        item["production"] = _production(turn, answer)
        item["id"] = turn["id"]
        return item


# ---------------------------------------------------------------- llm <= 0.31


def _legacy_items(logs: LlmLogs, turns: Turns) -> Iterator[dict[str, Any] | Skip]:
    for rows in logs.legacy_conversations(logs.turn_ids(), logs.thread_ids()):
        try:
            yield from _legacy_conversation(logs, rows, turns)
        except Skip as exc:
            yield exc


def _legacy_conversation(
    logs: LlmLogs, rows: list[dict[str, Any]], turns: Turns
) -> Iterator[dict[str, Any] | Skip]:
    history: list[dict[str, Any]] = []
    system_set = False
    calls_by_name: dict[str, list[str]] = {}
    for n, row in enumerate(rows):
        extra = logs.legacy_extras(row["id"])
        system = "\n\n".join(
            s.strip()
            for s in [
                *(f["content"] for f in extra.get("system_fragments", [])),
                row.get("system") or "",
            ]
            if s and s.strip()
        )
        if system and not system_set:
            history.insert(0, {"role": "system", "content": system})
            system_set = True
        for result in extra.get("tool_results", []):
            call_id = result.get("tool_call_id")
            if not call_id:
                pending = calls_by_name.get(result["name"], [])
                call_id = pending.pop(0) if pending else None
            history.append(
                {"role": "tool", "tool_call_id": call_id, "content": str(result["output"])}
            )
        prompt = "\n".join(
            [
                *(f["content"] for f in extra.get("prompt_fragments", [])),
                *([row["prompt"]] if row.get("prompt") else []),
            ]
        )
        if prompt:
            history.append({"role": "user", "content": prompt})
        calls = []
        for i, call in enumerate(extra.get("tool_calls", [])):
            call_id = call.get("tool_call_id") or f"call_{row['id']}_{i}"
            calls_by_name.setdefault(call["name"], []).append(call_id)
            calls.append(
                {"id": call_id, "name": call["name"], "arguments": call.get("arguments") or "{}"}
            )
        answer = {"text": row.get("response") or "", "tool_calls": calls, "finish_reason": None}
        if turns == "all" or n == len(rows) - 1:
            try:
                tools = _tools(extra.get("tools", []))
                request = _request(
                    row.get("options_json"), logs.schema(row.get("schema_id")), tools
                )
                item: dict[str, Any] = {"messages": items.messages(list(history))}
                if request:
                    item["request"] = items.request_params(request)
                item["production"] = _production(row, answer)
                item["id"] = row["id"]
                yield item
            except Skip as exc:
                yield exc
        message: dict[str, Any] = {
            "role": "assistant",
            "content": answer["text"] or (None if calls else ""),
        }
        if calls:
            message["tool_calls"] = items.openai_tool_calls(calls)
        history.append(message)


def llm_items(path: Path, turns: Turns = "last") -> Iterator[dict[str, Any] | Skip]:
    """Every conversation of an llm logs.db as an item (or the reason it is skipped)."""
    logs = LlmLogs(path)
    try:
        if logs.has_tree():
            yield from _Tree(logs).items(turns)
        yield from _legacy_items(logs, turns)
    finally:
        logs.close()
