"""Where tests find the third-party evaluation data sets, which this repository does not
hold: MT-Bench (``mt_bench/``, Apache 2.0) and XSTest (``xstest/``, CC BY 4.0).

They are read from ``../shared/datasets`` next to the repository root, or from the folder
named by ``$WHICHMODEL_DATASETS``. A test that needs a data set it cannot find skips and
says which folder it looked for."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATASETS_ENV = "WHICHMODEL_DATASETS"

XSTEST_MODELS = ("gpt4", "llama2new", "llama2orig", "mistralguard", "mistralinstruct")
"""The five models whose completions XSTest labelled (``completions_<model>.csv``)."""


def datasets_root() -> Path:
    """``$WHICHMODEL_DATASETS`` when set, else ``../shared/datasets`` from the repository."""
    override = os.environ.get(DATASETS_ENV)
    return Path(override).expanduser() if override else ROOT.parent / "shared" / "datasets"


def dataset(name: str, *needed: str) -> Path:
    """The folder of data set ``name`` holding every file in ``needed``; the calling test
    skips, naming the folder it looked for, when the folder or one of the files is missing."""
    folder = datasets_root() / name
    if not folder.is_dir():
        pytest.skip(
            f"needs the {name} data set: {folder} not found "
            f"(set {DATASETS_ENV} to the folder holding {name}/)"
        )
    missing = [f for f in needed if not (folder / f).is_file()]
    if missing:
        pytest.skip(f"needs the {name} data set: {', '.join(missing)} not in {folder}")
    return folder


def xstest_completions(*models: str) -> list[Path]:
    """XSTest's labelled completions of ``models`` (default: all five), in that order."""
    names = [f"completions_{m}.csv" for m in models or XSTEST_MODELS]
    folder = dataset("xstest", *names)
    return [folder / n for n in names]
