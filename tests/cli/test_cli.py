import json

import pytest
from typer.testing import CliRunner

from whichmodel.cli import app
from whichmodel.errors import ConfigError, ImportFileError, NoDataError

runner = CliRunner()


def test_help_lists_commands():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for cmd in ("import", "eval", "report"):
        assert cmd in result.output


def test_import_then_reimport(tmp_path):
    f = tmp_path / "h.jsonl"
    f.write_text("\n".join(json.dumps({"prompt": f"q{i}"}) for i in range(3)) + "\n")
    db = tmp_path / "w.db"
    first = runner.invoke(app, ["import", str(f), "--db", str(db)])
    assert first.exit_code == 0, first.output
    assert "Imported 3 new" in first.output
    again = runner.invoke(app, ["import", str(f), "--db", str(db)])
    assert "Imported 0 new" in again.output and "3 already stored" in again.output


def test_import_bad_line(tmp_path):
    f = tmp_path / "h.jsonl"
    f.write_text('{"prompt": "ok"}\n{"prompt": \n')
    result = runner.invoke(app, ["import", str(f), "--db", str(tmp_path / "w.db")])
    assert isinstance(result.exception, ImportFileError)
    assert "h.jsonl:2" in str(result.exception)


def test_eval_rejects_malformed_model_before_touching_the_db(tmp_path):
    db = tmp_path / "w.db"
    result = runner.invoke(
        app,
        [
            "eval",
            "--baseline",
            "gpt-4o-mini",
            "--candidate",
            "portkey/openai/gpt-4o",
            "--judge",
            "portkey/openai/gpt-4o",
            "--db",
            str(db),
        ],
    )
    assert isinstance(result.exception, ConfigError)
    assert not db.exists()


def test_report_without_database(tmp_path):
    result = runner.invoke(app, ["report", "--db", str(tmp_path / "none.db")])
    assert isinstance(result.exception, NoDataError)
    assert "whichmodel eval" in str(result.exception)


@pytest.mark.parametrize("argv", [["report", "--db", "{db}"], ["import", "{db}.missing"]])
def test_errors_are_one_line_in_the_real_command(tmp_path, argv):
    import subprocess
    import sys

    argv = [a.replace("{db}", str(tmp_path / "w.db")) for a in argv]
    out = subprocess.run(
        [sys.executable, "-m", "whichmodel.cli", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,  # `import` without --db opens ./whichmodel.db
    )
    assert out.returncode == 1
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), out.stderr


def test_resume_with_nothing_to_resume(tmp_path):
    db = tmp_path / "w.db"
    result = runner.invoke(app, ["eval", "--resume", "--db", str(db)])
    assert isinstance(result.exception, NoDataError)
    assert "No interrupted run to resume" in str(result.exception)
    result = runner.invoke(app, ["eval", "abc123", "--db", str(db)])
    assert "did you mean --resume abc123?" in str(result.exception)


def test_report_shows_intervals_verdict_and_categories(tmp_path):
    from tests.fakes import make_results_db

    make_results_db(tmp_path / "r.db")
    result = runner.invoke(
        app, ["report", "--db", str(tmp_path / "r.db"), "--by-category"], terminal_width=120
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "gemini-2.0-flash-lite vs gpt-4o-mini (40 prompts, 95% intervals)" in out
    assert "cost      -60.0% [-60.0%, -60.0%]" in out
    assert "quality   -2.5% [" in out and "verdict   qualifies" in out
    assert "By category" in out and "math" in out and "writing" in out
    # the per-category routing policy and what it would have changed, from the same rows
    assert "Routing by category: writing -> gemini-2.0-flash-lite; anything else" in out
    assert (
        "Mixed policy vs gpt-4o-mini alone, on the run's 40 prompts (20 routed): -30.0% cost" in out
    )
    assert "Verdict: Switch from gpt-4o-mini to gemini-2.0-flash-lite" in out
