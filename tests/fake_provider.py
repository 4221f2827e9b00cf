"""A fake LLM provider: an HTTP server on 127.0.0.1 speaking just enough OpenAI and
Anthropic for the gateway and the clients (stdlib only, one background thread).

Endpoints (non-streaming):
- ``POST /v1/chat/completions``  OpenAI; ``usage`` has ``prompt_tokens``,
  ``completion_tokens``, ``total_tokens``, ``prompt_tokens_details.cached_tokens``.
- ``POST /v1/messages``          Anthropic; ``usage`` has ``input_tokens`` (excluding
  cache reads, as Anthropic counts), ``output_tokens``, ``cache_read_input_tokens``.
- ``GET /v1/models``             a one-entry model list.

Behaviour by requested model name (the part after the last ``/``; segments can be
combined, e.g. ``fake-slow-200-filter``):

==================  =====================================================================
``fake-429``        status 429 (``fake-NNN``: any status >= 400, e.g. ``fake-500``, ``fake-503``)
``fake-filter``     a refusal: OpenAI ``finish_reason: "content_filter"``,
                    Anthropic ``stop_reason: "refusal"``
``fake-empty``      an empty answer (``""``; Anthropic ``content: []``)
``fake-length``     cut short: ``finish_reason: "length"`` / ``stop_reason: "max_tokens"``
``fake-slow-MS``    answer after MS milliseconds
``fake-tools``      when tools are offered: call the first one with arguments that fit its
                    schema (OpenAI ``tool_calls`` / Anthropic ``tool_use`` blocks)
``fake-badargs``    when tools are offered: call the first one with ``{}``
``fake-json``       when JSON is asked for (``response_format``): a JSON object that fits
                    the schema (json_object: ``{"answer": <echo>}``)
anything else       ``"echo: <last user message>"``, finish ``stop`` / ``end_turn`` (the
                    requested format and tools ignored)
==================  =====================================================================

Tests can also script behaviour per server with :meth:`FakeProvider.set` (per model,
or for every model with ``model=None``; optionally only for the next ``times`` requests).
Scripts win over the name convention. ``responder(body, path, headers)`` may return a
``str`` (the answer text, wrapped in the route's format), a :class:`Reply`, or a ``dict``
(sent as the raw JSON body; build one with :func:`openai_body` / :func:`anthropic_body`).

Token counts are deterministic: one token per whitespace-separated word of all message
texts (prompt) and of the answer (completion); ``cached_tokens`` comes from the script.

Every request is recorded (:attr:`FakeProvider.requests`, :meth:`count`, :meth:`clear`)
before its behaviour runs, so failed and retried calls are counted too.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

HOST = "127.0.0.1"
OPENAI_PATH = "/v1/chat/completions"
ANTHROPIC_PATH = "/v1/messages"

Responder = Callable[[dict[str, Any], str, dict[str, str]], "str | dict[str, Any] | Reply"]


@dataclass(frozen=True)
class Reply:
    """A structured answer from a responder. ``finish`` is OpenAI's vocabulary
    (``stop``, ``length``, ``content_filter``); the Anthropic route translates it."""

    text: str
    finish: str = "stop"
    cached_tokens: int = 0
    prompt_tokens: int | None = None  # None: count the words of the request
    completion_tokens: int | None = None
    tool_calls: tuple[tuple[str, dict[str, Any]], ...] = ()
    """(tool name, arguments) calls; OpenAI ``tool_calls``, Anthropic ``tool_use``."""


@dataclass(frozen=True)
class Behavior:
    """What the server does for one request."""

    status: int = 200
    delay_ms: int = 0
    retry_after: float | None = None  # seconds, sent as the retry-after header with errors
    text: str | None = None  # None: echo the last user message
    finish: str = "stop"  # stop | length | content_filter
    cached_tokens: int = 0
    responder: Responder | None = None
    tools: str | None = None  # None | "fit" | "empty": call the first offered tool
    json: bool = False  # answer JSON fitting the requested response_format


@dataclass
class _Script:
    behavior: Behavior
    times: int | None  # None: for ever


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: Any  # parsed JSON, or None
    timestamp: float = field(default_factory=time.time)

    @property
    def model(self) -> str | None:
        return self.body.get("model") if isinstance(self.body, dict) else None


# ---------------------------------------------------------------- response bodies

_ids = itertools.count(1)


def _text_of(content: Any) -> str:
    """Text of an OpenAI or Anthropic content field (a string or a list of blocks)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            str(part.get("text", ""))
            for part in content
            if isinstance(part, dict) and part.get("type") in (None, "text")
        )
    return ""


