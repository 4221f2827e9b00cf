"""The ``whichmodel`` command: thin wrappers that parse options, call one library
function and print. Heavy imports (Langroid) happen inside commands so ``--help`` is fast."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from whichmodel._loop import run as run_sync
from whichmodel.errors import WhichmodelError


class UsageError(WhichmodelError):
    """The command line itself is wrong."""


app = typer.Typer(
    help="Which model should we use? Replay your prompt history through candidate models "
    "via Portkey, judge every answer, get a cost/quality recommendation.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(soft_wrap=True)
err_console = Console(stderr=True)

DbOption = Annotated[
    Path | None,
    typer.Option("--db", envvar="WHICHMODEL_DB", help="SQLite file (default ./whichmodel.db)."),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", envvar="WHICHMODEL_CONFIG", help="whichmodel.toml to read."),
]


def _settings(config: Path | None, **overrides: Any) -> Any:
    from whichmodel.config import load_settings

    return load_settings(config, **overrides)


def _store(path: Path) -> Any:
    from whichmodel.store import Store

    return Store(path)


@app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="JSONL prompt history file.")],
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Import prompt history (JSONL) into the database; re-importing adds nothing twice."""
    from whichmodel.tasks.history import import_history

    settings = _settings(config, db=db)
    store = _store(settings.db)
    read, new, _ = import_history(store, file)
    console.print(
        f"Imported {new} new prompt(s) from {file} ({read - new} already stored) "
        f"into {settings.db}."
    )


