"""What every command shares: the typer app, the consoles, the common options, logging."""

from __future__ import annotations

import logging
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


def settings_from(config: Path | None, **overrides: Any) -> Any:
    from whichmodel.config import load_settings

    return load_settings(config, **overrides)


def open_store(path: Path) -> Any:
    from whichmodel.store import Store

    return Store(path)


def run_with_progress(make_coro: Any) -> Any:
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


def configure_logging() -> None:
    from rich.logging import RichHandler

    handler = RichHandler(console=err_console, show_time=False, show_path=False)
    handler.addFilter(_LangroidNoise())
    # Importing Langroid adds its own colour handler to the root logger: replace it.
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.WARNING)
