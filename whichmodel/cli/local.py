"""Commands that run local servers: ``gateway``, ``demo`` and ``serve``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from whichmodel.cli.common import (
    ConfigOption,
    DbOption,
    configure_logging,
    console,
    given,
    run_with_progress,
    settings_from,
)


def gateway_install() -> None:
    """Install the pinned gateway (npm) into the user cache folder, once."""
    from whichmodel.local.gateway import install_gateway

    path = install_gateway(quiet=True)
    console.print(f"Portkey gateway installed: {path}")


def gateway_start(
    port: Annotated[
        int | None, typer.Option(metavar="PORT", help="Port on 127.0.0.1 (8787).")
    ] = None,
) -> None:
    """Start the gateway in the background (installs it first if needed)."""
    from whichmodel.local.gateway import Gateway

    info = Gateway().start(**given(port=port))
    console.print(
        f"Portkey gateway running at {info.url} (pid {info.pid}). "
        f"Use it with: export PORTKEY_BASE_URL={info.url}"
    )


def gateway_status() -> None:
    """Say whether a gateway started by whichmodel is running, and where."""
    from whichmodel.local.gateway import Gateway

    info = Gateway().status()
    if info is None:
        console.print("No whichmodel gateway is running. Start one with: whichmodel gateway start")
        raise typer.Exit(1)
    console.print(f"Portkey gateway running at {info.url} (pid {info.pid}).")


def gateway_stop() -> None:
    """Stop the gateway started by `whichmodel gateway start`."""
    from whichmodel.local.gateway import Gateway

    stopped = Gateway().stop()
    console.print("Portkey gateway stopped." if stopped else "No whichmodel gateway was running.")


def demo_cmd(
    limit: Annotated[
        int | None, typer.Option(metavar="N", help="Evaluate only the first N demo prompts.")
    ] = None,
    db: Annotated[
        Path | None,
        typer.Option("--db", metavar="FILE", help="SQLite file for the demo (whichmodel-demo.db)."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="JSON recommendation (demo-recommendation.json)."
        ),
    ] = None,
    local_gguf: Annotated[
        Path | None,
        typer.Option(
            "--local-gguf", metavar="FILE", help="Serve this GGUF file instead of SmolLM2."
        ),
    ] = None,
) -> None:
    """The whole evaluation offline: a real local model behind a real local Portkey gateway."""
    from whichmodel.config import DEMO_DB, DEMO_OUTPUT
    from whichmodel.local.demo import ROLES_NOTE, WIRING_NOTE, run_demo
    from whichmodel.tasks import evaluation  # noqa: F401  (imports Langroid)

    configure_logging()
    db, output = db or DEMO_DB, output or DEMO_OUTPUT

    console.print(
        "whichmodel demo: SmolLM2-135M served by llama.cpp on 127.0.0.1, "
        "reached through a local Portkey gateway by the OpenAI and Anthropic routes."
    )
    console.print(ROLES_NOTE, highlight=False)
    rec = run_with_progress(
        lambda progress: run_demo(
            db=db, limit=limit, gguf=local_gguf, progress=progress, on_ready=console.print
        )
    )
    data = rec.model_dump(mode="json")
    output.write_text(json.dumps(data, indent=2) + "\n")
    from whichmodel.report.terminal import print_recommendation

    print_recommendation(rec, console)
    console.print(f"Note: {WIRING_NOTE}")
    console.print("Prices of local models are illustrative (set in the demo config), not real.")
    console.print(
        f"Results: {db} (SQLite), {output} (JSON). Show again: whichmodel report --db {db}"
    )
    console.print(
        "With real models: export PORTKEY_API_KEY=... OPENAI_API_KEY=... then\n"
        "  whichmodel eval --prompts whichmodel/data/demo/prompts.jsonl "
        "--baseline portkey/openai/gpt-4o-mini --candidate portkey/anthropic/"
        "claude-3-5-haiku-latest --judge portkey/openai/gpt-4o --output recommendation.json"
    )


def serve_cmd(
    host: Annotated[
        str | None,
        typer.Option(
            metavar="HOST",
            help="Address to listen on (127.0.0.1); beyond loopback needs WHICHMODEL_API_TOKEN.",
        ),
    ] = None,
    port: Annotated[
        int | None, typer.Option(metavar="PORT", help="Port to listen on (8080).")
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Serve the HTTP API (/api/..., /openapi.json) and the dashboard (/)."""
    from whichmodel.web import serve

    configure_logging()
    settings = settings_from(config, db=db)

    def ready(host: str, port: int, token: bool) -> None:
        where = f"[{host}]" if ":" in host else host
        auth = " (token required: Authorization: Bearer, or open /?token=... once)" if token else ""
        console.print(
            f"whichmodel serving {settings.db} at http://{where}:{port}/{auth}. Ctrl+C stops.",
            highlight=False,
        )

    serve(settings, on_ready=ready, **given(host=host, port=port))
