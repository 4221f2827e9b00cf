"""The HTTP API against a live uvicorn server, with real runs through the gateway."""

from __future__ import annotations

import html
import os
import signal
import socket
import subprocess
import sys
import time

import httpx

from tests.web.conftest import BASE, CAND, JUDGE, SLOW, LiveServer, web_settings
from whichmodel.store import Store
from whichmodel.web import create_app

PROMPTS = [
    {"prompt": "What is the capital of France?", "reference": "Paris", "category": "geo"},
    {
        "messages": [
            {"role": "system", "content": "Be terse."},
            {"role": "user", "content": "Name a colour."},
        ],
        "id": 7,
    },
]
RUN = {"baseline": BASE, "candidates": [CAND], "judge": JUDGE}


def wait_for(client: httpx.Client, run_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        info = client.get(f"/api/runs/{run_id}").json()
        if info["status"] != "running" or time.monotonic() > deadline:
            return info
        time.sleep(0.1)


def test_add_prompts_valid_duplicate_and_invalid(client, settings):
    first = client.post("/api/prompts", json=PROMPTS)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["received"] == 2 and body["new"] == 2 and body["already_stored"] == 0
    assert len(body["ids"]) == 2

    again = client.post("/api/prompts", json=[*PROMPTS, PROMPTS[0]])
    assert again.json()["new"] == 0 and again.json()["already_stored"] == 3
    assert again.json()["ids"][:2] == body["ids"]

    bad = client.post("/api/prompts", json=[{"prompt": "fine"}, {"prompt": ""}])
    assert bad.status_code == 422
    assert bad.json()["detail"]["index"] == 1
    assert 'body[1]: "prompt" must be a non-empty string' in bad.json()["error"]
    bad_message = client.post(
        "/api/prompts", json=[{"messages": [{"role": "robot", "content": "x"}]}]
    )
    assert (
        bad_message.status_code == 422
        and "body[0]: a message with role 'robot'" in bad_message.json()["error"]
    )
    # nothing from a rejected request is stored
    assert len(Store(settings.db).prompt_ids()) == 2

    for payload, where in (({"prompt": "x"}, "body"), ([], "body"), (["text"], "body[0]")):
        r = client.post("/api/prompts", json=payload)
        assert r.status_code == 422 and r.json()["error"].startswith(where), r.text
    not_json = client.post(
        "/api/prompts", content=b"[{", headers={"content-type": "application/json"}
    )
    assert not_json.status_code == 422
    # a form or text/plain post (what another web page could send) is not read as JSON
    text = client.post(
        "/api/prompts", content=b'[{"prompt": "x"}]', headers={"content-type": "text/plain"}
    )
    assert text.status_code == 422


def test_run_from_start_to_recommendation(client):
    client.post("/api/prompts", json=PROMPTS)
    started = client.post("/api/runs", json={**RUN, "concurrency": 2, "tolerance": 0.1})
    assert started.status_code == 202, started.text
    run_id = started.json()["id"]
    assert started.headers["location"] == f"/api/runs/{run_id}"

    info = wait_for(client, run_id)
    assert info["status"] == "completed", info
    assert info["progress"]["answers"] == {"done": 4, "total": 4}
    assert info["progress"]["judgments"] == {"done": 4, "total": 4}
    assert info["baseline"] == BASE and info["candidates"] == [CAND]

    rec = client.get(f"/api/runs/{run_id}/recommendation")
    assert rec.status_code == 200
    rec = rec.json()
    assert rec["run_id"] == run_id and rec["decision"] in ("switch", "keep", "undecided")
    assert rec["tolerance"] == 0.1
    assert info["decision"] is None or info["decision"] == rec["decision"]
    listed = client.get("/api/runs").json()
    assert listed["total"] == 1 and listed["runs"][0]["decision"] == rec["decision"]

    answers = client.get(f"/api/runs/{run_id}/responses", params={"model": "fake-cand"}).json()
    assert answers["model"] == CAND and answers["total"] == 2
    assert {a["text"] for a in answers["items"]} == {"cand says hello"}
    assert all(a["quality"] is not None for a in answers["items"])
    page = client.get(f"/api/runs/{run_id}/responses", params={"limit": 1, "offset": 1}).json()
    assert page["total"] == 4 and len(page["items"]) == 1
    wrong_model = client.get(f"/api/runs/{run_id}/responses", params={"model": "nope"})
    assert wrong_model.status_code == 422 and "query.model" in wrong_model.json()["error"]
    assert client.get(f"/api/runs/{run_id}/responses", params={"limit": 0}).status_code == 422

    # the pages
    index = client.get("/")
    assert index.status_code == 200 and "text/html" in index.headers["content-type"]
    assert run_id in index.text and rec["decision"] in index.text
    report = client.get(f"/runs/{run_id}")
    assert report.status_code == 200 and run_id in report.text
    assert html.escape(rec["reasoning"]) in report.text
    assert 'http-equiv="refresh"' not in report.text
    assert "<script src" not in report.text and "<link" not in report.text


def test_run_in_progress_then_interrupted_by_shutdown(settings):
    with LiveServer(create_app(settings)) as live, live.client() as client:
        client.post("/api/prompts", json=PROMPTS[:1])
        run_id = client.post("/api/runs", json={**RUN, "candidates": [SLOW]}).json()["id"]
        info = client.get(f"/api/runs/{run_id}").json()
        assert info["status"] == "running" and info["active"] is True
        assert info["progress"]["answers"]["total"] == 2
        rec = client.get(f"/api/runs/{run_id}/recommendation")
        assert rec.status_code == 409 and "still running" in rec.json()["error"]
        page = client.get(f"/runs/{run_id}")
        assert page.status_code == 200 and run_id in page.text
        assert 'http-equiv="refresh"' in page.text and "<progress" in page.text
        # the baseline answers at once, the candidate is slow: a report of what is stored
        deadline = time.monotonic() + 2
        while client.get(f"/api/runs/{run_id}").json()["progress"]["answers"]["done"] < 1:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        page = client.get(f"/runs/{run_id}")
        assert 'class="verdict"' in page.text and "Answers 1 / 2" in page.text
        assert 'http-equiv="refresh"' in page.text
    # the server stopped mid-run: the run is marked, not left "running"
    run = Store(settings.db).run(run_id)
    assert run.status == "interrupted"


def test_unknown_run_is_404(client):
    for path in ("/api/runs/nope", "/api/runs/nope/recommendation", "/api/runs/nope/responses"):
        r = client.get(path)
        assert r.status_code == 404 and "No run 'nope'" in r.json()["error"], path
    page = client.get("/runs/nope")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    assert client.get("/no/such/page").json()["error"] == "Not Found: GET /no/such/page"


def test_runs_that_cannot_start_say_why(client, settings, gateway, tmp_path):
    none_yet = client.post("/api/runs", json=RUN)
    assert none_yet.status_code == 409 and "POST /api/prompts" in none_yet.json()["error"]
    client.post("/api/prompts", json=PROMPTS)

    bad_model = client.post("/api/runs", json={**RUN, "baseline": "gpt-4o"})
    assert bad_model.status_code == 400
    assert "portkey/<provider>/<model>" in bad_model.json()["error"]
    missing = client.post("/api/runs", json={"baseline": BASE, "judge": JUDGE})
    assert missing.status_code == 422 and missing.json()["error"].startswith("body.candidates")
    out_of_range = client.post("/api/runs", json={**RUN, "concurrency": 0})
    assert out_of_range.status_code == 422
    assert out_of_range.json()["error"].startswith("body.concurrency")
    extra = client.post("/api/runs", json={**RUN, "baseline_model": BASE})
    assert extra.status_code == 422 and "baseline_model" in extra.json()["error"]
    unknown_ids = client.post("/api/runs", json={**RUN, "prompt_ids": ["abc"]})
    assert unknown_ids.status_code == 422 and "prompt_ids" in unknown_ids.json()["error"]
    assert client.get("/api/runs").json()["total"] == 0  # none of them created a run

    # a gateway nobody listens on
    dead = web_settings("http://127.0.0.1:9", "http://127.0.0.1:9/v1", settings.db)
    with LiveServer(create_app(dead)) as live, live.client() as other:
        r = other.post("/api/runs", json=RUN)
        assert r.status_code == 400 and "Cannot reach the Portkey gateway" in r.json()["error"]


def test_unexpected_errors_are_json_without_internals(settings):
    app = create_app(settings)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("internal detail /srv/secret")

    with LiveServer(app) as live, live.client() as client:
        r = client.get("/boom")
    assert r.status_code == 500
    assert r.json() == {"error": "Internal error: the server log has the details.", "detail": None}


def test_the_serve_command(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "WHICHMODEL_API_TOKEN": ""}
    cmd = [sys.executable, "-m", "whichmodel.cli", "serve", "--port", str(port)]
    proc = subprocess.Popen(
        [*cmd, "--db", str(tmp_path / "w.db")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/runs", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read()
                time.sleep(0.1)
        assert r.status_code == 200 and r.json() == {"runs": [], "total": 0}
        assert httpx.get(f"http://127.0.0.1:{port}/docs").status_code == 404  # no CDN page
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=15)
    assert f"http://127.0.0.1:{port}/" in out
    assert proc.returncode == 0, out
