"""The same question to several providers through Portkey, concurrently (asyncio and
Langroid's ``llm_response_async``), side by side with latency, tokens and cost from
``whichmodel.verdict.pricing`` (an unknown price shows "unknown", never $0).

Run with: python examples/portkey/portkey_multi_provider.py [--local]

Without --local: hosted Portkey (or PORTKEY_BASE_URL), PORTKEY_API_KEY and each provider's
key. With --local: SmolLM2 here, by the OpenAI route and by the Anthropic route (the gateway
translates to /v1/messages and back), priced with the demo's illustrative prices.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from contextlib import nullcontext

from whichmodel.config import Settings, load_settings
from whichmodel.errors import WhichmodelError
from whichmodel.portkey.context import call_context
from whichmodel.portkey.wire import harden_llm, llm_config, parse_model
from whichmodel.verdict.pricing import cost_of, normalize_usage

HOSTED_MODELS = [
    "portkey/openai/gpt-4o-mini",
    "portkey/anthropic/claude-3-5-haiku-latest",
    "portkey/google/gemini-2.0-flash-lite",
]
LOCAL_MODELS = ["portkey/openai/smollm2", "portkey/anthropic/smollm2-concise"]


def missing_keys(models: list[str]) -> list[str]:
    needed = [] if os.environ.get("PORTKEY_BASE_URL") else ["PORTKEY_API_KEY"]
    needed += sorted({f"{parse_model(m).provider.upper()}_API_KEY" for m in models})
    return [key for key in needed if not os.environ.get(key)]


async def ask(model: str, settings: Settings, question: str, max_tokens: int) -> list[str]:
    import langroid as lr

    ref = parse_model(model, settings)
    system = settings.model_settings(model).system_prompt or "You are a helpful assistant."
    config = llm_config(model, settings, max_tokens=max_tokens)
    agent = lr.ChatAgent(lr.ChatAgentConfig(llm=config, system_message=system))
    harden_llm(agent.llm, settings.retries)  # the client is the one retry layer
    start = time.perf_counter()
    try:
        with call_context(example="multi-provider"):  # each task gets its own trace id
            response = await agent.llm_response_async(question)
    except Exception as exc:  # one failing provider should not hide the others
        return [model, f"failed: {exc}", "", "", ""]
    latency = f"{time.perf_counter() - start:.2f} s"
    if response is None or (u := response.metadata.usage) is None:
        return [model, "(no answer or no usage)", latency, "", ""]
    # Anthropic counts cache reads apart from input tokens; normalize_usage evens that out.
    usage = normalize_usage(ref.provider, u.prompt_tokens, u.cached_tokens, u.completion_tokens)
    cost = cost_of(ref.provider, ref.name, usage, override=settings.prices.get(model))
    return [
        model,
        response.content.strip(),
        latency,
        f"{usage.input_tokens} in / {usage.output_tokens} out",
        f"${cost.usd:.6f}\n{cost.source}" if cost.known else "unknown",
    ]


async def ask_all(models: list[str], settings: Settings, question: str, max_tokens: int):
    return await asyncio.gather(*(ask(m, settings, question, max_tokens) for m in models))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--local", action="store_true", help="use the local model, offline")
    parser.add_argument("--model", action="append", help="repeat for several models")
    parser.add_argument("--question", default="In one sentence: why is the sky blue?")
    parser.add_argument("--max-tokens", type=int, default=256)
    args = parser.parse_args()
    models = args.model or (LOCAL_MODELS if args.local else HOSTED_MODELS)
    try:
        if not args.local and (missing := missing_keys(models)):
            sys.exit(f"Set {' and '.join(missing)} or run with --local to use the local model.")
        from langroid.utils.configuration import settings as langroid_settings
        from rich.console import Console
        from rich.table import Table

        from whichmodel.local.demo import demo_settings
        from whichmodel.local.stack import local_stack

        langroid_settings.quiet = True
        logging.disable(logging.ERROR)  # Langroid logs warnings and tracebacks; we print ours
        with local_stack() if args.local else nullcontext() as stack:
            settings = (
                demo_settings(stack.model_url, stack.gateway_url) if stack else load_settings()
            )
            rows = asyncio.run(ask_all(models, settings, args.question, args.max_tokens))
    except WhichmodelError as exc:  # a bad model string, or the local stack cannot start
        sys.exit(str(exc))

    table = Table(*"Model Answer Latency Tokens Cost".split(), title=args.question, show_lines=True)
    table.columns[0].no_wrap = True
    for row in rows:
        table.add_row(*row)
    Console(width=140).print(table)


if __name__ == "__main__":
    main()
