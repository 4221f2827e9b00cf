"""End to end on the wire: Langroid agents -> the real Portkey gateway -> a fake provider,
by the OpenAI and the Anthropic routes, with SQLite checked afterwards."""

import json
import subprocess
import sys

import pytest

from tests.fake_provider import Reply
from tests.fakes import wire_env
from whichmodel.config import load_settings
from whichmodel.store import Store
from whichmodel.tasks.evaluation import run_evaluation

BASE = "portkey/openai/fake-base"
CAND = "portkey/anthropic/fake-cand"
FILTERED = "portkey/openai/fake-filter"
BROKEN = "portkey/openai/fake-500"
JUDGE = "portkey/openai/judge"
PRICE = {"input_mtok": 1.0, "output_mtok": 2.0, "note": "test price"}


def judge_responder(body, path, headers):
    answer = body["messages"][-1]["content"]
    refused = False
    quality = 0.9 if "base says" in answer else 0.88
    return json.dumps(
        {
            "request": "score",
            "accuracy": quality,
            "relevance": quality,
            "clarity": quality,
            "refused": refused,
            "rationale": "scripted",
        }
    )


def settings_for(gateway, fake, **kw):
    host = {"x-portkey-custom-host": fake.base_url}
    kw.setdefault("candidates", [CAND, FILTERED, BROKEN])
    # the judge's controls have tests of their own; counts here are exact
    kw.setdefault("judge_controls", 0)
    return load_settings(
        baseline=BASE,
        judge=JUDGE,
        concurrency=4,
        retries=1,
        max_tokens=64,
        providers={
            "openai": {"base_url": gateway.url, "custom_headers": host},
            "anthropic": {"base_url": gateway.url, "custom_headers": host},
        },
        prices={
            BASE: PRICE,
            CAND: {**PRICE, "input_mtok": 0.5, "output_mtok": 1.0},
            FILTERED: PRICE,
            BROKEN: PRICE,
            JUDGE: PRICE,
        },
        **kw,
    )


@pytest.fixture
def scripted_fake(fake_provider):
    fake_provider.set(
        "fake-base", responder=lambda b, p, h: "base says " + b["messages"][-1]["content"]
    )
    fake_provider.set(
        "fake-cand", responder=lambda b, p, h: Reply("cand says hello", cached_tokens=2)
    )
    fake_provider.set("judge", responder=judge_responder)
    return fake_provider


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "w.db")
    s.add_prompts(
        [
            {
                "messages": [{"role": "user", "content": "What is the capital of France?"}],
                "reference": "Paris",
            },
            {
                "messages": [
                    {"role": "system", "content": "Be terse."},
                    {"role": "user", "content": "Hi"},
                    {"role": "assistant", "content": "Hello"},
                    {"role": "user", "content": "Name a colour."},
                ]
            },
        ]
    )
    return s


