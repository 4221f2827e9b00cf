"""The ``whichmodel`` command: thin wrappers that parse options, call one library
function and print. Heavy imports (Langroid) happen inside commands so ``--help`` is fast.

Exit codes: 0 done (for ``eval``: a decision, switch or keep); 1 an error the message
says how to fix; 2 a wrong command line; 3 ``eval`` finished but the data cannot decide
yet (undecided: more prompts would decide); 4 ``eval`` could not compare the models
(the baseline or the judge failed on every call, or the judge scored everything alike);
130 interrupted (Ctrl-C), with what is stored kept.
"""

from __future__ import annotations

import os
import sys

import typer

try:  # typer carries its own copy of click
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover - older typer
    from click import ClickException
from rich.text import Text

from whichmodel.cli import (  # noqa: F401  (they register commands)
    chat,
    evaluate,
    history,
    judge,
    local,
    report,
    runs,
)
from whichmodel.cli.common import EXIT_INTERRUPTED, UsageError, app, err_console, interrupted
from whichmodel.errors import WhichmodelError

__all__ = ["UsageError", "app", "main"]


def _say(message: str) -> None:
    err_console.print(Text.assemble(("Error:", "red"), f" {message}"), soft_wrap=True)


def main() -> None:
    debug = bool(os.environ.get("WHICHMODEL_DEBUG"))
    try:
        from whichmodel.portkey.preflight import check_portkey_env

        check_portkey_env()
        code = app(standalone_mode=False)
    except WhichmodelError as exc:
        if debug:
            raise
        _say(str(exc))
        sys.exit(1)
    except (KeyboardInterrupt, typer.Abort):
        code = EXIT_INTERRUPTED
    except ClickException as exc:  # a wrong command line: click's own message
        exc.show()
        sys.exit(exc.exit_code)
    except Exception as exc:
        if debug:
            raise
        _say(
            f"unexpected {type(exc).__name__}: {exc}. What was stored is kept; run again with "
            "WHICHMODEL_DEBUG=1 to see where it happened, and report it."
        )
        sys.exit(1)
    if code == EXIT_INTERRUPTED:  # typer returns Ctrl-C as this code
        err_console.print(interrupted(), soft_wrap=True)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
