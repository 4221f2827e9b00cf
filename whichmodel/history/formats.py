"""Log lines of each format -> history items (``items``): OpenAI request/response logs
and Batch API files, Portkey log exports, and whichmodel's own JSONL. Each reader takes
one parsed JSON line and returns an item, or raises ``Skip`` (not a replayable chat
completion: counted, not stored) or ``ImportFileError`` (the file is wrong: nothing is
stored)."""

from __future__ import annotations

import json
from typing import Any

from whichmodel.errors import ImportFileError
from whichmodel.history import items
from whichmodel.history.items import Skip
from whichmodel.history.records import parse_record

CHAT_PATH = "/v1/chat/completions"


def _metadata(value: Any) -> dict[str, str]:
    """Log metadata as a flat {key: text} dict (a JSON string is read as one)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    if not isinstance(value, dict):
        return {}
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in value.items()}


def _labels(item: dict[str, Any], raw: Any) -> None:
    """The log's metadata kept with the item, and ``category`` and ``label`` from it when
    it carries them."""
    meta = _metadata(raw)
    if not meta:
        return
    item["metadata"] = meta
    for key in ("category", "label"):
        if meta.get(key) and key not in item:
            item[key] = meta[key]


def _item(
    request_body: Any,
    response_body: Any,
    *,
    provider: str | None,
    extra: dict[str, Any],
) -> dict[str, Any]:
    messages, params = items.chat_request(request_body)
    item: dict[str, Any] = {"messages": messages}
    if params:
        item["request"] = params
    if response_body is not None:
        answer = items.chat_response(response_body)
        model = answer.pop("model", None) or request_body.get("model")
        item["production"] = {
            "provider": provider,
            "model": model,
            **answer,
            **{k: v for k, v in extra.items() if v is not None},
        }
    return item


# ---------------------------------------------------------------- OpenAI-format logs


def openai_line(obj: Any, where: str) -> dict[str, Any]:
    """``{"request": body, "response": body}`` (with optional metadata, created_at,
    latency_ms, trace_id, id), a bare request body, or an OpenAI Batch input line."""
    if not isinstance(obj, dict):
        raise ImportFileError(f"{where}: expected a JSON object.")
    if "custom_id" in obj and "body" in obj:  # Batch API input
        if obj.get("url") not in (CHAT_PATH, "/chat/completions"):
            raise Skip("not a chat completion (another batch endpoint)")
        item = _item(obj["body"], None, provider=None, extra={})
        item["id"] = str(obj["custom_id"])
        return item
    if "custom_id" in obj and "response" in obj:  # Batch API output: answers a stored input
        return batch_output(obj)
    if "request" in obj:
        request = obj["request"]
        if isinstance(request, dict) and "body" in request and "messages" not in request:
            request = request["body"]
        response = obj.get("response")
        if isinstance(response, dict) and "body" in response and "choices" not in response:
            if (response.get("status_code") or 200) >= 400:
                raise Skip("a failed request")
            response = response["body"]
        item = _item(
            request,
            response,
            provider=obj.get("provider"),
            extra={
                "latency_ms": obj.get("latency_ms"),
                "logged_at": items.utc_time(obj.get("created_at") or obj.get("timestamp")),
                "trace_id": obj.get("trace_id"),
                "cost_usd": obj.get("cost_usd"),
            },
        )
        _labels(item, obj.get("metadata"))
        if obj.get("id") is not None:
            item["id"] = str(obj["id"])
        return item
    if "messages" in obj or "input" in obj:  # a bare request body
        return _item(obj, None, provider=None, extra={})
    raise Skip("a line that is neither a request nor a request with its response")


def batch_output(obj: dict[str, Any]) -> dict[str, Any]:
    """An OpenAI Batch output line: the answer to the stored input ``custom_id``."""
    response = obj.get("response") or {}
    if obj.get("error") or (response.get("status_code") or 200) >= 400:
        raise Skip("a failed request")
    answer = items.chat_response(response.get("body"))
    model = answer.pop("model", None)
    return {"attach_to": str(obj["custom_id"]), "production": {"model": model, **answer}}


# ---------------------------------------------------------------- Portkey log exports


def portkey_line(obj: Any, where: str) -> dict[str, Any]:
    """One line of a Portkey logs export (fields as in Portkey's Logs Export docs: id,
    trace_id, created_at, request, response, is_success, ai_org, ai_model, req_units,
    res_units, cost (cents), response_time (ms), response_status_code, metadata)."""
    if not isinstance(obj, dict):
        raise ImportFileError(f"{where}: expected a JSON object.")
    status = obj.get("response_status_code")
    if obj.get("is_success") in (0, False, "0", "false") or (
        isinstance(status, int | str) and str(status).isdigit() and int(status) >= 400
    ):
        raise Skip("a failed request")
    request, response = obj.get("request"), obj.get("response")
    for name in ("request", "response"):
        value = obj.get(name)
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise Skip(f"a {name} that is not JSON") from None
        if (
            isinstance(value, dict)
            and "body" in value
            and not ({"messages", "choices"} & set(value))
        ):
            value = value["body"]
        if name == "request":
            request = value
        else:
            response = value
    if response is None:
        raise Skip("a request without its response")
    cost = obj.get("cost")
    item = _item(
        request,
        response,
        provider=obj.get("ai_org"),
        extra={
            "cost_usd": float(cost) / 100 if isinstance(cost, int | float) else None,
            "latency_ms": obj.get("response_time"),
            "logged_at": items.utc_time(obj.get("created_at")),
            "trace_id": obj.get("trace_id"),
        },
    )
    production = item["production"]
    if obj.get("ai_model"):
        production["model"] = obj["ai_model"]
    for ours, theirs in (("input_tokens", "req_units"), ("output_tokens", "res_units")):
        if production.get(ours) is None and isinstance(obj.get(theirs), int):
            production[ours] = obj[theirs]
    _labels(item, obj.get("metadata"))
    if obj.get("id") is not None:
        item["id"] = str(obj["id"])
    return item


# ---------------------------------------------------------------- whichmodel's JSONL


def jsonl_line(obj: Any, where: str) -> dict[str, Any]:
    """whichmodel's own line: ``prompt`` or ``messages`` (tool calls, tool results and
    text parts included), optional request fields (tools, tool_choice, response_format,
    temperature, top_p, max_tokens, stop, seed), ``metadata``, and a ``production`` answer
    ({text, tool_calls, model, provider, input_tokens, output_tokens, cost_usd, ...})."""
    record = parse_record(obj, where)
    try:
        params = items.request_params(obj)
    except Skip as exc:
        raise ImportFileError(f"{where}: {exc.reason}.") from None
    if params:
        record["request"] = params
    _labels(record, obj.get("metadata"))
    production = obj.get("production")
    if production is not None:
        if not isinstance(production, dict):
            raise ImportFileError(f'{where}: "production" must be an object.')
        try:
            calls = (
                items.tool_calls(production["tool_calls"]) if production.get("tool_calls") else []
            )
        except Skip as exc:
            raise ImportFileError(f"{where}: production {exc.reason}.") from None
        record["production"] = {
            **{k: v for k, v in production.items() if k != "tool_calls"},
            "tool_calls": calls,
        }
    return record


READERS = {"openai": openai_line, "portkey": portkey_line, "jsonl": jsonl_line}
