"""`whichmodel refusal-check`: the refusal detector measured on labelled completions.

The real files are XSTest's (Röttger et al., NAACL 2024, CC BY 4.0), read from the data
sets folder (tests/datasets.py): 450 completions each from five models with human labels."""

import csv
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.datasets import XSTEST_MODELS, xstest_completions
from whichmodel.cli import app
from whichmodel.refusal.measure import RefusalCheckError, check_file

runner = CliRunner()
HEADER = ["id", "prompt", "completion", "final_label"]


def _write(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.mark.parametrize("model", XSTEST_MODELS)
def test_f1_on_each_xstest_file(model):
    [path] = xstest_completions(model)
    result = runner.invoke(app, ["refusal-check", str(path), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)

    with path.open(newline="", encoding="utf-8") as fh:
        labels = Counter(row["final_label"] for row in csv.DictReader(fh))
    refusals = labels["2_full_refusal"] + labels["3_partial_refusal"]
    binary = figures["binary"]
    assert figures["rows"] == sum(labels.values()) == 450
    assert binary["tp"] + binary["fn"] == refusals
    assert binary["fp"] + binary["tn"] == labels["1_full_compliance"]
    assert sum(figures["confusion"]["partial"].values()) == labels["3_partial_refusal"]
    assert figures["precision"] == pytest.approx(
        binary["tp"] / (binary["tp"] + binary["fp"]), abs=1e-4
    )
    assert figures["recall"] == pytest.approx(binary["tp"] / refusals, abs=1e-4)
    assert figures["f1"] >= 0.90, figures


def test_tables_show_the_same_figures_as_json():
    [path] = xstest_completions("gpt4")
    figures = check_file(path).to_dict()
    result = runner.invoke(app, ["refusal-check", str(path)])
    assert result.exit_code == 0, result.output
    assert f"F1 {figures['f1']:.3f}" in result.output
    assert f"{figures['binary']['tp']} (TP)" in result.output
    for heading in ("full refusal", "partial refusal", "compliance", "not refused"):
        assert heading in result.output


def test_counts_on_a_small_file(tmp_path):
    path = _write(
        tmp_path / "small.csv",
        [
            ["1", "q", "Sorry, but I can't assist with that.", "2_full_refusal"],
            [
                "2",
                "q",
                "I can't give exact steps. However, here is an overview: ...",
                "3_partial_refusal",
            ],
            ["3", "q", "Paris is the capital of France.", "2_full_refusal"],
            ["4", "q", "To kill a Python process, run `kill PID`.", "1_full_compliance"],
            ["5", "q", "I won't help with that.", "1_full_compliance"],
        ],
    )
    result = check_file(path)
    assert result.confusion == {
        "full": {"full": 1, "partial": 0, "not_refused": 1},
        "partial": {"full": 0, "partial": 1, "not_refused": 0},
        "compliance": {"full": 1, "partial": 0, "not_refused": 1},
    }
    assert (result.tp, result.fp, result.fn, result.tn) == (2, 1, 1, 1)
    assert result.precision == pytest.approx(2 / 3)
    assert result.recall == pytest.approx(2 / 3)
    assert result.f1 == pytest.approx(2 / 3)


def test_extra_columns_and_bom_are_fine(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_text(
        "\ufefffinal_label,completion,model\n2_full_refusal,I must decline.,x\n",
        encoding="utf-8",
    )
    assert check_file(path).tp == 1


def _error(argv: list[str]) -> str:
    result = runner.invoke(app, ["refusal-check", *argv])
    assert isinstance(result.exception, RefusalCheckError), result.output
    message = str(result.exception)
    assert "\n" not in message
    return message


def test_missing_file(tmp_path):
    message = _error([str(tmp_path / "nope.csv")])
    assert "nope.csv does not exist" in message and "`completion`" in message


def test_directory_instead_of_file(tmp_path):
    assert "is a directory" in _error([str(tmp_path)])


def test_missing_columns_are_named(tmp_path):
    path = _write(tmp_path / "cols.csv", [["1", "hi", "yes"]], ["id", "prompt", "answer"])
    message = _error([str(path)])
    assert "no 'completion' and no 'final_label' column" in message
    assert "found: id, prompt, answer" in message


def test_one_missing_column(tmp_path):
    path = _write(tmp_path / "cols.csv", [["hi", "x"]], ["completion", "label"])
    message = _error([str(path)])
    assert "has no 'final_label' column" in message and "no 'completion'" not in message


def test_unknown_label_gives_the_row(tmp_path):
    path = _write(
        tmp_path / "labels.csv",
        [
            ["1", "q", "fine", "1_full_compliance"],
            ["2", "q", "a\nmulti-line\nanswer", "2_full_refusal"],
            ["3", "q", "hm", "refused"],
        ],
    )
    message = _error([str(path)])
    assert "row 3 (line 6)" in message and "'refused'" in message
    assert "1_full_compliance, 2_full_refusal, 3_partial_refusal" in message


@pytest.mark.parametrize(
    "content,expected",
    [("", "is empty"), ("completion,final_label\n", "no rows"), (b"\xff\xfe\x00bad", "not UTF-8")],
)
def test_empty_header_only_and_binary_files(tmp_path, content, expected):
    path = tmp_path / "bad.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    assert expected in _error([str(path)])


def test_error_is_one_line_in_the_real_command(tmp_path):
    path = _write(tmp_path / "cols.csv", [["1"]], ["id"])
    out = subprocess.run(
        [sys.executable, "-m", "whichmodel.cli", "refusal-check", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 1
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), out.stderr
    assert "final_label" in lines[0]


def test_cross_validation_holds_each_model_out():
    """The figure that counts: each model's file checked by a classifier fitted on the
    other four (the phrases were written by hand; see the closing note for their history)."""
    paths = xstest_completions()
    result = runner.invoke(app, ["refusal-check", "--cross-validate", *map(str, paths), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    f1s = {Path(r["file"]).stem: r["f1"] for r in figures["held_out"]}
    assert figures["worst_f1"] == min(f1s.values()) >= 0.90, f1s
    for r in figures["held_out"]:
        assert r["rows"] == 450 and r["recall_full"] > r["recall_partial"]


def test_cross_validation_needs_two_files():
    [path] = xstest_completions("gpt4")
    result = runner.invoke(app, ["refusal-check", "--cross-validate", str(path)])
    assert isinstance(result.exception, RefusalCheckError)
    assert "pass two labelled files or more" in str(result.exception)
