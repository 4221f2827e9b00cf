"""Every run checks its judge on answers whose order is known before trusting its scores:
a good judge passes, a constant judge and a judge that prefers the bad answer leave the
run undecided and say why (scripted Langroid LLMs, real SQLite)."""

import json
import re

import pytest
from langroid.language_models.mock_lm import MockLMConfig

from tests.fakes import score_json
from whichmodel.agents.candidate import make_candidate
from whichmodel.agents.judge import make_judge, make_pairwise_judge
from whichmodel.config import load_settings
from whichmodel.errors import NoDataError
from whichmodel.records.runs import Prompt
from whichmodel.report.answers import verdict_answer
from whichmodel.report.html import render_html
from whichmodel.results.run_report import run_report
from whichmodel.store import Store
from whichmodel.tasks.controls import control_items
from whichmodel.tasks.evaluation import run_evaluation
from whichmodel.tasks.feedback import push_feedback

BASE = "portkey/openai/gpt-4o-mini"
CAND = "portkey/google/gemini-2.0-flash-lite"
JUDGE = "portkey/openai/gpt-4o"
PROMPTS = 12


def answer_for(message: str, who: str) -> str:
    n = re.search(r"question (\d+)", message).group(1)
    return f"The answer to question {n} is that {who} explains it in full with clear steps."


def candidates():
    return {
        BASE: make_candidate(MockLMConfig(response_fn=lambda m: answer_for(m, "the baseline"))),
        CAND: make_candidate(MockLMConfig(response_fn=lambda m: answer_for(m, "the candidate"))),
    }


def good_judge(message: str) -> str:
    """Scores an answer high only when it is a whole answer to the question asked."""
    question = re.search(r"question (\d+)", message).group(1)
    whole = re.search(
        rf"The answer to question {question} is that the (baseline|candidate) explains it "
        r"in full with clear steps\.",
        message,
    )
    if not whole:
        return score_json(0.1, 0.1, 0.1)
    q = 0.9 if whole.group(1) == "baseline" else 0.88
    return score_json(q, q, q)


def prefers_bad(message: str) -> str:
    """Likes short and broken answers better than whole ones (and tells questions apart)."""
    whole = re.search(r"explains it in full with clear steps\.", message)
    q = 0.3 + 0.01 * int(re.search(r"question (\d+)", message).group(1))
    return score_json(q, q, q) if whole else score_json(0.95, 0.95, 0.95)


def settings(**kw):
    return load_settings(
        baseline=BASE, candidates=[CAND], judge=JUDGE, concurrency=3, tolerance=0.05, **kw
    )


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "w.db")
    s.add_prompts(
        [{"messages": [{"role": "user", "content": f"question {i}"}]} for i in range(PROMPTS)]
    )
    return s


def judge_of(fn):
    return make_judge(MockLMConfig(response_fn=fn), attempts=1)


async def test_a_good_judge_passes_its_controls_and_they_are_stored_and_priced(store):
    rec = await run_evaluation(
        store, settings(), candidates=candidates(), judge=judge_of(good_judge)
    )
    controls = store.judge_controls(rec.run_id)
    kinds = [c.kind for c in controls]
    assert len(controls) == 8 and kinds.count("repeat") == 4
    assert {k for k in kinds if k != "repeat"} == {
        "ordering:empty",
        "ordering:other",
        "ordering:shuffled",
        "ordering:truncated",
    }
    assert all(c.passed for c in controls), controls
    assert rec.judge_controls.passed == 8 and rec.judge_controls.trusted
    assert rec.unmeasured is None and rec.decision != "undecided" or rec.prompts_needed
    # they show in every face
    assert "Judge controls: 8/8 passed." in verdict_answer(rec)
    assert "Judge controls: 8/8 passed." in render_html(run_report(store, rec.run_id))


async def test_a_constant_judge_fails_its_controls_and_decides_nothing(store):
    rec = await run_evaluation(
        store,
        settings(),
        candidates=candidates(),
        judge=judge_of(lambda m: score_json(0.7, 0.7, 0.7)),
    )
    assert not rec.judge_controls.trusted
    assert rec.judge_controls.passed == 4  # the repeats agree; no bad answer scored lower
    assert rec.decision == "undecided" and rec.recommended_model == BASE
    # the plainer cause is named first; the controls say the same in their own line
    assert "the judge gave all 24 answers the same score (0.70)" in rec.reasoning
    assert "an empty answer scored 0.70, a good answer 0.70" in rec.judge_controls.failures
    assert "Judge controls: 4/8 passed." in verdict_answer(rec)
    assert store.run(rec.run_id).status == "failed"
    # scores of a judge that failed its controls are not sent to Portkey as feedback
    with pytest.raises(NoDataError, match="failed its controls"):
        push_feedback(store, rec.run_id, url="http://127.0.0.1:9/v1", api_key="pk")


