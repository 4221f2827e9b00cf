"""Pulling a team's request logs out of Portkey with the portkey-ai SDK
(``portkey.logs.exports``: create with filters, start, poll, download), as the JSONL
file ``whichmodel import --format portkey`` reads.

Log export is a feature of Portkey's hosted API on plans that have it, for an API key
with the ``logs.export`` scope; a self-hosted open-source gateway has no such endpoint.
Either way the user gets one line that says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whichmodel.config import default, portkey_api_key
from whichmodel.errors import ConfigError, GatewayError
from whichmodel.portkey.control import api_errors, api_url

EXPORT_FIELDS = [
    "id",
    "trace_id",
    "created_at",
    "request",
    "response",
    "is_success",
    "ai_org",
    "ai_model",
    "req_units",
    "res_units",
    "total_units",
    "cost",
    "cost_currency",
    "response_time",
    "response_status_code",
    "metadata",
]
DONE, FAILED = {"success"}, {"failed", "failure", "stopped"}


@dataclass
class LogFilter:
    since: str | None = None
    until: str | None = None
    model: str | None = None
    metadata: dict[str, str] | None = None

    def filters(self) -> dict[str, Any]:
        """Portkey's log filters (its API's names)."""
        out: dict[str, Any] = {}
        if self.since:
            out["time_of_generation_min"] = self.since
        if self.until:
            out["time_of_generation_max"] = self.until
        if self.model:
            out["ai_model"] = self.model
        if self.metadata:
            out["metadata"] = self.metadata
        return out


def _unavailable(url: str, detail: str) -> GatewayError:
    return GatewayError(
        f"Portkey's log export is not available at {url} ({detail}): it needs Portkey's "
        "hosted API on a plan with log export and an API key with the logs.export scope; a "
        "self-hosted open-source gateway has none. Export the logs another way and run "
        "`whichmodel import FILE`."
    )


def export_logs(
    dest: Path,
    log_filter: LogFilter,
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    poll_seconds: float = default("export_poll_seconds"),
    timeout_seconds: float = default("export_timeout_seconds"),
    on_status: Callable[[str], None] | None = None,
) -> tuple[Path, str]:
    """Export the logs that ``log_filter`` selects into ``dest``; returns (the file, the
    export id)."""
    from portkey_ai import Portkey

    api_key = api_key or portkey_api_key()
    if not api_key:
        raise ConfigError(
            "PORTKEY_API_KEY is not set: --from-portkey needs your Portkey API key "
            "(with the logs.export scope)."
        )
    url = base_url or api_url()
    client = Portkey(api_key=api_key, base_url=url)
    with api_errors(url, _unavailable):
        export = client.logs.exports.create(
            filters=log_filter.filters(), requested_data=EXPORT_FIELDS
        )
        if not export.id:
            raise _unavailable(url, "no export id in the answer")
        client.logs.exports.start(export_id=export.id)
        deadline = time.monotonic() + timeout_seconds
        while True:
            status = str(client.logs.exports.retrieve(export_id=export.id).status or "")
            if on_status is not None:
                on_status(status)
            if status in DONE:
                break
            if status in FAILED:
                raise GatewayError(
                    f"Portkey's log export {export.id} ended {status}: try again, or narrow "
                    "--since/--until."
                )
            if time.monotonic() > deadline:
                raise GatewayError(
                    f"Portkey's log export {export.id} is still {status or 'pending'} after "
                    f"{timeout_seconds:g} s: try again later."
                )
            time.sleep(poll_seconds)
        signed_url = client.logs.exports.download(export_id=export.id).signed_url
    if not signed_url:
        raise _unavailable(url, "no download URL in the answer")
    _download(signed_url, dest)
    return dest, str(export.id)


def _download(url: str, dest: Path) -> None:
    """Stream the export file to ``dest`` (memory stays flat)."""
    import httpx

    try:
        with httpx.stream("GET", url, timeout=60, follow_redirects=True) as response:
            response.raise_for_status()
            with dest.open("wb") as fh:
                for chunk in response.iter_bytes():
                    fh.write(chunk)
    except httpx.HTTPError as exc:
        raise GatewayError(f"Downloading Portkey's log export failed ({exc}): try again.") from None
