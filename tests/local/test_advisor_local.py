"""The advisor end to end on the real local model through the real local gateway."""

import subprocess
import sys

import pytest

from tests.fakes import make_results_db

pytestmark = pytest.mark.local_model


def test_chat_answers_from_a_tool_and_names_the_run(tmp_path, gateway_install_dir):
    _, run_id = make_results_db(tmp_path / "results.db")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "whichmodel.cli",
            "chat",
            "--db",
            str(tmp_path / "results.db"),
            "--question",
            "Which model should I use?",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "(tools: " in out.stdout  # the constrained first reply is always a tool call
    assert run_id in out.stdout
    assert "Traceback" not in out.stderr
