"""whichmodel inside other Python and Langroid programs, on the wire (gateway + fake provider)."""

import json

from langroid.agent.chat_agent import ChatAgent, ChatAgentConfig
from langroid.agent.task import Task, TaskConfig

from tests.fakes import make_results_db, scripted
from tests.tasks.test_evaluation_gateway import BASE, CAND, JUDGE, PRICE, judge_responder
from whichmodel import EvaluateModelsTool, evaluate, evaluation_task, recommend
from whichmodel.config import load_settings
from whichmodel.store import Store
from whichmodel.tasks.orchestrator import make_advisor


def wire_settings(gateway, fake, **kw):
    host = {"x-portkey-custom-host": fake.base_url}
    return dict(
        providers={
            "openai": {"base_url": gateway.url, "custom_headers": host},
            "anthropic": {"base_url": gateway.url, "custom_headers": host},
        },
        prices={BASE: PRICE, CAND: {**PRICE, "input_mtok": 0.5}, JUDGE: PRICE},
        max_tokens=32,
        **kw,
    )


def script(fake):
    fake.set("judge", responder=judge_responder)
    fake.set("fake-base", responder=lambda b, p, h: "base says hi")


def test_evaluate_and_recommend_functions(gateway, fake_provider, tmp_path):
    script(fake_provider)
    prompts = tmp_path / "p.jsonl"
    prompts.write_text("".join(json.dumps({"prompt": f"q{i}"}) + "\n" for i in range(3)))
    db = tmp_path / "w.db"
    rec = evaluate(
        baseline=BASE,
        candidates=[CAND],
        judge=JUDGE,
        prompts=prompts,
        db=db,
        **wire_settings(gateway, fake_provider),
    )
    assert rec.models_compared == 2 and len(Store(db).responses(rec.run_id)) == 6
    again = recommend(db)
    assert again == rec
    strict = recommend(db, tolerance=0.0)
    assert strict.tolerance == 0.0 and strict.run_id == rec.run_id


async def test_orchestrator_as_a_sub_task(gateway, fake_provider, tmp_path):
    """A main agent delegates "evaluate these models" to the orchestrator sub-task."""
    script(fake_provider)
    store = Store(tmp_path / "w.db")
    store.add_prompts([{"messages": [{"role": "user", "content": "Capital of France?"}]}])
    settings = load_settings(baseline=BASE, judge=JUDGE, **wire_settings(gateway, fake_provider))
    seen: list[str] = []
    main_agent = ChatAgent(
        ChatAgentConfig(
            name="main",
            llm=scripted(
                [json.dumps({"request": "evaluate_models", "candidates": [CAND]}), "DONE"], seen
            ),
        )
    )
    main_agent.enable_message(EvaluateModelsTool, use=True, handle=False)
    main = Task(
        main_agent,
        interactive=False,
        config=TaskConfig(enable_loggers=False, enable_html_logging=False),
    )
    main.add_sub_task(evaluation_task(store, settings))
    await main.run_async("Which of our candidate models should we use?", turns=3)
    runs = store.runs()
    assert len(runs) == 1 and runs[0].candidates == [CAND]
    assert store.recommendation(runs[0].id) is not None
    # the sub-task's result (the recommendation) came back to the main agent's LLM
    assert f"Run {runs[0].id}" in seen[1]


async def test_advisor_starts_an_evaluation(gateway, fake_provider, tmp_path):
    script(fake_provider)
    store, first = make_results_db(tmp_path / "w.db", prompts=2)
    eval_settings = load_settings(
        baseline=BASE, judge=JUDGE, **wire_settings(gateway, fake_provider)
    )
    seen: list[str] = []
    advisor = make_advisor(
        scripted([json.dumps({"request": "evaluate_models", "candidates": [CAND]}), "Done."], seen),
        store,
        eval_settings=eval_settings,
    )
    reply = await advisor.ask("evaluate fake-cand on my history too")
    assert reply.tools_used == ["evaluate_models"]
    new_runs = [r.id for r in store.runs() if r.id != first]
    assert len(new_runs) == 1 and new_runs[0] in reply.text
    assert fake_provider.count(model="fake-cand") == 2  # both stored prompts
    assert "New evaluation finished" in seen[1]
