"""The ``whichmodel`` command: thin wrappers that parse options, call one library
function and print. Heavy imports (Langroid) happen inside commands so ``--help`` is fast."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from whichmodel.errors import WhichmodelError

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
    console.print(f"Imported {new} new prompt(s) from {file} ({read - new} already stored) "
                  f"into {settings.db}.")


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
    tolerance: Annotated[float | None, typer.Option(help="Accepted quality loss (0.05 = 5%).")] = None,
    refusal_margin: Annotated[
        float | None, typer.Option(help="Accepted refusal-rate increase (0.01 = 1 point).")
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the JSON here.")] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Run every prompt through the baseline and candidates, judge, and recommend."""
    from whichmodel.tasks.evaluation import evaluate_async
    from whichmodel.tasks.history import import_history

    settings = _settings(
        config, db=db, baseline=baseline, candidates=candidate, judge=judge,
        concurrency=concurrency, tolerance=tolerance, refusal_margin=refusal_margin,
    )
    from whichmodel.tasks.evaluation import check_roles

    check_roles(settings)  # fail on bad model strings before touching anything
    store = _store(settings.db)
    prompt_ids = None
    if prompts is not None:
        _, _, prompt_ids = import_history(store, prompts)
    rec = _run_with_progress(lambda progress: evaluate_async(
        store, settings, prompt_ids=prompt_ids, progress=progress))
    data = rec.model_dump(mode="json")
    from whichmodel.report import print_recommendation

    print_recommendation(data, console)
    if output is not None:
        output.write_text(json.dumps(data, indent=2) + "\n")
        console.print(f"Recommendation written to {output}; results in {settings.db}.")


def _run_with_progress(make_coro: Any) -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=err_console, transient=False,
    ) as bar:
        tasks: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        return asyncio.run(make_coro(progress))


@app.command("report")
def report_cmd(
    run_id: Annotated[str | None, typer.Argument(help="Run id (default: the latest).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for machines.")] = False,
    list_runs: Annotated[bool, typer.Option("--list", help="List runs.")] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Show a run's per-model table and recommendation."""
    from whichmodel.errors import NoDataError

    settings = _settings(config, db=db)
    if not settings.db.exists():
        raise NoDataError(f"No database at {settings.db}: run `whichmodel import` and "
                          "`whichmodel eval` first, or pass --db.")
    store = _store(settings.db)
    if list_runs:
        runs = store.runs()
        if as_json:
            console.print_json(json.dumps(runs))
        for r in [] if as_json else runs:
            console.print(f"{r['id']}  {r['created_at']}  {r['status']:<11} {r['prompt_count']} prompts  "
                          f"baseline {r['baseline']}")
        return
    run = store.run(run_id)
    if run is None:
        raise NoDataError("No such run: `whichmodel report --list` shows runs."
                          if run_id else f"No runs in {settings.db}: run `whichmodel eval` first.")
    rec = store.recommendation(run["id"])
    if rec is None:
        raise NoDataError(f"Run {run['id']} has no recommendation yet (status {run['status']}).")
    if as_json:
        sys.stdout.write(json.dumps(rec, indent=2) + "\n")
        return
    from whichmodel.report import print_recommendation

    print_recommendation(rec, console)


def main() -> None:
    try:
        app(standalone_mode=False)
    except WhichmodelError as exc:
        if os.environ.get("WHICHMODEL_DEBUG"):
            raise
        err_console.print(f"[red]Error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt:
        err_console.print("Interrupted: everything finished so far is stored.")
        sys.exit(130)
    except Exception as exc:  # click usage errors etc.
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Abort):
            sys.exit(1)
        raise


if __name__ == "__main__":
    main()
