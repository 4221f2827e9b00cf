"""The advisor with scripted LLM replies over a database with known results: every
answer names the decision and its model, every figure comes from the stored run, and
no reply is a tool request. (The real local model: tests/local/test_advisor_local.py.)

Known results (tests.fakes.make_results_db): gpt-4o-mini $10.00 per 1k prompts, quality
0.800; gemini-2.0-flash-lite $4.00, quality 0.780 (0.760 on math): switch, -60.0% cost,
-2.5% quality."""

import json

import pytest
from langroid.agent.chat_agent import ChatAgent, ChatAgentConfig
from langroid.agent.task import Task, TaskConfig

from tests.fakes import CAND, make_results_db, scripted
from whichmodel.agents.advisor import unverified_numbers
from whichmodel.results.intent import read_question
from whichmodel.store import Store
from whichmodel.tasks.orchestrator import advisor_task, make_advisor

SWITCH = "Use gemini-2.0-flash-lite: switch from gpt-4o-mini (run run0001)."


def tool(request, **fields):
    return json.dumps({"request": request, **fields})


@pytest.fixture
def results(tmp_path):
    return make_results_db(tmp_path / "results.db")


async def ask(store, replies, question="which model should I use?"):
    seen: list[str] = []
    advisor = make_advisor(scripted(replies, seen), store)
    reply = await advisor.ask(question)
    assert '"request"' not in reply.text  # never a tool request
    return reply, seen


async def test_the_answer_is_the_verdict_with_its_figures(results):
    store, run_id = results
    reply, seen = await ask(store, [tool("recommend_model"), "Switch to gemini-2.0-flash-lite."])
    assert reply.tools_used == ["recommend_model"]
    assert reply.text.startswith(SWITCH)
    assert "-60.0% cost (95% CI" in reply.text and "-2.5% quality (95% CI" in reply.text
    assert "gpt-4o-mini (baseline) $10.00" in reply.text
    assert reply.text.endswith("Switch to gemini-2.0-flash-lite.")  # the LLM's wording, checked
    assert f"Run {run_id}" not in seen[0]  # the LLM saw the tool result only after its call


async def test_an_llm_that_answers_without_tools_still_gets_the_facts(results):
    store, run_id = results
    reply, _ = await ask(store, ["Use gpt-4o."])
    assert reply.tools_used == ["recommend_model"]  # what the question needs ran anyway
    assert reply.text.startswith(SWITCH)


async def test_arguments_the_question_states_are_filled_in(results):
    store, _ = results
    reply, seen = await ask(
        store,
        [tool("recommend_model"), "ok"],  # the LLM left out the volume
        "How much would I save per month at 100k requests a day?",
    )
    # $10 vs $4 per 1k prompts, 3,000,000 requests a month
    assert "gpt-4o-mini costs $30,000.00 a month and gemini-2.0-flash-lite $12,000.00" in (
        reply.text
    )
    assert "would save $18,000.00 a month" in reply.text
    assert "$18,000.00" in seen[1]  # the tool result the LLM saw had the volume too
    reply, _ = await ask(
        store, [tool("recommend_model"), "ok"], "what if I accept 1% lower quality?"
    )
    assert reply.text.startswith("Keep gpt-4o-mini (run run0001).")
    assert "tolerance 1.0%" in reply.text


async def test_a_conversation_keeps_its_context(results):
    store, _ = results
    advisor = make_advisor(scripted(["ok"] * 20), store)
    first = await advisor.ask("What if I accept only 1% lower quality?")
    assert "Keep gpt-4o-mini" in first.text and "tolerance 1.0%" in first.text
    second = await advisor.ask("and at 10%?")
    assert second.text.startswith(SWITCH) and "tolerance 10.0%" in second.text
    third = await advisor.ask("and what would that save at 2 million requests a month?")
    assert "tolerance 10.0%" not in third.text or "Use gemini" in third.text
    assert "would save $12,000.00 a month" in third.text  # $6 per 1k x 2,000,000


async def test_a_category(results):
    store, _ = results
    reply, _ = await ask(store, ["ok"], "Should I switch for math prompts?")
    assert reply.text.startswith(SWITCH)
    assert "In math (20 prompts of run run0001) the verdict is" in reply.text
    assert "gemini-2.0-flash-lite 0.760" in reply.text


async def test_compare_worse_examples_and_runs(results):
    store, run_id = results
    reply, _ = await ask(store, ["ok"], "Compare gpt-4o-mini and gemini for me")
    assert "math: gpt-4o-mini quality 0.800" in reply.text
    assert "gemini-2.0-flash-lite quality 0.760" in reply.text  # (0.7*2 + 0.8*3) / 5
    reply, _ = await ask(store, ["ok"], "Show me prompts where gemini did worse")
    assert reply.text.count("- prompt ") == 3 and "'question 1'" in reply.text
    reply, _ = await ask(store, [tool("list_runs"), "One run."], "list the runs")
    assert f"run {run_id}" in reply.text and "recommends gemini-2.0-flash-lite" in reply.text


