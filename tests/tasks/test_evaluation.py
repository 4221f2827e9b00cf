"""The orchestrator with scripted Langroid LLMs (no network, real SQLite)."""

import json
from collections import Counter

import pytest
from langroid.language_models.mock_lm import MockLMConfig

from tests.fakes import score_json
from whichmodel.agents.candidate import make_candidate
from whichmodel.agents.judge import make_judge
from whichmodel.config import load_settings
from whichmodel.errors import ConfigError, NoDataError
from whichmodel.records.answers import AnswerRecord
from whichmodel.store import Store
from whichmodel.tasks.evaluation import Evaluation, run_evaluation

BASE = "portkey/openai/gpt-4o-mini"
CAND = "portkey/google/gemini-2.0-flash-lite"
JUDGE = "portkey/openai/gpt-4o"


def settings(**kw):
    return load_settings(baseline=BASE, candidates=[CAND], judge=JUDGE, concurrency=3, **kw)


def judge_by_answer(mapping):
    def respond(msg):
        for needle, reply in mapping.items():
            if needle in msg:
                return reply
        return score_json()

    return make_judge(MockLMConfig(response_fn=respond), attempts=2)


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "w.db")
    s.add_prompts([{"messages": [{"role": "user", "content": f"question {i}"}]} for i in range(6)])
    return s


async def test_every_prompt_and_model_is_answered_judged_and_stored(store):
    calls = {"judge": 0}
    cands = {
        BASE: make_candidate(MockLMConfig(default_response="baseline says hi")),
        CAND: make_candidate(MockLMConfig(default_response="candidate says hi")),
    }

    def respond(msg):
        calls["judge"] += 1
        return score_json(0.9) if "baseline says" in msg else score_json(0.5)

    rec = await run_evaluation(
        store, settings(), candidates=cands, judge=make_judge(MockLMConfig(response_fn=respond))
    )
    assert store.db["responses"].count == 12
    assert store.db["scores"].count == 12
    # 12 answers, then the judge's controls on 4 prompts: a bad answer and the good one
    # again for each (the good one's first judgment is the baseline's, from the cache)
    assert calls["judge"] == 12 + 4 + 4
    assert len(store.judge_controls(rec.run_id)) == 8
    run = store.run(rec.run_id)
    assert run.status == "completed"
    base_scores = list(
        store.db.query("select quality, status, raw from scores where model = ?", [BASE])
    )
    assert all(r["status"] == "scored" for r in base_scores)
    # quality = 0.40 a + 0.35 r + 0.25 c with a=0.9, r=c=0.8
    assert base_scores[0]["quality"] == pytest.approx(0.4 * 0.9 + 0.35 * 0.8 + 0.25 * 0.8)
    assert json.loads(base_scores[0]["raw"])["request"] == "score"
    assert rec.decision == "keep"  # the candidate is much worse
    stored = store.recommendation(rec.run_id)
    assert stored.recommended_model == BASE
    assert [m.model for m in stored.models] == [BASE, CAND]


async def test_failed_calls_are_error_rows_and_unscored_judgments_are_kept(store):
    async def flaky(msg):
        if "question 1" in msg:
            raise RuntimeError("HTTP 500 from provider")
        return "fine"

    cands = {
        BASE: make_candidate(MockLMConfig(default_response="fine")),
        CAND: make_candidate(MockLMConfig(response_fn_async=flaky)),
    }
    # question 2's judgments never use the tool (and neither does the retry after the nudge)
    judge = judge_by_answer({"question 2": "no tool here", "did not use": "no tool here"})
    rec = await run_evaluation(store, settings(), candidates=cands, judge=judge)
    errors = list(store.db.query("select * from responses where status = 'error'"))
    assert len(errors) == 1 and errors[0]["model"] == CAND
    assert "HTTP 500" in errors[0]["error"]
    unscored = list(store.db.query("select * from scores where status = 'unscored'"))
    assert len(unscored) == 2  # both models' answers to question 2
    assert all(r["quality"] is None and r["accuracy"] is None for r in unscored)
    assert all(r["raw"] == "no tool here" for r in unscored)
    cand = next(m for m in rec.models if m.model == CAND)
    assert cand.error_rate == pytest.approx(1 / 6)
    assert cand.unscored == 1


async def test_refusals_from_signals_and_from_the_judge(store):
    cands = {
        BASE: make_candidate(MockLMConfig(default_response="Sure, here you go.")),
        CAND: make_candidate(
            MockLMConfig(default_response="I'm sorry, but I can't help with that.")
        ),
    }
    judge = judge_by_answer({"here you go": score_json(refused=False)})
    rec = await run_evaluation(store, settings(), candidates=cands, judge=judge)
    rows = list(
        store.db.query("select refused, refusal_reason from responses where model = ?", [CAND])
    )
    assert all(r["refused"] == 1 and r["refusal_reason"] == "phrase" for r in rows)
    by_model = {m.model: m for m in rec.models}
    assert by_model[CAND].refusal_rate == 1.0
    assert by_model[BASE].refusal_rate == 0.0


