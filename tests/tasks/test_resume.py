"""Kill a real `whichmodel eval` process mid-run, then `--resume` it."""

import json
import signal
import sqlite3
import subprocess
import sys
import time

from tests.fakes import wire_env
from tests.tasks.test_evaluation_gateway import judge_responder

BASE = "portkey/openai/fake-base"
CAND = "portkey/openai/fake-slow-400"  # every answer takes 400 ms
JUDGE = "portkey/openai/judge"
PROMPTS = 8


def stored(db):
    with sqlite3.connect(db) as conn:
        answers = {(p, m) for p, m in conn.execute("select prompt_id, model from responses")}
        scores = {(p, m) for p, m in conn.execute("select prompt_id, model from scores")}
        texts = dict(conn.execute("select id, json_extract(messages, '$[0].content') from prompts"))
    return answers, scores, texts


def test_killed_run_resumes_without_paying_twice(gateway, fake_provider, tmp_path):
    fake_provider.set(
        "fake-base", responder=lambda b, p, h: "base says " + b["messages"][-1]["content"]
    )
    fake_provider.set("judge", responder=judge_responder)
    history = tmp_path / "history.jsonl"
    history.write_text(
        "".join(json.dumps({"prompt": f"question {i}"}) + "\n" for i in range(PROMPTS))
    )
    db = tmp_path / "w.db"
    env = wire_env(
        gateway, fake_provider, str(db), WHICHMODEL_CONCURRENCY="2", WHICHMODEL_JUDGE_CONTROLS="0"
    )
    cmd = [sys.executable, "-m", "whichmodel.cli", "eval"]
    proc = subprocess.Popen(
        [
            *cmd,
            "--prompts",
            str(history),
            "--baseline",
            BASE,
            "--candidate",
            CAND,
            "--judge",
            JUDGE,
        ],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if len(stored(db)[1]) >= 4:
                break
        except sqlite3.OperationalError:  # not created yet
            pass
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    answers_before, scores_before, texts = stored(db)
    assert 0 < len(scores_before) < 2 * PROMPTS, "kill happened too late to test anything"
    calls_at_kill = len(fake_provider.requests)

    out = subprocess.run(
        [*cmd, "--resume", "--output", "rec.json"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode in (0, 3), out.stderr[-3000:]  # a decision, or undecided

    answers, scores, _ = stored(db)
    assert len(answers) == len(scores) == 2 * PROMPTS
    assert answers_before <= answers and scores_before <= scores  # nothing stored was lost
    after = fake_provider.requests[calls_at_kill:]
    for pid, model in answers_before:  # no answer already stored was asked for again
        question = texts[pid]
        assert not [
            r
            for r in after
            if r.model == model.split("/")[-1] and r.body["messages"][-1]["content"] == question
        ]
    for pid, model in scores_before:  # no stored score was judged again
        answer = ("base says " if model == BASE else "echo: ") + texts[pid]
        assert not [
            r
            for r in after
            if r.model == "judge" and answer + "\n" in r.body["messages"][-1]["content"]
        ]
    rec = json.loads((tmp_path / "rec.json").read_text())

    # the same results as an uninterrupted run over the same prompts
    fresh_env = {**env, "WHICHMODEL_DB": str(tmp_path / "fresh.db")}
    out = subprocess.run(
        [
            *cmd,
            "--prompts",
            str(history),
            "--baseline",
            BASE,
            "--candidate",
            CAND,
            "--judge",
            JUDGE,
            "--output",
            "fresh.json",
        ],
        env=fresh_env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode in (0, 3), out.stderr
    fresh = json.loads((tmp_path / "fresh.json").read_text())
    keys = ("model", "quality", "refusal_rate", "error_rate", "prompts", "scored")
    assert [{k: m[k] for k in keys} for m in rec["models"]] == [
        {k: m[k] for k in keys} for m in fresh["models"]
    ]
    assert rec["recommended_model"] == fresh["recommended_model"]
