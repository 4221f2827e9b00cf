"""Scripted Langroid LLMs (MockLMConfig) for agent and orchestrator tests."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from langroid.language_models.mock_lm import MockLMConfig


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


def make_results_db(path, prompts: int = 40):
    """A database holding one finished run with known numbers.

    Baseline: $0.010 per answer, quality 0.80 everywhere. Candidate: $0.004 per answer,
    quality 0.80 on writing prompts and 0.70 on the first ``prompts // 5`` math prompts
    (0.80 on the other math prompts). So the candidate is 60% cheaper and -2.5% quality
    overall (95% CI about -4% to -1%: a decided switch), -5% on math.
    """
    from whichmodel.config import load_settings
    from whichmodel.recommendation import PriceInfo
    from whichmodel.store import Store
    from whichmodel.tasks.evaluation import recommendation_for, redacted_settings

    store = Store(path)
    _, ids = store.add_prompts(
        {
            "messages": [{"role": "user", "content": f"question {i}"}],
            "category": "math" if i % 2 else "writing",
        }
        for i in range(prompts)
    )
    settings = load_settings(baseline=BASE, candidates=[CAND], judge=JUDGE)
    run_id = "run0001"
    store.create_run(
        {
            "id": run_id,
            "baseline": BASE,
            "candidates": [CAND],
            "judge": JUDGE,
            "settings": redacted_settings(settings),
        },
        ids,
    )
    math_seen = 0
    for i, pid in enumerate(ids):
        for model, cost in ((BASE, 0.010), (CAND, 0.004)):
            quality = 0.80
            if model == CAND and i % 2:
                math_seen += 1
                if math_seen <= prompts // 5:
                    quality = 0.70
            store.save_response(
                {
                    "run_id": run_id,
                    "prompt_id": pid,
                    "model": model,
                    "status": "ok",
                    "text": f"{model} answer {i}",
                    "cost_usd": cost,
                    "price_source": "genai-prices",
                    "refused": 0,
                    "latency_ms": 100.0,
                    "output_tokens": 10,
                }
            )
            store.save_score(
                {
                    "run_id": run_id,
                    "prompt_id": pid,
                    "model": model,
                    "judge": JUDGE,
                    "status": "scored",
                    "quality": quality,
                    "accuracy": quality,
                    "relevance": quality,
                    "clarity": quality,
                    "refused": 0,
                    "rationale": f"scored {quality}",
                    "cost_usd": 0.001,
                }
            )
    prices = {m: PriceInfo(True, "genai-prices") for m in (BASE, CAND)}
    rec = recommendation_for(store, run_id, settings, prices)
    store.save_recommendation(run_id, rec.model_dump(mode="json"))
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
