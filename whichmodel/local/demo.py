"""The embedded default: the whole evaluation offline, on a real local model behind
a real local Portkey gateway. No keys, no network.

Roles, all served by one llama.cpp server running SmolLM2-135M-Instruct:
- baseline  ``portkey/openai/smollm2``            OpenAI route, a general assistant prompt
- candidate ``portkey/anthropic/smollm2-concise`` Anthropic route (the gateway translates
  OpenAI -> Messages -> OpenAI), a "be brief" system prompt and a shorter length cap
- judge     ``portkey/openai/smollm2-judge``      JSON-schema constrained ScoreTool output
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from whichmodel.config import DEMO_DB, Settings, load_settings
from whichmodel.local.stack import LocalStack, local_stack

BASELINE = "portkey/openai/smollm2"
CANDIDATE = "portkey/anthropic/smollm2-concise"
JUDGE = "portkey/openai/smollm2-judge"

# llama.cpp loops on greedy decoding without a repeat penalty (measured).
SAMPLING = {"repeat_penalty": 1.1}

# Local models have no list price. These are made up, to show how cost is
# computed and compared; the report labels them "illustrative".
ILLUSTRATIVE_PRICES = {
    BASELINE: {"input_mtok": 0.15, "output_mtok": 0.60, "note": "illustrative"},
    CANDIDATE: {"input_mtok": 0.10, "output_mtok": 0.40, "note": "illustrative"},
    JUDGE: {"input_mtok": 0.15, "output_mtok": 0.60, "note": "illustrative"},
}

ROLES_NOTE = (
    "baseline  smollm2          OpenAI route; general assistant prompt; up to 128 tokens\n"
    "candidate smollm2-concise  Anthropic route (translated by the gateway); told to answer "
    "in three sentences; up to 96 tokens\n"
    "judge     smollm2-judge    ScoreTool output constrained by a JSON schema"
)

WIRING_NOTE = (
    "The demo judge is a 135M-parameter model: its scores only prove the wiring "
    "(answers -> gateway -> judge tool -> SQLite -> recommendation), not which model is better."
)


def demo_prompts_path() -> Path:
    return Path(str(files("whichmodel") / "data" / "demo" / "prompts.jsonl"))


def demo_settings(model_url: str, gateway_url: str, **overrides: Any) -> Settings:
    """Settings for the demo roles, pointing both provider routes at the local model."""
    host = {"x-portkey-custom-host": f"{model_url}/v1"}
    values: dict[str, Any] = {
        "baseline": BASELINE,
        "candidates": [CANDIDATE],
        "judge": JUDGE,
        "concurrency": 2,  # = the local server's request slots
        "retries": 1,
        "timeout": 120.0,
        "judge_max_tokens": 200,
        "providers": {
            "openai": {"base_url": gateway_url, "custom_headers": host},
            "anthropic": {
                "base_url": gateway_url,
                "custom_headers": host,
                "strict_openai_compliance": False,
            },
        },
        "models": {
            BASELINE: {
                "system_prompt": "You are a helpful assistant.",
                "max_tokens": 128,
                "params": SAMPLING,
            },
            CANDIDATE: {
                "system_prompt": "You are a helpful assistant. Answer in at most "
                "three short sentences.",
                "max_tokens": 96,
                "params": SAMPLING,
            },
            JUDGE: {"json_schema": True, "temperature": 0.0, "params": SAMPLING},
        },
        "prices": ILLUSTRATIVE_PRICES,
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return load_settings(None, **values)


async def _evaluate(stack: LocalStack, db: Path, limit: int | None, progress: Any) -> Any:
    from whichmodel.history.importer import import_history
    from whichmodel.store import Store
    from whichmodel.tasks.evaluation import run_evaluation

    store = Store(db)
    ids = import_history(store, demo_prompts_path()).ids
    if limit is not None:
        ids = ids[:limit]
    settings = demo_settings(stack.model_url, stack.gateway_url, db=db)
    return await run_evaluation(store, settings, prompt_ids=ids, progress=progress)


async def run_demo(
    db: Path = DEMO_DB,
    limit: int | None = None,
    gguf: Path | None = None,
    progress: Any = None,
    on_ready: Any = None,
) -> Any:
    """Start the local stack, evaluate the demo prompts, stop what was started."""
    import asyncio

    stack_cm = local_stack(gguf)
    # starting processes blocks; keep it off the event loop
    stack = await asyncio.to_thread(stack_cm.__enter__)
    try:
        if on_ready:
            on_ready(f"Local model at {stack.model_url}, Portkey gateway at {stack.gateway_url}.")
        result = await _evaluate(stack, db, limit, progress)
    except BaseException as exc:
        stack_cm.__exit__(type(exc), exc, exc.__traceback__)
        raise
    stack_cm.__exit__(None, None, None)
    return result
