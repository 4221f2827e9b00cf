"""Scripted Langroid LLMs (MockLMConfig) for agent and orchestrator tests."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from langroid.language_models.mock_lm import MockLMConfig

from whichmodel.records.answers import AnswerRecord, PairwiseRecord, ScoreRecord
from whichmodel.records.runs import Run


def score_json(accuracy=0.8, relevance=0.8, clarity=0.8, refused=False, rationale="fine") -> str:
    return json.dumps(
        {
            "request": "score",
            "accuracy": accuracy,
            "relevance": relevance,
            "clarity": clarity,
            "refused": refused,
            "rationale": rationale,
        }
    )


def scripted(replies: Iterable[str], seen: list[str] | None = None) -> MockLMConfig:
    """An LLM that answers with ``replies`` in order (and records what it was sent)."""
    it = iter(replies)

    def respond(message: str) -> str:
        if seen is not None:
            seen.append(message)
        return next(it)

    return MockLMConfig(response_fn=respond)


def by_content(fn: Callable[[str], str]) -> MockLMConfig:
    return MockLMConfig(response_fn=fn)


BASE = "portkey/openai/gpt-4o-mini"
CAND = "portkey/google/gemini-2.0-flash-lite"
JUDGE = "portkey/openai/gpt-4o"


def make_results_db(path, prompts: int = 40, base: str = BASE, cand: str = CAND):
    """A database holding one finished run with known numbers.

    Baseline: $0.010 per answer, quality 0.80 everywhere. Candidate: $0.004 per answer,
    quality 0.80 on writing prompts and 0.70 on the first ``prompts // 5`` math prompts
    (0.80 on the other math prompts). So the candidate is 60% cheaper and -2.5% quality
    overall (95% CI about -4% to -1%: a decided switch), -5% on math.
    """
    from whichmodel.config import load_settings
    from whichmodel.config import redacted as redacted_settings
    from whichmodel.results.decide import run_verdict
    from whichmodel.store import Store

    store = Store(path)
    _, ids = store.add_prompts(
        {
            "messages": [{"role": "user", "content": f"question {i}"}],
            "category": "math" if i % 2 else "writing",
        }
        for i in range(prompts)
    )
    settings = load_settings(baseline=base, candidates=[cand], judge=JUDGE)
    run_id = "run0001"
    store.create_run(
        Run(
            id=run_id,
            baseline=base,
            candidates=[cand],
            judge=JUDGE,
            settings=redacted_settings(settings),
            prices={m: {"known": True, "source": "genai-prices"} for m in (base, cand)},
        ),
        ids,
    )
    math_seen = 0
    for i, pid in enumerate(ids):
        for model, cost in ((base, 0.010), (cand, 0.004)):
            quality = 0.80
            if model == cand and i % 2:
                math_seen += 1
                if math_seen <= prompts // 5:
                    quality = 0.70
            store.save_response(
                AnswerRecord(
                    run_id=run_id,
                    prompt_id=pid,
                    model=model,
                    status="ok",
                    text=f"{model} answer {i}",
                    cost_usd=cost,
                    price_source="genai-prices",
                    refused=0,
                    latency_ms=100.0,
                    output_tokens=10,
                )
            )
            store.save_score(
                ScoreRecord(
                    run_id=run_id,
                    prompt_id=pid,
                    model=model,
                    judge=JUDGE,
                    status="scored",
                    quality=quality,
                    accuracy=quality,
                    relevance=quality,
                    clarity=quality,
                    refused=0,
                    rationale=f"scored {quality}",
                    cost_usd=0.001,
                )
            )
    rec = run_verdict(store, run_id)
    store.save_recommendation(rec)
    store.finish_run(run_id, "completed")
    return store, run_id


def wire_env(gateway, fake, db, **extra: str) -> dict[str, str]:
    """Environment for a `whichmodel` subprocess that reaches ``fake`` through ``gateway``
    by Langroid's own PORTKEY_* variables."""
    import json
    import os

    return {
        **os.environ,
        "PORTKEY_BASE_URL": gateway.url,
        "PORTKEY_CUSTOM_HEADERS": json.dumps({"x-portkey-custom-host": fake.base_url}),
        "WHICHMODEL_DB": str(db),
        **extra,
    }


def add_pairwise_run(store, run_id: str = "pair01", source_run: str = "run0001") -> dict:
    """A finished pairwise run over the prompts of ``source_run``: the candidate wins in
    both orders except on every 4th prompt, where the verdict flips (a tie). Each
    pairwise verdict cost $0.002. Returns the stored recommendation."""
    from whichmodel.config import load_settings
    from whichmodel.config import redacted as redacted_settings
    from whichmodel.results.decide import run_verdict

    settings = load_settings(baseline=BASE, candidates=[CAND], judge=JUDGE, judge_mode="pairwise")
    ids = store.run_prompt_ids(source_run)
    store.create_run(
        Run(
            id=run_id,
            baseline=BASE,
            candidates=[CAND],
            judge=JUDGE,
            settings=redacted_settings(settings),
            prices={m: {"known": True, "source": "genai-prices"} for m in (BASE, CAND)},
        ),
        ids,
    )
    for i, pid in enumerate(ids):
        for model, cost in ((BASE, 0.01), (CAND, 0.004)):
            store.save_response(
                AnswerRecord(
                    run_id=run_id,
                    prompt_id=pid,
                    model=model,
                    status="ok",
                    text=f"{model} says {i}",
                    cost_usd=cost,
                    latency_ms=50.0,
                    refused=0,
                )
            )
        first, second = ("B", "A") if i % 4 else ("A", "A")  # every 4th flips: a tie
        store.save_pairwise(
            PairwiseRecord(
                run_id=run_id,
                prompt_id=pid,
                model=CAND,
                judge=JUDGE,
                status="scored",
                first=first,
                second=second,
                outcome=1 if i % 4 else 0,
                consistent=int(bool(i % 4)),
                rationale=f"pair verdict {i}",
                cost_usd=0.002,
            )
        )
    rec = run_verdict(store, run_id)
    store.save_recommendation(rec)
    store.finish_run(run_id, "completed")
    return rec.model_dump(mode="json")


def varied_judge(body, path, headers) -> str:
    """A fake provider's judge that tells answers apart: its score is a stable function
    of the answer's text (0.50 to 0.95), so identical answers score alike."""
    import re
    import zlib

    prompt = str(body["messages"][-1]["content"])
    found = re.search(r"<answer-(\w+)>\n(.*?)\n</answer-\1>", prompt, re.S)
    answer = found[2] if found else prompt
    value = round(0.5 + (zlib.crc32(answer.encode()) % 10) * 0.05, 2)
    return score_json(value, value, value, rationale="varied")


def eval_exit_code(rec: dict) -> int:
    """The exit code `whichmodel eval` gives for a stored recommendation."""
    if rec.get("unmeasured"):
        return 4
    return 3 if rec["decision"] == "undecided" else 0
