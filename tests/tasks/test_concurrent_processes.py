"""Two `whichmodel eval` processes writing the same SQLite file at once (WAL)."""

import json
import sqlite3
import subprocess
import sys

from tests.fakes import varied_judge, wire_env


def test_two_processes_on_one_database(gateway, fake_provider, tmp_path):
    fake_provider.set("judge", responder=varied_judge)
    history = tmp_path / "history.jsonl"
    history.write_text("".join(json.dumps({"prompt": f"q {i}"}) + "\n" for i in range(6)))
    db = tmp_path / "shared.db"
    env = wire_env(gateway, fake_provider, str(db))
    cmd = [
        sys.executable,
        "-m",
        "whichmodel.cli",
        "eval",
        "--prompts",
        str(history),
        "--baseline",
        "portkey/openai/fake-slow-50",
        "--judge",
        "portkey/openai/judge",
    ]
    procs = [
        subprocess.Popen(
            [*cmd, "--candidate", f"portkey/openai/fake-slow-{ms}"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for ms in (60, 70)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=180)
        assert proc.returncode in (0, 3), err[-2000:]  # a decision or undecided, no error
    with sqlite3.connect(db) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"
        runs = conn.execute("select id, status from runs").fetchall()
        assert len(runs) == 2 and {s for _, s in runs} == {"completed"}
        assert conn.execute("select count(*) from prompts").fetchone()[0] == 6
        for run_id, _ in runs:
            n = conn.execute("select count(*) from responses where run_id = ?", [run_id]).fetchone()
            assert n[0] == 12
            r = conn.execute("select count(*) from recommendations where run_id = ?", [run_id])
            assert r.fetchone()[0] == 1
