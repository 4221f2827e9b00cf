"""The ``whichmodel`` command: thin wrappers that parse options, call one library
function and print. Heavy imports (Langroid) happen inside commands so ``--help`` is fast.

Exit codes: 0 done (for ``eval``: a decision, switch or keep); 1 an error the message
says how to fix; 2 a wrong command line; 3 ``eval`` finished but the data cannot decide
yet (undecided: more prompts would decide); 4 ``eval`` could not compare the models
(the baseline or the judge failed on every call, or the judge scored everything alike);
130 interrupted (Ctrl-C), with what is stored kept.
"""

from __future__ import annotations

import sys

import typer

try:  # typer carries its own copy of click
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover - older typer
    from click import ClickException
from rich.text import Text

from whichmodel.cli import chat, evaluate, history, judge, local, report, runs
from whichmodel.cli.common import EXIT_INTERRUPTED, UsageError, app, err_console, interrupted
from whichmodel.config import debug_enabled
from whichmodel.errors import WhichmodelError

__all__ = ["UsageError", "app", "main"]

COMMANDS = {
    "import": history.import_cmd,
    "eval": evaluate.eval_cmd,
    "report": report.report_cmd,
    "runs": runs.runs_cmd,
    "chat": chat.chat_cmd,
    "judge-check": judge.judge_check_cmd,
    "refusal-check": report.refusal_check_cmd,
    "demo": local.demo_cmd,
    "serve": local.serve_cmd,
}
"""Every command, by the name people type: a new command is one line here."""
GATEWAY_COMMANDS = {
    "install": local.gateway_install,
    "start": local.gateway_start,
    "status": local.gateway_status,
    "stop": local.gateway_stop,
}

for _name, _command in COMMANDS.items():
    app.command(_name)(_command)
gateway = typer.Typer(
    help="Run the open-source Portkey gateway locally (127.0.0.1, headless).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
for _name, _command in GATEWAY_COMMANDS.items():
    gateway.command(_name)(_command)
app.add_typer(gateway, name="gateway")


def _say(message: str) -> None:
    err_console.print(Text.assemble(("Error:", "red"), f" {message}"), soft_wrap=True)


def main() -> None:
    debug = debug_enabled()
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
