"""The embedded default end to end: real SmolLM2 (llama.cpp) behind the real local
Portkey gateway, both provider routes, a JSON-schema constrained judge. Nothing is
asserted about what a 135M model says; only that every stage happened and was stored."""

import json
import os

import pytest

from whichmodel.local.demo import BASELINE, CANDIDATE, JUDGE, run_demo
from whichmodel.store import Store

pytestmark = pytest.mark.local_model


def _children():
    out = os.popen("ps -eo pid,ppid,args").read()
    return [line for line in out.splitlines()
            if ("start-server.js" in line or "whichmodel.local.llama" in line)
            and str(os.getpid()) in line.split()[1:2]]


async def test_short_demo_stores_every_stage(tmp_path, gateway_install_dir):
    db = tmp_path / "demo.db"
    rec = await run_demo(db=db, limit=2)
    store = Store(db)
    run_id = rec.run_id
    responses = store.responses(run_id)
    assert {(r["model"]) for r in responses} == {BASELINE, CANDIDATE}
    assert len(responses) == 2 * 2
    for r in responses:
        assert r["status"] == "ok", r["error"]
        assert r["input_tokens"] > 0 and r["output_tokens"] > 0
        assert r["cost_usd"] is not None and r["price_source"] == "config: illustrative"
        assert r["finish_reason"]
        assert json.loads(r["gateway"])["x-portkey-trace-id"] == r["trace_id"]
    scores = store.scores(run_id)
    assert len(scores) == len(responses)
    for s in scores:
        # the constrained judge must produce a valid ScoreTool every time
        assert s["status"] == "scored", s["raw"]
        assert 0 <= s["quality"] <= 1
        assert s["judge"] == JUDGE
        assert json.loads(s["raw"])["request"] == "score"
    assert store.recommendation(run_id)["run_id"] == run_id
    assert store.run(run_id)["status"] == "completed"
    assert _children() == []  # model server and gateway were stopped