async def test_resume_skips_work_already_stored(store):
    answers = {"n": 0}

    def count(msg):
        answers["n"] += 1
        return "answer"

    s = settings()
    cands = {m: make_candidate(MockLMConfig(response_fn=count)) for m in (BASE, CAND)}
    evaluation = Evaluation(store, s, candidates=cands, judge=judge_by_answer({}))
    run_id = evaluation.start()
    # pretend a previous process stored two answers (and one score) before dying
    for pid in store.run_prompt_ids(run_id)[:2]:
        store.save_response(
            AnswerRecord(
                run_id=run_id,
                prompt_id=pid,
                model=BASE,
                status="ok",
                text="stored before",
                cost_usd=0.001,
                refused=0,
                latency_ms=5.0,
                output_tokens=3,
            )
        )
    await evaluation.run(run_id)
    assert answers["n"] == 12 - 2
    assert store.db["responses"].count == 12
    assert store.db["scores"].count == 12
    kept = list(store.db.query("select count(*) n from responses where text = 'stored before'"))
    assert kept[0]["n"] == 2


async def test_a_run_over_several_pages_of_prompts_resumes_where_it_stopped(store, monkeypatch):
    """A run reads its prompts a page at a time: with pages of 4 (6 prompts), the work
    stored before is skipped on every page and every prompt is answered once per model."""
    monkeypatch.setattr("whichmodel.store.worklist.PAGE", 4)
    asked: list[str] = []

    def count(msg):
        asked.append(msg)
        return "answer"

    cands = {m: make_candidate(MockLMConfig(response_fn=count)) for m in (BASE, CAND)}
    evaluation = Evaluation(store, settings(), candidates=cands, judge=judge_by_answer({}))
    run_id = evaluation.start()
    ids = store.run_prompt_ids(run_id)
    for pid in (ids[1], ids[5]):  # one on each page, stored by an earlier session
        store.save_response(
            AnswerRecord(run_id=run_id, prompt_id=pid, model=CAND, status="ok", text="before")
        )
    rec = await evaluation.run(run_id)
    expected = Counter({f"question {i}": 2 for i in range(6)})
    for pid in (ids[1], ids[5]):
        expected[store.prompt(pid).messages[0]["content"]] -= 1
    assert Counter(asked) == expected and sum(expected.values()) == 12 - 2
    stored = store.db.execute("select count(*), count(distinct prompt_id) from scores")
    assert stored.fetchone() == (12, 6)
    assert rec.models[1].answered == 6


def test_bad_model_strings_fail_before_any_work(store):
    with pytest.raises(ConfigError, match="portkey/<provider>/<model>"):
        Evaluation(store, load_settings(baseline="gpt-4o-mini", candidates=[CAND], judge=JUDGE))
    with pytest.raises(ConfigError, match="Unknown provider 'opneai'"):
        Evaluation(
            store, load_settings(baseline=BASE, candidates=["portkey/opneai/gpt-4o"], judge=JUDGE)
        )
    assert store.db["runs"].count == 0


async def test_no_prompts_is_a_clear_error(tmp_path):
    with pytest.raises(NoDataError, match="whichmodel import"):
        await run_evaluation(
            Store(tmp_path / "empty.db"),
            settings(),
            candidates={BASE: make_candidate(MockLMConfig()), CAND: make_candidate(MockLMConfig())},
            judge=judge_by_answer({}),
        )


async def test_repeated_judging_stores_the_mean_and_the_spread(store):
    replies = iter([score_json(q, q, q) for q in (0.6, 0.8, 1.0)] * 100)
    judge = make_judge(MockLMConfig(response_fn=lambda msg: next(replies)))
    cands = {m: make_candidate(MockLMConfig(default_response=f"hi from {m}")) for m in (BASE, CAND)}
    rec = await run_evaluation(
        store,
        load_settings(
            baseline=BASE, candidates=[CAND], judge=JUDGE, judge_samples=3, concurrency=1
        ),
        candidates=cands,
        judge=judge,
    )
    rows = store.scores(rec.run_id)
    assert len(rows) == 12  # one row per answer, however many samples
    for row in rows:
        samples = row.samples
        assert sorted(samples) == pytest.approx([0.6, 0.8, 1.0])
        assert row.quality == pytest.approx(0.8)
        assert row.spread == pytest.approx(0.2)
        assert row.attempts == 3
    assert all(m.judge_spread == pytest.approx(0.2) for m in rec.models)
