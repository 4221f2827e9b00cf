"""``whichmodel report`` and ``whichmodel refusal-check``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from whichmodel.cli.common import (
    ConfigOption,
    DbOption,
    UsageError,
    console,
    err_console,
    given,
    open_store,
    rule_options,
    settings_from,
)


@rule_options
def report_cmd(
    run_id: Annotated[
        str | None, typer.Argument(metavar="RUN", help="Run id or prefix (default: latest).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for machines.")] = False,
    list_runs: Annotated[
        bool, typer.Option("--list", help="List the runs (as `whichmodel runs`).")
    ] = False,
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
    route_by: Annotated[
        str | None,
        typer.Option(
            "--route-by",
            metavar="KEY",
            help="With --portkey-configs: conditional.json routes on metadata.KEY (a prompt "
            "metadata key your application sends; default: category).",
        ),
    ] = None,
    canary_share: Annotated[
        float | None,
        typer.Option(
            "--canary-share",
            metavar="SHARE",
            help="Share of traffic canary.json sends to the new model (0.1).",
        ),
    ] = None,
    push_feedback: Annotated[
        bool,
        typer.Option(
            "--push-feedback",
            help="Send each judged answer's score to Portkey as feedback on its call's trace "
            "(PORTKEY_API_KEY; sent once, changed scores updated).",
        ),
    ] = False,
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
    rule: dict[str, float] | None = None,
) -> None:
    """Show a run's per-model table and recommendation (decided again, with no model
    calls, when a setting of the decision rule is given)."""
    from whichmodel.config import Settings
    from whichmodel.errors import NoDataError
    from whichmodel.results.decide import find_run, recommendation

    if canary_share is not None:
        if portkey_configs is None:
            raise UsageError("--canary-share needs --portkey-configs DIR.")
        from whichmodel.portkey.deploy import check_share

        check_share(canary_share)
    settings: Settings = settings_from(config, db=db)
    if not settings.db.exists():
        raise NoDataError(
            f"No database at {settings.db}: run `whichmodel import` and "
            "`whichmodel eval` first, or pass --db."
        )
    store = open_store(settings.db)
    if list_runs:
        from whichmodel.cli.runs import print_runs

        print_runs(store, as_json)
        return
    run = find_run(store, run_id, "any")
    rec = recommendation(store, run.id, **(rule or {}))
    if html_file is not None:
        from whichmodel.report.html import write_html
        from whichmodel.results.run_report import run_report

        written = write_html(run_report(store, run.id, rec), html_file)
        (err_console if as_json else console).print(
            f"HTML report written: {written} ({written.stat().st_size / 1024:,.0f} KB)",
            highlight=False,
            soft_wrap=True,
        )
    out = console
    if as_json:
        sys.stdout.write(json.dumps(rec.model_dump(mode="json"), indent=2) + "\n")
        out = err_console
    else:
        from whichmodel.report.terminal import print_recommendation

        print_recommendation(rec, console, by_category=by_category)
        if by_category and portkey_configs is None:
            from whichmodel.report.notes import routing_lines
            from whichmodel.results.routing import routing_policy

            for line in routing_lines(routing_policy(store, run.id, **given(route_by=route_by))):
                console.print(line, highlight=False, soft_wrap=True)
    if portkey_configs is not None:
        from whichmodel.portkey.deploy import deploy
        from whichmodel.report.notes import routing_lines
        from whichmodel.results.routing import routing_policy

        policy = routing_policy(store, run.id, **given(route_by=route_by))
        lines = deploy(rec, settings, portkey_configs, canary_share, policy.routes, policy.route_by)
        for line in [*lines, *routing_lines(policy)]:
            out.print(line, highlight=False, soft_wrap=True)
    if push_feedback:
        from whichmodel.tasks.feedback import push_feedback as push

        with err_console.status("Sending feedback to Portkey..."):
            pushed = push(store, run.id)
        for line in pushed.lines():
            out.print(line, highlight=False, soft_wrap=True)


def refusal_check_cmd(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE...",
            help="CSVs with `completion` and `final_label` columns (XSTest's), one per model.",
        ),
    ],
    cross_validate: Annotated[
        bool,
        typer.Option(
            "--cross-validate",
            help="Hold out each file in turn: fit the classifier on the others, check the "
            "held-out one (the figure for models it has not seen).",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Measure the refusal detector on labelled completions: precision, recall, F1, confusion."""
    from whichmodel.refusal.measure import check_file
    from whichmodel.refusal.measure import cross_validate as held_out
    from whichmodel.report.refusal_check import print_check, print_cross_validation

    results = held_out(list(files)) if cross_validate else [check_file(f) for f in files]
    if as_json:
        data = [r.to_dict() for r in results]
        if cross_validate:
            out_json = {"held_out": data, "worst_f1": min(r["f1"] for r in data)}
        else:
            out_json = data[0] if len(data) == 1 else data
        sys.stdout.write(json.dumps(out_json, indent=2) + "\n")
        return
    if cross_validate:
        print_cross_validation(results, console)
        return
    for result in results:
        print_check(result, console)
