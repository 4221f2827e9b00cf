"""A local stand-in for Portkey's hosted control-plane API, as its OpenAPI spec and the
portkey-ai SDK describe it (stdlib only, on 127.0.0.1, one background thread).

Logs export (``/v1/logs/exports``): ``POST`` creates an export with ``filters`` and
``requested_data`` ({id, total, object: "export"}); ``POST /{id}/start`` starts it;
``GET /{id}`` answers its status (``draft`` -> ``in_progress`` for ``polls_in_progress``
reads -> ``success``, or ``failed`` when told to); ``GET /{id}/download`` answers
``{signed_url}``, a URL on this server (``/signed/{id}.jsonl``, no API key needed, as a
pre-signed URL) serving the logs that match the filters as JSONL, with only the
requested fields.

Feedback (``/v1/feedback``): ``POST`` takes one feedback or a list (``trace_id`` string,
``value`` integer -10..10, optional ``weight`` 0..1 and ``metadata`` object; anything else
is a 400) and answers ``{status, message, feedback_ids}`` in the input's order;
``PUT /v1/feedback/{id}`` updates value, weight and metadata of a stored one.

Filters applied: ``time_of_generation_min`` / ``_max`` (on ``created_at``), ``ai_model``,
``metadata`` (every key equal). Every request must carry ``x-portkey-api-key``;
a wrong key gets 401. All requests are recorded.
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOST = "127.0.0.1"


@dataclass
class Export:
    id: str
    filters: dict[str, Any]
    requested_data: list[str]
    status: str = "draft"
    polls: int = 0


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


def _metadata(log: dict[str, Any]) -> dict[str, Any]:
    meta = log.get("metadata")
    if isinstance(meta, str):
        try:
            meta = json.loads(meta)
        except ValueError:
            meta = {}
    return meta if isinstance(meta, dict) else {}


def matches(log: dict[str, Any], filters: dict[str, Any]) -> bool:
    created = str(log.get("created_at") or "")
    if filters.get("time_of_generation_min") and created < filters["time_of_generation_min"]:
        return False
    if filters.get("time_of_generation_max") and created > filters["time_of_generation_max"]:
        return False
    if filters.get("ai_model") and log.get("ai_model") != filters["ai_model"]:
        return False
    meta = _metadata(log)
    return all(str(meta.get(k)) == str(v) for k, v in (filters.get("metadata") or {}).items())


@dataclass
class PortkeyAPI:
    logs: list[dict[str, Any]] = field(default_factory=list)
    api_key: str = "pk-test"
    polls_in_progress: int = 1
    fail_exports: bool = False
    exports: dict[str, Export] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    feedback: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((HOST, 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self._server.server_address[1]}"

    @property
    def base_url(self) -> str:
        """What the SDK takes as ``base_url`` (with /v1)."""
        return f"{self.url}/v1"

    def __enter__(self) -> PortkeyAPI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def paths(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.requests]

    # -- the API ---------------------------------------------------------------------
    def handle(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        parts = path.strip("/").split("/")
        if method == "POST" and path == "/v1/logs/exports":
            if (
                not isinstance(body, dict)
                or "filters" not in body
                or not body.get("requested_data")
            ):
                return 400, {"message": "filters and requested_data are required"}
            export = Export(f"exp-{next(self._ids)}", body["filters"], body["requested_data"])
            self.exports[export.id] = export
            total = sum(1 for log in self.logs if matches(log, export.filters))
            return 200, {"id": export.id, "total": total, "object": "export"}
        if len(parts) >= 4 and parts[:3] == ["v1", "logs", "exports"]:
            export = self.exports.get(parts[3])
            if export is None:
                return 404, {"message": f"no export {parts[3]}"}
            action = parts[4] if len(parts) > 4 else None
            if method == "POST" and action == "start":
                export.status = "in_progress"
                return 200, {"message": "export started", "object": "export"}
            if method == "GET" and action is None:
                if export.status == "in_progress":
                    export.polls += 1
                    if export.polls > self.polls_in_progress:
                        export.status = "failed" if self.fail_exports else "success"
                return 200, {
                    "id": export.id,
                    "filters": export.filters,
                    "requested_data": export.requested_data,
                    "status": export.status,
                    "object": "export",
                }
            if method == "GET" and action == "download":
                if export.status != "success":
                    return 409, {"message": f"export is {export.status}"}
                return 200, {"signed_url": f"{self.url}/signed/{export.id}.jsonl"}
        if parts[:2] == ["v1", "feedback"]:
            return self.handle_feedback(method, parts[2] if len(parts) > 2 else None, body)
        return 404, {"message": f"no route {method} {path}"}

    def handle_feedback(self, method: str, feedback_id: str | None, body: Any) -> tuple[int, Any]:
        def invalid(item: Any, update: bool = False) -> str | None:
            if not isinstance(item, dict):
                return "a feedback is an object"
            if not update and not (isinstance(item.get("trace_id"), str) and item["trace_id"]):
                return "trace_id is required"
            value = item.get("value")
            if not isinstance(value, int) or isinstance(value, bool) or not -10 <= value <= 10:
                return "value must be an integer from -10 to 10"
            weight = item.get("weight", 1.0)
            if not isinstance(weight, int | float) or not 0 <= weight <= 1:
                return "weight must be from 0 to 1"
            if not isinstance(item.get("metadata", {}), dict):
                return "metadata must be an object"
            return None

        if method == "POST" and feedback_id is None:
            items = body if isinstance(body, list) else [body]
            errors = [e for e in map(invalid, items) if e]
            if errors or not items:
                return 400, {"status": "failure", "message": errors[0] if errors else "empty"}
            ids = []
            for item in items:
                new_id = f"fb-{next(self._ids)}"
                self.feedback[new_id] = {"weight": 1.0, "metadata": {}, **item}
                ids.append(new_id)
            return 200, {"status": "success", "message": "feedback saved", "feedback_ids": ids}
        if method == "PUT" and feedback_id is not None:
            if feedback_id not in self.feedback:
                return 404, {"status": "failure", "message": f"no feedback {feedback_id}"}
            error = invalid(body, update=True)
            if error:
                return 400, {"status": "failure", "message": error}
            self.feedback[feedback_id].update(body)
            return 200, {"status": "success", "message": "updated", "feedback_ids": [feedback_id]}
        return 404, {"message": "no route"}

    def export_file(self, export_id: str) -> bytes:
        export = self.exports[export_id]
        lines = [
            json.dumps({k: log[k] for k in export.requested_data if k in log})
            for log in self.logs
            if matches(log, export.filters)
        ]
        return ("\n".join(lines) + "\n").encode()


def _handler(api: PortkeyAPI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, data: bytes, kind: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("content-type", kind)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            path = self.path.split("?", 1)[0]
            headers = {k.lower(): v for k, v in self.headers.items()}
            with api._lock:
                api.requests.append(Recorded(method, path, headers, body))
                if method == "GET" and path.startswith("/signed/"):
                    export_id = path.removeprefix("/signed/").removesuffix(".jsonl")
                    if export_id not in api.exports:
                        self._send(404, b"{}")
                        return
                    self._send(200, api.export_file(export_id), "application/octet-stream")
                    return
                if headers.get("x-portkey-api-key") != api.api_key:
                    status, answer = 401, {"message": "Invalid API key"}
                else:
                    status, answer = api.handle(method, path, body)
            self._send(status, json.dumps(answer).encode())

        def do_GET(self) -> None:  # noqa: N802
            self._serve("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._serve("POST")

        def do_PUT(self) -> None:  # noqa: N802
            self._serve("PUT")

    return Handler
