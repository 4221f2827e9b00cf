"""The ``whichmodel`` command: thin wrappers that parse options, call one library
function and print. Heavy imports (Langroid) happen inside commands so ``--help`` is fast."""

from __future__ import annotations

import os
import sys

from whichmodel.cli import chat, evaluate, local, report  # noqa: F401  (they register commands)
from whichmodel.cli.common import UsageError, app, err_console
from whichmodel.errors import WhichmodelError

__all__ = ["UsageError", "app", "main"]


def main() -> None:
    try:
        from whichmodel.portkey.preflight import check_portkey_env

        check_portkey_env()
        app(standalone_mode=False)
    except WhichmodelError as exc:
        if os.environ.get("WHICHMODEL_DEBUG"):
            raise
        err_console.print(f"[red]Error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt:
        err_console.print(
            "Interrupted: everything finished so far is stored. "
            "Finish it with: whichmodel eval --resume"
        )
        sys.exit(130)
    except Exception as exc:  # usage errors: one line, not a traceback
        show = getattr(exc, "show", None)
        if callable(show) and hasattr(exc, "exit_code"):
            show()
            sys.exit(exc.exit_code)
        if type(exc).__name__ == "Abort":
            sys.exit(1)
        raise


if __name__ == "__main__":
    main()
