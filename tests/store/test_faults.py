"""A database that cannot be used is one line that says why; nothing half-written."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
from contextlib import contextmanager

import pytest

from tests.fakes import make_results_db
from whichmodel.errors import StoreError
from whichmodel.store import Store


def run_cli(*args, cwd=None, env=None):
    return subprocess.run(
        [sys.executable, "-m", "whichmodel.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env=env,
    )


def one_line_error(out) -> str:
    assert out.returncode == 1, out.stdout + out.stderr
    assert "Traceback" not in out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), out.stderr
    return lines[0]


def history(tmp_path, n=3):
    path = tmp_path / "h.jsonl"
    path.write_text("".join(json.dumps({"prompt": f"q{i}"}) + "\n" for i in range(n)))
    return path


def test_a_missing_folder_is_named(tmp_path):
    missing = tmp_path / "no" / "such" / "w.db"
    line = one_line_error(run_cli("import", str(history(tmp_path)), "--db", str(missing)))
    assert "does not exist" in line and "not a whichmodel database" not in line


@contextmanager
def read_only(path):
    """Read-only as a user meets it: chmod, or for root (whom permissions do not stop)
    the immutable attribute."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        os.chmod(path, 0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            os.chmod(path, mode)
        return
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)]).returncode:
        pytest.skip("cannot make a file read-only for root here (no chattr)")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)])


def test_a_read_only_file_and_folder(tmp_path):
    db = tmp_path / "w.db"
    make_results_db(db)[0].close()
    with read_only(db):
        line = one_line_error(run_cli("import", str(history(tmp_path)), "--db", str(db)))
        assert "read-only" in line or "cannot be written" in line
        line = one_line_error(run_cli("eval", "--resume", "--db", str(db)))
        assert "read-only" in line or "cannot be written" in line
    folder = tmp_path / "locked"
    folder.mkdir()
    with read_only(folder):
        line = one_line_error(
            run_cli("import", str(history(tmp_path)), "--db", str(folder / "w.db"))
        )
        assert "not writable" in line or "cannot be written" in line


def test_a_read_only_database_as_sqlite_reports_it(tmp_path):
    """Whoever runs the tests (root included): SQLite's own readonly error."""
    store = Store(tmp_path / "w.db")
    store.db.conn.execute("PRAGMA query_only = ON")
    with pytest.raises(StoreError, match="cannot be written") as err:
        store.add_prompts([{"messages": [{"role": "user", "content": "hi"}]}])
    assert "\n" not in str(err.value)


def test_a_database_from_a_newer_whichmodel_is_refused(tmp_path):
    db = tmp_path / "w.db"
    Store(db).close()
    with sqlite3.connect(db) as conn:
        conn.execute("insert into _whichmodel_migrations values ('m999_from_the_future', 'x')")
    with pytest.raises(StoreError, match="newer whichmodel .*m999_from_the_future"):
        Store(db)
    line = one_line_error(run_cli("import", str(history(tmp_path)), "--db", str(db)))
    assert "upgrade whichmodel" in line


def test_a_damaged_file_is_refused_by_import_and_eval(tmp_path):
    db = tmp_path / "w.db"
    store, _ = make_results_db(db)
    store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    data = bytearray(db.read_bytes())
    page = 4096
    for i in range(2 * page, min(len(data), 6 * page), 7):  # garble pages 3-6
        data[i] ^= 0x5A
    db.write_bytes(bytes(data))
    line = one_line_error(run_cli("import", str(history(tmp_path)), "--db", str(db)))
    assert "damaged" in line or "not a whichmodel database" in line
    models = ["--baseline", "portkey/openai/a", "--candidate", "portkey/openai/b"]
    line = one_line_error(run_cli("eval", *models, "--judge", "portkey/openai/c", "--db", str(db)))
    assert "damaged" in line or "not a whichmodel database" in line
    one_line_error(run_cli("report", "--db", str(db)))


KILL_MIDWAY = textwrap.dedent(
    """
    import os, signal, sys
    from whichmodel.store import Store

    store = Store(sys.argv[1])
    ticks = [0]

    def die_midway():
        # called by SQLite every 1,000 VM steps: well inside the inserts, die without a word
        ticks[0] += 1
        if ticks[0] == 1000:
            os.kill(os.getpid(), signal.SIGKILL)
        return 0

    store.db.conn.set_progress_handler(die_midway, 1000)
    store.add_prompts(
        {"messages": [{"role": "user", "content": f"prompt {i}"}]} for i in range(100_000)
    )
    print("finished before the kill")
    """
)


def test_an_import_killed_halfway_leaves_nothing(tmp_path):
    """kill -9 in the middle of a 100,000-row import: the file is stored whole or not at
    all (sqlite-utils' insert_all used to commit batch by batch)."""
    db = tmp_path / "w.db"
    out = subprocess.run(
        [sys.executable, "-c", KILL_MIDWAY, str(db)], timeout=120, capture_output=True, text=True
    )
    assert out.returncode == -signal.SIGKILL, out.stdout + out.stderr
    assert Store(db).prompt_count() == 0


def test_a_run_id_prefix_is_text_not_a_pattern(tmp_path):
    store, run_id = make_results_db(tmp_path / "w.db")
    assert store.find_run(run_id[:3]).id == run_id
    assert store.find_run("run_") is None  # "_" once matched any character
    assert store.find_run("%") is None
