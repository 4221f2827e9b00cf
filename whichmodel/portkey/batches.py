"""The OpenAI Batch API through the Portkey gateway: upload a JSONL file of requests
(``/v1/files``), create a batch over it (``/v1/batches``), look at its status, download
its output and error files.

The client is the model's own OpenAI client (as Langroid built it, with the gateway's
URL and the model's Portkey headers), so a batch goes where the model's live calls go.
Measured on the open-source gateway 1.15: for the ``openai`` provider every files and
batches call passes through to the provider (its custom host included), the upload
streamed; a file's content comes back only as ``application/octet-stream``; the
``/v1/batches/{id}/output`` shortcut ignores a custom host, so output files are read by
id. The gateway keeps ``input_file_id``, ``endpoint``, ``completion_window`` and
``metadata`` of a new batch.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from whichmodel.errors import GatewayError

ENDPOINT = "/v1/chat/completions"
TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
TAG = "whichmodel_batch"
"""The metadata key that names a batch's whichmodel key (found again after a crash)."""
T = TypeVar("T")


@dataclass(frozen=True)
class BatchState:
    id: str
    status: str
    output_file_id: str | None
    error_file_id: str | None
    completed: int
    failed: int
    total: int
    errors: str | None

    @property
    def done(self) -> bool:
        return self.status in TERMINAL


def _state(batch: Any) -> BatchState:
    counts = batch.request_counts
    errors = None
    if batch.errors and getattr(batch.errors, "data", None):
        errors = "; ".join(
            f"{e.code}: {e.message}" if e.code else str(e.message) for e in batch.errors.data
        )
    return BatchState(
        id=batch.id,
        status=str(batch.status),
        output_file_id=batch.output_file_id,
        error_file_id=batch.error_file_id,
        completed=counts.completed if counts else 0,
        failed=counts.failed if counts else 0,
        total=counts.total if counts else 0,
        errors=errors,
    )


class BatchAPI:
    """Batches of one model (``client``: its ``openai.AsyncOpenAI``)."""

    def __init__(self, client: Any, model: str):
        self.client = client
        self.model = model

    async def _call(self, what: str, make: Callable[[], Awaitable[T]]) -> T:
        from openai import APIConnectionError, APIStatusError

        try:
            return await make()
        except APIStatusError as exc:
            raise GatewayError(
                f"The gateway's batch API failed to {what} for {self.model} (HTTP "
                f"{exc.status_code}: {str(exc.message)[:200]}): check that its provider takes "
                "batches through the gateway, or run without --batch."
            ) from None
        except APIConnectionError:
            raise GatewayError(
                f"Cannot reach the gateway to {what} for {self.model}: check that it runs "
                "(whichmodel gateway status) and PORTKEY_BASE_URL."
            ) from None

    async def upload(self, path: Path) -> str:
        async def send() -> Any:
            with path.open("rb") as fh:
                return await self.client.files.create(file=(path.name, fh), purpose="batch")

        uploaded = await self._call("upload a batch file", send)
        return str(uploaded.id)

    async def create(self, input_file_id: str, key: str, run_id: str, window: str) -> BatchState:
        batch = await self._call(
            "create a batch",
            lambda: self.client.batches.create(
                input_file_id=input_file_id,
                endpoint=ENDPOINT,
                completion_window=window,
                metadata={TAG: key, "run_id": run_id},
            ),
        )
        return _state(batch)

    async def retrieve(self, batch_id: str) -> BatchState:
        batch = await self._call("read a batch", lambda: self.client.batches.retrieve(batch_id))
        return _state(batch)

    async def find(self, key: str) -> BatchState | None:
        """The batch created with ``key`` in its metadata, if the provider has one."""

        async def search() -> Any:
            async for batch in self.client.batches.list(limit=100):
                if (batch.metadata or {}).get(TAG) == key:
                    return batch
            return None

        found = await self._call("list batches", search)
        return _state(found) if found is not None else None

    async def download(self, file_id: str, dest: Path) -> Path:
        async def fetch() -> Path:
            content = self.client.files.with_streaming_response.content(file_id)
            async with content as response:
                with dest.open("wb") as fh:
                    async for chunk in response.iter_bytes():
                        fh.write(chunk)
            return dest

        return await self._call("download a batch's results", fetch)
