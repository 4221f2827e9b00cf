"""Installing the open-source Portkey gateway: the npm package ``@portkey-ai/gateway``
(pinned), once, into a cache folder (:func:`gateway_home`). Streaming is broken with
current ``@hono/node-server``, so npm ``overrides`` pin 1.13.5."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from whichmodel.config import whichmodel_home
from whichmodel.errors import GatewayError

try:  # POSIX only; without it concurrent starts are not serialised.
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

GATEWAY_PACKAGE = "@portkey-ai/gateway"
GATEWAY_VERSION = "1.15.2"
NODE_SERVER_PACKAGE = "@hono/node-server"
NODE_SERVER_VERSION = "1.13.5"  # newer versions break streaming (Portkey-AI/gateway#1389)
MIN_NODE_MAJOR = 18
LOCK_FILE = "gateway.lock"
ENTRY = Path("node_modules") / GATEWAY_PACKAGE / "build" / "start-server.js"


def gateway_home() -> Path:
    """The install folder: ``$WHICHMODEL_HOME/gateway``, else ``~/.cache/whichmodel/gateway``
    (``$XDG_CACHE_HOME`` honoured)."""
    return whichmodel_home() / "gateway"


def package_json() -> dict[str, Any]:
    """The package.json written into the install folder: exact pins plus the override."""
    return {
        "name": "whichmodel-portkey-gateway",
        "private": True,
        "description": "The open-source Portkey gateway, installed by whichmodel.",
        "dependencies": {GATEWAY_PACKAGE: GATEWAY_VERSION},
        "overrides": {NODE_SERVER_PACKAGE: NODE_SERVER_VERSION},
    }


def _installed_version(home: Path, package: str) -> str | None:
    try:
        data = json.loads((home / "node_modules" / package / "package.json").read_text())
    except (OSError, ValueError):
        return None
    version = data.get("version")
    return version if isinstance(version, str) else None


def is_installed(home: Path | None = None) -> bool:
    """True when the pinned gateway and its pinned ``@hono/node-server`` are in place."""
    home = home or gateway_home()
    return (
        (home / ENTRY).is_file()
        and _installed_version(home, GATEWAY_PACKAGE) == GATEWAY_VERSION
        and _installed_version(home, NODE_SERVER_PACKAGE) == NODE_SERVER_VERSION
    )


def node_binary() -> str:
    node = shutil.which("node")
    if node is None:
        raise GatewayError(
            f"Node.js is not installed: install Node {MIN_NODE_MAJOR}+ (https://nodejs.org) "
            "to run the local Portkey gateway."
        )
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=10)
        major = int(re.match(r"v?(\d+)", out.stdout.strip()).group(1))  # type: ignore[union-attr]
    except (OSError, subprocess.SubprocessError, AttributeError, ValueError):
        raise GatewayError(
            f"`{node} --version` failed: reinstall Node.js {MIN_NODE_MAJOR}+."
        ) from None
    if major < MIN_NODE_MAJOR:
        raise GatewayError(
            f"Node.js {out.stdout.strip()} is too old for the Portkey gateway: "
            f"install Node {MIN_NODE_MAJOR}+."
        )
    return node


@contextlib.contextmanager
def locked(folder: Path, name: str = LOCK_FILE) -> Iterator[None]:
    """An exclusive lock across processes (install, start and stop of one folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / name, "a+") as handle:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(handle, fcntl.LOCK_UN)


def install_gateway(home: Path | None = None, *, quiet: bool = True) -> Path:
    """Install the pinned gateway with npm into ``home`` (default :func:`gateway_home`),
    once. Returns the path of ``start-server.js``."""
    home = Path(home) if home is not None else gateway_home()
    if is_installed(home):
        return home / ENTRY
    node_binary()
    npm = shutil.which("npm")
    if npm is None:
        raise GatewayError(
            "npm is not installed: install Node.js with npm to get the Portkey gateway."
        )
    with locked(home, ".install.lock"):
        if is_installed(home):  # another process installed it while we waited
            return home / ENTRY
        wanted = json.dumps(package_json(), indent=2) + "\n"
        manifest = home / "package.json"
        if not manifest.is_file() or manifest.read_text() != wanted:
            manifest.write_text(wanted)
            with contextlib.suppress(FileNotFoundError):  # a lock of other pins is stale
                (home / "package-lock.json").unlink()
        # `npm ci` installs exactly the lock file once one exists (the second install on);
        # --ignore-scripts: the package's postinstall runs patch-package, a dev tool not shipped.
        verb = ["ci"] if (home / "package-lock.json").is_file() else ["install"]
        command = [npm, *verb, "--no-audit", "--no-fund", "--ignore-scripts", "--omit=dev"]
        if quiet:
            command.append("--loglevel=error")
        try:
            result = subprocess.run(
                command,
                cwd=home,
                timeout=900,
                text=True,
                stdout=subprocess.PIPE if quiet else None,
                stderr=subprocess.STDOUT if quiet else None,
            )
        except subprocess.TimeoutExpired:
            raise GatewayError(
                f"`npm install` of the Portkey gateway took over 15 minutes in {home}: "
                "check your network or npm registry settings and run "
                "`whichmodel gateway install` again."
            ) from None
        except OSError as exc:
            raise GatewayError(
                f"Cannot run npm ({exc}): check your Node.js installation."
            ) from None
        if result.returncode != 0 or not is_installed(home):
            lines = [line for line in (result.stdout or "").splitlines() if line.strip()]
            detail = f": {lines[-1].strip()}" if lines else ""
            raise GatewayError(
                f"Installing {GATEWAY_PACKAGE}@{GATEWAY_VERSION} with npm in {home} "
                f"failed{detail}; check network access to the npm registry and run "
                "`whichmodel gateway install` again."
            )
    return home / ENTRY
