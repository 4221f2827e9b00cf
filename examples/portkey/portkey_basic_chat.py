"""One question to one model through the Portkey gateway, with token usage.

Shows the smallest whichmodel + Langroid + Portkey program: ``llm_config`` turns a
``portkey/<provider>/<model>`` string into a Langroid ``OpenAIGPTConfig`` (gateway URL,
``x-portkey-*`` headers, one retry layer), and a Langroid ``ChatAgent`` makes the call.

Run with: python examples/portkey/portkey_basic_chat.py [--local]

Without --local it calls the hosted gateway (https://api.portkey.ai, or PORTKEY_BASE_URL)
with PORTKEY_API_KEY and the provider key (OPENAI_API_KEY for the default model).
With --local it starts SmolLM2 (llama.cpp) and the open-source gateway on this machine.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from contextlib import nullcontext

from whichmodel.config import load_settings
from whichmodel.errors import WhichmodelError
from whichmodel.portkey.wire import harden_llm, llm_config, parse_model

HOSTED_MODEL = "portkey/openai/gpt-4o-mini"
LOCAL_MODEL = "portkey/openai/smollm2"


def missing_keys(model: str) -> list[str]:
    """Keys the hosted gateway needs: Portkey's own (unless self-hosted) and the provider's."""
    needed = [] if os.environ.get("PORTKEY_BASE_URL") else ["PORTKEY_API_KEY"]
    needed.append(f"{parse_model(model).provider.upper()}_API_KEY")
    return [key for key in needed if not os.environ.get(key)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--local", action="store_true", help="use the local model, offline")
    parser.add_argument("--model", help=f"default {HOSTED_MODEL} ({LOCAL_MODEL} with --local)")
    parser.add_argument("--question", default="What is the capital of France?")
    parser.add_argument("--max-tokens", type=int, default=256)
    args = parser.parse_args()
    model = args.model or (LOCAL_MODEL if args.local else HOSTED_MODEL)

    try:
        if not args.local and (missing := missing_keys(model)):
            sys.exit(f"Set {' and '.join(missing)} or run with --local to use the local model.")
        # Imported late: importing Langroid takes ~2 s, not worth it for a missing key.
        import langroid as lr
        from langroid.utils.configuration import settings as langroid_settings

        from whichmodel.local.demo import demo_settings
        from whichmodel.local.stack import local_stack

        # Langroid prints responses, warnings and tracebacks; this example prints its own.
        langroid_settings.quiet = True
        logging.disable(logging.ERROR)
        with local_stack() if args.local else nullcontext() as stack:
            # --local: both provider routes point at the local gateway and model
            settings = (
                demo_settings(stack.model_url, stack.gateway_url) if stack else load_settings()
            )
            config = llm_config(model, settings, max_tokens=args.max_tokens)
            agent = lr.ChatAgent(lr.ChatAgentConfig(llm=config))
            harden_llm(agent.llm, settings.retries)  # the client is the one retry layer
            response = agent.llm_response(args.question)
    except WhichmodelError as exc:  # a bad model string, or the local stack cannot start
        sys.exit(str(exc))
    except Exception as exc:  # the call failed (wrong key, gateway down, ...)
        sys.exit(f"The call through Portkey failed: {exc}")

    if response is None:
        sys.exit("The model returned no answer.")
    usage = response.metadata.usage
    print(f"Model:  {model}")
    print(f"Answer: {response.content.strip()}")
    if usage:
        print(
            f"Usage:  {usage.prompt_tokens} prompt ({usage.cached_tokens} cached) + "
            f"{usage.completion_tokens} completion tokens"
        )


if __name__ == "__main__":
    main()
