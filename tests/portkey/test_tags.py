"""A team's own Portkey tags ride on every call of an evaluation next to whichmodel's:
through the real local gateway (told to forward the two headers to the fake provider,
so the test sees what Portkey received), with the trace ids stored for feedback."""

import json

from tests.fakes import score_json
from whichmodel.config import load_settings
from whichmodel.portkey.context import TRACE_ID_LIMIT, traced
from whichmodel.store import Store
from whichmodel.tasks.evaluation import run_evaluation

BASE = "portkey/openai/fake-base"
CAND = "portkey/openai/fake-cand"
JUDGE = "portkey/openai/judge"


def settings(gateway, fake, **kw):
    headers = {
        "x-portkey-custom-host": fake.base_url,
        "x-portkey-forward-headers": "x-portkey-trace-id,x-portkey-metadata",
    }
    return load_settings(
        baseline=BASE,
        candidates=[CAND],
        judge=JUDGE,
        concurrency=2,
        judge_controls=0,
        cache=False,  # every run calls, so every run's tags are seen
        providers={"openai": {"base_url": gateway.url, "custom_headers": headers}},
        **kw,
    )


async def test_user_tags_are_merged_with_whichmodel_tags_on_every_call(
    gateway, fake_provider, tmp_path, monkeypatch
):
    monkeypatch.setenv("PORTKEY_TRACE_ID", "checkout-bot")
    monkeypatch.setenv("PORTKEY_METADATA", json.dumps({"team": "payments", "_user": "ci"}))
    fake_provider.set("judge", responder=lambda b, p, h: score_json(0.8, 0.8, 0.8))
    store = Store(tmp_path / "w.db")
    store.add_prompts(
        [{"messages": [{"role": "user", "content": f"question {i}"}]} for i in range(3)]
    )
    rec = await run_evaluation(
        store, settings(gateway, fake_provider, portkey_metadata={"environment": "staging"})
    )

    calls = [r for r in fake_provider.requests if r.path == "/v1/chat/completions"]
    assert len(calls) == 3 * 2 + 3 * 2  # answers and judgments
    for call in calls:
        meta = json.loads(call.headers["x-portkey-metadata"])
        # the team's keys are kept, whichmodel's are added
        assert meta["team"] == "payments" and meta["_user"] == "ci"
        assert meta["environment"] == "staging"
        assert meta["run_id"] == rec.run_id and meta["role"] in ("baseline", "candidate", "judge")
        assert call.headers["x-portkey-trace-id"].startswith(f"checkout-bot-wm-{rec.run_id}-")
    sent = {c.headers["x-portkey-trace-id"] for c in calls}
    assert len(sent) == len(calls)  # one trace per call
    stored = {r["trace_id"] for r in store.db.query("select trace_id from responses")}
    assert stored <= sent and len(stored) == 6  # the ids feedback will be sent to


async def test_trace_prefix_setting_wins_and_no_prefix_leaves_the_id_alone(
    gateway, fake_provider, tmp_path, monkeypatch
):
    monkeypatch.delenv("PORTKEY_TRACE_ID", raising=False)
    monkeypatch.delenv("PORTKEY_METADATA", raising=False)
    fake_provider.set("judge", responder=lambda b, p, h: score_json(0.8, 0.8, 0.8))
    store = Store(tmp_path / "w.db")
    store.add_prompts([{"messages": [{"role": "user", "content": "question"}]}])
    rec = await run_evaluation(store, settings(gateway, fake_provider, trace_prefix="app-x"))
    traces = [r.headers["x-portkey-trace-id"] for r in fake_provider.requests]
    assert traces and all(t.startswith(f"app-x-wm-{rec.run_id}") for t in traces)

    fake_provider.clear()
    rec = await run_evaluation(store, settings(gateway, fake_provider))
    traces = [r.headers["x-portkey-trace-id"] for r in fake_provider.requests]
    assert traces and all(t.startswith(f"wm-{rec.run_id}") for t in traces)


def test_a_long_prefix_is_cut_never_the_unique_part():
    own = "wm-" + "a" * 100
    assert traced("team", own) == f"team-{own}"
    long = traced("p" * 200, own)
    assert len(long) == TRACE_ID_LIMIT and long.endswith(own)
    assert traced(None, own) == own
