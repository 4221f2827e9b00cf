"""The command as a careless user meets it: Ctrl-C, exit codes, markup in data, help,
listing runs, deciding again at another tolerance, a quiet terminal."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from tests.fakes import make_results_db, varied_judge, wire_env
from whichmodel.cli import app
from whichmodel.store import Store

CLI = [sys.executable, "-m", "whichmodel.cli"]
runner = CliRunner()


def _interruptible() -> None:
    # a shell that started the tests in the background ignores SIGINT, and its children
    # inherit that: give the command the Ctrl-C a user's terminal would send it
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(args, env=None, cwd=None):
    return subprocess.Popen(
        [*CLI, *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_interruptible,
    )


def test_ctrl_c_during_an_import_exits_130_and_stores_nothing(tmp_path):
    history = tmp_path / "h.jsonl"
    with history.open("w") as fh:
        for i in range(300_000):
            fh.write(json.dumps({"prompt": f"question {i} about something ordinary"}) + "\n")
    db = tmp_path / "w.db"
    proc = start(["import", str(history), "--db", str(db)])
    deadline = time.monotonic() + 60  # the database exists once the import has begun
    while not db.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    time.sleep(0.5)
    assert proc.poll() is None, "the import ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert f"nothing from {history} was stored" in err
    assert Store(db).prompt_count() == 0


def test_ctrl_c_during_eval_exits_130_with_the_resume_hint(gateway, fake_provider, tmp_path):
    fake_provider.set("judge", responder=varied_judge)
    history = tmp_path / "h.jsonl"
    history.write_text("".join(json.dumps({"prompt": f"q{i}"}) + "\n" for i in range(40)))
    db = tmp_path / "w.db"
    proc = start(
        ["eval", "--prompts", str(history), "--baseline", "portkey/openai/fake-slow-300"]
        + ["--candidate", "portkey/openai/fake-slow-301", "--judge", "portkey/openai/judge"],
        env=wire_env(gateway, fake_provider, str(db)),
        cwd=tmp_path,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.2)
        try:
            with sqlite3.connect(db) as conn:
                if conn.execute("select count(*) from responses").fetchone()[0] >= 2:
                    break
        except sqlite3.OperationalError:
            pass
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err
    run = Store(db).runs()[0]
    assert run.status == "interrupted"
    assert f"whichmodel eval --resume {run.id}" in err


def test_exit_codes_of_typer_exits(tmp_path):
    env = {**os.environ, "WHICHMODEL_HOME": str(tmp_path)}
    out = subprocess.run([*CLI, "gateway", "status"], env=env, capture_output=True, text=True)
    assert out.returncode == 1 and "No whichmodel gateway is running" in out.stdout
    out = subprocess.run([*CLI, "eval", "--no-such-flag"], capture_output=True, text=True)
    assert out.returncode == 2 and "No such option" in out.stderr


MARKUP = "[/b]x[red]"
FOLDER = "[red]x[bold]"  # a path cannot hold a slash


def test_markup_in_names_categories_paths_and_errors_is_printed_as_it_is(
    gateway, fake_provider, tmp_path
):
    fake_provider.set("judge", responder=varied_judge)
    folder = tmp_path / FOLDER
    folder.mkdir()
    history = folder / f"{FOLDER}.jsonl"
    history.write_text(
        "".join(json.dumps({"prompt": f"q{i}", "category": MARKUP}) + "\n" for i in range(3))
    )
    env = wire_env(gateway, fake_provider, str(folder / "w.db"))
    candidate = f"portkey/openai/fake-{MARKUP}"
    out = subprocess.run(
        [*CLI, "eval", "--prompts", str(history), "--baseline", "portkey/openai/fake-base"]
        + [
            "--candidate",
            candidate,
            "--judge",
            "portkey/openai/judge",
            "-o",
            str(folder / "r.json"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode in (0, 3), out.stderr
    assert f"fake-{MARKUP} vs fake-base" in out.stdout
    assert json.loads((folder / "r.json").read_text())["comparisons"][0]["model"] == candidate
    for args in (["report"], ["report", "--by-category"], ["runs"]):
        out = subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
        assert MARKUP in out.stdout
    # an error message carrying a path with markup, and a hint with brackets
    out = subprocess.run(
        [*CLI, "import", str(folder / "missing[/].jsonl")], env=env, capture_output=True, text=True
    )
    assert out.returncode == 1 and "missing[/].jsonl" in out.stderr
    out = subprocess.run(
        [*CLI, "eval", "--baseline", "portkey/nosuchprovider/m", "--candidate"]
        + ["portkey/openai/a", "--judge", "portkey/openai/b"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 1
    assert "add [providers.nosuchprovider] to whichmodel.toml" in out.stderr


@pytest.mark.parametrize("command", ["eval", "report", "import", "demo", "runs", "chat"])
def test_help_shows_flags_without_types(command):
    result = runner.invoke(app, [command, "--help"], terminal_width=100)
    assert result.exit_code == 0
    assert "<bool>" not in result.output and "<list" not in result.output
    if command == "eval":
        assert "portkey/<provider>/<model>" in result.output
        assert "--candidate MODEL" in result.output and "repeat" in result.output
        assert "--local-gguf FILE" in result.output
    if command == "demo":
        assert "--local-gguf FILE" in result.output and "--gguf " not in result.output


def test_runs_lists_and_report_decides_again_without_calls(tmp_path):
    db = tmp_path / "w.db"
    make_results_db(db)
    listed = runner.invoke(app, ["runs", "--db", str(db)], terminal_width=200)
    assert listed.exit_code == 0
    assert "run0001" in listed.output and "switch to gemini-2.0-flash-lite" in listed.output
    as_json = json.loads(runner.invoke(app, ["runs", "--json", "--db", str(db)]).output)
    assert as_json[0]["id"] == "run0001" and as_json[0]["decision"] == "switch"
    strict = runner.invoke(app, ["report", "--json", "--tolerance", "0", "--db", str(db)])
    rec = json.loads(strict.output)
    assert rec["tolerance"] == 0 and rec["decision"] == "keep"
    loose = json.loads(runner.invoke(app, ["report", "--json", "--db", str(db)]).output)
    assert loose["decision"] == "switch"  # the stored verdict is unchanged
    bad = runner.invoke(app, ["report", "--tolerance", "5", "--db", str(db)])
    assert "between 0 and 1" in str(bad.exception)


def test_langroid_model_warnings_only_with_debug(gateway, fake_provider, tmp_path):
    fake_provider.set("judge", responder=varied_judge)
    history = tmp_path / "h.jsonl"
    history.write_text(json.dumps({"prompt": "hi"}) + "\n")
    args = ["eval", "--prompts", str(history), "--baseline", "portkey/openai/made-up-a"]
    args += ["--candidate", "portkey/openai/made-up-b", "--judge", "portkey/openai/judge"]
    env = wire_env(gateway, fake_provider, str(tmp_path / "w.db"))
    quiet = subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=120)
    assert "Unknown model info" not in quiet.stderr + quiet.stdout
    env["WHICHMODEL_DEBUG"] = "1"
    loud = subprocess.run(
        [*CLI, *args, "--no-cache"], env=env, capture_output=True, text=True, timeout=120
    )
    assert "Unknown model info" in loud.stderr + loud.stdout
