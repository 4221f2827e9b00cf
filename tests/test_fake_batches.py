"""The fake provider's OpenAI Files and Batch APIs, driven by the openai SDK through the
real Portkey gateway (which passes these calls through to the custom host)."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import openai
import pytest
from openai import OpenAI

from tests.fake_provider import FakeProvider, error_body

TERMINAL = {"completed", "failed", "expired", "cancelled"}


@pytest.fixture
def client(gateway, fake_provider: FakeProvider) -> OpenAI:
    return OpenAI(
        base_url=f"{gateway.url}/v1",
        api_key="x",
        max_retries=0,
        default_headers={
            "x-portkey-provider": "openai",
            "x-portkey-custom-host": fake_provider.base_url,
        },
    )


def request_line(custom_id: str, model: str, text: str, **extra: Any) -> dict[str, Any]:
    return {
        "custom_id": custom_id,
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": model, "messages": [{"role": "user", "content": text}], **extra},
    }


def upload(client: OpenAI, lines: list[Any]) -> str:
    data = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    return client.files.create(file=("in.jsonl", data.encode()), purpose="batch").id


def start(client: OpenAI, lines: list[Any], **kw: Any) -> Any:
    return client.batches.create(
        input_file_id=upload(client, lines),
        endpoint="/v1/chat/completions",
        completion_window="24h",
        **kw,
    )


def wait(client: OpenAI, batch_id: str, limit: int = 20) -> tuple[Any, list[str]]:
    """Retrieve until the batch ends: (the final batch, every status seen)."""
    seen = []
    for _ in range(limit):
        batch = client.batches.retrieve(batch_id)
        seen.append(batch.status)
        if batch.status in TERMINAL:
            return batch, seen
    raise AssertionError(f"batch {batch_id} did not end: {seen}")


def jsonl(client: OpenAI, file_id: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in client.files.content(file_id).text.splitlines()]


def comparable(answer: dict[str, Any]) -> dict[str, Any]:
    """An answer without what differs between two calls (ids, timestamps)."""
    return {k: v for k, v in answer.items() if k not in ("id", "created")}


def test_a_batch_runs_through_the_gateway_and_answers_like_the_online_route(client, fake_provider):
    fake_provider.batch_polls = 2
    schema = {
        "type": "json_schema",
        "json_schema": {
            "name": "a",
            "schema": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
    lines = [
        request_line("first", "fake-base", "hello there"),
        request_line("broken", "fake-500", "this one fails"),
        request_line("third", "fake-json", "where", response_format=schema),
    ]
    batch = start(client, lines, metadata={"run": "r1"})
    assert batch.status == "validating"
    assert batch.metadata == {"run": "r1"}
    assert batch.output_file_id is None

    batch, seen = wait(client, batch.id)
    assert seen == ["in_progress", "in_progress", "completed"]
    assert batch.in_progress_at is not None and batch.completed_at is not None
    assert (batch.request_counts.total, batch.request_counts.completed) == (3, 2)
    assert batch.request_counts.failed == 1
    # a completed batch stays completed, and is not answered twice
    assert client.batches.retrieve(batch.id).output_file_id == batch.output_file_id

    output = jsonl(client, batch.output_file_id)
    errors = jsonl(client, batch.error_file_id)
    assert [line["custom_id"] for line in output] == ["first", "third"]
    assert [line["custom_id"] for line in errors] == ["broken"]
    assert all(line["id"].startswith("batch_req_") and line["error"] is None for line in output)
    assert {line["response"]["status_code"] for line in output} == {200}
    assert output[0]["response"]["request_id"] != output[1]["response"]["request_id"]
    assert output[0]["response"]["body"]["choices"][0]["message"]["content"] == (
        "echo: hello there"
    )
    assert json.loads(output[1]["response"]["body"]["choices"][0]["message"]["content"]) == {
        "city": "echo: where"
    }
    failed = errors[0]
    assert failed["error"] is None and failed["response"]["status_code"] == 500
    assert failed["response"]["body"] == error_body(
        "/v1/chat/completions", 500, "fake 500 for fake-500"
    )

    # the batch lines are not recorded as requests; only the HTTP calls are
    assert fake_provider.count(path="/v1/chat/completions") == 0
    assert fake_provider.count(path="/v1/files", method="POST") == 1
    assert fake_provider.count(path="/v1/batches", method="POST") == 1
    assert fake_provider.count(path="/v1/batches") == 1
    assert fake_provider.count(path=f"/v1/batches/{batch.id}", method="GET") == 4
    assert fake_provider.count(path=f"/v1/batches/{batch.id}", method="post") == 0
    upload_request = next(r for r in fake_provider.requests if r.path == "/v1/files")
    assert upload_request.body == {
        "purpose": "batch",
        "filename": "in.jsonl",
        "bytes": len(client.files.content(batch.input_file_id).content),
    }

    # the online route answers the same bodies
    for line, batched in ((lines[0], output[0]), (lines[2], output[1])):
        online = client.chat.completions.create(**line["body"]).model_dump(exclude_unset=True)
        assert comparable(online) == comparable(batched["response"]["body"])
    with pytest.raises(openai.InternalServerError) as exc:
        client.chat.completions.create(**lines[1]["body"])
    assert exc.value.status_code == 500
    assert "fake 500 for fake-500" in str(exc.value)


def test_batch_lines_follow_scripts_and_invalid_lines_get_an_error(client, fake_provider):
    fake_provider.set("fake-x", times=1, status=429)
    fake_provider.set("scripted", responder=lambda body, path, headers: "from the script")
    batch = start(
        client,
        [
            request_line("a", "fake-x", "one"),  # the scripted 429
            request_line("b", "fake-x", "two"),  # the script is used up: an echo
            request_line("c", "scripted", "three"),
            "{not json",
            {**request_line("d", "fake-x", "four"), "url": "/v1/embeddings"},
            {"method": "POST", "url": "/v1/chat/completions", "body": {}},
            request_line("e", "fake-x", "five", stream=True),
        ],
    )
    batch, seen = wait(client, batch.id)
    assert seen == ["completed"]  # batch_polls = 0: the first retrieve ends it
    output = {line["custom_id"]: line for line in jsonl(client, batch.output_file_id)}
    errors = jsonl(client, batch.error_file_id)
    assert output["b"]["response"]["body"]["choices"][0]["message"]["content"] == "echo: two"
    assert output["c"]["response"]["body"]["choices"][0]["message"]["content"] == (
        "from the script"
    )
    assert [(e["custom_id"], (e["response"] or {}).get("status_code")) for e in errors] == [
        ("a", 429),
        (None, None),
        ("d", None),
        (None, None),
        ("e", 400),
    ]
    assert [(e["error"] or {}).get("code") for e in errors] == [
        None,
        "invalid_json",
        "invalid_request",
        "invalid_request",
        None,
    ]
    assert "does not stream" in errors[4]["response"]["body"]["error"]["message"]
    assert batch.request_counts.model_dump() == {"total": 7, "completed": 2, "failed": 5}


def test_a_failed_outcome_applies_to_the_next_batches_only(client, fake_provider):
    fake_provider.batch_outcome = "failed"
    fake_provider.batch_outcome_times = 1
    lines = [request_line("a", "fake-base", "hi")]
    failed, seen = wait(client, start(client, lines).id)
    assert seen == ["failed"]
    assert failed.failed_at is not None and failed.completed_at is None
    assert failed.output_file_id is None and failed.error_file_id is None
    assert failed.errors is not None and failed.errors.data[0].code
    assert failed.errors.data[0].message
    assert fake_provider.batch_outcome is None  # used up

    fine, _ = wait(client, start(client, lines).id)
    assert fine.status == "completed"
    assert jsonl(client, fine.output_file_id)[0]["custom_id"] == "a"
    assert [b.status for b in fake_provider.batches.values()] == ["failed", "completed"]


def test_an_expired_batch_puts_every_line_in_the_error_file(client, fake_provider):
    fake_provider.batch_outcome = "expired"
    fake_provider.batch_polls = 1
    lines = [request_line(f"r{i}", "fake-base", f"q{i}") for i in range(3)]
    batch, seen = wait(client, start(client, lines).id)
    assert seen == ["in_progress", "expired"]
    assert batch.expired_at is not None and batch.output_file_id is None
    errors = jsonl(client, batch.error_file_id)
    assert [e["custom_id"] for e in errors] == ["r0", "r1", "r2"]
    assert {e["error"]["code"] for e in errors} == {"batch_expired"}
    assert all(e["response"] is None for e in errors)
    assert batch.request_counts.model_dump() == {"total": 3, "completed": 0, "failed": 3}
    # the knob stays on without batch_outcome_times
    assert wait(client, start(client, lines).id)[0].status == "expired"


def test_batches_are_listed_newest_first_with_limit_and_after(client, fake_provider):
    ids = [start(client, [request_line("a", "fake-base", "hi")]).id for _ in range(3)]
    page = client.batches.list(limit=2)
    assert [b.id for b in page.data] == [ids[2], ids[1]]
    assert page.has_more is True
    rest = client.batches.list(limit=2, after=ids[1])
    assert [b.id for b in rest.data] == [ids[0]] and rest.has_more is False
    # the SDK's auto-pagination follows `after` through the gateway
    assert [b.id for b in client.batches.list(limit=1)] == ids[::-1]
    assert all(b.status == "validating" for b in page.data)  # listing does not move them
    assert list(fake_provider.batches) == ids


def test_a_cancelled_batch_is_never_answered(client, fake_provider):
    fake_provider.batch_polls = 5
    batch = start(client, [request_line("a", "fake-base", "hi")])
    assert client.batches.retrieve(batch.id).status == "in_progress"
    cancelling = client.batches.cancel(batch.id)
    assert cancelling.status == "cancelling" and cancelling.cancelling_at is not None
    cancelled, seen = wait(client, batch.id)
    assert seen == ["cancelled"]
    assert cancelled.cancelled_at is not None and cancelled.output_file_id is None
    with pytest.raises(openai.BadRequestError):
        client.batches.cancel(batch.id)
    assert fake_provider.count(path=f"/v1/batches/{batch.id}/cancel", method="POST") == 2


def test_unknown_ids_are_404(client, fake_provider):
    calls = [
        lambda: client.batches.retrieve("batch_nope"),
        lambda: client.batches.cancel("batch_nope"),
        lambda: client.files.retrieve("file-nope"),
        lambda: client.files.content("file-nope"),
        lambda: client.files.delete("file-nope"),
        lambda: client.batches.create(
            input_file_id="file-nope", endpoint="/v1/chat/completions", completion_window="24h"
        ),
    ]
    for call in calls:
        with pytest.raises(openai.NotFoundError) as exc:
            call()
        assert "nope" in exc.value.message
    assert len(fake_provider.requests) == len(calls)  # each reached the fake
    assert fake_provider.batches == {}


def test_file_routes(client, fake_provider, gateway):
    kept = upload(client, [request_line("a", "fake-base", "hi")])
    other = client.files.create(file=("notes.txt", b"x\ny\n"), purpose="assistants")
    assert other.status == "processed" and other.bytes == 4 and other.filename == "notes.txt"
    assert client.files.retrieve(kept).purpose == "batch"
    assert [f.id for f in client.files.list()] == [other.id, kept]
    assert [f.id for f in client.files.list(purpose="batch")] == [kept]
    assert client.files.content(other.id).content == b"x\ny\n"
    assert client.files.delete(other.id).deleted is True
    assert list(fake_provider.files) == [kept]
    with pytest.raises(openai.BadRequestError):  # a batch needs a file with purpose batch
        client.batches.create(
            input_file_id=kept, endpoint="/v1/embeddings", completion_window="24h"
        )

    # an upload without purpose (the SDK always sends one: raw multipart here)
    answer = httpx.post(
        f"{gateway.url}/v1/files",
        headers={
            "authorization": "Bearer x",
            "x-portkey-provider": "openai",
            "x-portkey-custom-host": fake_provider.base_url,
        },
        files={"file": ("in.jsonl", b"{}\n", "application/octet-stream")},
    )
    assert answer.status_code == 400
    assert "purpose" in answer.json()["error"]["message"]
    assert fake_provider.last.body == {"purpose": None, "filename": "in.jsonl", "bytes": 3}


def test_a_large_batch_is_answered_quickly(client, fake_provider):
    n = 50_000
    lines = [request_line(f"r{i}", "fake-base", f"question {i}") for i in range(n)]
    batch = start(client, lines)
    began = time.monotonic()
    batch, _ = wait(client, batch.id)
    assert time.monotonic() - began < 15
    assert batch.request_counts.model_dump() == {"total": n, "completed": n, "failed": 0}
    output = client.files.content(batch.output_file_id).text.splitlines()
    assert len(output) == n
    last = json.loads(output[-1])
    assert last["custom_id"] == f"r{n - 1}"
    assert last["response"]["body"]["choices"][0]["message"]["content"] == (
        f"echo: question {n - 1}"
    )
