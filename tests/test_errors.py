"""Errors meant for the person running whichmodel: each is a ``WhichmodelError``, and
the CLI prints its message as one line (no traceback) and exits with 1."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import whichmodel
import whichmodel.cli
from whichmodel.errors import (
    BudgetError,
    ConfigError,
    GatewayError,
    ImportFileError,
    NoDataError,
    StoreError,
    WhichmodelError,
)


def every_error() -> list[type[WhichmodelError]]:
    """Every subclass of WhichmodelError in the package (each module imported once)."""
    for module in pkgutil.walk_packages(whichmodel.__path__, "whichmodel."):
        if not module.name.endswith("__main__"):  # that one runs the CLI
            importlib.import_module(module.name)
    found: list[type[WhichmodelError]] = []
    todo = [WhichmodelError]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.append(sub)
            todo.append(sub)
    return found


ERRORS = every_error()
LONG = "the spending limit of $2.00 was reached [/b] " + "after many calls, " * 20 + "see runs."


def test_the_errors_of_each_room_are_found() -> None:
    names = {error.__name__ for error in ERRORS}
    for error in (ConfigError, ImportFileError, StoreError, GatewayError, BudgetError):
        assert error.__name__ in names
    assert {NoDataError.__name__, "UsageError", "RefusalCheckError"} <= names


@pytest.mark.parametrize("error", ERRORS, ids=lambda error: error.__name__)
def test_the_cli_prints_each_error_as_one_line(error, monkeypatch, capsys) -> None:
    """Whatever a command raises reaches ``main``: a long message with brackets is
    printed on one line, as it is, after "Error:"."""

    def command(**_: object) -> None:
        raise error(LONG)

    monkeypatch.delenv("WHICHMODEL_DEBUG", raising=False)
    monkeypatch.delenv("PORTKEY_CUSTOM_HEADERS", raising=False)
    monkeypatch.setattr(whichmodel.cli, "app", command)
    with pytest.raises(SystemExit) as exit_:
        whichmodel.cli.main()
    assert exit_.value.code == 1
    out = capsys.readouterr()
    assert out.err == f"Error: {LONG}\n"
    assert out.out == ""


def test_a_real_error_before_any_command_is_one_line_too(monkeypatch, capsys) -> None:
    """Langroid would fail with a traceback on this variable while being imported."""
    monkeypatch.delenv("WHICHMODEL_DEBUG", raising=False)
    monkeypatch.setenv("PORTKEY_CUSTOM_HEADERS", "{not json")
    with pytest.raises(SystemExit) as exit_:
        whichmodel.cli.main()
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: PORTKEY_CUSTOM_HEADERS is not a JSON object: set it like ")
    assert err.count("\n") == 1 and "Traceback" not in err


def test_with_debug_on_the_error_is_raised_with_its_traceback(monkeypatch) -> None:
    def command(**_: object) -> None:
        raise NoDataError("nothing yet")

    monkeypatch.setenv("WHICHMODEL_DEBUG", "1")
    monkeypatch.delenv("PORTKEY_CUSTOM_HEADERS", raising=False)
    monkeypatch.setattr(whichmodel.cli, "app", command)
    with pytest.raises(NoDataError, match="nothing yet"):
        whichmodel.cli.main()
