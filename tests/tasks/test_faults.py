"""Faults on the wire: one retry layer (the client's) with backoff, retry-after honoured,
a per-call timeout, and a provider that keeps failing ending as error rows, not a hang."""

import time

import pytest

from tests.tasks.test_evaluation_gateway import judge_responder
from whichmodel.config import load_settings
from whichmodel.store import Store
from whichmodel.tasks.evaluation import run_evaluation

BASE = "portkey/openai/fake-base"
CAND = "portkey/openai/fake-cand"
JUDGE = "portkey/openai/judge"


def settings_for(gateway, fake, **kw):
    return load_settings(
        baseline=BASE,
        candidates=[CAND],
        judge=JUDGE,
        concurrency=2,
        providers={
            "openai": {
                "base_url": gateway.url,
                "custom_headers": {"x-portkey-custom-host": fake.base_url},
            }
        },
        **kw,
    )


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "w.db")
    s.add_prompts([{"messages": [{"role": "user", "content": "Capital of France?"}]}])
    return s


@pytest.fixture
def fake(fake_provider):
    fake_provider.set("judge", responder=judge_responder)
    return fake_provider


async def test_retry_after_from_the_provider_is_honoured(gateway, fake, store):
    fake.set("fake-cand", times=1, status=429, retry_after=2)
    start = time.monotonic()
    rec = await run_evaluation(store, settings_for(gateway, fake, retries=2))
    elapsed = time.monotonic() - start
    rows = {r.model: r for r in store.responses(rec.run_id)}
    assert rows[CAND].status == "ok"
    assert fake.count(model="fake-cand") == 2  # one 429, one success
    # the client's own first backoff is at most 0.5 s; the provider asked for 2 s
    assert elapsed >= 2.0


async def test_server_errors_are_retried_with_backoff_then_succeed(gateway, fake, store):
    fake.set("fake-cand", times=2, status=503)
    start = time.monotonic()
    rec = await run_evaluation(store, settings_for(gateway, fake, retries=2))
    elapsed = time.monotonic() - start
    assert {r.model: r.status for r in store.responses(rec.run_id)}[CAND] == "ok"
    assert fake.count(model="fake-cand") == 3
    # two waits, growing: about 0.5 s then 1 s, each shortened by up to a quarter (jitter)
    assert elapsed >= 0.375 + 0.75


async def test_a_provider_that_keeps_failing_ends_as_error_rows(gateway, fake, store):
    fake.set("fake-cand", status=500)
    rec = await run_evaluation(store, settings_for(gateway, fake, retries=1))
    rows = {r.model: r for r in store.responses(rec.run_id)}
    assert rows[BASE].status == "ok"
    assert rows[CAND].status == "error"
    assert "500" in rows[CAND].error and "after 2 attempts" in rows[CAND].error
    assert fake.count(model="fake-cand") == 2  # exactly one retry layer
    assert any("fake-cand: 1 of 1 calls failed" in w for w in rec.warnings)
    assert rec.recommended_model == BASE


async def test_a_call_that_hangs_times_out_as_an_error_row(gateway, fake, store):
    fake.set("fake-cand", delay_ms=5000)
    start = time.monotonic()
    rec = await run_evaluation(store, settings_for(gateway, fake, retries=1, timeout=1))
    elapsed = time.monotonic() - start
    rows = {r.model: r for r in store.responses(rec.run_id)}
    assert rows[CAND].status == "error"
    assert "timed out" in rows[CAND].error.lower()
    assert fake.count(model="fake-cand") == 2  # the timed-out call was retried once
    assert elapsed < 4.5  # two 1 s attempts and a backoff, not two 5 s waits
