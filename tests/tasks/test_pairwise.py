"""Pairwise judging end to end: Langroid agents -> the real Portkey gateway -> the fake
provider; each candidate answer is judged against the baseline's in both orders."""

import json
import re

import pytest

from whichmodel.config import load_settings
from whichmodel.store import Store
from whichmodel.tasks.evaluation import run_evaluation

BASE = "portkey/openai/fake-base"
BETTER = "portkey/openai/fake-better"
SAME = "portkey/openai/fake-same"
JUDGE = "portkey/openai/judge"
PRICE = {"input_mtok": 1.0, "output_mtok": 2.0, "note": "test price"}
PROMPTS = 12


def answers_in(prompt: str) -> dict[str, str]:
    return {
        side: re.search(rf"<answer-{side}-(\w+)>\n(.*?)\n</answer-{side}-\1>", prompt, re.S)[2]
        for side in "AB"
    }


def position_biased_judge(body, path, headers):
    """Prefers an answer that says "better"; otherwise always the first one shown (A),
    the order bias that judging both orders is there to cancel."""
    shown = answers_in(body["messages"][-1]["content"])
    winner = next((side for side, text in shown.items() if "better" in text), "A")
    return json.dumps({"request": "compare", "winner": winner, "rationale": "scripted"})


@pytest.fixture
def fake(fake_provider):
    fake_provider.set("fake-base", responder=lambda b, p, h: "plain answer")
    fake_provider.set("fake-same", responder=lambda b, p, h: "plain answer")
    fake_provider.set("fake-better", responder=lambda b, p, h: "better answer")
    fake_provider.set("judge", responder=position_biased_judge)
    return fake_provider


async def test_pairwise_mode_judges_both_orders_and_a_flip_is_a_tie(gateway, fake, tmp_path):
    store = Store(tmp_path / "w.db")
    store.add_prompts(
        [{"messages": [{"role": "user", "content": f"question {i}"}]} for i in range(PROMPTS)]
    )
    host = {"x-portkey-custom-host": fake.base_url}
    settings = load_settings(
        baseline=BASE,
        candidates=[BETTER, SAME],
        judge=JUDGE,
        judge_mode="pairwise",
        concurrency=4,
        cache=False,  # identical pairs would be judged once; this test counts every order
        judge_controls=0,  # the judge's controls have tests of their own
        providers={"openai": {"base_url": gateway.url, "custom_headers": host}},
        prices={BASE: PRICE, BETTER: {**PRICE, "output_mtok": 1.0}, SAME: PRICE, JUDGE: PRICE},
    )
    rec = await run_evaluation(store, settings)

    # the judge saw every pair twice, once in each order
    shown = [
        answers_in(r.body["messages"][-1]["content"]) for r in fake.requests if r.model == "judge"
    ]
    assert len(shown) == 2 * 2 * PROMPTS
    assert shown.count({"A": "plain answer", "B": "better answer"}) == PROMPTS
    assert shown.count({"A": "better answer", "B": "plain answer"}) == PROMPTS
    assert shown.count({"A": "plain answer", "B": "plain answer"}) == 2 * PROMPTS

    rows = {(r.prompt_id, r.model): r for r in store.pairwise(rec.run_id)}
    assert len(rows) == 2 * PROMPTS  # one row per (prompt, candidate), none for the baseline
    better = [r for (_, m), r in rows.items() if m == BETTER]
    same = [r for (_, m), r in rows.items() if m == SAME]
    assert all(
        (r.first, r.second, r.outcome, r.consistent) == ("B", "A", 1, 1) for r in better
    )
    # the position-biased verdict flips with the order: a tie, and inconsistent
    assert all(
        (r.first, r.second, r.outcome, r.consistent) == ("A", "A", 0, 0) for r in same
    )

    assert rec.judge_mode == "pairwise"
    assert rec.order_consistency == pytest.approx(0.5)
    by_model = {c.model: c for c in rec.comparisons}
    assert (by_model[BETTER].wins, by_model[BETTER].ties, by_model[BETTER].losses) == (
        PROMPTS,
        0,
        0,
    )
    assert (by_model[SAME].wins, by_model[SAME].ties, by_model[SAME].losses) == (0, PROMPTS, 0)
    assert by_model[BETTER].order_consistency == 1.0 and by_model[SAME].order_consistency == 0.0
    assert by_model[BETTER].quality_change.estimate == pytest.approx(100.0)  # net preference
    # the candidate preferred in both orders, and cheaper, is recommended
    assert rec.decision == "switch" and rec.recommended_model == BETTER
    assert "net preference" in rec.reasoning and f"{PROMPTS} wins" in rec.reasoning
    assert rec.judge_cost_usd is not None and rec.judge_cost_usd > 0
