"""Scale of batch mode: import N logged requests and evaluate them x 3 models with
`eval --batch` against the fake provider (instant batches) behind the real local gateway.

Run with: .venv/bin/python bench/batch_scale.py [--prompts 5000 50000]

Each size runs in its own process and prints the import's and the evaluation's wall
time, the process's peak RSS, the database's size, the batches sent and the calls made
online (the judge's controls). Memory that does not grow with the prompt count shows as
similar peak RSS for every size. A gateway already running is reused.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import fake_provider, through_gateway  # noqa: E402

MODELS = ["portkey/openai/model-a", "portkey/openai/model-b", "portkey/openai/model-c"]
JUDGE = "portkey/openai/judge"
PRICE = {"input_mtok": 0.15, "output_mtok": 0.60, "note": "bench"}


def _judge(body: dict, path: str, headers: object) -> str:
    # scores that tell answers apart (a judge giving one score to all decides nothing)
    from tests.fakes import score_json

    q = 0.6 + (len(str(body["messages"][-1]["content"])) % 7) / 20
    return score_json(q, q, q, rationale="bench")


def rss_mib() -> float:
    """The process's resident memory now (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class StagePeaks:
    """The highest resident memory seen in each stage of the run, sampled 10 times a
    second; a stage is the last one progress named (after the last: the judge's
    controls and the verdict)."""

    def __init__(self) -> None:
        self.stage = "start"
        self.peaks: dict[str, float] = {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def progress(self, stage: str, done: int, total: int) -> None:
        if done >= total and stage in ("answers", "judgments"):
            self.stage = f"after {stage}"
        elif stage != self.stage:
            self.stage = stage

    def _sample(self) -> None:
        while not self._done.wait(0.1):
            self.peaks[self.stage] = max(self.peaks.get(self.stage, 0.0), rss_mib())

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def text(self) -> str:
        return "; ".join(f"{k} {v:.0f} MiB" for k, v in self.peaks.items())


def _configure(fake: Any) -> None:
    fake.set("judge", responder=_judge)


def write_log(path: Path, prompts: int) -> None:
    with path.open("w") as fh:
        for i in range(prompts):
            request = {
                "model": "gpt-4o-mini",
                "messages": [{"role": "user", "content": f"bench question {i}: explain item {i}"}],
            }
            response = {
                "choices": [{"message": {"role": "assistant", "content": f"answer {i}"}}],
                "usage": {"prompt_tokens": 12, "completion_tokens": 3},
            }
            fh.write(json.dumps({"request": request, "response": response}) + "\n")


def one(prompts: int) -> None:
    from whichmodel.config import load_settings
    from whichmodel.history.importer import import_history
    from whichmodel.local.gateway import running_gateway
    from whichmodel.run_sync import run
    from whichmodel.store import Store
    from whichmodel.tasks.evaluation import run_evaluation

    with (
        fake_provider(_configure) as (_, fake_url),
        running_gateway() as gateway,
        tempfile.TemporaryDirectory() as tmp,
    ):
        log = Path(tmp) / "log.jsonl"
        write_log(log, prompts)
        settings = load_settings(
            baseline=MODELS[0],
            candidates=MODELS[1:],
            judge=JUDGE,
            batch=True,
            batch_poll_seconds=0.5,
            cache=False,
            db=Path(tmp) / "bench.db",
            providers=through_gateway(gateway.url, fake_url),
            prices={m: PRICE for m in [*MODELS, JUDGE]},
        )
        store = Store(settings.db)
        peaks = StagePeaks()
        start = time.perf_counter()
        peaks.stage = "import"
        import_history(store, log)
        imported = time.perf_counter() - start
        start = time.perf_counter()
        peaks.stage = "start"
        rec = run(run_evaluation(store, settings, progress=peaks.progress))
        wall = time.perf_counter() - start
        peaks.stop()
        answers = store.db["responses"].count
        scores = store.db["scores"].count
        batches = store.db["batches"].count
        batched = store.db.execute(
            "select count(*) from responses where origin = 'batch'"
        ).fetchone()[0]
        size = sum(p.stat().st_size for p in Path(tmp).glob("bench.db*")) / 2**20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"N={prompts} x {len(MODELS)} models: import {imported:.1f} s; eval --batch "
        f"{wall:.1f} s ({answers} answers, {batched} from batches; {scores} scores; "
        f"{batches} batches; verdict {rec.decision}); peak RSS {peak:.0f} MiB; "
        f"database {size:.1f} MiB",
        flush=True,
    )
    print("  peak RSS by stage: " + peaks.text(), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, nargs="+", default=[5000, 50000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args.one)
        return
    for n in args.prompts:
        subprocess.run([sys.executable, __file__, "--one", str(n)], check=True)


if __name__ == "__main__":
    main()
