"""Throughput and memory of an evaluation against the fake provider behind the real
local Portkey gateway, every call taking a fixed latency L.

Run with: .venv/bin/python bench/throughput.py [--prompts 500] [--models 4]
          [--latency-ms 300] [--concurrency 32]

The physical limit is (P x M answers + P x M judgments) x L / C: no scheduler can do
better with C calls in flight. Prints achieved / limit (1.0 = perfect), the evaluator's
peak RSS, the objects left in Langroid's registry, and the CPU seconds of the evaluator,
the gateway and the fake provider during the run. A gateway already running is reused:
stop it first (`whichmodel gateway stop`) for a clean measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import fake_provider, through_gateway  # noqa: E402
from whichmodel.config import load_settings  # noqa: E402
from whichmodel.local.gateway import running_gateway  # noqa: E402
from whichmodel.run_sync import run  # noqa: E402
from whichmodel.store import Store  # noqa: E402
from whichmodel.tasks.evaluation import run_evaluation  # noqa: E402

SCORE = json.dumps(
    {
        "request": "score",
        "accuracy": 0.8,
        "relevance": 0.8,
        "clarity": 0.8,
        "refused": False,
        "rationale": "bench",
    }
)


def _judge(body: object, path: str, headers: object) -> str:
    return SCORE


def _configure(fake: Any, latency_ms: int) -> None:
    fake.set(None, delay_ms=latency_ms)
    fake.set("judge", delay_ms=latency_ms, responder=_judge)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=500)
    parser.add_argument("--models", type=int, default=4)
    parser.add_argument("--latency-ms", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    with (
        fake_provider(_configure, args.latency_ms) as (provider_pid, fake_url),
        running_gateway() as gateway,
        tempfile.TemporaryDirectory() as tmp,
    ):
        models = [f"portkey/openai/model-{i}" for i in range(args.models)]
        settings = load_settings(
            baseline=models[0],
            candidates=models[1:],
            judge="portkey/openai/judge",
            concurrency=args.concurrency,
            cache=False,
            db=Path(tmp) / "bench.db",
            providers=through_gateway(gateway.url, fake_url),
        )
        store = Store(settings.db)
        store.add_prompts(
            {"messages": [{"role": "user", "content": f"bench question {i}"}]}
            for i in range(args.prompts)
        )
        pids = {"evaluator": os.getpid(), "gateway": gateway.pid, "provider": provider_pid}
        cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        start = time.perf_counter()
        rec = run(run_evaluation(store, settings))
        wall = time.perf_counter() - start
        cpu = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}
        calls = store.db["responses"].count + store.db["scores"].count
    limit = 2 * args.prompts * args.models * args.latency_ms / 1000 / args.concurrency
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"P={args.prompts} M={args.models} L={args.latency_ms} ms C={args.concurrency}: "
        f"{calls} answers + judgments stored, run {rec.run_id}"
    )
    print(f"wall {wall:.1f} s, limit {limit:.1f} s, achieved/limit {limit / wall:.2f}")
    print(f"peak RSS of the evaluator {peak:.0f} MiB")
    from langroid.utils.object_registry import ObjectRegistry

    print(f"objects left in Langroid's registry: {len(ObjectRegistry.registry)}")
    print(
        f"CPU seconds during the run ({os.cpu_count()} cores): "
        + ", ".join(f"{name} {sec:.1f}" for name, sec in cpu.items())
        + f"; evaluator {cpu['evaluator'] * 1000 / calls:.1f} ms per call"
    )


if __name__ == "__main__":
    main()
