"""The advisor with scripted LLM replies: each tool's numbers come from the database."""

import json

import pytest

from tests.fakes import CAND, make_results_db, scripted
from whichmodel.agents.advisor import unverified_numbers
from whichmodel.store import Store
from whichmodel.tasks.orchestrator import make_advisor


def tool(request, **fields):
    return json.dumps({"request": request, **fields})


@pytest.fixture
def results(tmp_path):
    return make_results_db(tmp_path / "results.db")


async def ask(store, replies, question="which model should I use?"):
    seen: list[str] = []
    advisor = make_advisor(scripted(replies, seen), store)
    reply = await advisor.ask(question)
    return reply, seen


async def test_recommendation_numbers_come_from_the_run(results):
    store, run_id = results
    reply, seen = await ask(store, [tool("recommend_model"), "Switch to gemini-2.0-flash-lite."])
    assert reply.tools_used == ["recommend_model"]
    tool_result = seen[1]
    assert f"Run {run_id}" in tool_result
    assert "-60.0% cost" in tool_result and "-2.5% quality (95% CI" in tool_result
    assert run_id in reply.text  # cited even though the LLM did not say it
    assert reply.unverified == []


async def test_what_if_tolerance_and_monthly_volume(results):
    store, run_id = results
    _, seen = await ask(
        store,
        [tool("recommend_model", tolerance=0.01), "ok"],
        "what if I accept only 1% lower quality?",
    )
    assert "Keep gpt-4o-mini" in seen[1] and "tolerance 1.0%" in seen[1]
    _, seen = await ask(
        store,
        [tool("recommend_model", requests_per_day=100_000), "ok"],
        "how much would I save per month at 100k requests a day?",
    )
    # $10 vs $4 per 1k prompts, 3,000,000 requests a month
    assert "gpt-4o-mini costs $30,000.00/month" in seen[1]
    assert "savings $18,000.00/month" in seen[1]


async def test_compare_by_category(results):
    store, _ = results
    _, seen = await ask(
        store,
        [tool("compare_models", model_a="gpt-4o-mini", model_b="gemini-2.0-flash-lite"), "ok"],
    )
    text = seen[1]
    assert "math: gpt-4o-mini quality 0.800" in text
    assert "gemini-2.0-flash-lite quality 0.760" in text  # (0.7*2 + 0.8*3) / 5
    assert "writing: gpt-4o-mini quality 0.800" in text


async def test_worse_examples(results):
    store, _ = results
    _, seen = await ask(store, [tool("worse_examples", candidate="gemini", limit=3), "ok"])
    text = seen[1]
    assert text.count("- prompt ") == 3  # 8 prompts are worse; the limit is honoured
    assert "'question 1'" in text and "'question 3'" in text
    assert "scored 0.7" in text


async def test_list_runs(results):
    store, run_id = results
    reply, seen = await ask(store, [tool("list_runs"), "There is one run."])
    assert f"run {run_id}" in seen[1] and "recommends gemini-2.0-flash-lite" in seen[1]
    assert run_id in reply.text


async def test_no_run_says_how_to_make_one(tmp_path):
    reply, seen = await ask(
        Store(tmp_path / "empty.db"),
        [tool("recommend_model"), "No run yet; run whichmodel eval first."],
    )
    assert "No evaluation run exists yet" in seen[1]
    assert "whichmodel eval" in seen[1]
    assert reply.runs_cited == []


async def test_answer_without_data_is_nudged_to_a_tool(results):
    store, run_id = results
    reply, seen = await ask(store, ["Use gpt-4o.", tool("recommend_model"), "Switch."])
    assert "first use one of the tools" in seen[1]
    assert reply.tools_used == ["recommend_model"]
    assert run_id in reply.text


async def test_invented_figures_are_flagged(results):
    store, _ = results
    reply, _ = await ask(store, [tool("recommend_model"), "It saves 60.0% and 99% of errors."])
    assert reply.unverified == ["99%"]
    assert "do not rely on: 99%" in reply.text


def test_unverified_numbers():
    assert unverified_numbers("cost $1,234.50 and 12%", ["total $1234.50 for 12% of"]) == []
    assert unverified_numbers("cost 7", ["cost 8"]) == ["7"]


async def test_recommend_tool_works_in_any_langroid_agent(results, monkeypatch):
    """RecommendModelTool enabled on an unrelated agent, reading WHICHMODEL_DB."""
    from langroid.agent.chat_agent import ChatAgent, ChatAgentConfig

    from whichmodel import RecommendModelTool

    store, run_id = results
    monkeypatch.setenv("WHICHMODEL_DB", str(store.path))
    agent = ChatAgent(ChatAgentConfig(llm=scripted([tool("recommend_model", tolerance=0.05)])))
    agent.enable_message(RecommendModelTool)
    llm_msg = await agent.llm_response_async("which model?")
    result = await agent.agent_response_async(llm_msg)
    assert f"Run {run_id}" in result.content and "gemini-2.0-flash-lite" in result.content
    typed = RecommendModelTool(tolerance=0.01).recommendation(store)
    assert typed.decision == "keep" and typed.recommended_model.endswith("gpt-4o-mini")
    assert CAND in [m.model for m in typed.models]
