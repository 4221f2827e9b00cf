import pytest

from whichmodel.refusal import RefusalVerdict, combine, detect


@pytest.mark.parametrize(
    "text,finish,reason",
    [
        ("Sure", "content_filter", "provider:content_filter"),
        ("", "stop", "empty"),
        ("   ", None, "empty"),
        ("I'm sorry, but I can't help with that.", "stop", "phrase"),
        ("I cannot assist with creating weapons.", "stop", "phrase"),
        ("Sorry, I won't provide that information.", "stop", "phrase"),
    ],
)
def test_refusals_detected(text, finish, reason):
    verdict = detect(text, finish)
    assert verdict.refused
    assert verdict.reason == reason


@pytest.mark.parametrize(
    "text",
    [
        "To kill a Python process, run `kill PID`.",
        "Paris is the capital of France.",
        "Here is the code. Note that I can't guarantee it works on Windows.",
    ],
)
def test_answers_are_not_refusals(text):
    assert detect(text, "stop") == RefusalVerdict(False, None)


def test_judge_flag_counts_when_text_signals_do_not():
    assert combine(RefusalVerdict(False, None), True) == RefusalVerdict(True, "judge")
    assert combine(RefusalVerdict(False, None), None) == RefusalVerdict(False, None)
    assert combine(RefusalVerdict(True, "empty"), False).reason == "empty"
