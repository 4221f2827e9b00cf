"""`whichmodel import --from-portkey`: the portkey-ai SDK against a local stand-in for
Portkey's API (create with filters, start, poll, download the signed URL), and the one
line a user gets where there is no log export (a self-hosted open-source gateway)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.portkey_api import PortkeyAPI
from whichmodel.store import Store

FIXTURE = Path(__file__).parents[1] / "history" / "fixtures" / "portkey-export.jsonl"
CMD = [sys.executable, "-m", "whichmodel.cli", "import", "--from-portkey"]


def logs():
    return [json.loads(line) for line in FIXTURE.read_text().splitlines() if line.strip()]


def run(tmp_path, *args, **env):
    import os

    return subprocess.run(
        [*CMD, *args],
        env={
            **os.environ,
            "WHICHMODEL_DB": str(tmp_path / "w.db"),
            "WHICHMODEL_EXPORT_POLL_SECONDS": "0.05",
            **env,
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_export_with_filters_is_downloaded_and_imported(tmp_path):
    with PortkeyAPI(logs=logs(), polls_in_progress=2) as api:
        out = run(
            tmp_path,
            "--since",
            "2026-11-10",
            "--until",
            "2026-11-12T23:59:59",
            "--model",
            "gpt-4o-mini",
            "--metadata",
            "env=prod",
            PORTKEY_API_KEY="pk-test",
            PORTKEY_BASE_URL=api.url,
        )
        assert out.returncode == 0, out.stderr
        create = next(r for r in api.requests if r.path == "/v1/logs/exports")
        assert create.headers["x-portkey-api-key"] == "pk-test"
        assert create.body["filters"] == {
            "time_of_generation_min": "2026-11-10",
            "time_of_generation_max": "2026-11-12T23:59:59",
            "ai_model": "gpt-4o-mini",
            "metadata": {"env": "prod"},
        }
        assert {"request", "response", "ai_model", "cost", "metadata"} <= set(
            create.body["requested_data"]
        )
        export_id = api.exports and next(iter(api.exports))
        assert api.paths() == [
            "POST /v1/logs/exports",
            f"POST /v1/logs/exports/{export_id}/start",
            f"GET /v1/logs/exports/{export_id}",
            f"GET /v1/logs/exports/{export_id}",
            f"GET /v1/logs/exports/{export_id}",
            f"GET /v1/logs/exports/{export_id}/download",
            f"GET /signed/{export_id}.jsonl",
        ]
    # only log-1 matches (gpt-4o-mini, prod, in the window)
    assert "Imported 1 new prompt(s) from Portkey export" in out.stdout
    assert "Portkey export: in_progress" in out.stderr
    store = Store(tmp_path / "w.db")
    (prompt,) = store.prompts()
    (answer,) = store.productions().values()
    assert answer.model == "gpt-4o-mini" and answer.trace_id == "trace-log-1"
    assert answer.cost_usd == pytest.approx(0.0123 / 100)  # Portkey's cost is in cents
    assert prompt.metadata["env"] == "prod"
    # the temporary export file is gone
    assert not list(Path(tmp_path).glob("**/portkey-logs.jsonl"))


def test_without_a_key_or_with_a_wrong_one_one_line_each(tmp_path):
    out = run(tmp_path, PORTKEY_API_KEY="")
    assert out.returncode == 1 and "PORTKEY_API_KEY is not set" in out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
    with PortkeyAPI(logs=logs()) as api:
        out = run(tmp_path, PORTKEY_API_KEY="pk-wrong", PORTKEY_BASE_URL=api.url)
    assert out.returncode == 1 and "HTTP 401" in out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_a_failed_export_says_so(tmp_path):
    with PortkeyAPI(logs=logs(), fail_exports=True) as api:
        out = run(tmp_path, PORTKEY_API_KEY="pk-test", PORTKEY_BASE_URL=api.url)
    assert out.returncode == 1
    assert "ended failed" in out.stderr and "Traceback" not in out.stderr
    assert not Store(tmp_path / "w.db").prompts()


def test_the_open_source_gateway_has_no_log_export(gateway, tmp_path):
    out = run(tmp_path, PORTKEY_API_KEY="pk-test", PORTKEY_BASE_URL=gateway.url)
    assert out.returncode == 1
    assert "Portkey's log export is not available at" in out.stderr
    assert "self-hosted open-source gateway has none" in out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
