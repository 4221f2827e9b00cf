"""Every hostile file through `whichmodel import` and `POST /api/prompts`: no traceback,
no partial import. A file is stored whole (exactly its prompts) or refused in one line
with nothing stored."""

from __future__ import annotations

import json
import sys

import pytest
from starlette.testclient import TestClient

from tests.history.hostile import cases
from whichmodel.cli import main
from whichmodel.config import load_settings
from whichmodel.store import Store
from whichmodel.web import create_app

CASES = cases()


def test_the_set_is_large_and_varied():
    assert len(CASES) >= 60
    assert sum(1 for *_, expected in CASES if expected is None) >= 40
    assert len({name for name, *_ in CASES}) == len(CASES)


def run_import(path, db, capsys, monkeypatch) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["whichmodel", "import", str(path), "--db", str(db)])
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize(("name", "data", "expected"), CASES, ids=[c[0] for c in CASES])
def test_import(tmp_path, capsys, monkeypatch, name, data, expected):
    path = tmp_path / name
    path.write_bytes(data)
    db = tmp_path / "w.db"
    code, out, err = run_import(path, db, capsys, monkeypatch)
    assert "Traceback" not in err + out
    stored = Store(db).prompt_count()
    if expected is None:
        assert code == 1, out + err
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("Error: "), err
        assert not lines[0].startswith("Error: unexpected"), err
        assert stored == 0
    else:
        assert code == 0, err
        assert stored == expected
        assert f"Imported {expected:,} new prompt(s)" in out


def _body(data: bytes) -> tuple[bytes, str]:
    """The file as the API's JSON list when its lines parse, else the bytes as they are."""
    try:
        items = [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]
    except (UnicodeDecodeError, ValueError, RecursionError):
        return data, "raw"
    try:
        return json.dumps(items).encode(), "list"
    except (ValueError, RecursionError):
        return data, "raw"


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    db = tmp_path_factory.mktemp("api") / "w.db"
    client = TestClient(create_app(load_settings(db=db)), base_url="http://127.0.0.1")
    return client, db


@pytest.mark.parametrize(("name", "data", "expected"), CASES, ids=[c[0] for c in CASES])
def test_post_prompts(api, name, data, expected):
    client, db = api
    before = Store(db).prompt_count()
    body, kind = _body(data)
    r = client.post("/api/prompts", content=body, headers={"content-type": "application/json"})
    assert r.status_code in (200, 422), (r.status_code, r.text[:300])
    assert r.json()["error" if r.status_code == 422 else "received"]
    after = Store(db).prompt_count()
    if r.status_code == 422:
        assert after == before  # nothing from a refused request is stored
        assert "\n" not in r.json()["error"]
    else:
        assert kind == "list" and r.json()["received"] == expected
        assert after - before == r.json()["new"]