def _words(text: str) -> int:
    return len(text.split())


def prompt_text(body: dict[str, Any]) -> str:
    """All message texts of a request (system included), joined by newlines."""
    parts = [_text_of(body.get("system"))] if body.get("system") else []
    parts += [_text_of(m.get("content")) for m in body.get("messages", []) if isinstance(m, dict)]
    return "\n".join(p for p in parts if p)


def last_user_text(body: dict[str, Any]) -> str:
    for message in reversed(body.get("messages", [])):
        if isinstance(message, dict) and message.get("role") == "user":
            return _text_of(message.get("content"))
    return ""


def openai_body(
    text: str,
    model: str,
    *,
    finish: str = "stop",
    prompt_tokens: int = 1,
    completion_tokens: int | None = None,
    cached_tokens: int = 0,
    tool_calls: tuple[tuple[str, dict[str, Any]], ...] = (),
) -> dict[str, Any]:
    completion = _words(text) if completion_tokens is None else completion_tokens
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if tool_calls:
        message = {
            "role": "assistant",
            "content": text or None,
            "tool_calls": [
                {
                    "id": f"call_fake_{next(_ids)}",
                    "type": "function",
                    "function": {"name": name, "arguments": json.dumps(args)},
                }
                for name, args in tool_calls
            ],
        }
        finish = "tool_calls" if finish == "stop" else finish
    return {
        "id": f"chatcmpl-fake-{next(_ids)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": finish,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": prompt_tokens + completion,
            "prompt_tokens_details": {"cached_tokens": cached_tokens},
        },
    }


_ANTHROPIC_STOP = {"stop": "end_turn", "length": "max_tokens", "content_filter": "refusal"}


def anthropic_body(
    text: str,
    model: str,
    *,
    finish: str = "stop",
    prompt_tokens: int = 1,
    completion_tokens: int | None = None,
    cached_tokens: int = 0,
    tool_calls: tuple[tuple[str, dict[str, Any]], ...] = (),
) -> dict[str, Any]:
    """``prompt_tokens`` counts everything; Anthropic reports it split into
    ``input_tokens`` (uncached) and ``cache_read_input_tokens``."""
    completion = _words(text) if completion_tokens is None else completion_tokens
    content: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    content += [
        {"type": "tool_use", "id": f"toolu_fake_{next(_ids)}", "name": name, "input": args}
        for name, args in tool_calls
    ]
    stop = _ANTHROPIC_STOP.get(finish, finish)
    if tool_calls and finish == "stop":
        stop = "tool_use"
    return {
        "id": f"msg_fake_{next(_ids)}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {
            "input_tokens": max(prompt_tokens - cached_tokens, 0),
            "output_tokens": completion,
            "cache_read_input_tokens": cached_tokens,
            "cache_creation_input_tokens": 0,
        },
    }


def error_body(path: str, status: int, message: str) -> dict[str, Any]:
    kind = {
        400: "invalid_request_error",
        401: "authentication_error",
        404: "not_found_error",
        429: "rate_limit_error",
        529: "overloaded_error",
    }.get(status, "api_error")
    if path == ANTHROPIC_PATH:
        return {"type": "error", "error": {"type": kind, "message": message}}
    return {"error": {"message": message, "type": kind, "param": None, "code": str(status)}}


# ---------------------------------------------------------------- model-name convention


def behavior_from_model(model: str | None) -> Behavior:
    """The behaviour a model name asks for (see the module docstring)."""
    name = (model or "").rsplit("/", 1)[-1]
    if not name.startswith("fake-"):
        return Behavior()
    behavior = Behavior()
    segments = name.split("-")[1:]
    i = 0
    while i < len(segments):
        seg = segments[i]
        if seg == "slow" and i + 1 < len(segments) and segments[i + 1].isdigit():
            behavior = replace(behavior, delay_ms=int(segments[i + 1]))
            i += 1
        elif re.fullmatch(r"[45]\d\d", seg):
            behavior = replace(behavior, status=int(seg))
        elif seg == "filter":
            behavior = replace(behavior, finish="content_filter")
        elif seg == "length":
            behavior = replace(behavior, finish="length")
        elif seg == "empty":
            behavior = replace(behavior, text="")
        elif seg == "tools":
            behavior = replace(behavior, tools="fit")
        elif seg == "badargs":
            behavior = replace(behavior, tools="empty")
        elif seg == "json":
            behavior = replace(behavior, json=True)
        i += 1
    return behavior


