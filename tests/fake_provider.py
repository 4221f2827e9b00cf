"""A fake LLM provider: an HTTP server on 127.0.0.1 speaking just enough OpenAI and
Anthropic for the gateway and the clients (stdlib only, one background thread).

Endpoints (non-streaming):
- ``POST /v1/chat/completions``  OpenAI; ``usage`` has ``prompt_tokens``,
  ``completion_tokens``, ``total_tokens``, ``prompt_tokens_details.cached_tokens``.
- ``POST /v1/messages``          Anthropic; ``usage`` has ``input_tokens`` (excluding
  cache reads, as Anthropic counts), ``output_tokens``, ``cache_read_input_tokens``.
- ``GET /v1/models``             a one-entry model list.
- OpenAI Files: ``POST /v1/files`` (multipart: ``purpose`` and ``file``; 400 when one is
  missing), ``GET /v1/files`` (newest first; ``purpose``, ``limit``, ``after``, ``order``),
  ``GET /v1/files/{id}``, ``GET /v1/files/{id}/content`` (sent as
  ``application/octet-stream``: the gateway refuses JSON-lines bodies sent as JSON),
  ``DELETE /v1/files/{id}``. Files are kept in memory.
- OpenAI Batch: ``POST /v1/batches`` (endpoint ``/v1/chat/completions``, window ``24h``,
  an input file with purpose ``batch``), ``GET /v1/batches`` (newest first; ``limit``,
  ``after``), ``GET /v1/batches/{id}``, ``POST /v1/batches/{id}/cancel``.
- Unknown ids and routes: 404 in OpenAI's error shape.

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

Every request is recorded (:attr:`FakeProvider.requests`, :meth:`count` by model, path and
method, :meth:`clear`) before its behaviour runs, so failed and retried calls are counted
too. An upload is recorded with ``{"purpose", "filename", "bytes"}`` as its body, not the
file. :meth:`FakeProvider.reset` also forgets files and batches and resets the knobs.

Batches: created ``validating``; each retrieve moves one on. It stays ``in_progress`` for
``batch_polls`` retrieves, then ends on the next one, and only then are its lines answered
(listing does not move a batch). Each input line
``{"custom_id", "method": "POST", "url", "body"}`` is answered by :meth:`FakeProvider.answer`,
the function behind the online route: the name convention and scripts apply (a script's
``times`` counts lines too), ``fake-slow`` delays are skipped, and responders get the
headers of the request that created the batch. Lines are not recorded as requests.
Answers go to the output file as ``{"id": "batch_req_...", "custom_id", "response":
{"status_code", "request_id", "body"}, "error": null}``; error answers (status >= 400) go
to the error file the same way, and lines that are not valid with ``"response": null,
"error": {"code", "message"}``. A cancel answers ``cancelling``; the next retrieve says
``cancelled`` (no line answered). Knobs (attributes, read when a batch is created):

=========================  ===============================================================
``batch_polls = 0``        retrieves a batch stays ``in_progress`` (0: the first retrieve
                           ends it)
``batch_outcome = None``   None: ``completed``; ``"failed"``: ``failed`` with ``errors``
                           ``{"data": [{"code", "message"}]}`` and no files; ``"expired"``:
                           ``expired``, every line in the error file with code
                           ``batch_expired``
``batch_outcome_times``    None: the outcome for every batch; N: for the next N batches
                           created, then back to None
=========================  ===============================================================

:attr:`FakeProvider.batches` (id -> :class:`BatchState`), :attr:`FakeProvider.files`
(id -> bytes) and :attr:`FakeProvider.file_objects` (id -> file object) show the state;
:meth:`FakeProvider.add_file` stores a file without HTTP.
"""

from __future__ import annotations

import email.message
import itertools
import json
import re
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

HOST = "127.0.0.1"
OPENAI_PATH = "/v1/chat/completions"
ANTHROPIC_PATH = "/v1/messages"
FILES_PATH = "/v1/files"
BATCHES_PATH = "/v1/batches"
BATCH_ENDPOINTS = (OPENAI_PATH,)
"""The ``endpoint`` values a batch may have (what the fake answers offline)."""
BATCH_OUTCOMES = (None, "failed", "expired")

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


@dataclass
class BatchState:
    """One batch: ``info`` is the batch object as last answered; ``polls`` and ``outcome``
    are the knobs' values when it was created; ``retrieves`` counts GET /v1/batches/{id}."""

    info: dict[str, Any]
    polls: int
    outcome: str | None
    headers: dict[str, str]  # of the creating request, passed to responders
    retrieves: int = 0
    cancelling: bool = False

    @property
    def status(self) -> str:
        return str(self.info["status"])


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


