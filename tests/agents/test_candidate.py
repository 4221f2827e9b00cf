from langroid.language_models.mock_lm import MockLMConfig

from whichmodel.agents.candidate import make_candidate


async def test_single_turn_answer():
    agent = make_candidate(MockLMConfig(default_response="Paris."))
    answer = await agent.answer([{"role": "user", "content": "Capital of France?"}])
    assert answer.status == "ok"
    assert answer.text == "Paris."


async def test_multi_turn_history_and_system_prompt_are_replayed():
    agent = make_candidate(MockLMConfig(default_response="ok"))
    await agent.answer(
        [
            {"role": "system", "content": "Answer in French."},
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Bonjour"},
            {"role": "user", "content": "Capital?"},
        ]
    )
    # reset happens on the next call; inspect what the LLM saw via the history now
    roles = [m.role.value for m in agent.message_history]
    assert roles[:3] == ["system", "user", "assistant"]
    assert agent.message_history[0].content == "Answer in French."
    assert agent.message_history[-2].content == "Capital?"


async def test_failure_becomes_an_error_answer():
    async def boom(_msg):
        raise RuntimeError("upstream exploded")

    agent = make_candidate(MockLMConfig(response_fn_async=boom))
    answer = await agent.answer([{"role": "user", "content": "x"}])
    assert answer.status == "error"
    assert "upstream exploded" in answer.error
