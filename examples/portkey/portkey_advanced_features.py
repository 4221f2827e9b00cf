"""Portkey features through Langroid's ``PortkeyParams``, as whichmodel applies them:
the gateway cache in one ``x-portkey-config`` header, retries by the client (honouring
the provider's retry-after, which the gateway passes through), custom headers per model,
a trace id and metadata on every call of a reused agent (``call_context``), and the
gateway's response headers that whichmodel records.

Run with: python examples/portkey/portkey_advanced_features.py [--local]

Without --local: the hosted gateway (https://api.portkey.ai, or PORTKEY_BASE_URL) with
PORTKEY_API_KEY and OPENAI_API_KEY. With --local: SmolLM2 and the open-source gateway here.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import uuid
from contextlib import nullcontext

from whichmodel.config import Settings, load_settings
from whichmodel.errors import WhichmodelError
from whichmodel.portkey.context import call_context
from whichmodel.portkey.wire import harden_llm, llm_config, parse_model

HOSTED_MODEL = "portkey/openai/gpt-4o-mini"
LOCAL_MODEL = "portkey/openai/smollm2"


def missing_keys(model: str) -> list[str]:
    needed = [] if os.environ.get("PORTKEY_BASE_URL") else ["PORTKEY_API_KEY"]
    needed.append(f"{parse_model(model).provider.upper()}_API_KEY")
    return [key for key in needed if not os.environ.get(key)]


def with_features(settings: Settings, model: str) -> Settings:
    per_model = settings.model_settings(model)
    headers = {**per_model.custom_headers, "x-team": "docs-example"}
    return settings.model_copy(
        update={
            # Langroid's PortkeyParams(cache=...) would send x-portkey-cache, which the
            # open-source gateway ignores; every Portkey gateway honours x-portkey-config,
            # so llm_config puts the cache there. Retries are the OpenAI client's (one
            # layer): backoff with jitter, and the provider's retry-after when it sends one.
            "retries": 3,
            "portkey_cache": {"mode": "simple"},  # the npm gateway has no cache: "DISABLED"
            "models": {
                **settings.models,
                model: per_model.model_copy(update={"custom_headers": headers}),
            },
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--local", action="store_true", help="use the local model, offline")
    parser.add_argument("--model", help=f"default {HOSTED_MODEL} ({LOCAL_MODEL} with --local)")
    parser.add_argument("--question", default="Name one planet of the solar system.")
    parser.add_argument("--max-tokens", type=int, default=256)
    args = parser.parse_args()
    model = args.model or (LOCAL_MODEL if args.local else HOSTED_MODEL)
    try:
        if not args.local and (missing := missing_keys(model)):
            sys.exit(f"Set {' and '.join(missing)} or run with --local to use the local model.")
        import langroid as lr
        from langroid.utils.configuration import settings as langroid_settings

        from whichmodel.local.demo import demo_settings
        from whichmodel.local.stack import local_stack

        langroid_settings.quiet = True
        logging.disable(logging.ERROR)  # Langroid logs warnings and tracebacks; we print ours
        with local_stack() if args.local else nullcontext() as stack:
            base = demo_settings(stack.model_url, stack.gateway_url) if stack else load_settings()
            config = llm_config(model, with_features(base, model), max_tokens=args.max_tokens)
            agent = lr.ChatAgent(lr.ChatAgentConfig(llm=config))
            settings = with_features(base, model)
            harden_llm(agent.llm, settings.retries)  # the one retry layer
            print(f"Client retries: {settings.retries} (backoff with jitter, honours retry-after)")
            print("Headers on every request:")
            for name, value in sorted(agent.llm.config.headers.items()):
                print(f"  {name}: {'***' if name == 'x-portkey-api-key' else value}")
            for n in (1, 2):  # the same question twice: hosted Portkey may answer from cache
                # The agent is shared, so per-call tags travel in a context variable;
                # whichmodel's httpx hook adds them to the request and records the reply's.
                with call_context(
                    trace_id=f"example-{uuid.uuid4().hex[:12]}", example="advanced", call=n
                ) as ctx:
                    response = agent.llm_response_forget(args.question)
                print(f"\nCall {n}: trace id {ctx.trace_id}, metadata {ctx.metadata}")
                print(f"Answer: {response.content.strip() if response else '(none)'}")
                print("Gateway response headers:")
                for name, value in ctx.response_headers.items():
                    print(f"  {name}: {value}")
    except WhichmodelError as exc:  # a bad model string, or the local stack cannot start
        sys.exit(str(exc))
    except Exception as exc:  # the call failed (wrong key, gateway down, ...)
        sys.exit(f"The call through Portkey failed: {exc}")


if __name__ == "__main__":
    main()
