"""A full evaluation from Python: replay prompts through a baseline and candidates via
Portkey, judge every answer, and print the recommendation.

Uses whichmodel's public API: ``whichmodel.evaluate(...)`` returns a ``Recommendation``
(the same JSON as ``whichmodel eval --output``); every answer and score is in the SQLite file.

Run with: python examples/portkey/evaluate_models.py [--local] [--limit N]

Without --local: PORTKEY_API_KEY plus OPENAI_API_KEY and ANTHROPIC_API_KEY (the defaults
below), on the demo prompt set shipped with whichmodel or --prompts FILE.jsonl.
With --local: SmolLM2 on llama.cpp behind a local Portkey gateway, offline.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from contextlib import nullcontext
from pathlib import Path

BASELINE = "portkey/openai/gpt-4o-mini"
CANDIDATES = ["portkey/anthropic/claude-3-5-haiku-latest"]
JUDGE = "portkey/openai/gpt-4o"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--local", action="store_true", help="use the local model, offline")
    parser.add_argument("--prompts", type=Path, help="JSONL history (default: the demo set)")
    parser.add_argument("--limit", type=int, default=3, help="evaluate the first N prompts")
    parser.add_argument("--db", type=Path, help="SQLite file (default: a temporary one)")
    args = parser.parse_args()

    if not args.local:
        missing = [
            k
            for k in ("PORTKEY_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY")
            if not os.environ.get(k)
            and not (k == "PORTKEY_API_KEY" and os.environ.get("PORTKEY_BASE_URL"))
        ]
        if missing:
            sys.exit(f"Set {', '.join(missing)} or run with --local to use the local model.")

    import whichmodel
    from whichmodel.local.demo import demo_prompts_path, demo_settings
    from whichmodel.local.stack import local_stack

    prompts = args.prompts or demo_prompts_path()
    subset = Path(tempfile.mkdtemp()) / "prompts.jsonl"
    lines = prompts.read_text().splitlines()[: args.limit]
    subset.write_text("\n".join(lines) + "\n")
    db = args.db or Path(tempfile.mkdtemp()) / "whichmodel.db"

    try:
        with local_stack() if args.local else nullcontext() as stack:
            if stack:  # the demo's roles and routes, pointed at this local stack
                local = demo_settings(stack.model_url, stack.gateway_url)
                roles = dict(
                    baseline=local.baseline, candidates=local.candidates, judge=local.judge
                )
                extra = dict(
                    providers=local.providers,
                    models=local.models,
                    prices=local.prices,
                    concurrency=local.concurrency,
                )
            else:
                roles = dict(baseline=BASELINE, candidates=CANDIDATES, judge=JUDGE)
                extra = {}
            rec = whichmodel.evaluate(prompts=subset, db=db, **roles, **extra)
    except whichmodel.WhichmodelError as exc:
        sys.exit(str(exc))

    print(rec.reasoning)
    for m in rec.models:
        cost = (
            "unknown" if m.cost_per_1k_prompts_usd is None else f"${m.cost_per_1k_prompts_usd:.4f}"
        )
        quality = "-" if m.quality is None else f"{m.quality:.3f}"
        print(
            f"  {m.model}: cost/1k prompts {cost}, quality {quality}, "
            f"refusals {m.refusal_rate:.0%}, scored {m.scored}/{m.prompts}"
        )
    print(f"Run {rec.run_id} stored in {db}")
    print(json.dumps({k: rec.model_dump()[k] for k in list(rec.model_dump())[:5]}, indent=2))


if __name__ == "__main__":
    main()
