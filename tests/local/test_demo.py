"""The embedded default end to end: real SmolLM2 (llama.cpp) behind the real local
Portkey gateway, both provider routes, a JSON-schema constrained judge. Nothing is
asserted about what a 135M model says; only that every stage happened and was stored."""

import json
import os

import pytest

from tests.fakes import wire_env
from whichmodel.local.demo import BASELINE, CANDIDATE, JUDGE, run_demo
from whichmodel.store import Store

pytestmark = pytest.mark.local_model


def _children():
    out = os.popen("ps -ww -eo pid,ppid,args").read()  # -ww: whole lines, not 80 columns
    return [
        line
        for line in out.splitlines()
        if ("start-server.js" in line or "whichmodel.local.llama" in line)
        and str(os.getpid()) in line.split()[1:2]
    ]


async def test_short_demo_stores_every_stage(tmp_path, gateway_install_dir):
    db = tmp_path / "demo.db"
    before = _children()  # e.g. the session's gateway, when a test before this one used it
    rec = await run_demo(db=db, limit=1)
    store = Store(db)
    run_id = rec.run_id
    responses = store.responses(run_id)
    assert {(r.model) for r in responses} == {BASELINE, CANDIDATE}
    assert len(responses) == 2 * 1
    for r in responses:
        assert r.status == "ok", r.error
        assert r.input_tokens > 0 and r.output_tokens > 0
        assert r.cost_usd is not None and r.price_source == "config: illustrative"
        assert r.finish_reason
        assert r.gateway["x-portkey-trace-id"] == r.trace_id
    scores = store.scores(run_id)
    assert len(scores) == len(responses)
    for s in scores:
        # the constrained judge must produce a valid ScoreTool every time
        assert s.status == "scored", s.raw
        assert 0 <= s.quality <= 1
        assert s.judge == JUDGE
        assert json.loads(s.raw)["request"] == "score"
    assert store.recommendation(run_id).run_id == run_id
    # the 135M judge is checked like any judge; when it fails its controls the run says so
    controls = store.judge_controls(run_id)
    assert controls and all(c.good_score is not None for c in controls)
    assert rec.judge_controls.total == len(controls)
    assert store.run(run_id).status == ("failed" if rec.unmeasured else "completed")
    assert _children() == before  # model server and gateway were stopped


def test_eval_with_a_local_gguf_next_to_a_hosted_model(tmp_path, gateway, fake_provider):
    """`whichmodel eval --local-gguf FILE`: the file is served by llama.cpp and compared,
    through the same gateway, with a (fake) hosted baseline."""
    import shutil
    import subprocess
    import sys

    from tests.fakes import eval_exit_code, varied_judge
    from whichmodel.local.llama import default_gguf

    gguf = tmp_path / "My-Model.Q4.gguf"
    shutil.copy(default_gguf(), gguf)
    fake_provider.set("judge", responder=varied_judge)
    history = tmp_path / "h.jsonl"
    history.write_text(json.dumps({"prompt": "Name a primary colour."}) + "\n")
    env = wire_env(gateway, fake_provider, str(tmp_path / "w.db"), WHICHMODEL_MAX_TOKENS="24")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "whichmodel.cli",
            "eval",
            "--prompts",
            str(history),
            "--baseline",
            "portkey/openai/fake-base",
            "--judge",
            "portkey/openai/judge",
            "--local-gguf",
            str(gguf),
            "--output",
            str(tmp_path / "rec.json"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    rec = json.loads((tmp_path / "rec.json").read_text())
    assert out.returncode == eval_exit_code(rec), out.stderr[-3000:]
    local = "portkey/openai/my-model.q4"
    assert [m["model"] for m in rec["models"]] == ["portkey/openai/fake-base", local]
    rows = {r.model: r for r in Store(tmp_path / "w.db").responses(rec["run_id"])}
    assert rows[local].status == "ok" and rows[local].output_tokens > 0
    assert fake_provider.count(model="my-model.q4") == 0  # it went to the local server
    # no price list knows a local file: unknown, never $0
    assert next(m for m in rec["models"] if m["model"] == local)["cost_usd"] is None
