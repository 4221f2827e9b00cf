"""Lifecycle of the local Portkey gateway: start, status, stop, reuse, errors, loopback.

The npm install is shared (the session's cache folder); each test keeps its state file
and log in its own temp folder.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from whichmodel.errors import GatewayError
from whichmodel.local.gateway import (
    PRELOAD,
    Gateway,
    GatewayInfo,
    free_port,
    gateway_home,
    install_gateway,
    running_gateway,
)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _get(url: str) -> str:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=2) as response:
        return response.read().decode()


@pytest.fixture
def gw(gateway_install_dir: Path, tmp_path: Path):
    gateway = Gateway(gateway_install_dir, state_dir=tmp_path)
    yield gateway
    gateway.stop()


def test_start_status_stop_leaves_nothing_behind(gw: Gateway) -> None:
    info = gw.start(free_port())
    assert info.url == f"http://127.0.0.1:{info.port}"
    assert "AI Gateway" in _get(info.url + "/")
    assert gw.status() == info
    state = json.loads(gw.state_file.read_text())
    assert (state["pid"], state["port"], state["url"]) == (info.pid, info.port, info.url)
    assert state["started_at"]

    assert gw.stop() is True
    assert _gone(info.pid)
    assert not gw.state_file.exists()
    assert gw.status() is None
    assert gw.stop() is False


def test_second_start_returns_the_running_gateway(gw: Gateway, gateway_install_dir: Path) -> None:
    first = gw.start(free_port())
    again = Gateway(gateway_install_dir, state_dir=gw.state_dir).start(first.port)
    assert again.pid == first.pid
    with pytest.raises(GatewayError, match="already runs"):
        gw.start(free_port())  # another port while one runs: say so, don't start a second


def test_port_taken_by_another_program(gw: Gateway) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(GatewayError, match=rf"Port {port} .*--port"):
            gw.start(port)
    assert not gw.state_file.exists()


def test_headless_and_bound_to_loopback_only(gateway: GatewayInfo) -> None:
    # Headless: no log viewer (it would show API keys).
    with pytest.raises(urllib.error.HTTPError) as err:
        _get(gateway.url + "/public/")
    assert err.value.code == 404
    # Every listening socket on the gateway's port is 127.0.0.1 (no 0.0.0.0, no [::]).
    tcp = Path("/proc/net/tcp")
    if not tcp.exists():
        pytest.skip("no /proc/net/tcp on this system")
    listening = []
    for table in (tcp, Path("/proc/net/tcp6")):
        if not table.exists():
            continue
        for line in table.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port = local.rsplit(":", 1)
            if state == "0A" and int(port, 16) == gateway.port:  # 0A = LISTEN
                listening.append((table.name, address))
    assert listening == [("tcp", "0100007F")]  # 127.0.0.1, little-endian hex


def test_stale_state_file_is_cleaned(gw: Gateway) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    gw.state_dir.mkdir(parents=True, exist_ok=True)
    gw.state_file.write_text(json.dumps({"pid": dead.pid, "port": free_port(), "url": "x"}))
    assert gw.status() is None
    assert not gw.state_file.exists()


def test_running_gateway_stops_only_what_it_started(
    gateway_install_dir: Path, tmp_path: Path
) -> None:
    """A block's own gateway is never handed to another block (which would lose it when
    the first ends); the gateway `whichmodel gateway start` left running is shared."""
    kwargs = {"home": gateway_install_dir, "state_dir": tmp_path}
    with running_gateway(**kwargs) as outer:
        assert Gateway(gateway_install_dir, state_dir=tmp_path).status() is None
        with running_gateway(**kwargs) as inner:
            assert inner.pid != outer.pid
        assert _gone(inner.pid) and not _gone(outer.pid)
    assert _gone(outer.pid)

    shared = Gateway(gateway_install_dir, state_dir=tmp_path).start(free_port())
    try:
        with running_gateway(**kwargs) as reused:
            assert reused.pid == shared.pid
        assert not _gone(shared.pid)  # not this block's to stop
    finally:
        Gateway(gateway_install_dir, state_dir=tmp_path).stop()
    assert _gone(shared.pid)

    with pytest.raises(KeyboardInterrupt), running_gateway(**kwargs) as info:
        raise KeyboardInterrupt
    assert _gone(info.pid)
    assert not (tmp_path / "gateway.json").exists()


def test_install_is_idempotent(gateway_install_dir: Path) -> None:
    began = time.monotonic()
    entry = install_gateway(gateway_install_dir)
    assert time.monotonic() - began < 1.0
    assert entry.name == "start-server.js" and entry.is_file()
    manifest = json.loads((gateway_install_dir / "package.json").read_text())
    assert manifest["dependencies"] == {"@portkey-ai/gateway": "1.15.2"}
    assert manifest["overrides"] == {"@hono/node-server": "1.13.5"}


def test_install_without_node_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(GatewayError, match="Node.js"):
        install_gateway(tmp_path / "gw")


def test_gateway_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHICHMODEL_HOME", str(tmp_path / "wm"))
    assert gateway_home() == tmp_path / "wm" / "gateway"
    monkeypatch.delenv("WHICHMODEL_HOME")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert gateway_home() == tmp_path / "xdg" / "whichmodel" / "gateway"


def test_loopback_preload_covers_the_listen_forms(
    gateway_install_dir: Path, tmp_path: Path
) -> None:
    script = tmp_path / "forms.cjs"
    script.write_text("""
const http = require('http');
const forms = [s => s.listen(0), s => s.listen(0, () => {}), s => s.listen({port: 0}),
  s => s.listen(0, undefined, () => {}), s => s.listen(), s => s.listen(0, '::1')];
(async () => { for (const f of forms) { const s = http.createServer();
  await new Promise(r => { s.on('listening', r); f(s); });
  console.log(s.address().address); s.close(); } })();
""")
    out = subprocess.run(
        ["node", "--require", str(PRELOAD), str(script)], capture_output=True, text=True, timeout=20
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["127.0.0.1"] * 5 + ["::1"]  # an explicit host is kept
