"""The repository holds only what its authors wrote: no committed file (source, docs,
fixtures, SQLite fixtures included) carries a prompt or reference answer of MT-Bench or
XSTest. Those data sets are read from outside the repository (tests/datasets.py)."""

from __future__ import annotations

import csv
import gzip
import json
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.datasets import ROOT, dataset

SHORTEST = 25
"""Dataset texts shorter than this (after collapsing whitespace) are common phrases, not
evidence of a copy, and are not looked for."""

_ESCAPES = re.compile(r"\\(?:u[0-9a-fA-F]{4}|[nrt])")
_NOT_WORD = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    """Lower case letters and digits only: the same words match whatever the spacing, the
    punctuation, the quoting or the escaping (JSON, Python literals split over lines)."""
    return _NOT_WORD.sub("", _ESCAPES.sub(" ", text).lower())


def dataset_texts() -> dict[str, str]:
    """Every XSTest prompt and MT-Bench turn and reference answer: normalised -> source."""
    xstest = dataset("xstest", "xstest_prompts.csv")
    mt_bench = dataset("mt_bench", "question.jsonl")
    texts: list[tuple[str, str]] = []
    with (xstest / "xstest_prompts.csv").open(newline="", encoding="utf-8") as fh:
        texts += [(row["prompt"], f"XSTest prompt {row['id']}") for row in csv.DictReader(fh)]
    for path in sorted(xstest.glob("completions_*.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            rows = csv.DictReader(fh)
            texts += [(row["prompt"], f"{path.name} prompt {row['id']}") for row in rows]
    for line in (mt_bench / "question.jsonl").read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        where = f"MT-Bench question {q['question_id']}"
        texts += [(t, f"{where} turn {i}") for i, t in enumerate(q["turns"], 1)]
        texts += [(t, f"{where} reference {i}") for i, t in enumerate(q.get("reference", []), 1)]
    answers = mt_bench / "reference_answer_gpt-4.jsonl"
    if answers.is_file():
        for line in answers.read_text(encoding="utf-8").splitlines():
            a = json.loads(line)
            for choice in a["choices"]:
                where = f"MT-Bench GPT-4 reference answer {a['question_id']}"
                texts += [(t, f"{where} turn {i}") for i, t in enumerate(choice["turns"], 1)]
    found: dict[str, str] = {}
    for text, source in texts:
        if len(" ".join(text.split())) >= SHORTEST:
            found.setdefault(normalise(text), f"{source}: {' '.join(text.split())[:80]!r}")
    return found


def committed_text(path: Path) -> str:
    """A committed file's text; a SQLite file's every text value, a gzip file unpacked."""
    data = path.read_bytes()
    if data.startswith(b"SQLite format 3\x00"):
        con = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        try:
            parts = []
            tables = con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            for (table,) in tables.fetchall():
                for row in con.execute(f'SELECT * FROM "{table}"'):
                    parts += [
                        v.decode("utf-8", "ignore") if isinstance(v, bytes) else str(v)
                        for v in row
                        if v is not None
                    ]
            return "\n".join(parts)
        finally:
            con.close()
    if data.startswith(b"\x1f\x8b"):
        data = gzip.decompress(data)
    return data.decode("utf-8", "ignore")


def committed_files() -> list[Path]:
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"needs a git checkout to list the committed files: {exc}")
    return [ROOT / name for name in out.decode().split("\0") if name and (ROOT / name).is_file()]


def test_no_committed_file_holds_a_third_party_prompt():
    texts = dataset_texts()
    width = min(len(t) for t in texts)
    by_start: dict[str, list[str]] = {}
    for text in texts:
        by_start.setdefault(text[:width], []).append(text)
    copies = []
    for path in committed_files():
        body = normalise(committed_text(path))
        seen = set()
        for i in range(len(body) - width + 1):
            for text in by_start.get(body[i : i + width], ()):
                if text not in seen and body.startswith(text, i):
                    seen.add(text)
                    copies.append(f"{path.relative_to(ROOT)}: {texts[text]}")
    assert not copies, f"{len(copies)} third-party texts in committed files:\n" + "\n".join(copies)
