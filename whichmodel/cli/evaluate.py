"""``whichmodel import`` and ``whichmodel eval``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from whichmodel.cli.common import (
    ConfigOption,
    DbOption,
    UsageError,
    app,
    configure_logging,
    console,
    open_store,
    run_with_progress,
    settings_from,
)


@app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="JSONL prompt history file.")],
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Import prompt history (JSONL) into the database; re-importing adds nothing twice."""
    from whichmodel.tasks.history import import_history

    settings = settings_from(config, db=db)
    store = open_store(settings.db)
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

    configure_logging()
    settings = settings_from(
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
    from whichmodel.portkey.wire import parse_model
    from whichmodel.tasks.roles import check_roles

    if run_id is not None and not resume:
        raise UsageError(f"Unexpected argument {run_id!r}: did you mean --resume {run_id}?")
    if resume:
        from whichmodel.tasks.evaluation import resume_async

        store = open_store(settings.db)
        rec = run_with_progress(
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
    store = open_store(settings.db)
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

        rec = run_with_progress(start_and_run)
    _print_and_write(rec, output, settings.db)


def _print_estimate(evaluation: Any, prompt_ids: list[str] | None) -> None:
    settings = evaluation.settings
    answers, judge = evaluation.estimate_run(prompt_ids)
    unknown = evaluation.prices.unknown()
    note = f" (prices unknown for {len(unknown)} model(s): not counted)" if unknown else ""
    limit = f"; limit ${settings.max_cost:.2f}" if settings.max_cost else ""
    console.print(
        f"Estimated cost at most: candidates ${answers:.4f} + judge ${judge:.4f}"
        f"{note}{limit}. Cached answers cost nothing.",
        highlight=False,
    )


def _print_and_write(rec: Any, output: Path | None, db: Path) -> None:
    from whichmodel.report.terminal import print_recommendation

    data = rec.model_dump(mode="json")
    print_recommendation(data, console)
    if output is not None:
        output.write_text(json.dumps(data, indent=2) + "\n")
        console.print(f"Recommendation written to {output}; results in {db}.")
