"""A switch recommendation as Portkey configs (whichmodel/deploy.py): the JSON, the real
local gateway routing by it, and `whichmodel report --portkey-configs`."""

from __future__ import annotations

import json
import math

import httpx
import pytest
from typer.testing import CliRunner

from tests.fakes import BASE, CAND, make_results_db
from whichmodel.cli import UsageError, app
from whichmodel.config import ModelSettings, ProviderSettings, Settings
from whichmodel.errors import ConfigError
from whichmodel.portkey import deploy
from whichmodel.records.verdict import Recommendation

SECRET = "sk-FAKE-SECRET-d3adb33f"
VK_SECRET = "vk-FAKE-SECRET-c0ffee"
HEADER_SECRET = "pk-FAKE-SECRET-HEADER"
HOST = "http://127.0.0.1:9999/v1"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in ("PORTKEY_CUSTOM_HEADERS", "WHICHMODEL_CONFIG", "WHICHMODEL_DB"):
        monkeypatch.delenv(name, raising=False)


def settings(**providers: ProviderSettings) -> Settings:
    return Settings(providers=providers)


def switch(recommended: str = CAND, baseline: str = BASE, decision: str = "switch"):
    return Recommendation(
        run_id="run0001",
        decision=decision,
        recommended_model=recommended,
        baseline=baseline,
        reasoning="",
        cost_reduction_percent=0.0,
        quality_impact_percent=None,
        models_compared=2,
        tolerance=0.05,
        refusal_margin=0.01,
        models=[],
        comparisons=[],
    )


# ---------------------------------------------------------------- the JSON


def test_fallback_puts_the_recommended_model_first():
    cfg = deploy.fallback_config(switch(), settings())
    assert cfg["strategy"] == {
        "mode": "fallback",
        "on_status_codes": [408, 429, 500, 502, 503, 504],
    }
    assert cfg["targets"] == [
        {
            "provider": "google",
            "api_key": "${GOOGLE_API_KEY}",
            "override_params": {"model": "gemini-2.0-flash-lite"},
        },
        {
            "provider": "openai",
            "api_key": "${OPENAI_API_KEY}",
            "override_params": {"model": "gpt-4o-mini"},
        },
    ]


@pytest.mark.parametrize("share", [0.1, 0.25, 0.9, 0.001])
def test_canary_weights(share):
    cfg = deploy.canary_config(switch(), settings(), share)
    assert cfg["strategy"] == {"mode": "loadbalance"}
    recommended, baseline = cfg["targets"]
    assert recommended["override_params"]["model"] == "gemini-2.0-flash-lite"
    assert baseline["override_params"]["model"] == "gpt-4o-mini"
    assert recommended["weight"] == share
    assert math.isclose(recommended["weight"] + baseline["weight"], 1.0)
    assert deploy.canary_config(switch(), settings(), 0.1)["targets"][1]["weight"] == 0.9


@pytest.mark.parametrize("share", [0, 1, -0.1, 1.5, float("nan"), "x"])
def test_bad_share_is_one_clear_line(share):
    with pytest.raises(ConfigError, match="--canary-share must be between 0 and 1") as exc:
        deploy.canary_config(switch(), settings(), share)
    assert "\n" not in str(exc.value)


def test_keep_has_nothing_to_deploy():
    keep = switch(recommended=BASE, decision="keep")
    assert not deploy.is_switch(keep)
    with pytest.raises(ConfigError, match="recommends keeping"):
        deploy.fallback_config(keep, settings())
    assert deploy.fallback_config((CAND, BASE), settings())["targets"][0]["provider"] == "google"


