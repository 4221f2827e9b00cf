"""Batch mode end to end, offline: Langroid agents -> the real Portkey gateway's /v1/files
and /v1/batches -> the fake provider's batches; an Anthropic-route candidate runs online
in the same run; SQLite checked afterwards."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.fakes import score_json, wire_env
from whichmodel.config import load_settings
from whichmodel.errors import BudgetError
from whichmodel.records.answers import ScoreRecord
from whichmodel.store import Store
from whichmodel.tasks.evaluation import run_evaluation

BASE = "portkey/openai/fake-base"
CAND = "portkey/anthropic/fake-cand"
JUDGE = "portkey/openai/judge"
PRICE = {"input_mtok": 1.0, "output_mtok": 2.0, "note": "test price"}
TOOL = {
    "type": "function",
    "function": {
        "name": "lookup",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


def judge(body, path, headers):
    answer = body["messages"][-1]["content"]
    q = 0.9 if "echo" in answer else 0.85
    return score_json(q, q, q)


def settings(gateway, fake, **kw):
    host = {"x-portkey-custom-host": fake.base_url}
    return load_settings(
        **{
            "baseline": BASE,
            "candidates": [CAND],
            "judge": JUDGE,
            "concurrency": 3,
            "judge_controls": 0,
            "batch": True,
            "batch_poll_seconds": 0.05,
            "cache": False,
            "providers": {
                "openai": {"base_url": gateway.url, "custom_headers": host},
                "anthropic": {"base_url": gateway.url, "custom_headers": host},
            },
            "prices": {BASE: PRICE, CAND: PRICE, JUDGE: PRICE},
            **kw,
        }
    )


def prompts(n=6):
    items = [{"messages": [{"role": "user", "content": f"question {i}"}]} for i in range(n)]
    items[0]["request"] = {"tools": [TOOL], "temperature": 0.3, "max_tokens": 50}
    return items


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "w.db")
    s.add_prompts(prompts())
    return s


def batch_lines(fake):
    """Every request line of every input file the fake provider received."""
    files = {b.info["input_file_id"] for b in fake.batches.values()}
    return [json.loads(line) for f in files for line in fake.files[f].decode().splitlines()]


async def test_openai_models_go_in_batches_the_rest_online(gateway, fake_provider, store, tmp_path):
    fake_provider.set("judge", responder=judge)
    fake_provider.set("fake-cand", text="the candidate's answer")
    fake_provider.batch_polls = 2
    rec = await run_evaluation(store, settings(gateway, fake_provider))

    created = [b.info for b in fake_provider.batches.values()]
    assert len(created) == 2  # the baseline's answers, then the judge's scores
    assert all(b["status"] == "completed" for b in created)
    # online: only the Anthropic-route candidate; nothing of the batches went live
    online = [
        r.model
        for r in fake_provider.requests
        if r.path in ("/v1/chat/completions", "/v1/messages")
    ]
    assert sorted(online) == ["fake-cand"] * 6

    rows = {(r.prompt_id, r.model): r for r in store.responses(rec.run_id)}
    base = [r for (p, m), r in rows.items() if m == BASE]
    assert len(base) == 6 and all(r.origin == "batch" for r in base)
    assert all(r.latency_ms is None and r.trace_id is None for r in base)
    assert all("x 0.5 (batch_discount" in r.price_source for r in base)
    cand = [r for (p, m), r in rows.items() if m == CAND]
    assert all(r.origin == "call" and r.latency_ms > 0 for r in cand)
    # a batch answer costs half the online price of the same tokens
    one = base[0]
    full = (one.input_tokens * 1.0 + one.output_tokens * 2.0) / 1e6
    assert one.cost_usd == pytest.approx(full * 0.5)

    scores = list(ScoreRecord.from_row(r) for r in store.db.query("select * from scores"))
    assert len(scores) == 12 and all(s.status == "scored" for s in scores)
    judge_lines = [line for line in batch_lines(fake_provider) if line["body"]["model"] == "judge"]
    assert len(judge_lines) == 12  # every answer, the online candidate's too
    assert rec.decision in ("switch", "keep", "undecided") and rec.unmeasured is None
    # every face reads a batch run: answers without latency, priced at the batch price
    from whichmodel.report.html import render_html
    from whichmodel.results.run_report import run_report

    page = render_html(run_report(store, rec.run_id))
    assert "batch_discount" in page and "fake-base" in page

    # each batch line is the request the agent sends live: same tools, parameters, body
    answers = [line for line in batch_lines(fake_provider) if line["body"]["model"] == "fake-base"]
    tooled = next(line["body"] for line in answers if line["body"].get("tools"))
    fake_provider.reset()
    live = Store(tmp_path / "live.db")
    live.add_prompts(prompts())
    fake_provider.set("judge", responder=judge)
    await run_evaluation(live, settings(gateway, fake_provider, batch=False))
    sent = next(
        r.body for r in fake_provider.requests if r.model == "fake-base" and r.body.get("tools")
    )
    assert tooled == sent
    assert tooled["temperature"] == 0.3 and 50 in (
        tooled.get("max_tokens"),
        tooled.get("max_completion_tokens"),
    ), tooled


async def test_a_failed_batch_is_sent_again_once_then_each_item_is_an_error(
    gateway, fake_provider, store
):
    fake_provider.set("judge", responder=judge)
    fake_provider.batch_outcome = "failed"
    fake_provider.batch_outcome_times = 1
    rec = await run_evaluation(store, settings(gateway, fake_provider))
    statuses = sorted(b.status for b in fake_provider.batches.values())
    assert statuses.count("failed") == 1 and statuses.count("completed") == 2
    rows = store.responses(rec.run_id, BASE)
    assert len(rows) == 6 and all(r.status == "ok" for r in rows)

    # failing twice: every undone item is stored as an error that says so
    fake_provider.reset()
    fresh = Store(store.path.parent / "twice.db")
    fresh.add_prompts(prompts())
    fake_provider.set("judge", responder=judge)
    fake_provider.batch_outcome = "failed"
    fake_provider.batch_outcome_times = 2
    rec = await run_evaluation(fresh, settings(gateway, fake_provider))
    rows = fresh.responses(rec.run_id, BASE)
    assert len(rows) == 6 and all(r.status == "error" for r in rows)
    assert all("ended failed" in r.error and "twice" in r.error for r in rows)
    assert rec.decision == "undecided" and "baseline" in (rec.unmeasured or "")


async def test_max_cost_is_checked_before_a_batch_is_sent(gateway, fake_provider, store):
    fake_provider.set("judge", responder=judge)
    with pytest.raises(BudgetError):
        await run_evaluation(store, settings(gateway, fake_provider, max_cost=0.000001))
    assert not fake_provider.batches and not fake_provider.files
    run = next(iter(store.db.query("select * from runs")))
    assert run["status"] == "stopped"


def test_kill_9_while_a_batch_runs_then_resume_sends_no_batch_twice(
    gateway, fake_provider, tmp_path
):
    db = tmp_path / "w.db"
    Store(db).add_prompts(prompts())
    fake_provider.set("judge", responder=judge)
    fake_provider.set("fake-cand", text="the candidate's answer")
    fake_provider.batch_polls = 10**9  # the provider never finishes while the first process runs
    config = tmp_path / "whichmodel.toml"
    config.write_text(
        f'[prices."{BASE}"]\ninput_mtok = 1.0\noutput_mtok = 2.0\n'
        f'[prices."{CAND}"]\ninput_mtok = 1.0\noutput_mtok = 2.0\n'
        f'[prices."{JUDGE}"]\ninput_mtok = 1.0\noutput_mtok = 2.0\n'
    )
    env = wire_env(
        gateway,
        fake_provider,
        db,
        WHICHMODEL_CONFIG=str(config),
        WHICHMODEL_BATCH_POLL_SECONDS="0.05",
        WHICHMODEL_JUDGE_CONTROLS="0",
        OPENAI_API_KEY="sk-test",
        ANTHROPIC_API_KEY="sk-test",
    )
    argv = [sys.executable, "-m", "whichmodel.cli", "eval", "--batch", "--baseline", BASE]
    argv += ["--candidate", CAND, "--judge", JUDGE]
    first = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if any(b.retrieves for b in fake_provider.batches.values()):
                break
            time.sleep(0.1)
        else:
            pytest.fail("no batch was polled: " + first.stderr.read().decode()[-2000:])
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    assert len(fake_provider.batches) == 1
    fake_provider.batch_polls = 0
    for state in fake_provider.batches.values():
        state.polls = 0  # the provider finishes it now
    second = subprocess.run(
        [sys.executable, "-m", "whichmodel.cli", "eval", "--resume"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert second.returncode in (0, 3), second.stderr[-3000:]
    created = fake_provider.count(path="/v1/batches", method="POST")
    assert created == 2  # the answers' batch (created once, polled again) and the judge's
    store = Store(db)
    rows = store.responses(store.runs()[0].id, BASE)
    assert len(rows) == 6 and all(r.origin == "batch" for r in rows)
    assert store.db.execute("select count(*) from scores").fetchone()[0] == 12
    batches = list(store.db.query("select * from batches order by created_at"))
    assert [b["status"] for b in batches] == ["ingested", "ingested"]


async def test_a_batch_created_just_before_a_crash_is_found_by_its_metadata(
    gateway, fake_provider, store, monkeypatch
):
    """The process dies after the provider created the batch but before its id was stored:
    the resumed run finds it by the key in its metadata and does not send it again."""
    from whichmodel.store.database import Store as StoreClass
    from whichmodel.tasks.evaluation import resume_run

    fake_provider.set("judge", responder=judge)
    fake_provider.set("fake-cand", text="the candidate's answer")
    real_update = StoreClass.update_batch

    def crash_when_the_id_is_stored(self, key, **fields):
        if "batch_id" in fields:
            raise KeyboardInterrupt
        return real_update(self, key, **fields)

    monkeypatch.setattr(StoreClass, "update_batch", crash_when_the_id_is_stored)
    with pytest.raises(KeyboardInterrupt):
        await run_evaluation(store, settings(gateway, fake_provider))
    (row,) = store.db.query("select * from batches")
    assert row["batch_id"] is None and len(fake_provider.batches) == 1

    monkeypatch.setattr(StoreClass, "update_batch", real_update)
    rec = await resume_run(store, settings(gateway, fake_provider))
    assert fake_provider.count(path="/v1/batches", method="POST") == 2  # answers, judge
    (found,) = [b for b in store.db.query("select * from batches") if b["part"] == "answers"]
    assert found["batch_id"] == next(iter(fake_provider.batches)) and found["status"] == "ingested"
    assert store.db.execute("select count(*) from scores").fetchone()[0] == 12
    assert rec.unmeasured is None


async def test_a_batch_stored_but_never_sent_is_given_up_and_sent_anew(
    gateway, fake_provider, store, monkeypatch
):
    """The process dies while the batch's file is uploaded: the resumed run gives that
    batch up (the provider never had it) and sends its jobs in a new batch at once. Items
    are stored as they are captured, a page at a time (pages of 2 here)."""
    from whichmodel.portkey.batches import BatchAPI
    from whichmodel.tasks.evaluation import resume_run

    monkeypatch.setattr("whichmodel.store.worklist.PAGE", 2)
    fake_provider.set("judge", responder=judge)
    fake_provider.set("fake-cand", text="the candidate's answer")

    async def dies(self, path):
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(BatchAPI, "upload", dies)
        with pytest.raises(KeyboardInterrupt):
            await run_evaluation(store, settings(gateway, fake_provider))
    (stuck,) = store.db.query("select * from batches")
    assert stuck["status"] == "preparing" and stuck["batch_id"] is None
    assert store.db["batch_items"].count == 6 and not fake_provider.batches

    rec = await resume_run(store, settings(gateway, fake_provider))
    rows = {b["key"]: b for b in store.db.query("select * from batches")}
    assert rows[stuck["key"]]["status"] == "given_up"
    assert rows[stuck["key"]]["error"] == "never sent"
    answers = [b for b in rows.values() if b["part"] == "answers" and b["key"] != stuck["key"]]
    assert [(b["status"], b["items"]) for b in answers] == [("ingested", 6)]
    assert fake_provider.count(path="/v1/batches", method="POST") == 2  # answers, judge
    assert store.db.execute("select count(*) from scores").fetchone()[0] == 12
    assert rec.unmeasured is None
