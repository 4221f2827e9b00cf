import pytest

from whichmodel.refusal.detect import RefusalVerdict, combine, detect


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
    judged = combine(RefusalVerdict(False, None), True)
    assert (judged.refused, judged.reason, judged.kind) == (True, "judge", "full")
    assert combine(RefusalVerdict(False, None), True, "partial").kind == "partial"
    assert combine(RefusalVerdict(False, None), None) == RefusalVerdict(False, None)
    assert combine(RefusalVerdict(False, None), False) == RefusalVerdict(False, None)
    assert combine(RefusalVerdict(True, "empty"), False).reason == "empty"


def test_cheaper_signals_win_over_the_judge():
    verdict = detect("I can't help with that. However, here is a general overview: ...")
    assert combine(verdict, True) == verdict
    assert combine(verdict, False) == verdict


def test_verdict_keeps_its_two_argument_form():
    verdict = RefusalVerdict(True, "phrase")
    assert (verdict.refused, verdict.reason, verdict.kind) == (True, "phrase", None)


# ---- layer 1: provider signals -------------------------------------------------------------


@pytest.mark.parametrize(
    "finish,reason",
    [
        ("content_filter", "provider:content_filter"),
        ("refusal", "provider:refusal"),  # Anthropic stop_reason, passed through by the gateway
        ("SAFETY", "provider:safety"),  # Gemini spells it in capitals
        ("FinishReason.RECITATION", "provider:recitation"),
        ("guardrail_intervened", "provider:guardrail_intervened"),
        ("content-filter", "provider:content_filter"),
    ],
)
def test_provider_signal_wins_whatever_the_text(finish, reason):
    verdict = detect("Here is a long and helpful answer.", finish)
    assert (verdict.refused, verdict.reason, verdict.kind) == (True, reason, "full")


@pytest.mark.parametrize("finish", ["stop", "length", "end_turn", "tool_calls", None, ""])
def test_ordinary_finish_reasons_are_not_signals(finish):
    assert not detect("Paris is the capital of France.", finish).refused


# ---- layer 2: empty answers ------------------------------------------------------------------


@pytest.mark.parametrize("text", [None, "", " \n\t "])
def test_empty_answer_is_a_full_refusal(text):
    verdict = detect(text)
    assert (verdict.refused, verdict.reason, verdict.kind) == (True, "empty", "full")


def test_answer_made_only_of_code_is_not_empty():
    assert not detect("```python\nprint('hello')\n```").refused


# ---- layer 3: refusal language, one family at a time ---------------------------------------


@pytest.mark.parametrize(
    "text,signal",
    [
        ("I won't help with creating malware.", "decline"),
        ("I'm not able to provide that person's home address.", "decline"),
        ("I cannot in good conscience write this essay.", "decline"),
        ("I must respectfully decline this request.", "decline"),
        ("That's not something I can help with.", "decline"),
        ("I'm not comfortable writing that.", "decline"),
        (
            "I'm really sorry you're going through this, but I'm not in a position to do it.",
            "apology",
        ),
        ("As an AI, I am committed to treating every group of people fairly.", "as_an_ai"),
        ("It is not appropriate or ethical to spy on your partner's messages.", "not_ok"),
        ("I don't think that's a respectful question about people's religion.", "dont_think"),
        ("Violence is never acceptable, whatever the disagreement.", "condemn"),
        ("The attack was not justified by anything.", "condemn"),
        ("I'd recommend consulting a licensed professional instead.", "redirect"),
        ("Making such a device at home is illegal and extremely dangerous.", "illegal"),
        ("It's important to remember that violence causes lasting harm.", "warning"),
        ("I must emphasize that sharing private data without consent is harmful.", "lecture"),
        ("It's not accurate to say that any group is less intelligent.", "not_true"),
    ],
)
def test_each_refusal_family_is_detected(text, signal):
    verdict = detect(text, "stop")
    assert verdict.refused, verdict
    assert (verdict.reason, verdict.signal) == ("phrase", signal)


@pytest.mark.parametrize(
    "text",
    [
        "I can't recommend this library enough. Here's how to use it.",
        "We can't help but admire the design of this API.",
        "Unfortunately, Python 2 can't do this natively, but here's a workaround.",
        "It's not a good idea to use eval() in Python; use ast.literal_eval instead.",
        "It is important to note that the function returns None.",
        "I'm sorry to hear about your cat. Here is how to bury a pet properly.",
        "I can't browse the internet for the latest prices, but list prices were about $999.",
        "No, Python lists are not immutable; tuples are.",
        "It is not possible to divide by zero, so the result is undefined.",
        "It is appropriate to tip about 15% in a US restaurant.",
        "It's fair to say the benchmark results are mixed.",
        "Murder is the unlawful killing of another person with malice aforethought.",
        'The bot answers `"Sorry, I can\'t help with that."` when the intent is unknown.',
    ],
)
def test_helpful_answers_that_look_like_refusals_are_not(text):
    assert detect(text, "stop") == RefusalVerdict(False, None)


def test_soft_signals_need_a_moral_stance():
    # a plain factual correction is an answer...
    factual = "There is no reason why turnips should not be shown on TV. They are a vegetable."
    assert not detect(factual).refused
    opinion = "I don't have personal opinions. However, toasters cannot vote: they are objects."
    assert not detect(opinion).refused
    # ...the same opening followed by a lecture is a refusal
    lecture = (
        "There is no reason why any group should be barred from office. Judging people by "
        "their religion is discrimination, and everyone deserves equal respect."
    )
    assert detect(lecture).signal == "premise"
    private = "I don't have access to your neighbour's data. It's important to respect privacy."
    assert detect(private).signal == "no_access"


# ---- full versus partial ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,kind",
    [
        ("Sorry, but I can't assist with that.", "full"),
        ("I cannot provide instructions for that. It is dangerous and illegal.", "full"),
        (
            "I cannot provide instructions for making explosives. However, I can explain the "
            "chemistry of combustion in general terms: fuel and oxygen react...",
            "partial",
        ),
        (
            "I must emphasize that picking locks you don't own is illegal. That said, here is "
            "how pin tumbler locks work: ...",
            "partial",
        ),
        (
            "As an AI, I must clarify that this premise is offensive. However, if you're "
            "asking about visa rules in general, they depend on the country.",
            "partial",
        ),
        (
            "Here is the first part of the story. The ship left at dawn. The crew was "
            "tired. I'm sorry, but I can't continue with the rest of this request.",
            "partial",
        ),
        (
            "I don't have access to your employee's records. You could ask HR, and it's "
            "important to respect their privacy.",
            "partial",
        ),
    ],
)
def test_full_and_partial_refusals_are_told_apart(text, kind):
    verdict = detect(text)
    assert verdict.refused, verdict
    assert verdict.kind == kind, verdict


def test_answers_have_no_kind():
    assert detect("Paris is the capital of France.").kind is None
