"""Ask "which model should I use?" of the advisor agent, which answers from stored
evaluation results through its tools and names the run its numbers come from.

Run with: python examples/portkey/which_model_chat.py [--local] [--db FILE] [--question Q]

Without --local the advisor is a hosted model (--model, default portkey/openai/gpt-4o-mini:
needs PORTKEY_API_KEY and OPENAI_API_KEY). With --local it is SmolLM2 behind a local
gateway, offline. Without --db the example first fills a temporary database with a small
run of known numbers, so there is something to ask about.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from contextlib import nullcontext
from pathlib import Path


def sample_database(path: Path) -> None:
    """A finished run: the baseline costs $10/1k prompts, the candidate $4, quality 0.80 vs 0.78."""
    from whichmodel.config import load_settings
    from whichmodel.records.answers import AnswerRecord, ScoreRecord
    from whichmodel.records.runs import Run
    from whichmodel.results.decide import run_verdict
    from whichmodel.store import Store

    base, cand = "portkey/openai/gpt-4o-mini", "portkey/google/gemini-2.0-flash-lite"
    settings = load_settings(baseline=base, candidates=[cand], judge="portkey/openai/gpt-4o")
    store = Store(path)
    _, ids = store.add_prompts(
        {"messages": [{"role": "user", "content": f"question {i}"}], "category": "support"}
        for i in range(10)
    )
    run_id = "example1"
    judge = settings.judge or ""
    store.create_run(
        Run(
            id=run_id,
            baseline=base,
            candidates=[cand],
            judge=judge,
            prices={m: {"known": True, "source": "example"} for m in (base, cand)},
        ),
        ids,
    )
    for pid in ids:
        for model, cost, quality in ((base, 0.010, 0.80), (cand, 0.004, 0.78)):
            store.save_response(
                AnswerRecord(
                    run_id=run_id,
                    prompt_id=pid,
                    model=model,
                    status="ok",
                    text="...",
                    cost_usd=cost,
                    price_source="example",
                    latency_ms=300.0,
                )
            )
            store.save_score(
                ScoreRecord(
                    run_id=run_id,
                    prompt_id=pid,
                    model=model,
                    judge=judge,
                    status="scored",
                    quality=quality,
                    refused=False,
                )
            )
    store.save_recommendation(run_verdict(store, run_id))
    store.finish_run(run_id, "completed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--local", action="store_true", help="use the local model, offline")
    parser.add_argument("--model", default="portkey/openai/gpt-4o-mini")
    parser.add_argument("--db", type=Path)
    parser.add_argument("--question", default="Which model should I use?")
    args = parser.parse_args()
    if not args.local:
        missing = [k for k in ("PORTKEY_API_KEY", "OPENAI_API_KEY") if not os.environ.get(k)]
        if missing:
            sys.exit(f"Set {' and '.join(missing)} or run with --local to use the local model.")

    from langroid.utils.configuration import settings as langroid_settings

    from whichmodel.config import load_settings
    from whichmodel.local.demo import BASELINE, demo_settings
    from whichmodel.local.stack import local_stack
    from whichmodel.portkey.wire import llm_config
    from whichmodel.store import Store
    from whichmodel.tasks.orchestrator import make_advisor

    langroid_settings.quiet = True
    db = args.db
    if db is None:
        db = Path(tempfile.mkdtemp()) / "whichmodel.db"
        sample_database(db)
    with local_stack() if args.local else nullcontext() as stack:
        if stack:
            settings = demo_settings(stack.model_url, stack.gateway_url)
            advisor = make_advisor(
                llm_config(BASELINE, settings, max_tokens=120), Store(db), constrained=True
            )
        else:
            advisor = make_advisor(llm_config(args.model, load_settings()), Store(db))
        reply = asyncio.run(advisor.ask(args.question))
    print(f"Q: {args.question}")
    print(f"A: {reply.text}")
    print(
        f"Tools used: {', '.join(reply.tools_used) or 'none'}; runs cited: "
        f"{', '.join(reply.runs_cited) or 'none'}"
    )


if __name__ == "__main__":
    main()
