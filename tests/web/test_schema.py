"""Property-based run over the live server's /openapi.json (schemathesis): whatever the
input, valid per the schema or not, no answer is a 500.

Runs cannot really start here: the server's gateway address has nobody listening, so a
well-formed POST /api/runs is refused by the gateway check (400) before any call.
(schemathesis' lazy pytest fixtures do not work with pytest 9, hence the explicit loop.)"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from tests.web.conftest import LiveServer, web_settings
from whichmodel.web import create_app

EXAMPLES = 25  # per operation and mode


@pytest.fixture
def fuzz_server(tmp_path, monkeypatch):
    dead = "http://127.0.0.1:9"
    monkeypatch.setenv("PORTKEY_BASE_URL", dead)  # providers without their own settings too
    with LiveServer(create_app(web_settings(dead, dead + "/v1", tmp_path / "w.db"))) as server:
        with server.client() as client:  # something to find: a stored prompt
            client.post("/api/prompts", json=[{"prompt": "hello"}])
        yield server


def test_no_input_makes_a_server_error(fuzz_server):
    schema = schemathesis.openapi.from_url(f"{fuzz_server.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {f"{op.method.upper()} {op.path}" for op in operations} >= {
        "POST /api/prompts",
        "POST /api/runs",
        "GET /api/runs",
        "GET /api/runs/{run_id}",
        "GET /api/runs/{run_id}/recommendation",
        "GET /api/runs/{run_id}/responses",
    }
    tried: list[str] = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def check(case: schemathesis.Case) -> None:
                case.call_and_validate(checks=[not_a_server_error])

            try:
                check()
            except Unsatisfiable:
                # nothing in this operation can be made invalid (e.g. a free-text path id)
                assert mode is GenerationMode.NEGATIVE, operation.path
                tried.append(f"{operation.method.upper()} {operation.path} (no invalid input)")
            else:
                tried.append(f"{operation.method.upper()} {operation.path} {mode.value}")
    assert sum(t.endswith(" positive") for t in tried) == len(operations), tried
