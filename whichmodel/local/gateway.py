"""The open-source Portkey gateway on this machine: install, start, status, stop.

The gateway is the npm package ``@portkey-ai/gateway`` (pinned), installed once into a
cache folder (:func:`gateway_home`) and run as a detached Node process::

    node --require loopback.cjs .../build/start-server.js --port=PORT --headless

What this module relies on (measured on @portkey-ai/gateway 1.15.2):

- It listens on all interfaces and has no host flag: the ``loopback.cjs`` preload makes
  a ``listen`` without a host bind 127.0.0.1.
- Without ``--headless`` it serves its request logs, API keys included, at ``/public``
  and ``/log/stream``: it is always started headless.

A started gateway outlives the Python process that started it (``whichmodel gateway
start``); a state file ``gateway.json`` in the state folder (by default the install
folder) records pid, port and url, so ``status`` and ``stop`` find it later.
:func:`running_gateway` is the scoped form: it stops only what it started.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from whichmodel.config import GATEWAY_PORT
from whichmodel.errors import GatewayError
from whichmodel.local.gateway_install import (
    ENTRY,
    GATEWAY_VERSION,
    gateway_home,
    install_gateway,
    is_installed,
    locked,
    node_binary,
)

HOST = "127.0.0.1"
DEFAULT_PORT = GATEWAY_PORT
STATE_FILE = "gateway.json"
LOG_FILE = "gateway.log"
PRELOAD = Path(__file__).with_name("loopback.cjs")

# Bypass any HTTP(S)_PROXY from the environment: we only ever talk to 127.0.0.1.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
# Gateways started by this process, so stop() can reap them (no zombies).
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


# ----------------------------------------------------------------------- processes


@dataclass(frozen=True)
class GatewayInfo:
    """A running gateway. ``url`` has no ``/v1``: OpenAI clients want ``url + "/v1"``."""

    pid: int
    port: int
    url: str
    started_at: str = ""
    log: str = ""


def port_is_free(port: int, host: str = HOST) -> bool:
    """True when ``host:port`` can be bound (as Node would: SO_REUSEADDR, so a recently
    closed port in TIME_WAIT counts as free)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = HOST) -> int:
    """A port on ``host`` that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _answers(port: int, timeout: float = 1.0) -> bool:
    """True when something answers HTTP on 127.0.0.1:port (any status)."""
    try:
        with _OPENER.open(f"http://{HOST}:{port}/", timeout=timeout) as response:
            response.read(64)
        return True
    except urllib.error.HTTPError:
        return True  # an HTTP answer, just not a 2xx
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _reap(pid: int) -> bool:
    """True when ``pid`` was our child and has exited (and is now reaped)."""
    child = _CHILDREN.get(pid)
    if child is not None:
        if child.poll() is None:
            return False
        _CHILDREN.pop(pid, None)
        return True
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:  # not our child: its parent reaps it
        return False
    return done == pid


def _pid_alive(pid: int) -> bool:
    if _reap(pid):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    try:  # a zombie is dead for our purposes
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _is_gateway_process(pid: int) -> bool:
    """Guard against a recycled pid: the process must be running start-server.js."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return not Path("/proc/self").exists()  # no /proc (macOS): trust the pid
    except OSError:
        return False
    return b"start-server.js" in cmdline


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
        os.killpg(pid, sig)


def _wait_dead(pid: int, timeout: float) -> bool:
    child = _CHILDREN.get(pid)
    if child is not None:
        try:
            child.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        _CHILDREN.pop(pid, None)
        return True
    deadline = time.monotonic() + timeout
    while _pid_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _log_tail(path: Path, lines: int = 3) -> str:
    try:
        text = path.read_bytes()[-4000:].decode(errors="replace")
    except OSError:
        return ""
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)  # colours
    kept = [line.strip() for line in re.split(r"[\r\n]+", text) if line.strip()]
    kept = [line for line in kept if "Starting AI Gateway" not in line]  # spinner frames
    return " | ".join(kept[-lines:])


