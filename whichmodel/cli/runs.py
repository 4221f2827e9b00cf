"""``whichmodel runs``: the stored runs, newest first."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.text import Text

from whichmodel.cli.common import ConfigOption, DbOption, console, open_store, settings_from


def print_runs(store: Any, as_json: bool) -> None:
    from whichmodel.results.questions import run_lines

    runs = run_lines(store)
    if as_json:
        sys.stdout.write(json.dumps([r.model_dump() for r in runs], indent=2) + "\n")
        return
    if not runs:
        from whichmodel.results.decide import HOW_TO_MAKE_A_RUN

        console.print(HOW_TO_MAKE_A_RUN)
        return
    for r in runs:
        console.print(
            Text(
                f"{r.id}  {r.created_at[:19].replace('T', ' ')}  {r.status:<11} "
                f"{r.prompt_count:>6} prompts  {r.baseline} vs {', '.join(r.candidates)}; "
                f"verdict: {r.verdict}"
            )
        )


def runs_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for machines.")] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """List the stored runs: id, status, models and verdict (newest first)."""
    from whichmodel.errors import NoDataError

    settings = settings_from(config, db=db)
    if not settings.db.exists():
        raise NoDataError(
            f"No database at {settings.db}: run `whichmodel eval` first, or pass --db."
        )
    print_runs(open_store(settings.db), as_json)
