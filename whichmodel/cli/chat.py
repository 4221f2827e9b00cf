"""``whichmodel chat``: ask the advisor which model to use."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer
from rich.text import Text

from whichmodel.cli.common import (
    ConfigOption,
    DbOption,
    configure_logging,
    console,
    open_store,
    settings_from,
)
from whichmodel.run_sync import run as run_sync


def chat_cmd(
    question: Annotated[
        str | None,
        typer.Option("--question", "-q", metavar="TEXT", help="Ask one question and exit."),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            metavar="MODEL",
            help="Advisor model, portkey/<provider>/<model> (default: the local model).",
        ),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Ask which model to use: a chat agent that answers from your stored results."""
    from contextlib import ExitStack

    from whichmodel.portkey.wire import llm_config
    from whichmodel.tasks.orchestrator import make_advisor

    configure_logging()
    settings = settings_from(config, db=db, advisor=model)
    store = open_store(settings.db)
    with ExitStack() as stack:
        if settings.advisor:
            advisor = make_advisor(llm_config(settings.advisor, settings), store)
        else:
            from whichmodel.local.demo import BASELINE, demo_settings
            from whichmodel.local.stack import local_stack

            local = stack.enter_context(local_stack())
            local_settings = demo_settings(local.model_url, local.gateway_url, db=settings.db)
            advisor = make_advisor(
                llm_config(BASELINE, local_settings, max_tokens=120),
                store,
                constrained=True,
                eval_settings=local_settings,
            )
            console.print(
                "Advisor: the local SmolLM2-135M model (pass --model portkey/... for a "
                "stronger one). Its numbers come from tools; its wording may be poor."
            )
        _chat_loop(advisor, question)


def _chat_loop(advisor: Any, question: str | None) -> None:
    """One question (``--question``), or a conversation on stdin until EOF or "exit".
    One event loop for the whole conversation: the advisor's clients live in it."""
    from langroid.utils.configuration import settings as lr_settings

    lr_settings.quiet = True

    async def converse() -> None:
        while True:
            if question is not None:
                q = question
            else:
                try:
                    q = (
                        await asyncio.to_thread(console.input, Text("you> ", style="bold"))
                    ).strip()
                except EOFError:
                    return
                if q.lower() in {"exit", "quit", ""}:
                    return
            reply = await advisor.ask(q)
            console.print(Text.assemble(("advisor>", "bold"), f" {reply.text}"), highlight=False)
            if reply.tools_used:
                console.print(Text(f"(tools: {', '.join(reply.tools_used)})", style="dim"))
            if question is not None:
                return

    run_sync(converse())
