import asyncio

from langroid.language_models.mock_lm import MockLMConfig
from langroid.utils.object_registry import ObjectRegistry

from whichmodel.agents.candidate import make_candidate


async def test_single_turn_answer():
    agent = make_candidate(MockLMConfig(default_response="Paris."))
    answer = await agent.answer([{"role": "user", "content": "Capital of France?"}])
    assert answer.status == "ok"
    assert answer.text == "Paris."


async def test_multi_turn_history_and_system_prompt_are_replayed():
    agent = make_candidate(MockLMConfig(default_response="ok"))
    seen = []
    achat = agent.llm.achat

    async def recording_achat(messages, *args, **kwargs):
        seen.append([(m.role.value, m.content) for m in messages])
        return await achat(messages, *args, **kwargs)

    agent.llm.achat = recording_achat
    await agent.answer(
        [
            {"role": "system", "content": "Answer in French."},
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Bonjour"},
            {"role": "user", "content": "Capital?"},
        ]
    )
    assert seen == [
        [
            ("system", "Answer in French."),
            ("user", "Hi"),
            ("assistant", "Bonjour"),
            ("user", "Capital?"),
        ]
    ]
    await agent.answer([{"role": "user", "content": "Next?"}])
    # a conversation without a system prompt is sent without one, and nothing of the
    # last conversation comes back
    assert seen[-1] == [("user", "Next?")]
    configured = make_candidate(MockLMConfig(default_response="ok"), "Be brief.")
    configured.llm.achat = recording_achat
    await configured.answer([{"role": "user", "content": "Next?"}])
    assert seen[-1] == [("system", "Be brief."), ("user", "Next?")]


async def test_one_agent_answers_concurrent_calls_without_mixing_them():
    async def slow_echo(msg):
        await asyncio.sleep(0.01 * (hash(msg) % 5))
        return f"echo {msg}"

    agent = make_candidate(MockLMConfig(response_fn_async=slow_echo))
    before = len(ObjectRegistry.registry)
    questions = [f"question {i}" for i in range(40)]
    answers = await asyncio.gather(
        *(agent.answer([{"role": "user", "content": q}]) for q in questions)
    )
    assert [a.text for a in answers] == [f"echo {q}" for q in questions]
    assert len(agent.message_history) <= 1  # no conversation is kept on the agent
    assert len(ObjectRegistry.registry) - before < 5  # nor in Langroid's registry


async def test_failure_becomes_an_error_answer():
    async def boom(_msg):
        raise RuntimeError("upstream exploded")

    agent = make_candidate(MockLMConfig(response_fn_async=boom))
    answer = await agent.answer([{"role": "user", "content": "x"}])
    assert answer.status == "error"
    assert "upstream exploded" in answer.error