class Gateway:
    """The gateway of one install folder (``home``) and one state folder (``state_dir``,
    default ``home``: where ``gateway.json`` and ``gateway.log`` live)."""

    def __init__(self, home: Path | str | None = None, *, state_dir: Path | str | None = None):
        self.home = Path(home) if home is not None else gateway_home()
        self.state_dir = Path(state_dir) if state_dir is not None else self.home

    @property
    def state_file(self) -> Path:
        return self.state_dir / STATE_FILE

    @property
    def log_file(self) -> Path:
        return self.state_dir / LOG_FILE

    # -- state file -------------------------------------------------------------------
    def _read_state(self) -> GatewayInfo | None:
        try:
            data = json.loads(self.state_file.read_text())
            return GatewayInfo(
                pid=int(data["pid"]),
                port=int(data["port"]),
                url=str(data["url"]),
                started_at=str(data.get("started_at", "")),
                log=str(data.get("log", "")),
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            self._clear_state()  # unreadable: nothing can be done with it
            return None

    def _write_state(self, info: GatewayInfo) -> None:
        data = {**asdict(info), "home": str(self.home), "version": GATEWAY_VERSION}
        tmp = self.state_file.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, indent=2) + "\n")
        os.replace(tmp, self.state_file)

    def _clear_state(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.state_file.unlink()

    def _ours(self, info: GatewayInfo) -> bool:
        return _pid_alive(info.pid) and _is_gateway_process(info.pid)

    # -- lifecycle --------------------------------------------------------------------
    def status(self) -> GatewayInfo | None:
        """The running gateway, or None. A state file whose process is gone is removed."""
        info = self._read_state()
        if info is None:
            return None
        if not self._ours(info):
            self._clear_state()
            return None
        return info if _answers(info.port) else None  # alive but not answering: stop() can kill it

    def start(
        self, port: int = DEFAULT_PORT, *, wait: float = 10.0, install: bool = True
    ) -> GatewayInfo:
        """Start the gateway on 127.0.0.1:``port`` in the background and wait until it
        answers HTTP. If this folder's gateway already runs on that port, return it."""
        with locked(self.state_dir):
            running = self._read_state()
            if running is not None and self._ours(running):
                if _answers(running.port):
                    if running.port == port:
                        return running
                    raise GatewayError(
                        f"A whichmodel gateway already runs at {running.url} (pid {running.pid}): "
                        f"use it, or stop it first with `whichmodel gateway stop`."
                    )
                self._kill(running.pid)  # ours but hung: replace it
            self._clear_state()
            entry = install_gateway(self.home) if install else self.home / ENTRY
            if not install and not is_installed(self.home):
                raise GatewayError(
                    f"The Portkey gateway is not installed in {self.home}: "
                    "run `whichmodel gateway install`."
                )
            node = node_binary()
            if not port_is_free(port):
                raise GatewayError(
                    f"Port {port} on 127.0.0.1 is already in use by another program: "
                    "choose another one with --port."
                )
            return self._spawn(node, entry, port, wait)

    def _spawn(self, node: str, entry: Path, port: int, wait: float) -> GatewayInfo:
        command = [node, "--require", str(PRELOAD), str(entry), f"--port={port}", "--headless"]
        fd = os.open(self.log_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            process = subprocess.Popen(
                command,
                cwd=self.home,
                stdin=subprocess.DEVNULL,
                stdout=fd,
                stderr=fd,
                start_new_session=True,  # own session and process group; survives our Ctrl-C
            )
        except OSError as exc:
            raise GatewayError(f"Cannot start the Portkey gateway with {node} ({exc}).") from None
        finally:
            os.close(fd)
        _CHILDREN[process.pid] = process
        deadline = time.monotonic() + wait
        try:
            while not _answers(port, timeout=0.5):
                code = process.poll()
                if code is not None:
                    tail = _log_tail(self.log_file)
                    raise GatewayError(
                        f"The Portkey gateway exited at start (code {code})"
                        + (f": {tail}" if tail else "")
                        + f"; full log: {self.log_file}"
                    )
                if time.monotonic() > deadline:
                    raise GatewayError(
                        f"The Portkey gateway did not answer on port {port} within {wait:g} s; "
                        f"see {self.log_file}."
                    )
                time.sleep(0.05)
            info = GatewayInfo(
                pid=process.pid,
                port=port,
                url=f"http://{HOST}:{port}",
                started_at=datetime.now(UTC).isoformat(timespec="seconds"),
                log=str(self.log_file),
            )
            self._write_state(info)
        except BaseException:  # incl. KeyboardInterrupt: leave nothing behind
            self._kill(process.pid)
            raise
        return info

    def stop(self, timeout: float = 5.0, *, pid: int | None = None) -> bool:
        """Stop this folder's gateway (its whole process group) and remove the state
        file. With ``pid``, only if that is the running one. True if one was stopped."""
        with locked(self.state_dir):
            info = self._read_state()
            if info is None or (pid is not None and info.pid != pid):
                return False
            stopped = False
            if self._ours(info):
                self._kill(info.pid, timeout)
                stopped = True
            self._clear_state()
            return stopped

    @staticmethod
    def _kill(pid: int, timeout: float = 5.0) -> None:
        _signal_group(pid, signal.SIGTERM)
        if not _wait_dead(pid, timeout):
            _signal_group(pid, signal.SIGKILL)
            _wait_dead(pid, timeout)
        _signal_group(pid, signal.SIGKILL)  # stragglers in the group, if any

    def __repr__(self) -> str:
        return f"Gateway(home={str(self.home)!r}, state_dir={str(self.state_dir)!r})"


@contextlib.contextmanager
def running_gateway(
    port: int | None = None,
    *,
    home: Path | str | None = None,
    state_dir: Path | str | None = None,
    wait: float = 10.0,
) -> Iterator[GatewayInfo]:
    """A gateway for the duration of a ``with`` block: reuse the running one (on any port
    if ``port`` is None), else start one (on a free port if ``port`` is None). Stops only a
    gateway it started, also on errors and Ctrl-C. A gateway started here is recorded in a
    state folder of its own, so another process never reuses it and loses it when this
    block ends (only `whichmodel gateway start`'s gateway is shared)."""
    running = Gateway(home, state_dir=state_dir).status()
    if running is not None and port in (None, running.port):
        yield running
        return
    private = tempfile.TemporaryDirectory(prefix="whichmodel-gateway-")
    gateway = Gateway(home, state_dir=private.name)
    if port is not None:
        info = gateway.start(port, wait=wait)
    else:
        for attempt in range(3):  # the free port can be taken between the check and the bind
            try:
                info = gateway.start(free_port(), wait=wait)
                break
            except GatewayError as exc:
                if attempt == 2 or "EADDRINUSE" not in str(exc) and "in use" not in str(exc):
                    raise
    try:
        yield info
    finally:
        gateway.stop(pid=info.pid)
        private.cleanup()
