import os
import subprocess
import sys

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