async def test_a_judge_that_prefers_the_bad_answer_decides_nothing(store):
    rec = await run_evaluation(
        store, settings(), candidates=candidates(), judge=judge_of(prefers_bad)
    )
    assert rec.decision == "undecided"
    assert rec.unmeasured.startswith("the judge failed its controls (4/8 passed")
    ordering = [c for c in store.judge_controls(rec.run_id) if c.kind != "repeat"]
    assert all(not c.passed and c.other_score >= c.good_score for c in ordering)


async def test_no_judge_controls_skips_them_and_says_so(store):
    calls = []

    def counting(message):
        calls.append(message)
        return good_judge(message)

    rec = await run_evaluation(
        store, settings(judge_controls=0), candidates=candidates(), judge=judge_of(counting)
    )
    assert len(calls) == 2 * PROMPTS and not store.judge_controls(rec.run_id)
    assert rec.judge_controls.skipped
    assert "Judge controls: skipped (--no-judge-controls)." in verdict_answer(rec)


async def test_pairwise_controls_compare_good_and_bad_in_both_orders(store):
    def pairwise(message):
        first = message.index("<answer-A-")
        second = message.index("<answer-B-")
        a, b = message[first:second], message[second:]
        question = re.search(r"question (\d+)", message).group(1)
        whole = f"The answer to question {question} is that"
        winner = "A" if whole in a and whole not in b else "B" if whole in b else "tie"
        return json.dumps({"request": "compare", "winner": winner, "rationale": "x"})

    judge = make_pairwise_judge(MockLMConfig(response_fn=pairwise), attempts=1)
    rec = await run_evaluation(
        store, settings(judge_mode="pairwise"), candidates=candidates(), judge=judge
    )
    controls = store.judge_controls(rec.run_id)
    assert len(controls) == 4 and all(c.kind.startswith("pairwise:") for c in controls)
    assert all(c.passed for c in controls), controls


async def test_control_items_use_the_reference_and_skip_what_cannot_be_made_worse():
    hello = [{"role": "user", "content": "hello"}]
    prompts = [
        Prompt("a", hello, reference="Paris is the capital of France, on the Seine river banks."),
        Prompt("b", hello, reference="Yes."),
        Prompt("c", hello),
    ]

    async def no_answer(prompt_id):
        return None

    items = await control_items(prompts, no_answer, 5)
    assert {p.id for p, *_ in items} == {"a", "b"}  # c has no good answer
    by_id = {p.id: (kind, good, bad) for p, kind, good, bad in items}
    assert by_id["a"][1].startswith("Paris")
    assert by_id["b"][0] in ("empty", "other")  # too short to cut or shuffle


async def test_the_controls_use_the_slots_the_runs_tail_leaves(tmp_path):
    """Controls start once every job is handed out, take only slots finished workers left
    (never more calls in flight than workers), and wait for a baseline answer still being
    made instead of choosing around it."""
    import asyncio

    from whichmodel.tasks.controls import Pending, with_controls

    store = Store(tmp_path / "w.db")
    in_flight, peak, log = 0, 0, []
    pending = Pending(store, "r1", "base")

    async def call(name, seconds):
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(seconds)
        in_flight -= 1
        log.append(name)

    async def worker(i):
        with pending.working(f"p{i}", "base"):
            await call(f"job {i}", 0.02 * (i + 1))

    async def controls(slot):
        log.append("controls start")
        answer = await pending.answer("p3")  # the slowest worker's prompt
        log.append("baseline p3 final")
        assert answer is None  # nothing stored by these workers: read after the wait

        async def held(i):
            async with slot():
                await call(f"control {i}", 0.01)

        await asyncio.gather(*(held(i) for i in range(6)))

    await with_controls([worker(i) for i in range(4)], controls, lambda: False)
    assert peak <= 4
    assert log.index("controls start") < log.index("job 3")  # overlaps the tail
    assert log.index("baseline p3 final") > log.index("job 3")  # waited for it
    assert sum(1 for x in log if x.startswith("control ")) == 6

    log.clear()
    await with_controls([worker(i) for i in range(2)], controls, lambda: True)
    assert "controls start" not in log  # a stopped run makes no controls
