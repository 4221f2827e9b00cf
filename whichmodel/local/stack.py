"""Local models next to hosted ones: serve GGUF files with llama.cpp and route them
through a local Portkey gateway, so they are candidates like any other model."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from whichmodel.config import ModelSettings, Settings, configured_portkey_url
from whichmodel.errors import ConfigError

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass
class LocalStack:
    model_url: str
    gateway_url: str


def local_gateway_from_env() -> str | None:
    """``PORTKEY_BASE_URL`` when it already points at a gateway on this machine."""
    url = configured_portkey_url()
    if url and urlparse(url).hostname in LOOPBACK:
        return url.rstrip("/")
    return None


@contextmanager
def local_stack(gguf: Path | None = None, gateway_port: int | None = None) -> Iterator[LocalStack]:
    """Start (or reuse) a local model server and a local gateway; stop what was
    started, also on Ctrl-C or an error."""
    from whichmodel.local.gateway import running_gateway
    from whichmodel.local.llama import running_local_model

    with ExitStack() as stack:
        server = stack.enter_context(running_local_model(gguf=gguf))
        gateway_url = local_gateway_from_env()
        if gateway_url is None:
            gateway_url = stack.enter_context(running_gateway(port=gateway_port)).url
        yield LocalStack(model_url=server.url, gateway_url=gateway_url)


def alias_for(gguf: Path) -> str:
    """A model name from a GGUF file name:
    ``Qwen2.5-0.5B-Instruct-Q4_K_M.gguf`` -> ``qwen2.5-0.5b-instruct-q4_k_m``."""
    return re.sub(r"[^a-z0-9._-]+", "-", gguf.stem.lower()).strip("-") or "local"


@contextmanager
def serve_local_candidates(settings: Settings, ggufs: list[Path]) -> Iterator[Settings]:
    """Serve each GGUF file and return settings with it added as a candidate
    ``portkey/openai/<alias>`` that reaches it through a local gateway."""
    if not ggufs:
        yield settings
        return
    from whichmodel.local.gateway import running_gateway
    from whichmodel.local.llama import running_local_model

    for path in ggufs:
        if not Path(path).is_file():
            raise ConfigError(
                f"GGUF file {path} not found: pass --local-gguf with a .gguf file path."
            )
    with ExitStack() as stack:
        gateway_url = local_gateway_from_env()
        if gateway_url is None:
            gateway_url = stack.enter_context(running_gateway()).url
        models = dict(settings.models)
        candidates = list(settings.candidates)
        for path in ggufs:
            alias = alias_for(Path(path))
            server = stack.enter_context(running_local_model(gguf=Path(path), alias=alias))
            name = f"portkey/openai/{alias}"
            current = models.get(name, ModelSettings())
            models[name] = current.model_copy(
                update={
                    "base_url": gateway_url,
                    "custom_headers": {
                        **current.custom_headers,
                        "x-portkey-custom-host": f"{server.url}/v1",
                    },
                }
            )
            if name not in candidates:
                candidates.append(name)
        yield settings.model_copy(update={"models": models, "candidates": candidates})
