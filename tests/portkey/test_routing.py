"""Per-category routing: `report --portkey-configs` writes conditional.json from the groups
that switch on their own, gives the mixed policy's paired figures from the stored answers,
and the real local gateway accepts the file and routes by metadata as written."""

import json

import httpx
import pytest
from typer.testing import CliRunner

from tests.fakes import make_results_db
from whichmodel.cli import app
from whichmodel.portkey.deploy import load_config
from whichmodel.records.verdict import PriceInfo
from whichmodel.results.routing import routing_policy
from whichmodel.verdict.routing import policy_change

BASE = "portkey/openai/fake-base"
CAND = "portkey/openai/fake-cand"
runner = CliRunner()


def toml(tmp_path, fake):
    path = tmp_path / "whichmodel.toml"
    path.write_text(
        f'[providers.openai]\ncustom_headers = {{ "x-portkey-custom-host" = "{fake.base_url}" }}\n'
    )
    return path


def ask(gateway, config, metadata=None):
    headers = {"x-portkey-config": json.dumps(config)}
    if metadata is not None:
        headers["x-portkey-metadata"] = json.dumps(metadata)
    body = {"model": "whatever-the-app-asks", "messages": [{"role": "user", "content": "hi"}]}
    response = httpx.post(f"{gateway.url}/v1/chat/completions", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_conditional_config_routes_each_category_through_the_gateway(
    gateway, fake_provider, tmp_path
):
    store, run_id = make_results_db(tmp_path / "w.db", base=BASE, cand=CAND)
    out = tmp_path / "deploy"
    result = runner.invoke(
        app,
        ["report", "--db", str(store.path), "--portkey-configs", str(out)],
        env={"WHICHMODEL_CONFIG": str(toml(tmp_path, fake_provider))},
    )
    assert result.exit_code == 0, result.output
    # writing: equal quality at 40% of the price -> switch; math: -5% -> stays
    assert "by metadata.category: writing -> portkey/openai/fake-cand" in result.output
    assert "Mixed policy vs fake-base alone, on the run's 40 prompts (20 routed)" in result.output
    assert "-30.0% cost (95% CI" in result.output and "+0.0% quality" in result.output

    written = json.loads((out / "conditional.json").read_text())
    assert written["strategy"]["mode"] == "conditional"
    assert written["strategy"]["default"] == "openai-fake-base"
    assert all(t["api_key"] == "${OPENAI_API_KEY}" for t in written["targets"])  # no key
    config = load_config(out / "conditional.json", {"OPENAI_API_KEY": "sk-test"})

    fake_provider.clear()
    ask(gateway, config, {"category": "writing"})
    ask(gateway, config, {"category": "math"})
    ask(gateway, config, {"category": "poetry"})  # a category the run never saw
    ask(gateway, config)  # no metadata at all
    assert [r.model for r in fake_provider.requests] == [
        "fake-cand",
        "fake-base",
        "fake-base",
        "fake-base",
    ]


def test_route_by_another_metadata_key(gateway, fake_provider, tmp_path):
    store, run_id = make_results_db(tmp_path / "w.db", base=BASE, cand=CAND)
    # the application tags its calls with "feature": the same split under another name
    store.db.execute(
        "update prompts set metadata = json_object('feature', "
        "case category when 'writing' then 'drafts' else 'calc' end)"
    )
    store.db.conn.commit()
    policy = routing_policy(store, run_id, "feature")
    assert policy.routes == {"drafts": CAND}
    out = tmp_path / "deploy"
    result = runner.invoke(
        app,
        [
            "report",
            "--db",
            str(store.path),
            "--portkey-configs",
            str(out),
            "--route-by",
            "feature",
        ],
        env={"WHICHMODEL_CONFIG": str(toml(tmp_path, fake_provider))},
    )
    assert result.exit_code == 0, result.output
    config = load_config(out / "conditional.json", {"OPENAI_API_KEY": "sk-test"})
    assert config["strategy"]["conditions"][0]["query"] == {"metadata.feature": {"$eq": "drafts"}}
    fake_provider.clear()
    ask(gateway, config, {"feature": "drafts"})
    ask(gateway, config, {"category": "writing"})  # not the key routed on
    assert [r.model for r in fake_provider.requests] == ["fake-cand", "fake-base"]


def test_no_group_that_switches_writes_no_routing_config(tmp_path):
    store, run_id = make_results_db(tmp_path / "w.db", prompts=8)  # too few to decide
    out = tmp_path / "deploy"
    result = runner.invoke(app, ["report", "--db", str(store.path), "--portkey-configs", str(out)])
    assert result.exit_code == 0, result.output
    assert "no routing config written" in result.output
    assert "no group switches on its own" in result.output
    assert not (out / "conditional.json").exists()


def row(prompt, model, category, cost, quality, refused=False):
    return {
        "prompt_id": prompt,
        "model": model,
        "category": category,
        "status": "ok",
        "cost_usd": cost,
        "quality": quality,
        "refused": refused,
    }


def test_policy_figures_pair_each_prompt_with_the_model_it_is_routed_to():
    rows = []
    for i in range(10):
        cat = "a" if i < 5 else "b"
        rows.append(row(f"p{i}", BASE, cat, 1.0, 0.8))
        rows.append(row(f"p{i}", CAND, cat, 0.5, 0.6 if cat == "b" else 0.8, refused=i == 0))
    prices = {BASE: PriceInfo(True, "x"), CAND: PriceInfo(True, "x")}
    prompts, routed, change = policy_change(rows, baseline=BASE, routes={"a": CAND}, prices=prices)
    assert (prompts, routed) == (10, 5)
    # half the prompts at half the price: -25% cost; their quality unchanged
    assert change.cost_change_percent.estimate == pytest.approx(-25.0)
    assert change.quality_change_percent.estimate == pytest.approx(0.0)
    assert change.refusal_change_points.estimate == pytest.approx(10.0)  # p0 refused
    # routing b as well brings its lower quality in
    _, _, both = policy_change(rows, baseline=BASE, routes={"a": CAND, "b": CAND}, prices=prices)
    assert both.quality_change_percent.estimate == pytest.approx(-12.5)
    # nothing routed: no figures to give
    assert policy_change(rows, baseline=BASE, routes={}, prices=prices)[2] is None