async def test_evaluation_through_the_real_gateway(gateway, scripted_fake, store):
    fake = scripted_fake
    rec = await run_evaluation(store, settings_for(gateway, fake))
    run_id = rec.run_id

    # --- what the provider received
    base_calls = [r for r in fake.requests if r.model == "fake-base"]
    cand_calls = [r for r in fake.requests if r.model == "fake-cand"]
    assert {r.path for r in base_calls} == {"/v1/chat/completions"}
    assert {r.path for r in cand_calls} == {"/v1/messages"}  # translated by the gateway
    assert all(r.body["max_tokens"] == 64 for r in cand_calls)
    multi = next(r for r in cand_calls if "Name a colour." in json.dumps(r.body))
    assert [m["role"] for m in multi.body["messages"]] == ["user", "assistant", "user"]
    assert "Be terse." in json.dumps(multi.body["system"])
    # exactly one retry layer: retries=1 -> 2 upstream calls per prompt, no more
    assert fake.count(model="fake-500") == 2 * 2
    # the judge saw the reference answer
    judge_calls = [r for r in fake.requests if r.model == "judge"]
    assert any("Paris" in r.body["messages"][-1]["content"] for r in judge_calls)

    # --- what SQLite holds
    rows = {(r.prompt_id, r.model): r for r in store.responses(run_id)}
    assert len(rows) == 2 * 4
    for r in rows.values():
        gw = r.gateway
        assert gw["x-portkey-trace-id"] == r.trace_id
        assert r.trace_id.startswith(f"wm-{run_id}-{r.prompt_id}-")
    ok = [r for r in rows.values() if r.model in (BASE, CAND)]
    assert all(r.status == "ok" and r.input_tokens > 0 and r.output_tokens > 0 for r in ok)
    assert all(r.cost_usd > 0 and r.price_source == "config: test price" for r in ok)
    cand_rows = [r for r in ok if r.model == CAND]
    # Anthropic input excludes cache reads; stored input counts them
    assert all(r.cached_tokens == 2 for r in cand_rows)
    assert all(r.usage["prompt_tokens"] + 2 == r.input_tokens for r in cand_rows)
    filtered = [r for r in rows.values() if r.model == FILTERED]
    assert all(
        r.refused == 1 and r.refusal_reason == "provider:content_filter" for r in filtered
    )
    broken = [r for r in rows.values() if r.model == BROKEN]
    assert all(r.status == "error" and "500" in r.error for r in broken)

    scores = store.scores(run_id)
    assert len(scores) == 2 * 3  # errors are not judged
    assert all(s.status == "scored" and s.quality is not None for s in scores)
    assert all(s.cost_usd > 0 for s in scores)
    assert store.run(run_id).status == "completed"

    # --- the recommendation matches the rows
    assert store.recommendation(run_id) == rec
    # two prompts cannot show non-inferiority: keep the baseline for now, and say how many
    # prompts would decide (the candidate is cheaper and scored about as well)
    assert rec.recommended_model == BASE and rec.decision == "undecided"
    cand = next(c for c in rec.comparisons if c.model == CAND)
    assert cand.status == "undecided" and cand.prompts_needed >= 10
    assert cand.cost_change.estimate < 0
    assert "would decide it (this run has 2)" in rec.reasoning
    by_model = {m.model: m for m in rec.models}
    assert by_model[BROKEN].error_rate == 1.0
    assert by_model[FILTERED].refusal_rate == 1.0
    base_cost = sum(r.cost_usd for r in ok if r.model == BASE)
    assert by_model[BASE].cost_usd == pytest.approx(base_cost)
    assert rec.judge_cost_usd == pytest.approx(sum(s.cost_usd for s in scores))


async def test_a_priced_judge_reports_its_cost_with_its_controls(gateway, scripted_fake, store):
    """The judge's controls (ordering and repeat) are judge calls like any: each control
    row carries its own calls' cost, so a priced judge's cost is known and counted."""
    rec = await run_evaluation(
        store, settings_for(gateway, scripted_fake, candidates=[CAND], judge_controls=2)
    )
    controls = store.judge_controls(rec.run_id)
    assert {c.kind.split(":")[0] for c in controls} == {"ordering", "repeat"}
    assert all(c.cost_usd is not None and c.cost_usd > 0 for c in controls)
    scores = store.scores(rec.run_id)
    expected = sum(s.cost_usd for s in scores) + sum(c.cost_usd for c in controls)
    assert rec.judge_cost_usd == pytest.approx(expected)
    assert not [w for w in rec.warnings if "judge" in w and "unknown" in w], rec.warnings