async def test_refusals(results):
    store, _ = results
    reply, _ = await ask(store, ["ok"], "How often does gemini refuse?")
    assert "Refusals in run run0001: gpt-4o-mini 0.0%, gemini-2.0-flash-lite 0.0%" in reply.text
    assert "+0.0 pts refusals (95% CI" in reply.text


async def test_no_run_and_questions_outside_the_data(tmp_path, results):
    reply, _ = await ask(Store(tmp_path / "empty.db"), ["ok"])
    assert "No evaluation run exists yet" in reply.text and "whichmodel eval" in reply.text
    store, _ = results
    reply, _ = await ask(store, ["It is sunny."], "What's the weather in Paris?")
    assert "outside what they hold" in reply.text and "sunny" not in reply.text


async def test_invented_figures_leave_the_wording_out(results):
    store, _ = results
    reply, _ = await ask(
        store, [tool("recommend_model"), "gemini-2.0-flash-lite saves 60.0% and 99% of errors."]
    )
    assert reply.unverified == ["99%"]
    assert "99% of errors" not in reply.text
    assert "wording was left out: it stated figures no tool returned" in reply.text


def test_unverified_numbers():
    assert unverified_numbers("cost $1,234.50 and 12%", ["total $1234.50 for 12% of"]) == []
    assert unverified_numbers("cost 7", ["cost 8"]) == ["7"]


@pytest.mark.parametrize(
    ("question", "kind", "args"),
    [
        ("Which model should I use?", "recommend", {}),
        (
            "How much would I save at 10,000 requests per day?",
            "savings",
            {"requests_per_day": 10_000},
        ),
        (
            "what would it cost at 3 million requests a month",
            "savings",
            {"requests_per_day": 100_000},
        ),
        ("save with 10k calls daily?", "savings", {"requests_per_day": 10_000}),
        ("What if I accept 2% lower quality?", "recommend", {"tolerance": 0.02}),
        ("What if I allow 2 points more refusals?", "recommend", {"refusal_margin": 0.02}),
        ("Should I switch for writing prompts?", "category", {"category": "writing"}),
        ("Where did gemini do worse?", "worse", {}),
        ("compare gpt-4o-mini and gemini-2.0-flash-lite", "compare", {}),
        ("list all runs", "runs", {}),
        ("evaluate portkey/openai/gpt-4.1-nano too", "evaluate", {}),
        ("Who won the world cup?", "outside", {}),
    ],
)
def test_reading_questions(question, kind, args):
    ask = read_question(
        question,
        models=["portkey/openai/gpt-4o-mini", "portkey/google/gemini-2.0-flash-lite"],
        categories=["math", "writing"],
    )
    assert ask.kind == kind
    for name, value in args.items():
        assert getattr(ask, name) == value


async def test_recommend_tool_works_in_any_langroid_agent(results, monkeypatch):
    """RecommendModelTool enabled on an unrelated agent, reading WHICHMODEL_DB: the same
    answer as the advisor's."""
    from whichmodel import RecommendModelTool

    store, run_id = results
    monkeypatch.setenv("WHICHMODEL_DB", str(store.path))
    agent = ChatAgent(
        ChatAgentConfig(llm=scripted([tool("recommend_model", requests_per_day=100_000)]))
    )
    agent.enable_message(RecommendModelTool)
    llm_msg = await agent.llm_response_async("which model?")
    result = await agent.agent_response_async(llm_msg)
    assert result.content.startswith(SWITCH)
    assert "would save $18,000.00 a month" in result.content
    typed = RecommendModelTool(tolerance=0.01).recommendation(store)
    assert typed.decision == "keep" and typed.recommended_model.endswith("gpt-4o-mini")
    assert CAND in [m.model for m in typed.models]


async def test_the_advisor_as_a_sub_task_of_another_agent(results):
    store, _ = results
    seen: list[str] = []
    main_agent = ChatAgent(
        ChatAgentConfig(name="main", llm=scripted(["Which model should I use?", "DONE"], seen))
    )
    main = Task(
        main_agent,
        interactive=False,
        config=TaskConfig(enable_loggers=False, enable_html_logging=False),
    )
    main.add_sub_task(advisor_task(make_advisor(scripted(["ok"] * 4), store)))
    await main.run_async("Ask the advisor which model to use.", turns=3)
    assert SWITCH in seen[1]  # the advisor's answer reached the main agent's LLM


async def test_wording_about_something_else_is_left_out(results):
    store, _ = results
    reply, _ = await ask(store, [tool("recommend_model"), "Linear regression is best."])
    assert "regression" not in reply.text and reply.wording is None
