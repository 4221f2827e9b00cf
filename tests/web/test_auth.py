"""Who may use the server: loopback names without a token; everyone else with one."""

from __future__ import annotations

import http.client

import pytest
from typer.testing import CliRunner

from tests.web.conftest import LiveServer
from whichmodel.cli import app as cli_app
from whichmodel.config import load_settings
from whichmodel.errors import ConfigError
from whichmodel.web import create_app
from whichmodel.web.auth import COOKIE, TOKEN_ENV, check_bind

TOKEN = "s3cret-token-for-tests-0123456789abcdef"
PATHS = ("/api/runs", "/openapi.json", "/", "/api/runs/nope")


@pytest.fixture
def locked(tmp_path):
    settings = load_settings(db=tmp_path / "w.db")
    with LiveServer(create_app(settings, token=TOKEN)) as server:
        yield server


def test_token_is_required_everywhere(locked):
    with locked.client() as client:
        for path in PATHS:
            r = client.get(path)
            assert r.status_code == 401, path
            assert r.json()["error"].startswith("Missing or wrong token")
            assert r.headers["www-authenticate"] == "Bearer"
            assert TOKEN not in r.text
        wrong = client.get("/api/runs", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        post = client.post("/api/prompts", json=[{"prompt": "hi"}])
        assert post.status_code == 401
    with locked.client(headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        assert client.get("/api/runs").status_code == 200
        assert client.get("/openapi.json").status_code == 200
        assert client.get("/").status_code == 200
        assert client.get("/api/runs/nope").status_code == 404
        assert client.post("/api/prompts", json=[{"prompt": "hi"}]).status_code == 200
        # any Host is fine once the token is right (served beyond loopback)
        assert client.get("/api/runs", headers={"Host": "example.org"}).status_code == 200


def test_token_in_the_address_once_sets_a_cookie(locked):
    with locked.client() as client:
        wrong = client.get("/?token=nope")
        assert wrong.status_code == 401
        r = client.get("/runs/abc?token=" + TOKEN + "&x=1")
        assert r.status_code == 303
        assert r.headers["location"] == "/runs/abc?x=1"  # the token leaves the address
        cookie = r.cookies[COOKIE]
        assert TOKEN not in cookie and TOKEN not in r.headers["set-cookie"]
        assert "httponly" in r.headers["set-cookie"].lower()
        assert "samesite=strict" in r.headers["set-cookie"].lower()
        assert client.get("/").status_code == 200  # the cookie now authenticates
        assert client.get("/api/runs").status_code == 200
    with locked.client(cookies={COOKIE: "forged"}) as client:
        assert client.get("/").status_code == 401


def test_without_a_token_only_loopback_names_are_answered(tmp_path):
    with LiveServer(create_app(load_settings(db=tmp_path / "w.db"))) as server:
        with server.client() as client:
            assert client.get("/api/runs").status_code == 200
            assert client.get("/api/runs", headers={"Host": "localhost:1"}).status_code == 200
            # what DNS rebinding would send: a page on evil.example resolving to 127.0.0.1
            r = client.get("/api/runs", headers={"Host": "evil.example:8080"})
            assert r.status_code == 400 and "not a loopback name" in r.json()["error"]
            for host in ("127.0.0.1:9", "LOCALHOST", "[::1]", "[::1]:8080"):
                assert client.get("/api/runs", headers={"Host": host}).status_code == 200, host
            # names that only start like loopback ones, as a rebinding page would use
            for host in (
                "127.0.0.1.evil.example",
                "127.attacker.example",
                "127.0.0.2",
                "localhost.evil.example:8080",
                "[::1].evil.example",
                "[::1]evil",
                "",
            ):
                r = client.get("/api/runs", headers={"Host": host})
                assert r.status_code == 400, host
                r = client.post("/api/runs", headers={"Host": host}, json={})
                assert r.status_code == 400, host


def test_every_page_forbids_framing_sniffing_and_foreign_scripts(tmp_path):
    with LiveServer(create_app(load_settings(db=tmp_path / "w.db"))) as server:
        with server.client() as client:
            for path in ("/", "/api/runs", "/runs/nope", "/openapi.json"):
                r = client.get(path)
                assert r.headers["x-content-type-options"] == "nosniff", path
                assert r.headers["x-frame-options"] == "DENY", path
                csp = r.headers["content-security-policy"]
                assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
                assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
            # refused requests carry them too
            r = client.get("/", headers={"Host": "evil.example"})
            assert r.headers["x-frame-options"] == "DENY"


def test_the_token_redirect_stays_on_this_server(locked):
    """``GET //evil.example/?token=...`` once redirected to ``//evil.example/``: another
    site, for a browser. The path sent as it is (an HTTP client would resolve it)."""
    host, port = locked.url.removeprefix("http://").split(":")
    for raw in ("//evil.example/", "/\\evil.example/", "///evil.example/x"):
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.request("GET", f"{raw}?token={TOKEN}")
        r = conn.getresponse()
        location = r.getheader("location")
        conn.close()
        assert r.status == 303, raw
        assert location.startswith("/") and not location.startswith(("//", "/\\")), location


def test_serving_beyond_loopback_needs_a_token(tmp_path, monkeypatch):
    for host in ("127.0.0.1", "localhost", "::1", "[::1]"):
        check_bind(host, None)
    with pytest.raises(ConfigError, match=TOKEN_ENV):
        check_bind("0.0.0.0", None)
    check_bind("0.0.0.0", TOKEN)
    with pytest.raises(ConfigError, match="at least 32"):
        check_bind("0.0.0.0", "x")
    with pytest.raises(ConfigError, match="at least 32"):
        create_app(load_settings(db=tmp_path / "w.db"), token="short")

    monkeypatch.delenv(TOKEN_ENV, raising=False)
    result = CliRunner().invoke(
        cli_app, ["serve", "--host", "0.0.0.0", "--db", str(tmp_path / "w.db")]
    )
    assert isinstance(result.exception, ConfigError)
    assert "needs a token" in str(result.exception)
