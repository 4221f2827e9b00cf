"""Rebuild tests/history/fixtures/llm-0.31.1.db: a logs.db written by llm 0.31.1 (the last
release with the legacy responses/conversations tables) and its echo model, by running
tests/history/llm_fixture.py in a throwaway virtual environment.

Run with: python scripts/make_llm_legacy_fixture.py   (needs the PyPI registry once)
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "history" / "fixtures" / "llm-0.31.1.db"
# llm 0.31.1 imports httpx without declaring it, and breaks with openai 3
PINS = ["llm==0.31.1", "llm-echo==0.4", "openai<3", "httpx"]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        python = venv / "bin" / "python"
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PINS], check=True)
        OUT.unlink(missing_ok=True)
        env = {**os.environ, "LLM_USER_PATH": tmp, "LLM_LOAD_PLUGINS": "llm-echo"}
        subprocess.run(
            [str(python), str(ROOT / "tests" / "history" / "llm_fixture.py"), str(OUT)],
            check=True,
            env=env,
        )
        subprocess.run(
            [str(python), "-c", f"import sqlite3; sqlite3.connect({str(OUT)!r}).execute('vacuum')"],
            check=True,
        )
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
