"""Shared fixtures.

Sections:
0. Order and grouping for pytest-xdist (`make test` runs `-n logical --dist loadgroup`).
1. Network guard (autouse): tests reach loopback only.
2. Fake provider: a scripted OpenAI/Anthropic server on 127.0.0.1 (tests/fake_provider.py).
3. Portkey gateway: the real open-source gateway (npm), installed once into a cache
   folder that outlives test runs, running on a free port for the whole session.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fake_provider import FakeProvider
from whichmodel.local.gateway import GatewayInfo, gateway_home, install_gateway, running_gateway

# ---------------------------------------------------------------- 0. order and grouping

# llama.cpp with one thread per core crawls beside a busy process (its threads wait for
# each other at every step; see whichmodel/local/llama.py): the local model runs with one
# thread in the tests, in this process and in every process started from it.
os.environ.setdefault("WHICHMODEL_LLAMA_THREADS", "1")

LOCAL_MODEL_GROUP = "local_model"
"""The xdist group of every `local_model` test: with `--dist loadgroup` the group runs on
one worker, one test (one llama.cpp server) at a time, while the other workers take the
rest."""

SLOW_FIRST = (
    "tests/refusal/test_measure.py::test_cross_validation_holds_each_model_out",
    "tests/tasks/test_unmeasured.py::test_exit_codes_of_eval",
    "tests/tasks/test_resume.py",
    "tests/cli/test_hardening.py::test_markup_in_names_categories_paths_and_errors_is_printed",
    "tests/tasks/test_evaluation_gateway.py::test_api_keys_never_reach_files_logs_or_reports",
    "tests/refusal/test_classifier.py::test_the_shipped_weights_are_what_the_build_script_fits",
    "tests/tasks/test_selection_runs.py::test_cli_eval_on_a_stratified_filtered_sample",
    "tests/tasks/test_batch.py::test_kill_9_while_a_batch_runs",
    "tests/cli/test_hardening.py::test_langroid_model_warnings_only_with_debug",
    "tests/web/test_schema.py",
    "tests/portkey/test_logs_export.py::test_without_a_key_or_with_a_wrong_one",
    "tests/tasks/test_evaluation_gateway.py::test_cli_eval_with_langroid_portkey_env_vars",
    "tests/store/test_faults.py",
    "tests/tasks/test_concurrent_processes.py",
)
"""Tests that take longest outside the local model (measured with -n 2, slowest first).
They are handed out first, so no worker is left with a long test at the end."""


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Local-model tests first and in one xdist group, then SLOW_FIRST, then the rest in
    their usual order (a stable sort)."""

    def rank(item: pytest.Item) -> int:
        if item.get_closest_marker("local_model"):
            return -1
        for i, prefix in enumerate(SLOW_FIRST):
            if item.nodeid.startswith(prefix):
                return i
        return len(SLOW_FIRST)

    for item in items:
        if item.get_closest_marker("local_model") and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(LOCAL_MODEL_GROUP))
    items.sort(key=rank)


# ---------------------------------------------------------------- 1. network guard

_LOOPBACK = {"127.0.0.1", "localhost", "::1", "::ffff:127.0.0.1"}
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _check_address(sock: socket.socket, address: object) -> None:
    if getattr(socket, "AF_UNIX", None) is not None and sock.family == socket.AF_UNIX:
        return
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and (host in _LOOPBACK or host.startswith("127.")):
        return
    raise OSError(
        f"Network access to {address!r} is blocked in tests (loopback only); "
        "mark the test `live` and set WHICHMODEL_LIVE=1 if it really needs the network."
    )


def _guarded_connect(self: socket.socket, address: object) -> None:
    _check_address(self, address)
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    _check_address(self, address)
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True)
def _no_network(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Block outbound connections except to loopback and unix sockets (this process only:
    child processes such as the gateway are not guarded)."""
    if request.node.get_closest_marker("live") and os.environ.get("WHICHMODEL_LIVE") == "1":
        return
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)


# ---------------------------------------------------------------- 2. fake provider


@pytest.fixture(scope="session")
def fake_provider_server() -> Iterator[FakeProvider]:
    """One fake provider server for the session (prefer `fake_provider` in tests)."""
    with FakeProvider() as server:
        yield server


@pytest.fixture
def fake_provider(fake_provider_server: FakeProvider) -> Iterator[FakeProvider]:
    """The session's fake provider with no scripts and no recorded requests."""
    fake_provider_server.reset()
    yield fake_provider_server
    fake_provider_server.reset()


# ---------------------------------------------------------------- 3. Portkey gateway


@pytest.fixture(scope="session")
def gateway_install_dir() -> Path:
    """The gateway's npm install folder, kept between runs: $WHICHMODEL_HOME/gateway, or
    ~/.cache/whichmodel/gateway. Installs on first use (needs the npm registry once)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("Node.js and npm are needed for the Portkey gateway tests")
    home = gateway_home()
    install_gateway(home)
    return home


@pytest.fixture(scope="session")
def gateway(
    gateway_install_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[GatewayInfo]:
    """A real gateway on a free 127.0.0.1 port for the session, stopped at the end. Its
    state file lives in a temp folder, so it never touches a user's running gateway."""
    state = tmp_path_factory.mktemp("gateway-state")
    with running_gateway(home=gateway_install_dir, state_dir=state) as info:
        yield info
