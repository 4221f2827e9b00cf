"""`report --push-feedback`: each judged answer's score reaches Portkey as feedback on the
trace its call carried (portkey-ai SDK -> the local Portkey API stand-in), once; the real
local gateway, which has no feedback endpoint, gets one line."""

import json
import re

import pytest
from typer.testing import CliRunner

from tests.fakes import score_json
from tests.portkey_api import PortkeyAPI
from whichmodel.cli import app
from whichmodel.config import load_settings
from whichmodel.portkey.feedback import feedback_value
from whichmodel.store import Store
from whichmodel.tasks.evaluation import run_evaluation

BASE = "portkey/openai/fake-base"
CAND = "portkey/openai/fake-cand"
JUDGE = "portkey/openai/judge"
PROMPTS = 4
runner = CliRunner()


def judge(body, path, headers):
    text = body["messages"][-1]["content"]
    q = 0.9 if "fake-base" in text or "base says" in text else 0.6
    return score_json(q, q, q)


@pytest.fixture
async def judged_run(gateway, fake_provider, tmp_path):
    fake_provider.set("fake-base", responder=lambda b, p, h: "base says " + b["model"])
    fake_provider.set("judge", responder=judge)
    store = Store(tmp_path / "w.db")
    store.add_prompts(
        [{"messages": [{"role": "user", "content": f"question {i}"}]} for i in range(PROMPTS)]
    )
    host = {"x-portkey-custom-host": fake_provider.base_url}
    settings = load_settings(
        baseline=BASE,
        candidates=[CAND],
        judge=JUDGE,
        judge_controls=0,
        cache=False,
        providers={"openai": {"base_url": gateway.url, "custom_headers": host}},
    )
    rec = await run_evaluation(store, settings)
    return store, rec.run_id


def push(store, env):
    return runner.invoke(app, ["report", "--db", str(store.path), "--push-feedback"], env=env)


def test_scores_go_to_the_traces_once_and_changes_are_updated(judged_run):
    store, run_id = judged_run
    with PortkeyAPI() as api:
        env = {"PORTKEY_API_KEY": "pk-test", "PORTKEY_BASE_URL": api.url}
        first = push(store, env)
        assert first.exit_code == 0, first.output
        assert f"Feedback on run {run_id} sent to Portkey" in first.output
        assert "8 new, 0 updated, 0 already there" in first.output

        traces = {
            (r["prompt_id"], r["model"]): r["trace_id"]
            for r in store.db.query("select * from responses where run_id = ?", [run_id])
        }
        sent = list(api.feedback.values())
        assert sorted(f["trace_id"] for f in sent) == sorted(traces.values())
        for f in sent:
            meta = f["metadata"]
            assert traces[(meta["prompt_id"], meta["model"])] == f["trace_id"]
            assert meta["run_id"] == run_id and meta["judge"] == JUDGE
            assert f["value"] == (8 if meta["model"] == BASE else 2)  # 0.9 -> 8, 0.6 -> 2
            assert f["weight"] == 1.0
        posts = [r for r in api.requests if r.method == "POST" and r.path == "/v1/feedback"]
        assert len(posts) == 1 and isinstance(posts[0].body, list)  # sent in bulk

        again = push(store, env)
        assert "0 new, 0 updated, 8 already there" in again.output
        assert len(api.feedback) == 8

        # the judge scores one answer again: only that feedback changes, in place
        prompt_id = next(iter(traces))[0]
        store.db.execute(
            "update scores set quality = 0.25 where run_id = ? and prompt_id = ? and model = ?",
            [run_id, prompt_id, CAND],
        )
        store.db.conn.commit()
        third = push(store, env)
        assert "0 new, 1 updated, 7 already there" in third.output
        put = next(r for r in api.requests if r.method == "PUT")
        stored = store.feedback_sent(run_id)[(prompt_id, CAND)]
        assert put.path == f"/v1/feedback/{stored['feedback_id']}"
        assert api.feedback[stored["feedback_id"]]["value"] == feedback_value(0.25) == -5
        assert len(api.feedback) == 8


def test_the_open_source_gateway_has_no_feedback_endpoint_one_line(judged_run, gateway):
    store, run_id = judged_run
    result = push(store, {"PORTKEY_API_KEY": "pk-test", "PORTKEY_BASE_URL": gateway.url})
    assert result.exit_code != 0
    message = str(result.exception) if result.exception else result.output
    assert "feedback" in message and "self-hosted open-source gateway" in message
    assert "\n" not in message.strip()
    assert store.feedback_sent(run_id) == {}


def test_a_wrong_key_or_no_key_is_one_line(judged_run):
    store, run_id = judged_run
    with PortkeyAPI() as api:
        no_key = push(store, {"PORTKEY_API_KEY": "", "PORTKEY_BASE_URL": api.url})
        assert "PORTKEY_API_KEY is not set" in str(no_key.exception or no_key.output)
        wrong = push(store, {"PORTKEY_API_KEY": "pk-wrong", "PORTKEY_BASE_URL": api.url})
        assert re.search(r"HTTP 401", str(wrong.exception or wrong.output))
        assert not api.feedback and store.feedback_sent(run_id) == {}


def test_quality_maps_onto_portkeys_range():
    assert [feedback_value(q) for q in (0, 0.5, 1, -3, 7)] == [-10, 0, 10, -10, 10]
    assert json.dumps(feedback_value(0.66)) == "3"
