"""``whichmodel import``: a team's history in, from a file or from Portkey's logs."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from whichmodel.cli.common import (
    ConfigOption,
    DbOption,
    UsageError,
    console,
    err_console,
    given,
    line_progress,
    on_interrupt,
    open_store,
    settings_from,
)


def import_file(store: Any, file: Path, **options: Any) -> Any:
    """Import with a line counter on stderr for long files; whole or nothing.
    ``options``: the importer's ``fmt`` and ``turns`` when given."""
    from whichmodel.history.importer import import_history

    on_interrupt(f"Interrupted: nothing from {file} was stored; import it again.")
    with line_progress(f"Reading {file.name}") as progress:
        result = import_history(store, file, progress=progress, **options)
    on_interrupt("Interrupted: nothing was lost.")
    return result


def metadata_pairs(pairs: list[str], option: str) -> dict[str, str]:
    """``KEY=VALUE`` options as a dict; anything else is a usage error."""
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"{option} takes KEY=VALUE, e.g. {option} team=search; got {pair!r}.")
        out[key] = value
    return out


def import_cmd(
    source: Annotated[
        Path | None,
        typer.Argument(
            metavar="SOURCE",
            help="History file: whichmodel JSONL, OpenAI request/response logs or Batch "
            "files, a Portkey logs export, or llm's logs.db.",
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", metavar="FORMAT", help="auto (default), jsonl, openai, portkey or llm."
        ),
    ] = None,
    turns: Annotated[
        str | None,
        typer.Option(
            metavar="WHICH",
            help="Of a logged conversation: evaluate its last answer (last, default) or "
            "every answer (all).",
        ),
    ] = None,
    from_portkey: Annotated[
        bool,
        typer.Option(
            "--from-portkey", help="Export the logs from Portkey (PORTKEY_API_KEY) and import them."
        ),
    ] = False,
    since: Annotated[
        str | None, typer.Option(metavar="DATE", help="--from-portkey: logs from this time on.")
    ] = None,
    until: Annotated[
        str | None, typer.Option(metavar="DATE", help="--from-portkey: logs up to this time.")
    ] = None,
    model: Annotated[
        str | None, typer.Option(metavar="MODEL", help="--from-portkey: only this model's logs.")
    ] = None,
    metadata: Annotated[
        list[str] | None,
        typer.Option(
            metavar="KEY=VALUE", help="--from-portkey: only logs with this metadata (repeatable)."
        ),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Import prompt history; re-importing adds nothing twice; a file is stored whole or
    not at all."""
    if turns not in (None, "last", "all"):
        raise UsageError(f"--turns is last or all; got {turns!r}.")
    if from_portkey == (source is not None):
        raise UsageError("Give a SOURCE file, or --from-portkey (not both).")
    filters = {"--since": since, "--until": until, "--model": model, "--metadata": metadata}
    if not from_portkey and any(filters.values()):
        used = ", ".join(k for k, v in filters.items() if v)
        raise UsageError(f"{used} filter Portkey logs: use them with --from-portkey.")
    settings = settings_from(config, db=db)
    store = open_store(settings.db, check=True)
    if source is not None:
        _report(import_file(store, source, **given(fmt=fmt, turns=turns)), source, settings.db)
        return
    from whichmodel.portkey.logs import LogFilter, export_logs

    log_filter = LogFilter(since, until, model, metadata_pairs(metadata or [], "--metadata"))
    folder = Path(tempfile.mkdtemp(prefix="whichmodel-portkey-"))
    dest = folder / "portkey-logs.jsonl"
    path, export_id = export_logs(
        dest,
        log_filter,
        poll_seconds=settings.export_poll_seconds,
        timeout_seconds=settings.export_timeout_seconds,
        on_status=lambda s: err_console.print(f"Portkey export: {s}"),
    )
    result = import_file(store, path, fmt="portkey", **given(turns=turns))
    _report(result, Path(f"Portkey export {export_id}"), settings.db)
    path.unlink(missing_ok=True)
    folder.rmdir()


def _report(result: Any, source: Path, db: Path) -> None:
    answers = f"; {result.answers:,} with the answer production gave" if result.answers else ""
    console.print(
        f"Imported {result.new:,} new prompt(s) from {source} ({result.format} format; "
        f"{result.read - result.new:,} already stored{answers}) into {db}."
    )
    if result.skipped:
        console.print(
            f"Skipped {sum(result.skipped.values()):,} row(s): "
            + "; ".join(f"{n:,} {reason}" for reason, n in result.skipped.most_common())
            + "."
        )