def test_cli_eval_with_langroid_portkey_env_vars(gateway, scripted_fake, tmp_path):
    """`whichmodel import` + `eval` as a user runs them, configured only by PORTKEY_* variables."""
    history = tmp_path / "history.jsonl"
    history.write_text(
        json.dumps({"prompt": "Capital of France?", "reference": "Paris"})
        + "\n"
        + json.dumps({"prompt": "2+2?"})
        + "\n"
    )
    toml = tmp_path / "whichmodel.toml"
    toml.write_text(
        '[prices."portkey/openai/fake-base"]\ninput_mtok = 1.0\noutput_mtok = 2.0\n'
        '[prices."portkey/anthropic/fake-cand"]\ninput_mtok = 0.1\noutput_mtok = 0.2\n'
    )
    env = wire_env(
        gateway,
        scripted_fake,
        str(tmp_path / "w.db"),
        WHICHMODEL_RETRIES="1",
        WHICHMODEL_JUDGE_CONTROLS="0",
    )
    cmd = [sys.executable, "-m", "whichmodel.cli"]
    out = subprocess.run(
        [*cmd, "import", str(history)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    out = subprocess.run(
        [
            *cmd,
            "eval",
            "--baseline",
            BASE,
            "--candidate",
            CAND,
            "--candidate",
            BROKEN,
            "--judge",
            JUDGE,
            "--output",
            "rec.json",
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 3, out.stderr  # 2 prompts cannot decide: undecided
    # a failing provider ends as error rows and a summary line, not tracebacks
    assert "Traceback" not in out.stderr and "Error in OpenAIGPT" not in out.stderr
    assert "fake-500: 2 of 2 calls failed" in out.stdout
    assert "Estimated cost at most: candidates $" in out.stdout
    assert "prices unknown for 2 model(s)" in out.stdout  # fake-500 and the judge
    data = json.loads((tmp_path / "rec.json").read_text())
    assert list(data)[:5] == [
        "recommended_model",
        "reasoning",
        "cost_reduction_percent",
        "quality_impact_percent",
        "models_compared",
    ]
    assert data["models_compared"] == 3
    for m in data["models"]:
        for key in (
            "cost_usd",
            "cost_per_1k_prompts_usd",
            "quality",
            "refusal_rate",
            "error_rate",
            "latency_p50_ms",
            "latency_p95_ms",
            "prompts",
            "scored",
        ):
            assert key in m
    assert "Switching from fake-base to fake-cand" in out.stdout or "Keep" in out.stdout
    store = Store(tmp_path / "w.db")
    assert store.recommendation(data["run_id"]).model_dump(mode="json") == data
    assert len(store.responses(data["run_id"])) == 6
    report = subprocess.run(
        [*cmd, "report", "--json"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert json.loads(report.stdout) == data


def test_api_keys_never_reach_files_logs_or_reports(gateway, scripted_fake, tmp_path):
    """An evaluation with recognisable keys; every file written and all output is scanned."""
    secret = "SECRET-7f3a9c"
    history = tmp_path / "history.jsonl"
    history.write_text(json.dumps({"prompt": "Capital of France?"}) + "\n")
    (tmp_path / "whichmodel.toml").write_text(
        '[providers.openai]\ncustom_headers = {"x-portkey-api-key" = "pk-toml-' + secret + '"}\n'
        # a key in a per-model header, under a name that does not look secret
        f'[models."{CAND}"]\ncustom_headers = {{"x-team-route" = "model-{secret}"}}\n'
    )
    env = wire_env(
        gateway,
        scripted_fake,
        str(tmp_path / "w.db"),
        PORTKEY_API_KEY=f"pk-{secret}",
        OPENAI_API_KEY=f"sk-{secret}",
        ANTHROPIC_API_KEY=f"sk-ant-{secret}",
    )
    cmd = [sys.executable, "-m", "whichmodel.cli"]
    outputs = []
    for args in (
        [
            "eval",
            "--prompts",
            str(history),
            "--baseline",
            BASE,
            "--candidate",
            CAND,
            "--candidate",
            BROKEN,
            "--judge",
            JUDGE,
            "--output",
            "rec.json",
        ],
        ["report"],
        ["report", "--json"],
        ["report", "--list"],
        ["report", "--html", "report.html"],
    ):
        out = subprocess.run(
            [*cmd, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
        )
        assert out.returncode in ((0, 3) if args[0] == "eval" else (0,)), out.stderr
        outputs += [out.stdout, out.stderr]
    # the keys were really sent (so the scan below means something)
    assert any(
        r.headers.get("authorization") == f"Bearer sk-{secret}" for r in scripted_fake.requests
    )
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "whichmodel.toml"]
    assert {p.name for p in written} >= {"w.db", "rec.json"}
    for path in written:
        assert secret.encode() not in path.read_bytes(), path
    for text in outputs:
        assert secret not in text
    # the run page of the dashboard shows the stored settings
    from starlette.testclient import TestClient

    from whichmodel.config import load_settings
    from whichmodel.web import create_app

    app = create_app(load_settings(db=tmp_path / "w.db"))
    client = TestClient(app, base_url="http://127.0.0.1")
    run_id = json.loads((tmp_path / "rec.json").read_text())["run_id"]
    for path in (f"/runs/{run_id}", f"/api/runs/{run_id}", f"/api/runs/{run_id}/responses"):
        page = client.get(path)
        assert page.status_code == 200 and secret not in page.text, path
    assert "x-team-route" in client.get(f"/runs/{run_id}").text  # the name, not the value


async def test_same_prompts_again_cost_nothing_unless_no_cache(gateway, scripted_fake, store):
    fake = scripted_fake
    settings = settings_for(gateway, fake).model_copy(update={"candidates": [CAND]})
    first = await run_evaluation(store, settings)
    calls = len(fake.requests)
    assert calls > 0
    second = await run_evaluation(store, settings)  # a new run, same prompts and models
    assert len(fake.requests) == calls  # no provider call at all
    rows = store.responses(second.run_id)
    assert len(rows) == 4 and all(r.cache_hit == 1 for r in rows)
    assert all(s.cache_hit == 1 and s.cost_usd == 0 for s in store.scores(second.run_id))
    assert [m.quality for m in second.models] == [m.quality for m in first.models]
    assert [m.cost_usd for m in second.models] == [m.cost_usd for m in first.models]
    await run_evaluation(store, settings.model_copy(update={"cache": False}))
    assert len(fake.requests) == 2 * calls


async def test_spending_limit_stops_cleanly_and_resumes(gateway, scripted_fake, tmp_path):
    from whichmodel.errors import BudgetError
    from whichmodel.tasks.evaluation import Evaluation, resume_run

    store = Store(tmp_path / "w.db")
    store.add_prompts([{"messages": [{"role": "user", "content": f"q{i}"}]} for i in range(8)])
    settings = settings_for(gateway, scripted_fake).model_copy(
        update={"candidates": [CAND], "concurrency": 2}
    )
    evaluation = Evaluation(store, settings)
    answers_est, judge_est = evaluation.estimate_run()
    assert answers_est > 0 and judge_est > 0
    limit = (answers_est + judge_est) / 3
    with pytest.raises(BudgetError, match=r"Stopped before the \$.*whichmodel eval --resume"):
        await run_evaluation(store, settings.model_copy(update={"max_cost": limit}))
    run = store.runs()[0]
    assert run.status == "stopped"
    spent = sum(r.cost_usd for r in store.responses(run.id)) + sum(
        s.cost_usd for s in store.scores(run.id)
    )
    assert 0 < spent <= limit  # never past the limit
    assert 0 < len(store.scores(run.id)) < 16
    rec = await resume_run(store, settings.model_copy(update={"max_cost": 10.0}), run.id)
    assert len(store.scores(rec.run_id)) == 16 and store.run(run.id).status == "completed"


async def test_spending_limit_needs_known_prices(gateway, scripted_fake, store):
    from whichmodel.errors import ConfigError

    settings = settings_for(gateway, scripted_fake).model_copy(
        update={"candidates": [CAND], "prices": {}, "max_cost": 1.0}
    )
    with pytest.raises(ConfigError, match="--max-cost needs a price for every model"):
        await run_evaluation(store, settings)


async def test_anthropic_refusal_stop_reason_reaches_the_detector(gateway, scripted_fake, store):
    refusing = "portkey/anthropic/fake-filter"  # the fake answers with stop_reason "refusal"
    settings = settings_for(gateway, scripted_fake).model_copy(
        update={"candidates": [refusing], "prices": {}}
    )
    rec = await run_evaluation(store, settings)
    rows = [r for r in store.responses(rec.run_id) if r.model == refusing]
    assert rows and all(r.refused == 1 for r in rows)
    assert all(r.refusal_reason.startswith("provider:") for r in rows)
    assert all(r.refusal_kind == "full" for r in rows)
    assert next(m for m in rec.models if m.model == refusing).refusal_rate == 1.0
