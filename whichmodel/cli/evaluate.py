"""``whichmodel eval``: options in, ``whichmodel.api.evaluate_async`` (or
``resume_async``) called once, the plan and the verdict printed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from whichmodel.cli.common import (
    EXIT_UNDECIDED,
    EXIT_UNMEASURED,
    ConfigOption,
    DbOption,
    UsageError,
    configure_logging,
    console,
    given,
    on_interrupt,
    rule_options,
    run_with_progress,
    settings_from,
)
from whichmodel.cli.history import metadata_pairs


@rule_options
def eval_cmd(
    baseline: Annotated[
        str | None, typer.Option(metavar="MODEL", help="Model in production now.")
    ] = None,
    candidate: Annotated[
        list[str] | None,
        typer.Option(
            "--candidate", "-c", metavar="MODEL", help="Candidate model; repeat for more."
        ),
    ] = None,
    judge: Annotated[str | None, typer.Option(metavar="MODEL", help="Judge model.")] = None,
    prompts: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE", help="JSONL file to import and evaluate (default: all stored)."
        ),
    ] = None,
    concurrency: Annotated[
        int | None, typer.Option(metavar="N", help="Calls in flight at once.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write the JSON here.")
    ] = None,
    run_id: Annotated[
        str | None,
        typer.Argument(
            metavar="RUN", help="With --resume: the run to finish (default: the latest)."
        ),
    ] = None,
    max_cost: Annotated[
        float | None,
        typer.Option(metavar="USD", help="Stop cleanly before spending this many USD."),
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
            "--local-gguf",
            metavar="FILE",
            help="Serve this GGUF file locally and add it as a candidate (repeatable).",
        ),
    ] = None,
    judge_mode: Annotated[
        str | None,
        typer.Option(
            metavar="MODE",
            help="pointwise (rubric score per answer) or pairwise (each candidate answer "
            "against the baseline's, judged in both orders).",
        ),
    ] = None,
    judge_samples: Annotated[
        int | None,
        typer.Option(metavar="N", help="Pointwise: judge each answer N times; report the spread."),
    ] = None,
    no_judge_controls: Annotated[
        bool,
        typer.Option(
            "--no-judge-controls",
            help="Do not check the judge on known good and bad answers first (the report says so).",
        ),
    ] = False,
    batch: Annotated[
        bool,
        typer.Option(
            "--batch",
            help="Send answers and judgments as batch jobs through the gateway (OpenAI Batch "
            "API, batch prices) for providers that take them; the rest runs online.",
        ),
    ] = False,
    sample: Annotated[
        int | None, typer.Option(metavar="N", help="Evaluate a random sample of N prompts.")
    ] = None,
    seed: Annotated[int | None, typer.Option(metavar="N", help="Seed of the sample.")] = None,
    stratify: Annotated[
        str | None,
        typer.Option(
            metavar="KEY",
            help="Keep each group's share in the sample: category, model (production's) "
            "or metadata.KEY.",
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(metavar="TIME", help="Only prompts production answered from then on."),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(metavar="TIME", help="Only prompts production answered until then."),
    ] = None,
    where: Annotated[
        list[str] | None,
        typer.Option(
            metavar="metadata.KEY=VALUE",
            help="Only prompts whose log metadata has KEY=VALUE (repeat).",
        ),
    ] = None,
    baseline_from_history: Annotated[
        bool | None,
        typer.Option(
            "--baseline-from-history",
            help="Judge the answers production gave instead of calling the baseline again.",
        ),
    ] = None,
    drift_check: Annotated[
        int | None,
        typer.Option(
            metavar="N",
            help="With --baseline-from-history: call the baseline again on N prompts to "
            "see whether the history still stands for it.",
        ),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
    rule: dict[str, float] | None = None,
) -> None:
    """Run every prompt through the baseline and candidates, judge, and recommend.

    Models are named portkey/<provider>/<model>, e.g. portkey/openai/gpt-4o-mini or
    portkey/anthropic/claude-3-5-haiku-latest. Exit code: 0 a decision (switch or keep),
    3 undecided (more prompts would decide), 4 the models could not be compared (the
    baseline or the judge failed on every call), 1 an error, 130 interrupted.
    """
    from whichmodel.api import evaluate_async, resume_async
    from whichmodel.history.selection import Selection

    if run_id is not None and not resume:
        raise UsageError(f"Unexpected argument {run_id!r}: did you mean --resume {run_id}?")
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
        judge_mode=judge_mode,
        judge_samples=judge_samples,
        judge_controls=0 if no_judge_controls else None,
        batch=batch or None,
        baseline_from_history=baseline_from_history,
        drift_check=drift_check,
        **(rule or {}),
    )
    if resume:
        on_interrupt(_resume_hint(run_id or "latest"))
        rec = run_with_progress(lambda progress: resume_async(run_id, settings, progress=progress))
    else:
        selection = Selection(
            **given(sample=sample, seed=seed, stratify=stratify, since=since, until=until),
            where=metadata_pairs(where or [], "--where"),
        )
        if prompts is not None:
            on_interrupt(f"Interrupted: nothing from {prompts} was stored; import it again.")
        rec = run_with_progress(
            lambda progress: evaluate_async(
                settings,
                prompts=prompts,
                selection=selection,
                local_gguf=local_gguf or [],
                progress=progress,
                on_plan=_print_plan,
                on_start=lambda started: on_interrupt(_resume_hint(started)),
            )
        )
    _finish(rec, output, settings.db)


def _resume_hint(run_id: str) -> str:
    return (
        f"Interrupted: everything finished so far is stored (run {run_id}). "
        f"Finish it with: whichmodel eval --resume {run_id}"
    )


def _print_plan(plan: Any) -> None:
    on_interrupt("Interrupted: nothing was lost.")
    if plan.chosen:
        console.print(f"Prompts: {plan.chosen}.", highlight=False)
    unknown = plan.unknown_prices
    note = f" (prices unknown for {len(unknown)} model(s): not counted)" if unknown else ""
    limit = f"; limit ${plan.max_cost:.2f}" if plan.max_cost else ""
    console.print(
        f"Estimated cost at most: candidates ${plan.answers_usd:.4f} + judge "
        f"${plan.judge_usd:.4f}{note}{limit}. Cached answers cost nothing.",
        highlight=False,
    )


def _finish(rec: Any, output: Path | None, db: Path) -> None:
    """Write the JSON (first: it must not depend on the terminal), print the report, and
    exit with the code of the decision (0 decided, 3 undecided, 4 could not compare)."""
    from whichmodel.report.terminal import print_recommendation

    data = rec.model_dump(mode="json")
    if output is not None:
        try:
            output.write_text(json.dumps(data, indent=2) + "\n")
        except OSError as exc:
            raise UsageError(
                f"Cannot write {output} ({exc.strerror or exc}); the run is stored in {db}: "
                f"write it again with `whichmodel report {rec.run_id} --json > FILE`."
            ) from None
    print_recommendation(rec, console)
    if output is not None:
        console.print(f"Recommendation written to {output}; results in {db}.")
    if rec.unmeasured:
        raise typer.Exit(EXIT_UNMEASURED)
    if rec.decision == "undecided":
        raise typer.Exit(EXIT_UNDECIDED)
