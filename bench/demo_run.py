"""Time the demo and measure the peak memory of everything it runs (the evaluator,
the llama.cpp server and the Portkey gateway together).

Run with: .venv/bin/python bench/demo_run.py [-- extra `whichmodel demo` options]
Prints wall time, the evaluation time reported by the progress bar's clock, and the
peak of the summed RSS of the process tree, sampled every 100 ms.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def tree_rss_kib(root: int) -> int:
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        pid, ppid = int(entry), int(fields["PPid"].strip())
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def main() -> None:
    extra = sys.argv[sys.argv.index("--") + 1 :] if "--" in sys.argv else []
    whichmodel = Path(sys.executable).with_name("whichmodel")
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [str(whichmodel), "demo", *extra],
            cwd=tmp,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        peak = 0
        while proc.poll() is None:
            peak = max(peak, tree_rss_kib(proc.pid))
            time.sleep(0.1)
        wall = time.perf_counter() - start
        output = proc.stdout.read() if proc.stdout else ""
    print(output)
    print(f"exit code        {proc.returncode}")
    print(f"wall time        {wall:.1f} s")
    print(f"peak memory      {peak / 1024:.0f} MiB (sum of RSS over the process tree)")


if __name__ == "__main__":
    main()
