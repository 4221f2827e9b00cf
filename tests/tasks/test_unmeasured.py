"""A run that cannot compare the models says why and decides nothing: judge down in every
way a judge can fail, baseline down, a judge that scores everything alike, a URL that is
not a gateway. On the wire: Langroid agents -> the real Portkey gateway -> fake provider."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.fake_provider import openai_body
from tests.fakes import score_json, varied_judge, wire_env
from whichmodel.config import load_settings
from whichmodel.errors import GatewayError
from whichmodel.store import Store
from whichmodel.tasks.evaluation import run_evaluation

BASE = "portkey/openai/fake-base"
CAND = "portkey/openai/fake-cand"
JUDGE = "portkey/openai/judge"
PRICE = {"input_mtok": 1.0, "output_mtok": 2.0, "note": "test price"}
PROMPTS = 12


def settings(gateway, fake, **kw):
    host = {"x-portkey-custom-host": fake.base_url}
    values = dict(
        baseline=BASE,
        candidates=[CAND],
        judge=JUDGE,
        concurrency=4,
        retries=0,
        judge_attempts=2,
        cache=False,
        providers={"openai": {"base_url": gateway.url, "custom_headers": host}},
        prices={BASE: PRICE, CAND: {**PRICE, "output_mtok": 1.0}, JUDGE: PRICE},
    )
    return load_settings(**{**values, **kw})


@pytest.fixture
def answering(fake_provider):
    fake_provider.set(
        "fake-base", responder=lambda b, p, h: "base: " + b["messages"][-1]["content"]
    )
    fake_provider.set(
        "fake-cand", responder=lambda b, p, h: "cand: " + b["messages"][-1]["content"]
    )
    return fake_provider


def store_with_prompts(tmp_path):
    store = Store(tmp_path / "w.db")
    store.add_prompts(
        [{"messages": [{"role": "user", "content": f"question {i}"}]} for i in range(PROMPTS)]
    )
    return store


def no_choices(body, path, headers):
    reply = openai_body(body.get("model"), "x")
    reply["choices"] = []
    return reply


JUDGE_FAILURES = {
    "http 500": ({"status": 500}, "500"),
    "garbage": ({"responder": lambda b, p, h: "I think both are fine!"}, "no valid score"),
    "out of range": ({"responder": lambda b, p, h: score_json(1.7, 0.5, 0.5)}, "no valid score"),
    "wrong tool": (
        {"responder": lambda b, p, h: json.dumps({"request": "compare", "winner": "A"})},
        "no valid score",
    ),
    "empty choices": ({"responder": no_choices}, "no choices"),
}


@pytest.mark.parametrize("how", JUDGE_FAILURES)
async def test_a_judge_that_fails_every_call_decides_nothing(gateway, answering, tmp_path, how):
    script, cause = JUDGE_FAILURES[how]
    answering.set("judge", **script)
    store = store_with_prompts(tmp_path)
    rec = await run_evaluation(store, settings(gateway, answering))
    assert rec.decision == "undecided" and rec.recommended_model == BASE
    assert rec.unmeasured and "the judge gave no valid score for any of the 24 answers" in (
        rec.unmeasured
    )
    assert cause in rec.unmeasured
    assert "cannot compare" in rec.reasoning and "Switch" not in rec.reasoning
    run = store.run(rec.run_id)
    assert run.status == "failed" and rec.unmeasured in run.error
    assert store.recommendation(rec.run_id).unmeasured == rec.unmeasured


async def test_a_baseline_that_fails_every_call_decides_nothing(gateway, answering, tmp_path):
    answering.set("fake-base", status=500)
    answering.set("judge", responder=varied_judge)
    store = store_with_prompts(tmp_path)
    rec = await run_evaluation(store, settings(gateway, answering))
    assert rec.decision == "undecided"
    assert rec.unmeasured.startswith("the baseline fake-base failed on all 12 calls")
    assert "500" in rec.unmeasured
    assert store.run(rec.run_id).status == "failed"


async def test_a_judge_that_gives_one_score_to_everything_has_not_judged(
    gateway, answering, tmp_path
):
    answering.set("judge", responder=lambda b, p, h: score_json(0.0, 0.0, 0.0))
    store = store_with_prompts(tmp_path)
    rec = await run_evaluation(store, settings(gateway, answering))
    assert rec.decision == "undecided" and "non-inferior" not in rec.reasoning
    assert "the same score (0.00)" in rec.unmeasured


async def test_empty_choices_or_null_content_are_errors_not_refusals(gateway, answering, tmp_path):
    def null_content(body, path, headers):
        reply = openai_body(body.get("model"), "x")
        reply["choices"][0]["message"]["content"] = None
        return reply

    answering.set("fake-cand", responder=no_choices)
    answering.set("fake-null", responder=null_content)
    answering.set("judge", responder=varied_judge)
    store = store_with_prompts(tmp_path)
    null = "portkey/openai/fake-null"
    rec = await run_evaluation(
        store, settings(gateway, answering, candidates=[CAND, null], prices={})
    )
    rows = {r.model: r for r in store.responses(rec.run_id)}
    for model, what in ((CAND, "no choices"), (null, "null content")):
        assert rows[model].status == "error" and what in rows[model].error
        assert not rows[model].refused
    summary = {m.model: m for m in rec.models}
    assert summary[CAND].refusal_rate == 0 and summary[CAND].error_rate == 1.0


async def test_a_server_that_is_not_a_gateway_is_refused_before_any_call(fake_provider, tmp_path):
    """The fake provider speaks OpenAI itself: pointed at it, nothing would be routed."""
    store = store_with_prompts(tmp_path)
    wrong = load_settings(
        baseline=BASE,
        candidates=[CAND],
        judge=JUDGE,
        providers={"openai": {"base_url": fake_provider.url}},
    )
    with pytest.raises(GatewayError, match="not as a Portkey gateway"):
        await run_evaluation(store, wrong)
    assert store.runs() == []


def test_exit_codes_of_eval(gateway, answering, tmp_path):
    """0 decided, 3 undecided, 4 could not compare; stdout still has the report."""
    same = "portkey/openai/fake-same"  # answers exactly as the baseline, cheaper
    answering.set("fake-same", responder=lambda b, p, h: "base: " + b["messages"][-1]["content"])
    (tmp_path / "whichmodel.toml").write_text(
        "".join(
            f'[prices."{m}"]\ninput_mtok = 1.0\noutput_mtok = {o}\n'
            for m, o in ((BASE, 2.0), (CAND, 1.0), (same, 1.0), (JUDGE, 2.0))
        )
        + '[prices."portkey/openai/fake-500"]\ninput_mtok = 1.0\noutput_mtok = 1.0\n'
    )

    def run(candidate, prompts=PROMPTS):
        history = tmp_path / f"h{prompts}.jsonl"
        history.write_text("".join(json.dumps({"prompt": f"q{i}"}) + "\n" for i in range(prompts)))
        out = subprocess.run(
            [sys.executable, "-m", "whichmodel.cli", "eval", "--prompts", str(history)]
            + ["--judge", JUDGE, "--baseline", BASE, "--candidate", candidate, "--no-cache"],
            env=wire_env(gateway, answering, str(tmp_path / "w.db"), WHICHMODEL_RETRIES="0"),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "Traceback" not in out.stderr
        return out

    answering.set("judge", responder=varied_judge)
    # a candidate that fails every call: keep the baseline, a decision
    decided = run("portkey/openai/fake-500")
    assert decided.returncode == 0, decided.stdout + decided.stderr
    assert "Verdict: Keep fake-base:" in decided.stdout
    # as good and cheaper, but 5 prompts cannot decide
    undecided = run(same, prompts=5)
    assert undecided.returncode == 3, undecided.stdout + undecided.stderr
    assert "Keep fake-base for now: the data cannot decide" in undecided.stdout
    answering.set("judge", status=500)
    judge_down = run(CAND)
    assert judge_down.returncode == 4
    assert "the judge gave no valid score for any of the 24 answers" in judge_down.stdout
    answering.set("judge", responder=varied_judge)
    answering.set("fake-base", status=500)
    baseline_down = run(CAND)
    assert baseline_down.returncode == 4
    assert "the baseline fake-base failed on all 12 calls" in baseline_down.stdout
