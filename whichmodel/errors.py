"""Errors meant for the person running whichmodel.

Each message is one line that says what went wrong and what to do about it.
Failures of single provider calls are not errors of this kind: they become rows
with ``status="error"`` and the run goes on.
"""

from __future__ import annotations


class WhichmodelError(Exception):
    """Base class: a problem the user can fix; the CLI prints it as one line."""


class ConfigError(WhichmodelError):
    """A setting, a model string or a config file is wrong."""


class ImportFileError(WhichmodelError):
    """A prompt history file cannot be imported (nothing from it was stored)."""


class StoreError(WhichmodelError):
    """The database cannot be used (locked, or not a whichmodel database)."""


class GatewayError(WhichmodelError):
    """The Portkey gateway cannot be reached, installed or started."""


class BudgetError(WhichmodelError):
    """A spending limit stopped (or would stop) the run; what is stored is kept."""


class NoDataError(WhichmodelError):
    """There is nothing to evaluate or report yet."""