def _custom_id(line: bytes) -> str | None:
    try:
        request = json.loads(line)
    except ValueError:
        return None
    return request.get("custom_id") if isinstance(request, dict) else None


def _batch_line(
    custom_id: str | None,
    *,
    response: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
) -> bytes:
    """One line of a batch's output or error file (newline included)."""
    line = {
        "id": f"batch_req_{uuid.uuid4().hex[:24]}",
        "custom_id": custom_id,
        "response": response,
        "error": error,
    }
    return json.dumps(line).encode() + b"\n"


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


def _not_found(kind: str, object_id: str) -> tuple[int, dict[str, Any]]:
    return 404, error_body("", 404, f"No such {kind} object: {object_id}")


def _bad_request(message: str) -> tuple[int, dict[str, Any]]:
    return 400, error_body("", 400, message)


def parse_multipart(content_type: str, data: bytes) -> dict[str, tuple[str | None, bytes]]:
    """The parts of a multipart/form-data body: form name -> (filename, content bytes).
    Empty when the content type is not multipart or has no boundary."""
    header = email.message.Message()
    header["content-type"] = content_type
    boundary = header.get_param("boundary")
    if header.get_content_type() != "multipart/form-data" or not isinstance(boundary, str):
        return {}
    parts: dict[str, tuple[str | None, bytes]] = {}
    for chunk in data.split(b"--" + boundary.encode())[1:]:
        if chunk.startswith(b"--"):  # the closing delimiter
            break
        head, sep, content = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not sep:
            continue
        part = email.message.Message()
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, colon, value = line.partition(":")
            if colon:
                part[name.strip()] = value.strip()
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            filename = part.get_param("filename", header="content-disposition")
            parts[name] = (
                filename if isinstance(filename, str) else None,
                content.removesuffix(b"\r\n"),
            )
    return parts


