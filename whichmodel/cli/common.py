"""What every command shares: the typer app, the consoles, the common options, logging."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from whichmodel.config import Rule
from whichmodel.errors import WhichmodelError
from whichmodel.run_sync import run as run_sync


class UsageError(WhichmodelError):
    """The command line itself is wrong."""


EXIT_UNDECIDED = 3
EXIT_UNMEASURED = 4
EXIT_INTERRUPTED = 130
_INTERRUPT_HINT = ["Interrupted: nothing was lost."]


def on_interrupt(hint: str) -> None:
    """What Ctrl-C should tell the user from now on in this command."""
    _INTERRUPT_HINT[0] = hint


def interrupted() -> str:
    return _INTERRUPT_HINT[0]


app = typer.Typer(
    help="Which model should we use? Replay your prompt history through candidate models "
    "via Portkey, judge every answer, get a cost/quality recommendation.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,  # plain help: flags without types, no markup read from help texts
)
# Data (model names, paths, error messages) is printed as it is, never read as markup:
# styled text is built with rich's Text.
console = Console(soft_wrap=True, markup=False, emoji=False)
err_console = Console(stderr=True, markup=False, emoji=False)

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        envvar="WHICHMODEL_DB",
        metavar="FILE",
        help="SQLite file (default ./whichmodel.db).",
    ),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config", envvar="WHICHMODEL_CONFIG", metavar="FILE", help="whichmodel.toml to read."
    ),
]


def given(**values: Any) -> dict[str, Any]:
    """The options the user gave (None: not given), so that what was not given takes the
    library's default instead of one written again here."""
    return {k: v for k, v in values.items() if v is not None}


def rule_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Give ``command`` one option per field of the decision rule (``--tolerance``,
    ``--refusal-margin``, ...; help from the field), passed to it as ``rule``: the fields
    given. A new field of ``Rule`` is an option of every such command."""
    signature = inspect.signature(command, eval_str=True)
    params = [
        p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
        for p in signature.parameters.values()
        if p.name != "rule"
    ]
    for name, info in Rule.model_fields.items():
        flag = "--" + name.replace("_", "-")
        metavar = "MS" if name.endswith("_ms") else "SHARE"
        annotation = Annotated[
            float | None, typer.Option(flag, metavar=metavar, help=info.description)
        ]
        params.append(
            inspect.Parameter(
                name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation
            )
        )

    @functools.wraps(command)
    def with_rule(**kwargs: Any) -> Any:
        rule = given(**{name: kwargs.pop(name) for name in Rule.model_fields})
        return command(rule=rule, **kwargs)

    with_rule.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    with_rule.__annotations__ = {p.name: p.annotation for p in params}
    return with_rule


def settings_from(config: Path | None, **overrides: Any) -> Any:
    from whichmodel.config import load_settings

    return load_settings(config, **overrides)


def open_store(path: Path, *, check: bool = False) -> Any:
    from whichmodel.store import Store

    return Store(path, check=check)


@contextmanager
def line_progress(label: str) -> Iterator[Callable[[int], None]]:
    """A counter of lines read on stderr (shown only once there is something to count)."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}: {task.completed:,} lines"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None, visible=False)

        def progress(done: int) -> None:
            bar.update(task, completed=done, visible=True)

        yield progress


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

        def progress(stage: str, done: int, total: int | None) -> None:
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
        if "langroid/cachedb/" in path:
            return False
        return True


def configure_logging() -> None:
    """For the commands that call models. Importing Langroid adds its own colour handler
    to the root logger: Langroid is imported first, and its handler replaced."""
    import langroid  # noqa: F401
    from rich.logging import RichHandler

    handler = RichHandler(console=err_console, show_time=False, show_path=False)
    handler.addFilter(_LangroidNoise())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.WARNING)