@app.command("eval")
def eval_cmd(
    baseline: Annotated[str | None, typer.Option(help="Model in production now.")] = None,
    candidate: Annotated[
        list[str] | None, typer.Option("--candidate", "-c", help="Candidate model (repeatable).")
    ] = None,
    judge: Annotated[str | None, typer.Option(help="Judge model.")] = None,
    prompts: Annotated[
        Path | None, typer.Option(help="JSONL file to import and evaluate (default: all stored).")
    ] = None,
    concurrency: Annotated[int | None, typer.Option(help="Calls in flight at once.")] = None,
    tolerance: Annotated[
        float | None, typer.Option(help="Accepted quality loss (0.05 = 5%).")
    ] = None,
    refusal_margin: Annotated[
        float | None, typer.Option(help="Accepted refusal-rate increase (0.01 = 1 point).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the JSON here.")
    ] = None,
    run_id: Annotated[
        str | None, typer.Argument(help="With --resume: the run to finish (default: latest).")
    ] = None,
    max_cost: Annotated[
        float | None, typer.Option(help="Stop cleanly before spending this many USD.")
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Call the models even for requests already stored.")
    ] = False,
    resume: Annotated[
        bool,
        typer.Option("--resume", help="Finish an interrupted run without paying twice."),
    ] = False,
    local_gguf: Annotated[
        list[Path] | None,
        typer.Option(
            "--local-gguf", help="Serve this GGUF file locally and add it as a candidate."
        ),
    ] = None,
    judge_mode: Annotated[
        str | None,
        typer.Option(
            help="pointwise (rubric score per answer) or pairwise (each candidate answer "
            "against the baseline's, judged in both orders)."
        ),
    ] = None,
    judge_samples: Annotated[
        int | None,
        typer.Option(help="Pointwise: judge each answer N times; report the spread."),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Run every prompt through the baseline and candidates, judge, and recommend."""
    from whichmodel.tasks.evaluation import Evaluation
    from whichmodel.tasks.history import import_history

    _configure_logging()
    settings = _settings(
        config,
        db=db,
        baseline=baseline,
        candidates=candidate,
        judge=judge,
        concurrency=concurrency,
        cache=False if no_cache else None,
        max_cost=max_cost,
        tolerance=tolerance,
        refusal_margin=refusal_margin,
        judge_mode=judge_mode,
        judge_samples=judge_samples,
    )
    from whichmodel.models import parse_model
    from whichmodel.tasks.evaluation import check_roles

    if run_id is not None and not resume:
        raise UsageError(f"Unexpected argument {run_id!r}: did you mean --resume {run_id}?")
    if resume:
        from whichmodel.tasks.evaluation import resume_async

        store = _store(settings.db)
        rec = _run_with_progress(
            lambda progress: resume_async(store, settings, run_id, progress=progress)
        )
        _print_and_write(rec, output, settings.db)
        return
    # fail on bad model strings before touching anything
    if local_gguf:
        for model in [settings.baseline, settings.judge, *settings.candidates]:
            if model:
                parse_model(model, settings)
    else:
        check_roles(settings)
    store = _store(settings.db)
    prompt_ids = None
    if prompts is not None:
        _, _, prompt_ids = import_history(store, prompts)
    from whichmodel.local.stack import serve_local_candidates

    with serve_local_candidates(settings, local_gguf or []) as settings:
        # one Evaluation: checked (keys, gateway) once, estimated, then run
        evaluation = Evaluation(store, settings)
        _print_estimate(evaluation, prompt_ids)

        def start_and_run(progress: Any) -> Any:
            evaluation.progress = progress
            return evaluation.run(evaluation.start(prompt_ids))

        rec = _run_with_progress(start_and_run)
    _print_and_write(rec, output, settings.db)


def _print_estimate(evaluation: Any, prompt_ids: list[str] | None) -> None:
    settings = evaluation.settings
    answers, judge = evaluation.estimate_run(prompt_ids)
    unknown = [m for m, p in evaluation.prices.items() if not p.known]
    note = f" (prices unknown for {len(unknown)} model(s): not counted)" if unknown else ""
    limit = f"; limit ${settings.max_cost:.2f}" if settings.max_cost else ""
    console.print(
        f"Estimated cost at most: candidates ${answers:.4f} + judge ${judge:.4f}"
        f"{note}{limit}. Cached answers cost nothing.",
        highlight=False,
    )


def _print_and_write(rec: Any, output: Path | None, db: Path) -> None:
    from whichmodel.report import print_recommendation

    data = rec.model_dump(mode="json")
    print_recommendation(data, console)
    if output is not None:
        output.write_text(json.dumps(data, indent=2) + "\n")
        console.print(f"Recommendation written to {output}; results in {db}.")


def _run_with_progress(make_coro: Any) -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
    ) as bar:
        tasks: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        return run_sync(make_coro(progress))


def _write_portkey_configs(
    rec: dict[str, Any], settings: Any, folder: Path | None, share: float | None, out: Console
) -> None:
    """`report --portkey-configs`: a switch becomes fallback.json and canary.json; any
    other decision writes nothing (files left from an earlier run are named)."""
    if folder is None:
        return
    from whichmodel import deploy

    if not deploy.is_switch(rec):
        old = [str(folder / n) for n in (deploy.FALLBACK_FILE, deploy.CANARY_FILE)]
        old = [p for p in old if Path(p).exists()]
        stale = f"; {', '.join(old)} are from an earlier run" if old else ""
        out.print(
            f"Run {rec['run_id']} recommends keeping {rec['baseline']}: no Portkey configs "
            f"written (nothing to deploy){stale}.",
            highlight=False,
        )
        return
    share = deploy.DEFAULT_CANARY_SHARE if share is None else share
    fallback, canary = deploy.write_configs(folder, rec, settings, share)
    out.print(
        f"Portkey configs written: {fallback} ({rec['recommended_model']} first, "
        f"{rec['baseline']} on failure), {canary} ({share * 100:g}% to "
        f"{rec['recommended_model']}).",
        highlight=False,
    )
    for note in deploy.notes(rec, settings):
        out.print(note, highlight=False)


@app.command("report")
def report_cmd(
    run_id: Annotated[str | None, typer.Argument(help="Run id (default: the latest).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for machines.")] = False,
    list_runs: Annotated[bool, typer.Option("--list", help="List runs.")] = False,
    by_category: Annotated[
        bool, typer.Option("--by-category", help="Also show results and decisions per category.")
    ] = False,
    portkey_configs: Annotated[
        Path | None,
        typer.Option(
            "--portkey-configs",
            metavar="DIR",
            help="Write DIR/fallback.json and DIR/canary.json: Portkey gateway configs "
            "that deploy a switch (no keys written).",
        ),
    ] = None,
    canary_share: Annotated[
        float | None,
        typer.Option(
            "--canary-share", help="Share of traffic canary.json sends to the new model (0.1)."
        ),
    ] = None,
    html_file: Annotated[
        Path | None,
        typer.Option(
            "--html",
            metavar="FILE",
            help="Also write one self-contained HTML file: verdict, chart, tables, "
            "every answer (no network needed to open it).",
        ),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Show a run's per-model table and recommendation."""
    from whichmodel.errors import NoDataError

    if canary_share is not None:
        if portkey_configs is None:
            raise UsageError("--canary-share needs --portkey-configs DIR.")
        from whichmodel.deploy import check_share

        check_share(canary_share)
    settings = _settings(config, db=db)
    if not settings.db.exists():
        raise NoDataError(
            f"No database at {settings.db}: run `whichmodel import` and "
            "`whichmodel eval` first, or pass --db."
        )
    store = _store(settings.db)
    if list_runs:
        runs = store.runs()
        if as_json:
            console.print_json(json.dumps(runs))
        for r in [] if as_json else runs:
            console.print(
                f"{r['id']}  {r['created_at']}  {r['status']:<11} {r['prompt_count']} prompts  "
                f"baseline {r['baseline']}"
            )
        return
    run = store.run(run_id)
    if run is None:
        raise NoDataError(
            "No such run: `whichmodel report --list` shows runs."
            if run_id
            else f"No runs in {settings.db}: run `whichmodel eval` first."
        )
    rec = store.recommendation(run["id"])
    if rec is None:
        raise NoDataError(f"Run {run['id']} has no recommendation yet (status {run['status']}).")
    if html_file is not None:
        from whichmodel.html_report import write_html

        written = write_html(store, run["id"], html_file)
        (err_console if as_json else console).print(
            f"HTML report written: {written} ({written.stat().st_size / 1024:,.0f} KB)",
            highlight=False,
            soft_wrap=True,
        )
    if as_json:
        sys.stdout.write(json.dumps(rec, indent=2) + "\n")
        _write_portkey_configs(rec, settings, portkey_configs, canary_share, err_console)
        return
    from whichmodel.report import print_recommendation

    print_recommendation(rec, console, by_category=by_category)
    _write_portkey_configs(rec, settings, portkey_configs, canary_share, console)


@app.command("refusal-check")
def refusal_check_cmd(
    file: Annotated[
        Path, typer.Argument(help="CSV with `completion` and `final_label` columns (XSTest's).")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Measure the refusal detector on labelled completions: precision, recall, F1, confusion."""
    from whichmodel.refusal import check_file, print_check

    result = check_file(file)
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
        return
    print_check(result, console)


@app.command("chat")
def chat_cmd(
    question: Annotated[
        str | None, typer.Option("--question", "-q", help="Ask one question and exit.")
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(help="Advisor model, portkey/<provider>/<model> (default: the local model)."),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Ask which model to use: a chat agent that answers from your stored results."""
    from contextlib import ExitStack

    from whichmodel.agents.advisor import make_advisor
    from whichmodel.models import llm_config

    _configure_logging()
    settings = _settings(config, db=db, advisor=model)
    store = _store(settings.db)
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
    from langroid.utils.configuration import settings as lr_settings

    lr_settings.quiet = True
    questions = [question] if question else None
    while True:
        if questions is not None:
            if not questions:
                return
            q = questions.pop()
        else:
            try:
                q = console.input("[bold]you>[/] ").strip()
            except EOFError:
                return
            if q.lower() in {"exit", "quit", ""}:
                return
        reply = run_sync(advisor.ask(q))
        console.print(f"[bold]advisor>[/] {reply.text}", highlight=False)
        if reply.tools_used:
            console.print(f"[dim](tools: {', '.join(reply.tools_used)})[/]")


gateway_app = typer.Typer(
    help="Run the open-source Portkey gateway locally (127.0.0.1, headless).", no_args_is_help=True
)
app.add_typer(gateway_app, name="gateway")


@gateway_app.command("install")
def gateway_install() -> None:
    """Install the pinned gateway (npm) into the user cache folder, once."""
    from whichmodel.local.gateway import install_gateway

    path = install_gateway(quiet=True)
    console.print(f"Portkey gateway installed: {path}")


@gateway_app.command("start")
def gateway_start(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8787,
) -> None:
    """Start the gateway in the background (installs it first if needed)."""
    from whichmodel.local.gateway import Gateway

    info = Gateway().start(port=port)
    console.print(
        f"Portkey gateway running at {info.url} (pid {info.pid}). "
        f"Use it with: export PORTKEY_BASE_URL={info.url}"
    )


@gateway_app.command("status")
def gateway_status() -> None:
    """Say whether a gateway started by whichmodel is running, and where."""
    from whichmodel.local.gateway import Gateway

    info = Gateway().status()
    if info is None:
        console.print("No whichmodel gateway is running. Start one with: whichmodel gateway start")
        raise typer.Exit(1)
    console.print(f"Portkey gateway running at {info.url} (pid {info.pid}).")


@gateway_app.command("stop")
def gateway_stop() -> None:
    """Stop the gateway started by `whichmodel gateway start`."""
    from whichmodel.local.gateway import Gateway

    stopped = Gateway().stop()
    console.print("Portkey gateway stopped." if stopped else "No whichmodel gateway was running.")


@app.command("demo")
def demo_cmd(
    limit: Annotated[
        int | None, typer.Option(help="Evaluate only the first N demo prompts.")
    ] = None,
    db: Annotated[Path, typer.Option("--db", help="SQLite file for the demo.")] = Path(
        "whichmodel-demo.db"
    ),
    output: Annotated[Path, typer.Option("--output", "-o", help="JSON recommendation.")] = Path(
        "demo-recommendation.json"
    ),
    gguf: Annotated[Path | None, typer.Option(help="Another GGUF model file to serve.")] = None,
) -> None:
    """The whole evaluation offline: a real local model behind a real local Portkey gateway."""
    from whichmodel.local.demo import ROLES_NOTE, WIRING_NOTE, run_demo
    from whichmodel.tasks import evaluation  # noqa: F401  (imports Langroid)

    _configure_logging()

    console.print(
        "[bold]whichmodel demo[/]: SmolLM2-135M served by llama.cpp on 127.0.0.1, "
        "reached through a local Portkey gateway by the OpenAI and Anthropic routes."
    )
    console.print(ROLES_NOTE, highlight=False)
    rec = _run_with_progress(
        lambda progress: run_demo(
            db=db, limit=limit, gguf=gguf, progress=progress, on_ready=console.print
        )
    )
    data = rec.model_dump(mode="json")
    output.write_text(json.dumps(data, indent=2) + "\n")
    from whichmodel.report import print_recommendation

    print_recommendation(data, console)
    console.print(f"[yellow]Note:[/] {WIRING_NOTE}")
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


@app.command("serve")
def serve_cmd(
    host: Annotated[
        str, typer.Option(help="Address to listen on; beyond loopback needs WHICHMODEL_API_TOKEN.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8080,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Serve the HTTP API (/api/..., /openapi.json) and the dashboard (/)."""
    from whichmodel.web import serve

    _configure_logging()
    settings = _settings(config, db=db)

    def ready(host: str, port: int, token: bool) -> None:
        where = f"[{host}]" if ":" in host else host
        auth = " (token required: Authorization: Bearer, or open /?token=... once)" if token else ""
        console.print(
            f"whichmodel serving {settings.db} at http://{where}:{port}/{auth}. Ctrl+C stops.",
            highlight=False,
        )

    serve(settings, host=host, port=port, on_ready=ready)


class _LangroidNoise(logging.Filter):
    """Drop Langroid log lines that whichmodel already turns into stored rows
    (failed calls become status="error" rows) or that do not concern the user."""

    def filter(self, record: logging.LogRecord) -> bool:
        path = record.pathname.replace("\\", "/")
        if "langroid/language_models/openai_gpt.py" in path and record.levelno >= logging.ERROR:
            return False
        if "langroid/language_models/model_info.py" in path:
            return False
        if "langroid/cachedb/" in path:
            return False
        return True


def _configure_logging() -> None:
    from rich.logging import RichHandler

    handler = RichHandler(console=err_console, show_time=False, show_path=False)
    handler.addFilter(_LangroidNoise())
    # Importing Langroid adds its own colour handler to the root logger: replace it.
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.WARNING)


def main() -> None:
    try:
        from whichmodel.preflight import check_portkey_env

        check_portkey_env()
        app(standalone_mode=False)
    except WhichmodelError as exc:
        if os.environ.get("WHICHMODEL_DEBUG"):
            raise
        err_console.print(f"[red]Error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt:
        err_console.print(
            "Interrupted: everything finished so far is stored. "
            "Finish it with: whichmodel eval --resume"
        )
        sys.exit(130)
    except Exception as exc:  # usage errors: one line, not a traceback
        show = getattr(exc, "show", None)
        if callable(show) and hasattr(exc, "exit_code"):
            show()
            sys.exit(exc.exit_code)
        if type(exc).__name__ == "Abort":
            sys.exit(1)
        raise


if __name__ == "__main__":
    main()
