"""``whichmodel judge-check``: how far the judge agrees with people."""

from __future__ import annotations

import json
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from whichmodel.cli.common import (
    ConfigOption,
    DbOption,
    UsageError,
    console,
    open_store,
    run_with_progress,
    settings_from,
)

LABELS = {
    "spearman": "Spearman rho (judge vs people)",
    "kendall": "Kendall tau-b",
    "agreement": "agreement",
    "kappa": "Cohen's kappa",
    "judge_rate": "judge's rate (pass / refused)",
    "human_rate": "people's rate (pass / refused)",
    "agreement_without_ties": "agreement where people chose",
    "tie_rate": "judge's tie rate",
    "human_tie_rate": "people's tie rate",
    "position_bias": "position bias (first answer picked - 1/2)",
    "length_bias": "length bias (judge score vs length / longer picked)",
    "human_length": "people's score vs length",
}


def judge_check_cmd(
    labels: Annotated[
        Path,
        typer.Argument(
            metavar="LABELS",
            help="Items people labelled: JSONL with score, pass, preference or refused, or "
            "an XSTest completions CSV.",
        ),
    ],
    judge: Annotated[str | None, typer.Option(metavar="MODEL", help="Judge model.")] = None,
    limit: Annotated[int | None, typer.Option(metavar="N", help="Only the first N items.")] = None,
    local: Annotated[
        bool, typer.Option("--local", help="Check the demo's judge on the local model.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Run the judge over labelled items and report its agreement with people."""
    from whichmodel.history.labels import read_labels
    from whichmodel.local.demo import demo_settings
    from whichmodel.local.stack import local_stack
    from whichmodel.tasks.judge_check import judge_check

    if limit is not None and limit < 1:
        raise UsageError(f"--limit is a number of items (1 or more); got {limit}.")
    kind, _ = read_labels(labels, 1)
    settings = settings_from(config, db=db, judge=judge)
    store = open_store(settings.db, check=True)
    with local_stack(None) if local else nullcontext() as stack:
        if stack is not None:
            settings = demo_settings(stack.model_url, stack.gateway_url, db=settings.db)
        if not settings.judge:
            raise UsageError("No judge model: pass --judge portkey/<provider>/<model> or --local.")
        agent = _judge_agent(settings, pairwise=kind == "pairwise")
        check = run_with_progress(
            lambda progress: judge_check(
                store,
                settings,
                labels,
                agent,
                limit=limit,
                progress=lambda done, total: progress("judged", done, total),
            )
        )
    if as_json:
        sys.stdout.write(json.dumps(check, indent=2) + "\n")
        return
    print_check(check)


def _judge_agent(settings: Any, pairwise: bool) -> Any:
    from whichmodel.agents.judge import judge_for
    from whichmodel.portkey.preflight import check_gateways, check_keys
    from whichmodel.portkey.wire import parse_model

    ref = parse_model(settings.judge, settings)
    check_keys([ref], settings)
    check_gateways([ref], settings)
    return judge_for(settings, ref, pairwise=pairwise)


def print_check(check: dict[str, Any]) -> None:
    figures = check["figures"]
    table = Table(
        title=Text(
            f"{check['judge']} against people: {check['kind']} labels in {check['labels']} "
            f"({figures['judged']} of {figures['items']} items judged)"
        ),
        title_justify="left",
    )
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, label in LABELS.items():
        if key in figures:
            value = figures[key]
            table.add_row(label, "-" if value is None else f"{value:+.3f}")
    console.print(table)
    console.print(Text(f"Stored as judge check {check['id']}."), highlight=False)
