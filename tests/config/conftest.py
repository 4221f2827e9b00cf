"""Settings read from a clean slate: no WHICHMODEL_* variable and no whichmodel.toml."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def no_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Run in an empty folder (no ./whichmodel.toml) with every WHICHMODEL_* variable
    unset; returns the folder."""
    for name in list(os.environ):
        if name.startswith("WHICHMODEL_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path
