"""Speed and memory of `whichmodel import` on large OpenAI-format request logs.

Run with: .venv/bin/python bench/import_history.py [--rows 10000 50000 100000] [--keep DIR]

Writes synthetic logs shaped like real traffic (a third with a tool and a tool call,
a third asking for JSON with a schema, a sixth a conversation replayed after a tool
result; every line with its response, usage, metadata and a timestamp; 2% failed
requests, 1% embeddings), then imports each file into a fresh database with the CLI in
its own process, and prints the wall time and the peak RSS of that process. The same
file imported twice adds nothing; the second time is printed too. Memory that does not
grow with the file shows as the same peak RSS for every size.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"enum": ["c", "f"]}},
            "required": ["city"],
        },
    },
}
TICKET = {
    "type": "json_schema",
    "json_schema": {
        "name": "ticket",
        "schema": {
            "type": "object",
            "properties": {"summary": {"type": "string"}, "priority": {"type": "integer"}},
            "required": ["summary", "priority"],
        },
    },
}
WORDS = "order account refund delivery weather city ticket late broken price plan".split()


def line(i: int, rng: random.Random) -> dict:
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 60))) + f" #{i}"
    kind = i % 6
    request: dict = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]}
    message: dict = {"role": "assistant", "content": "Here is what I found: " + text[:200]}
    finish = "stop"
    if kind in (0, 1):
        request["tools"] = [WEATHER]
        message = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": f"call_{i}",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": json.dumps({"city": "Oslo"})},
                }
            ],
        }
        finish = "tool_calls"
    elif kind in (2, 3):
        request["response_format"] = TICKET
        message["content"] = json.dumps({"summary": text[:80], "priority": i % 3})
    elif kind == 4:
        request["tools"] = [WEATHER]
        request["messages"] += [
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": f"call_{i}",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": f"call_{i}", "content": '{"temp": 3}'},
        ]
    response: dict = {
        "object": "chat.completion",
        "created": 1767225600 + i,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 20 + i % 50, "completion_tokens": 10 + i % 30},
    }
    if i % 50 == 7:
        response = {"error": {"message": "rate limited", "type": "rate_limit_error"}}
    if i % 100 == 9:
        request = {"model": "text-embedding-3-small", "input": text}
        response = {"object": "list", "data": [{"embedding": [0.1, 0.2]}]}
    return {
        "request": request,
        "response": response,
        "metadata": {"team": f"team-{i % 7}", "category": WORDS[i % len(WORDS)]},
        "latency_ms": 300 + i % 900,
    }


def write_log(path: Path, rows: int) -> None:
    rng = random.Random(rows)
    with path.open("w") as fh:
        for i in range(rows):
            fh.write(json.dumps(line(i, rng)) + "\n")


def timed_import(log: Path, db: Path) -> tuple[float, float, str]:
    """(seconds, peak RSS of the import process in MB, its last output line)."""
    env = {**os.environ, "WHICHMODEL_DB": str(db)}
    cmd = [sys.executable, "-m", "whichmodel.cli", "import", str(log)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    out = proc.stdout.read() if proc.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"import failed: {proc.stderr.read() if proc.stderr else ''}")
    return seconds, usage.ru_maxrss / 1024, " ".join(out.split())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 50_000, 100_000])
    parser.add_argument("--keep", type=Path, default=None, help="keep the files here")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="whichmodel-bench-import-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(
        f"{'rows':>8} {'file MB':>8} {'import s':>9} {'rows/s':>8} {'peak RSS MB':>12} "
        f"{'again s':>8}"
    )
    for rows in args.rows:
        log, db = folder / f"logs-{rows}.jsonl", folder / f"w-{rows}.db"
        db.unlink(missing_ok=True)
        write_log(log, rows)
        seconds, rss, said = timed_import(log, db)
        again, _, said_again = timed_import(log, db)
        print(
            f"{rows:>8,} {log.stat().st_size / 1e6:>8.1f} {seconds:>9.1f} "
            f"{rows / seconds:>8,.0f} {rss:>12.0f} {again:>8.1f}"
        )
        print(f"         first: {said}\n         again: {said_again}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(this process, writing the files: peak {peak:.0f} MB)")
    if args.keep is None:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