# ---------------------------------------------------------------- tools and JSON


def offered_tools(body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(name, JSON schema of the arguments) of each tool a request offers, in either
    route's shape (OpenAI ``function.parameters``, Anthropic ``input_schema``)."""
    out = []
    for tool in body.get("tools") or []:
        if not isinstance(tool, dict):
            continue
        if isinstance(tool.get("function"), dict):
            out.append((tool["function"]["name"], tool["function"].get("parameters") or {}))
        elif "name" in tool:
            out.append((tool["name"], tool.get("input_schema") or {}))
    return out


def instance_of(schema: Any, hint: str = "x") -> Any:
    """A value that fits a (simple) JSON schema: required properties filled in, the
    first enum value, ``hint`` for strings."""
    if not isinstance(schema, dict):
        return hint
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties") or {}
        keys = schema.get("required") or list(props)
        return {k: instance_of(props.get(k), hint) for k in keys}
    if kind == "array":
        return [instance_of(schema.get("items"), hint)]
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return True
    return hint


def json_answer(body: dict[str, Any], echo: str) -> str | None:
    """The JSON text that fits the request's ``response_format`` (None: none asked)."""
    fmt = body.get("response_format")
    if not isinstance(fmt, dict) or fmt.get("type") not in ("json_object", "json_schema"):
        return None
    if fmt["type"] == "json_schema":
        return json.dumps(instance_of((fmt.get("json_schema") or {}).get("schema"), echo))
    return json.dumps({"answer": echo})


# ---------------------------------------------------------------- the server


class FakeProvider:
    """The fake provider server. ``url`` is ``http://127.0.0.1:PORT`` (no ``/v1``);
    use ``base_url`` (with ``/v1``) as the gateway's custom host."""

    def __init__(self, port: int = 0) -> None:
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._scripts: dict[str | None, _Script] = {}
        self._server = ThreadingHTTPServer((HOST, port), _make_handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------
    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def start(self) -> FakeProvider:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"fake-provider-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> FakeProvider:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- scripting ------------------------------------------------------------------
    def set(
        self,
        model: str | None = None,
        *,
        times: int | None = None,
        status: int = 200,
        delay_ms: int = 0,
        retry_after: float | None = None,
        text: str | None = None,
        finish: str = "stop",
        cached_tokens: int = 0,
        responder: Responder | None = None,
    ) -> None:
        """Script the behaviour for ``model`` (every model if None), for the next ``times``
        requests or for ever. Later calls for the same model replace earlier ones."""
        behavior = Behavior(
            status=status,
            delay_ms=delay_ms,
            retry_after=retry_after,
            text=text,
            finish=finish,
            cached_tokens=cached_tokens,
            responder=responder,
        )
        with self._lock:
            self._scripts[model] = _Script(behavior, times)

    def reset(self) -> None:
        """Forget scripts and recorded requests."""
        with self._lock:
            self._scripts.clear()
            self._requests.clear()

    def _behavior_for(self, model: str | None) -> Behavior:
        with self._lock:
            for key in (model, None):
                script = self._scripts.get(key)
                if script is None:
                    continue
                if script.times is not None:
                    script.times -= 1
                    if script.times <= 0:
                        del self._scripts[key]
                return script.behavior
        return behavior_from_model(model)

    # -- recording ------------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def last(self) -> RecordedRequest:
        with self._lock:
            return self._requests[-1]

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()

    def count(self, model: str | None = None, path: str | None = None) -> int:
        return sum(
            1
            for r in self.requests
            if (model is None or r.model == model) and (path is None or r.path == path)
        )

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def __repr__(self) -> str:
        return f"FakeProvider({self.url}, {len(self._requests)} requests)"


def _make_handler(provider: FakeProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "FakeProvider/1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _read_body(self) -> bytes:
            if self.headers.get("transfer-encoding", "").lower() == "chunked":
                data = b""
                while True:
                    size = int(self.rfile.readline().strip().split(b";")[0], 16)
                    if size == 0:
                        self.rfile.readline()
                        return data
                    data += self.rfile.read(size)
                    self.rfile.readline()
            length = int(self.headers.get("content-length") or 0)
            return self.rfile.read(length) if length else b""

        def _send(
            self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
        ) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _record(self, body: Any) -> None:
            provider._record(
                RecordedRequest(
                    method=self.command,
                    path=self.path.split("?", 1)[0],
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
            )

        def do_GET(self) -> None:  # noqa: N802
            self._record(None)
            if self.path.startswith("/v1/models"):
                self._send(
                    200,
                    {
                        "object": "list",
                        "data": [
                            {
                                "id": "fake-model",
                                "object": "model",
                                "created": 0,
                                "owned_by": "fake",
                            }
                        ],
                    },
                )
            else:
                self._send(404, error_body(self.path, 404, f"no route {self.path}"))

        def do_POST(self) -> None:  # noqa: N802
            raw = self._read_body()
            try:
                body: Any = json.loads(raw) if raw else None
            except ValueError:
                body = None
            self._record(body)
            path = self.path.split("?", 1)[0]
            if path not in (OPENAI_PATH, ANTHROPIC_PATH):
                self._send(404, error_body(path, 404, f"no route {path}"))
                return
            if not isinstance(body, dict):
                self._send(400, error_body(path, 400, "the body is not a JSON object"))
                return
            if body.get("stream"):
                self._send(400, error_body(path, 400, "the fake provider does not stream"))
                return
            if path == ANTHROPIC_PATH and "max_tokens" not in body:
                self._send(400, error_body(path, 400, "max_tokens: Field required"))
                return
            model = str(body.get("model", ""))
            behavior = provider._behavior_for(model)
            if behavior.delay_ms:
                time.sleep(behavior.delay_ms / 1000)
            if behavior.status >= 400:
                extra = {}
                if behavior.retry_after is not None:
                    extra["retry-after"] = f"{behavior.retry_after:g}"
                message = f"fake {behavior.status} for {model}"
                self._send(behavior.status, error_body(path, behavior.status, message), extra)
                return
            reply: str | dict[str, Any] | Reply
            if behavior.responder is not None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                reply = behavior.responder(body, path, headers)
            else:
                text = behavior.text
                if text is None:
                    text = f"echo: {last_user_text(body)}"
                tools = offered_tools(body) if behavior.tools else []
                calls: tuple[tuple[str, dict[str, Any]], ...] = ()
                if tools:
                    name, schema = tools[0]
                    args = instance_of(schema) if behavior.tools == "fit" else {}
                    calls, text = ((name, args),), ""
                elif behavior.json:
                    text = json_answer(body, text) or text
                reply = Reply(
                    text,
                    finish=behavior.finish,
                    cached_tokens=behavior.cached_tokens,
                    tool_calls=calls,
                )
            if isinstance(reply, dict):
                self._send(behavior.status, reply)
                return
            if isinstance(reply, str):
                reply = Reply(reply, finish=behavior.finish, cached_tokens=behavior.cached_tokens)
            make = anthropic_body if path == ANTHROPIC_PATH else openai_body
            prompt = reply.prompt_tokens
            if prompt is None:
                prompt = _words(prompt_text(body))
            self._send(
                behavior.status,
                make(
                    reply.text,
                    model,
                    finish=reply.finish,
                    prompt_tokens=prompt,
                    completion_tokens=reply.completion_tokens,
                    cached_tokens=reply.cached_tokens,
                    tool_calls=reply.tool_calls,
                ),
            )

    return Handler


def main() -> None:
    """Run the fake provider on its own, to try whichmodel end to end without keys:
    python -m tests.fake_provider --port 9000"""
    import argparse

    parser = argparse.ArgumentParser(description="A scripted fake OpenAI/Anthropic provider.")
    parser.add_argument("--port", type=int, default=9000)
    args = parser.parse_args()

    def score(body: dict[str, Any], path: str, headers: dict[str, str]) -> str:
        # a stand-in judge: a valid ScoreTool whose scores grow with the answer's length
        answer = str(body["messages"][-1]["content"])
        value = round(min(len(answer), 2000) / 2000, 2)
        return json.dumps(
            {
                "request": "score",
                "accuracy": value,
                "relevance": value,
                "clarity": value,
                "refused": False,
                "rationale": "length-based",
            }
        )

    with FakeProvider(port=args.port) as server:
        server.set("judge", responder=score)
        print(f"Fake provider at {server.base_url} (Ctrl-C to stop)", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