def test_targets_carry_custom_host_settings_and_placeholders_only(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("MY_GOOGLE_KEY", SECRET)
    monkeypatch.setenv("PORTKEY_API_KEY", SECRET)
    s = Settings(
        providers={
            "openai": ProviderSettings(
                custom_headers={
                    "x-portkey-custom-host": HOST + "/",
                    "x-portkey-api-key": HEADER_SECRET,
                    "Authorization": f"Bearer {HEADER_SECRET}",
                },
                virtual_key=VK_SECRET,
                strict_openai_compliance=False,
            ),
            "google": ProviderSettings(api_key_env="MY_GOOGLE_KEY"),
        },
        models={
            CAND: ModelSettings(
                custom_headers={"X-Portkey-Custom-Host": "http://127.0.0.1:7777/v1"},
                params={"reasoning_effort": "low", "model": "ignored"},
            )
        },
    )
    cand, base = deploy.fallback_config(switch(), s)["targets"]
    assert cand == {
        "provider": "google",
        "api_key": "${MY_GOOGLE_KEY}",
        "override_params": {"reasoning_effort": "low", "model": "gemini-2.0-flash-lite"},
        "custom_host": "http://127.0.0.1:7777/v1",
    }
    assert base == {
        "provider": "openai",
        "virtual_key": "${OPENAI_VIRTUAL_KEY}",
        "override_params": {"model": "gpt-4o-mini"},
        "custom_host": HOST,
        "strict_open_ai_compliance": False,
    }
    text = json.dumps([deploy.fallback_config(switch(), s), deploy.canary_config(switch(), s)])
    for secret in (SECRET, VK_SECRET, HEADER_SECRET):
        assert secret not in text
    notes = " ".join(deploy.notes(switch(), s))
    assert "${MY_GOOGLE_KEY}" in notes and "${OPENAI_VIRTUAL_KEY}" in notes
    assert "authorization, x-portkey-api-key not written" in notes
    assert SECRET not in notes and HEADER_SECRET not in notes


def test_custom_host_with_credentials_is_refused():
    s = settings(
        openai=ProviderSettings(custom_headers={"x-portkey-custom-host": "http://u:p@h/v1"})
    )
    with pytest.raises(ConfigError, match="credentials"):
        deploy.fallback_config(switch(), s)


def test_write_and_load(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("GOOGLE_API_KEY", SECRET)
    paths = deploy.write_configs(tmp_path / "out", switch(), settings(), 0.2)
    assert [p.name for p in paths] == ["fallback.json", "canary.json"]
    for path in paths:
        assert SECRET not in path.read_text()
    loaded = deploy.load_config(paths[1])
    assert [t["api_key"] for t in loaded["targets"]] == [SECRET, SECRET]
    assert [t["weight"] for t in loaded["targets"]] == [0.2, 0.8]
    monkeypatch.delenv("GOOGLE_API_KEY")
    with pytest.raises(ConfigError, match="Set GOOGLE_API_KEY in the environment"):
        deploy.load_config(paths[0])
    with pytest.raises(ConfigError, match="--canary-share"):
        deploy.write_configs(tmp_path / "bad", switch(), settings(), 2)
    assert not (tmp_path / "bad").exists()


# ---------------------------------------------------------------- the real gateway

KEYS = {"OPENAI_API_KEY": "sk-test-openai", "ANTHROPIC_API_KEY": "sk-test-anthropic"}


def gateway_settings(fake) -> Settings:
    host = {"x-portkey-custom-host": fake.base_url}
    return settings(
        openai=ProviderSettings(custom_headers=host),
        anthropic=ProviderSettings(custom_headers=host),
    )


def send(gateway, config: dict, client: httpx.Client | None = None) -> httpx.Response:
    """One chat request as an application would send it: only the config header."""
    post = (client or httpx).post
    return post(
        f"{gateway.url}/v1/chat/completions",
        headers={"x-portkey-config": json.dumps(deploy.resolve(config, KEYS))},
        json={
            "model": "whatever-the-app-asks",
            "messages": [{"role": "user", "content": "What is the capital of France?"}],
            "max_tokens": 32,
        },
        timeout=20,
    )


def test_gateway_falls_back_to_the_baseline(gateway, fake_provider):
    rec = switch("portkey/openai/fake-500", "portkey/anthropic/claude-base")
    response = send(gateway, deploy.fallback_config(rec, gateway_settings(fake_provider)))

    assert response.status_code == 200, response.text
    assert response.json()["choices"][0]["message"]["content"].startswith("echo:")
    assert response.headers["x-portkey-last-used-option-index"] == "config.targets[1]"
    assert response.headers["x-portkey-provider"] == "anthropic"
    seen = [(r.model, r.path) for r in fake_provider.requests]
    assert seen == [("fake-500", "/v1/chat/completions"), ("claude-base", "/v1/messages")]
    first, second = fake_provider.requests
    assert first.headers["authorization"] == "Bearer sk-test-openai"
    assert second.headers["x-api-key"] == "sk-test-anthropic"


def test_gateway_calls_only_the_recommended_model_when_it_works(gateway, fake_provider):
    rec = switch("portkey/openai/cand-ok", "portkey/anthropic/claude-base")
    response = send(gateway, deploy.fallback_config(rec, gateway_settings(fake_provider)))

    assert response.status_code == 200, response.text
    assert response.headers["x-portkey-last-used-option-index"] == "config.targets[0]"
    assert [r.model for r in fake_provider.requests] == ["cand-ok"]
    assert fake_provider.last.body["model"] == "cand-ok"  # override_params won


def test_gateway_does_not_fall_back_on_a_request_error(gateway, fake_provider):
    rec = switch("portkey/openai/fake-400", "portkey/openai/base-ok")
    response = send(gateway, deploy.fallback_config(rec, gateway_settings(fake_provider)))

    assert response.status_code == 400
    assert fake_provider.count(model="base-ok") == 0


@pytest.mark.parametrize("share", [0.25, 0.9])
def test_gateway_canary_share(gateway, fake_provider, share):
    n = 200
    rec = switch("portkey/openai/cand-ok", "portkey/anthropic/claude-base")
    config = deploy.canary_config(rec, gateway_settings(fake_provider), share)
    with httpx.Client() as client:
        statuses = [send(gateway, config, client).status_code for _ in range(n)]

    assert statuses == [200] * n
    to_candidate = fake_provider.count(model="cand-ok")
    assert to_candidate + fake_provider.count(model="claude-base") == n
    # binomial(n, share): within 5 standard deviations (false alarm < 1e-6)
    sd = math.sqrt(n * share * (1 - share))
    assert abs(to_candidate - n * share) <= 5 * sd, (to_candidate, n * share)
    assert 0 < to_candidate < n


# ---------------------------------------------------------------- the command

runner = CliRunner()


def test_report_writes_configs_from_a_stored_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("GOOGLE_API_KEY", SECRET)
    db = tmp_path / "w.db"
    make_results_db(db)
    out = tmp_path / "deploy"
    result = runner.invoke(
        app, ["report", "--db", str(db), "--portkey-configs", str(out), "--canary-share", "0.25"]
    )
    assert result.exit_code == 0, result.output
    assert "Portkey configs written" in result.output
    assert "${GOOGLE_API_KEY}" in result.output

    fallback = json.loads((out / "fallback.json").read_text())
    canary = json.loads((out / "canary.json").read_text())
    models = [t["override_params"]["model"] for t in fallback["targets"]]
    assert models == ["gemini-2.0-flash-lite", "gpt-4o-mini"]
    assert [t["weight"] for t in canary["targets"]] == [0.25, 0.75]
    for path in out.iterdir():
        assert SECRET not in path.read_text()

    # --json keeps stdout machine-readable; the note goes to stderr
    result = runner.invoke(
        app, ["report", "run0001", "--json", "--db", str(db), "--portkey-configs", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["decision"] == "switch"
    assert json.loads((out / "canary.json").read_text())["targets"][0]["weight"] == 0.1


def test_report_keep_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "w.db"
    store, run_id = make_results_db(db)
    rec = store.recommendation(run_id)
    keep = rec.model_copy(update={"decision": "keep", "recommended_model": BASE})
    store.save_recommendation(keep)
    out = tmp_path / "deploy"
    result = runner.invoke(app, ["report", "--db", str(db), "--portkey-configs", str(out)])
    assert result.exit_code == 0, result.output
    assert "no fallback or canary config written (nothing to deploy)" in result.output
    assert not (out / "fallback.json").exists() and not (out / "canary.json").exists()


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["--portkey-configs", "{out}", "--canary-share", "1.5"], ConfigError),
        (["--portkey-configs", "{out}", "--canary-share", "0"], ConfigError),
        (["--canary-share", "0.2"], UsageError),
    ],
)
def test_report_rejects_a_bad_share(tmp_path, monkeypatch, argv, error):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "w.db"
    make_results_db(db)
    out = tmp_path / "deploy"
    argv = [a.replace("{out}", str(out)) for a in argv]
    result = runner.invoke(app, ["report", "--db", str(db), *argv])
    assert isinstance(result.exception, error)
    assert "\n" not in str(result.exception)
    assert not out.exists()