def _list_page(
    items: list[dict[str, Any]], query: dict[str, str], default_limit: int
) -> tuple[int, dict[str, Any]]:
    """OpenAI's cursor page over ``items`` (already in order): ``limit`` and ``after``."""
    try:
        limit = int(query.get("limit", default_limit))
    except ValueError:
        return _bad_request(f"Invalid 'limit': {query['limit']!r}")
    if not 1 <= limit <= 10_000:
        return _bad_request(f"Invalid 'limit': {limit} (1 to 10000)")
    after = query.get("after")
    if after:
        ids = [item["id"] for item in items]
        if after not in ids:
            return _bad_request(f"Invalid 'after': no object {after!r}")
        items = items[ids.index(after) + 1 :]
    page = items[:limit]
    return 200, {
        "object": "list",
        "data": page,
        "has_more": len(items) > limit,
        "first_id": page[0]["id"] if page else None,
        "last_id": page[-1]["id"] if page else None,
    }


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
        self._batch_lock = threading.RLock()  # files and batches
        self.files: dict[str, bytes] = {}
        """Stored file contents by id (uploads and batch outputs)."""
        self.file_objects: dict[str, dict[str, Any]] = {}
        """The OpenAI file object of each stored file, by id."""
        self.batches: dict[str, BatchState] = {}
        """Every batch created, by id, oldest first."""
        self.batch_polls = 0
        self.batch_outcome: str | None = None
        self.batch_outcome_times: int | None = None
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
        """Forget scripts, recorded requests, files and batches; the batch knobs go back
        to their defaults."""
        with self._lock:
            self._scripts.clear()
            self._requests.clear()
        with self._batch_lock:
            self.files.clear()
            self.file_objects.clear()
            self.batches.clear()
            self.batch_polls = 0
            self.batch_outcome = None
            self.batch_outcome_times = None

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

    # -- answering -------------------------------------------------------------------
    def answer(
        self,
        body: Any,
        path: str,
        headers: dict[str, str] | None = None,
        *,
        delay: bool = True,
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        """The answer to one chat request (``path`` is ``/v1/chat/completions`` or
        ``/v1/messages``): (status, JSON body, extra response headers). Consumes scripts
        like a request on the wire; the ``delay`` of a behaviour is slept only if
        ``delay``. Both the HTTP route and batch lines answer with this."""
        headers = headers or {}
        if path not in (OPENAI_PATH, ANTHROPIC_PATH):
            return 404, error_body(path, 404, f"no route {path}"), {}
        if not isinstance(body, dict):
            return 400, error_body(path, 400, "the body is not a JSON object"), {}
        if body.get("stream"):
            return 400, error_body(path, 400, "the fake provider does not stream"), {}
        if path == ANTHROPIC_PATH and "max_tokens" not in body:
            return 400, error_body(path, 400, "max_tokens: Field required"), {}
        model = str(body.get("model", ""))
        behavior = self._behavior_for(model)
        if delay and behavior.delay_ms:
            time.sleep(behavior.delay_ms / 1000)
        if behavior.status >= 400:
            extra = {}
            if behavior.retry_after is not None:
                extra["retry-after"] = f"{behavior.retry_after:g}"
            message = f"fake {behavior.status} for {model}"
            return behavior.status, error_body(path, behavior.status, message), extra
        reply: str | dict[str, Any] | Reply
        if behavior.responder is not None:
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
            return behavior.status, reply, {}
        if isinstance(reply, str):
            reply = Reply(reply, finish=behavior.finish, cached_tokens=behavior.cached_tokens)
        make = anthropic_body if path == ANTHROPIC_PATH else openai_body
        prompt = reply.prompt_tokens
        if prompt is None:
            prompt = _words(prompt_text(body))
        answer = make(
            reply.text,
            model,
            finish=reply.finish,
            prompt_tokens=prompt,
            completion_tokens=reply.completion_tokens,
            cached_tokens=reply.cached_tokens,
            tool_calls=reply.tool_calls,
        )
        return behavior.status, answer, {}

    # -- files ----------------------------------------------------------------------
    def add_file(self, data: bytes, filename: str, purpose: str) -> dict[str, Any]:
        """Store a file as an upload would; its OpenAI file object."""
        info = {
            "id": f"file-{uuid.uuid4().hex[:24]}",
            "object": "file",
            "bytes": len(data),
            "created_at": int(time.time()),
            "filename": filename,
            "purpose": purpose,
            "status": "processed",
            "status_details": None,
        }
        with self._batch_lock:
            self.files[info["id"]] = data
            self.file_objects[info["id"]] = info
        return info

    def _upload(
        self,
        purpose: tuple[str | None, bytes] | None,
        upload: tuple[str | None, bytes] | None,
    ) -> tuple[int, dict[str, Any]]:
        if purpose is None or not purpose[1].strip():
            return _bad_request("Missing required parameter: 'purpose'.")
        if upload is None:
            return _bad_request("Missing required parameter: 'file'.")
        name = upload[0] or "upload"
        return 200, self.add_file(upload[1], name, purpose[1].decode().strip())

    def _list_files(self, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self._batch_lock:
            items = list(self.file_objects.values())
        if query.get("purpose"):
            items = [f for f in items if f["purpose"] == query["purpose"]]
        if query.get("order", "desc") == "desc":
            items.reverse()
        return _list_page(items, query, 10_000)

    def _file_info(self, file_id: str) -> tuple[int, dict[str, Any]]:
        info = self.file_objects.get(file_id)
        return (200, info) if info is not None else _not_found("File", file_id)

    def _delete_file(self, file_id: str) -> tuple[int, dict[str, Any]]:
        with self._batch_lock:
            if file_id not in self.files:
                return _not_found("File", file_id)
            del self.files[file_id]
            del self.file_objects[file_id]
        return 200, {"id": file_id, "object": "file", "deleted": True}

    # -- batches --------------------------------------------------------------------
    def _create_batch(self, body: Any, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if not isinstance(body, dict):
            return _bad_request("the body is not a JSON object")
        for key in ("input_file_id", "endpoint", "completion_window"):
            if not body.get(key):
                return _bad_request(f"Missing required parameter: '{key}'.")
        if body["endpoint"] not in BATCH_ENDPOINTS:
            return _bad_request(
                f"Invalid 'endpoint': {body['endpoint']!r} (the fake batches "
                f"{', '.join(BATCH_ENDPOINTS)})"
            )
        if body["completion_window"] != "24h":
            return _bad_request("Invalid 'completion_window': only '24h' is supported.")
        with self._batch_lock:
            source = self.file_objects.get(body["input_file_id"])
            if source is None:
                return _not_found("File", body["input_file_id"])
            if source["purpose"] != "batch":
                return _bad_request(
                    f"Invalid 'input_file_id': the file's purpose is {source['purpose']!r}, "
                    "not 'batch'."
                )
            if self.batch_outcome not in BATCH_OUTCOMES:
                raise ValueError(f"batch_outcome {self.batch_outcome!r} not in {BATCH_OUTCOMES}")
            outcome = self.batch_outcome
            if self.batch_outcome_times is not None:
                self.batch_outcome_times -= 1
                if self.batch_outcome_times <= 0:
                    self.batch_outcome, self.batch_outcome_times = None, None
            now = int(time.time())
            info: dict[str, Any] = {
                "id": f"batch_{uuid.uuid4().hex[:24]}",
                "object": "batch",
                "endpoint": body["endpoint"],
                "errors": None,
                "input_file_id": body["input_file_id"],
                "completion_window": body["completion_window"],
                "status": "validating",
                "output_file_id": None,
                "error_file_id": None,
                "created_at": now,
                "in_progress_at": None,
                "expires_at": now + 24 * 3600,
                "finalizing_at": None,
                "completed_at": None,
                "failed_at": None,
                "expired_at": None,
                "cancelling_at": None,
                "cancelled_at": None,
                "request_counts": {"total": 0, "completed": 0, "failed": 0},
                "metadata": body.get("metadata"),
            }
            self.batches[info["id"]] = BatchState(info, max(self.batch_polls, 0), outcome, headers)
            return 200, dict(info)

    def _list_batches(self, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self._batch_lock:
            items = [dict(state.info) for state in reversed(self.batches.values())]
        return _list_page(items, query, 20)

    def _retrieve_batch(self, batch_id: str) -> tuple[int, dict[str, Any]]:
        """A retrieve moves the batch on: in_progress for ``polls`` retrieves, then its end."""
        with self._batch_lock:
            state = self.batches.get(batch_id)
            if state is None:
                return _not_found("Batch", batch_id)
            state.retrieves += 1
            info, now = state.info, int(time.time())
            if state.status in ("validating", "in_progress", "cancelling"):
                if state.cancelling:
                    info.update(status="cancelled", cancelled_at=now)
                elif state.retrieves <= state.polls:
                    info["status"] = "in_progress"
                    info["in_progress_at"] = info["in_progress_at"] or now
                else:
                    self._finish_batch(state)
            return 200, dict(info)

    def _cancel_batch(self, batch_id: str) -> tuple[int, dict[str, Any]]:
        with self._batch_lock:
            state = self.batches.get(batch_id)
            if state is None:
                return _not_found("Batch", batch_id)
            if state.status not in ("validating", "in_progress", "cancelling"):
                return _bad_request(f"Cannot cancel a batch with status {state.status!r}.")
            state.cancelling = True
            state.info.update(status="cancelling", cancelling_at=int(time.time()))
            return 200, dict(state.info)

    def _finish_batch(self, state: BatchState) -> None:
        info, now = state.info, int(time.time())

        def fail(code: str, message: str) -> None:
            error = {"code": code, "message": message, "param": None, "line": None}
            info.update(status="failed", failed_at=now, errors={"object": "list", "data": [error]})

        if state.outcome == "failed":
            fail("fake_failure", "The fake provider was told to fail this batch.")
            return
        data = self.files.get(info["input_file_id"], b"")
        lines = [line for line in data.splitlines() if line.strip()]
        if not lines:
            fail("empty_file", "The batch input file is empty.")
            return
        info["in_progress_at"] = info["in_progress_at"] or now
        out: list[bytes] = []
        errors: list[bytes] = []
        for line in lines:
            if state.outcome == "expired":
                custom_id = _custom_id(line)
                errors.append(
                    _batch_line(
                        custom_id,
                        error={
                            "code": "batch_expired",
                            "message": "This request could not be executed before the "
                            "completion window expired.",
                        },
                    )
                )
            else:
                ok, result = self._batch_answer(line, info["endpoint"], state.headers)
                (out if ok else errors).append(result)
        if out:
            name = f"{info['id']}_output.jsonl"
            info["output_file_id"] = self.add_file(b"".join(out), name, "batch_output")["id"]
        if errors:
            name = f"{info['id']}_error.jsonl"
            info["error_file_id"] = self.add_file(b"".join(errors), name, "batch_output")["id"]
        info["request_counts"] = {
            "total": len(lines),
            "completed": len(out),
            "failed": len(errors),
        }
        if state.outcome == "expired":
            info.update(status="expired", expired_at=now)
        else:
            info.update(status="completed", finalizing_at=now, completed_at=now)

    def _batch_answer(
        self, line: bytes, endpoint: str, headers: dict[str, str]
    ) -> tuple[bool, bytes]:
        """(succeeded, output line) for one input line."""
        try:
            request = json.loads(line)
        except ValueError:
            return False, _batch_line(
                None, error={"code": "invalid_json", "message": "The line is not valid JSON."}
            )
        if not isinstance(request, dict):
            return False, _batch_line(
                None, error={"code": "invalid_request", "message": "The line is not an object."}
            )
        custom_id = request.get("custom_id")
        problem = None
        if not isinstance(custom_id, str) or not custom_id:
            problem = "Missing required parameter: 'custom_id'."
        elif request.get("method") != "POST":
            problem = f"Invalid 'method': {request.get('method')!r} (only 'POST')."
        elif request.get("url") != endpoint:
            problem = f"Invalid 'url': {request.get('url')!r} (the batch's is {endpoint!r})."
        elif not isinstance(request.get("body"), dict):
            problem = "Missing required parameter: 'body'."
        if problem:
            return False, _batch_line(
                custom_id, error={"code": "invalid_request", "message": problem}
            )
        status, body, _ = self.answer(request["body"], endpoint, headers, delay=False)
        response = {"status_code": status, "request_id": f"req_fake_{next(_ids)}", "body": body}
        return status < 400, _batch_line(custom_id, response=response)

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

    def count(
        self, model: str | None = None, path: str | None = None, method: str | None = None
    ) -> int:
        """Recorded requests, filtered by model, path (no query string) and HTTP method."""
        return sum(
            1
            for r in self.requests
            if (model is None or r.model == model)
            and (path is None or r.path == path)
            and (method is None or r.method == method.upper())
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
                chunks: list[bytes] = []
                while True:
                    size = int(self.rfile.readline().strip().split(b";")[0], 16)
                    if size == 0:
                        self.rfile.readline()
                        return b"".join(chunks)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
            length = int(self.headers.get("content-length") or 0)
            return self.rfile.read(length) if length else b""

        def _send_bytes(
            self,
            status: int,
            data: bytes,
            content_type: str,
            headers: dict[str, str] | None = None,
        ) -> None:
            self.send_response(status)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _send(
            self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
        ) -> None:
            self._send_bytes(status, json.dumps(body).encode(), "application/json", headers)

        def _headers(self) -> dict[str, str]:
            return {k.lower(): v for k, v in self.headers.items()}

        def _record(self, body: Any) -> None:
            provider._record(
                RecordedRequest(
                    method=self.command,
                    path=self.path.split("?", 1)[0],
                    headers=self._headers(),
                    body=body,
                )
            )

        def _split(self) -> tuple[str, dict[str, str]]:
            path, _, query = self.path.partition("?")
            return path, dict(urllib.parse.parse_qsl(query))

        def do_GET(self) -> None:  # noqa: N802
            self._record(None)
            path, query = self._split()
            if path.startswith("/v1/models"):
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
                return
            if match := re.fullmatch(FILES_PATH + r"/([^/]+)/content", path):
                data = provider.files.get(match[1])
                if data is None:
                    self._send(*_not_found("File", match[1]))
                else:
                    self._send_bytes(200, data, "application/octet-stream")
                return
            if path == FILES_PATH:
                self._send(*provider._list_files(query))
            elif match := re.fullmatch(FILES_PATH + r"/([^/]+)", path):
                self._send(*provider._file_info(match[1]))
            elif path == BATCHES_PATH:
                self._send(*provider._list_batches(query))
            elif match := re.fullmatch(BATCHES_PATH + r"/([^/]+)", path):
                self._send(*provider._retrieve_batch(match[1]))
            else:
                self._send(404, error_body(path, 404, f"no route {path}"))

        def do_DELETE(self) -> None:  # noqa: N802
            self._read_body()
            self._record(None)
            path, _ = self._split()
            if match := re.fullmatch(FILES_PATH + r"/([^/]+)", path):
                self._send(*provider._delete_file(match[1]))
            else:
                self._send(404, error_body(path, 404, f"no route {path}"))

        def do_POST(self) -> None:  # noqa: N802
            raw = self._read_body()
            path, _ = self._split()
            if path == FILES_PATH:
                parts = parse_multipart(self.headers.get("content-type", ""), raw)
                purpose, upload = parts.get("purpose"), parts.get("file")
                self._record(
                    {
                        "purpose": purpose[1].decode(errors="replace") if purpose else None,
                        "filename": upload[0] if upload else None,
                        "bytes": len(upload[1]) if upload else None,
                    }
                )
                self._send(*provider._upload(purpose, upload))
                return
            try:
                body: Any = json.loads(raw) if raw else None
            except ValueError:
                body = None
            self._record(body)
            if path == BATCHES_PATH:
                self._send(*provider._create_batch(body, self._headers()))
            elif match := re.fullmatch(BATCHES_PATH + r"/([^/]+)/cancel", path):
                self._send(*provider._cancel_batch(match[1]))
            else:
                self._send(*provider.answer(body, path, self._headers()))

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
