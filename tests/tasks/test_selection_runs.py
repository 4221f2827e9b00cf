"""A run over a chosen part of the history: `whichmodel eval --sample/--stratify/--where`
as a user runs it, the choice stored with the run and shown in its report, and a
resumed run evaluating exactly the prompts it started with."""

import json
import subprocess
import sys
from collections import Counter

from tests.fakes import wire_env
from tests.history.test_selection import log_line
from tests.tasks.test_evaluation_gateway import judge_responder
from whichmodel.config import load_settings
from whichmodel.history.importer import import_history
from whichmodel.history.selection import Selection
from whichmodel.store import Store
from whichmodel.tasks.evaluation import Evaluation, resume_run

BASE = "portkey/openai/fake-base"
CAND = "portkey/openai/fake-cand"
JUDGE = "portkey/openai/judge"


def write_log(path, n=60):
    path.write_text("".join(json.dumps(log_line(i)) + "\n" for i in range(n)))


def asked(fake, model):
    """The questions ``model`` was asked (each once)."""
    return {r.body["messages"][-1]["content"] for r in fake.requests if r.model == model and r.body}


def test_cli_eval_on_a_stratified_filtered_sample(gateway, fake_provider, tmp_path):
    fake_provider.set("judge", responder=judge_responder)
    fake_provider.set(
        "fake-base", responder=lambda b, p, h: "base says " + b["messages"][-1]["content"]
    )
    write_log(tmp_path / "history.jsonl")
    env = wire_env(gateway, fake_provider, str(tmp_path / "w.db"), WHICHMODEL_RETRIES="0")
    cmd = [sys.executable, "-m", "whichmodel.cli"]
    run = dict(env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    out = subprocess.run([*cmd, "import", "history.jsonl"], **run)
    assert out.returncode == 0, out.stderr
    out = subprocess.run(
        [
            *cmd,
            "eval",
            "--baseline",
            BASE,
            "--candidate",
            CAND,
            "--judge",
            JUDGE,
            "--sample",
            "12",
            "--seed",
            "3",
            "--stratify",
            "model",
            "--where",
            "metadata.team=a",
            "--output",
            "rec.json",
        ],
        **run,
    )
    assert out.returncode in (0, 3), out.stderr[-2000:]
    description = (
        "12 of 60 prompts: where metadata.team = a; a stratified by model "
        "(gpt-4o 2, gpt-4o-mini 10) random sample of 12 (seed 3)"
    )
    assert f"Prompts: {description}." in out.stdout
    questions = asked(fake_provider, "fake-cand")
    assert len(questions) == 12
    numbers = [int(q.split()[1]) for q in questions]
    assert all(n % 2 for n in numbers)  # team a: the odd questions
    assert Counter("gpt-4o" if n % 10 < 3 else "mini" for n in numbers) == {"gpt-4o": 2, "mini": 10}
    rec = json.loads((tmp_path / "rec.json").read_text())
    assert rec["sample"] == description
    store = Store(tmp_path / "w.db")
    run_row = store.run(rec["run_id"])
    assert run_row.selection["seed"] == 3 and run_row.selection["where"] == {"team": "a"}
    # the report of the stored run says how its prompts were chosen
    out = subprocess.run([*cmd, "report", rec["run_id"]], **run)
    assert f"Prompts: {description}." in out.stdout


async def test_a_resumed_run_evaluates_the_prompts_it_started_with(
    gateway, fake_provider, tmp_path
):
    fake_provider.set("judge", responder=judge_responder)
    write_log(tmp_path / "history.jsonl")
    store = Store(tmp_path / "w.db")
    import_history(store, tmp_path / "history.jsonl")
    host = {"x-portkey-custom-host": fake_provider.base_url}
    settings = load_settings(
        baseline=BASE,
        candidates=[CAND],
        judge=JUDGE,
        providers={"openai": {"base_url": gateway.url, "custom_headers": host}},
    )
    evaluation = Evaluation(store, settings)
    run_id = evaluation.start(selection=Selection(sample=7, seed=11))
    chosen = store.run_prompt_ids(run_id)
    # more history arrives before the run is finished: the run keeps its own prompts
    more = tmp_path / "more.jsonl"
    more.write_text("".join(json.dumps(log_line(i)) + "\n" for i in range(60, 90)))
    import_history(store, more)
    store.finish_run(run_id, "interrupted", "test")
    rec = await resume_run(store, settings, run_id)
    assert rec.sample.startswith("7 of 60 prompts")
    expected = {p.messages[-1]["content"] for p in store.prompts(chosen)}
    assert asked(fake_provider, "fake-cand") == expected
    assert {r.prompt_id for r in store.responses(run_id)} == set(chosen)
