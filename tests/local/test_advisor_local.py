"""The advisor on the real local model (SmolLM2-135M via llama.cpp) through the real
local gateway, over a database with known results (tests.fakes.make_results_db):
switch from gpt-4o-mini ($10.00 per 1k prompts) to gemini-2.0-flash-lite ($4.00),
-60.0% cost, -2.5% quality; at a 1% tolerance, keep gpt-4o-mini."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.fakes import make_results_db
from whichmodel.agents.advisor import unverified_numbers

pytestmark = pytest.mark.local_model

SWITCH = "Use gemini-2.0-flash-lite: switch from gpt-4o-mini (run run0001)."
KEEP = "Keep gpt-4o-mini (run run0001)."

# (question, the decision sentence, what else the answer must say): one question of each
# kind (recommend, savings, what-if, category, refusals, worse, compare, runs, outside);
# tests/agents/test_advisor.py asks more of each with scripted replies.
QUESTIONS = [
    ("Which model should I use?", SWITCH, ["-60.0% cost (95% CI", "-2.5% quality (95% CI"]),
    (
        "How much would I save per month at 10000 requests per day?",
        SWITCH,
        ["gpt-4o-mini costs $3,000.00 a month", "would save $1,800.00 a month"],
    ),
    ("What if I accept only 1% lower quality?", KEEP, ["tolerance 1.0%"]),
    ("Should I switch for math prompts?", SWITCH, ["In math (20 prompts of run run0001)"]),
    ("How often does gemini refuse?", SWITCH, ["Refusals in run run0001"]),
    ("Show me prompts where gemini did worse", SWITCH, ["scored below gpt-4o-mini", "- prompt "]),
    ("Compare gpt-4o-mini and gemini-2.0-flash-lite", SWITCH, ["math: gpt-4o-mini quality 0.800"]),
    ("List the runs", "run run0001", ["recommends gemini-2.0-flash-lite"]),
    ("What's the weather in Paris?", "outside what they hold", []),
]


@pytest.fixture(scope="module")
def local_advisor_parts(gateway_install_dir):
    from whichmodel.local.demo import BASELINE, demo_settings
    from whichmodel.local.stack import local_stack

    with local_stack() as stack:
        yield demo_settings(stack.model_url, stack.gateway_url), BASELINE


async def test_each_kind_of_question_on_the_local_model(local_advisor_parts, tmp_path):
    from whichmodel.portkey.wire import llm_config
    from whichmodel.tasks.orchestrator import make_advisor

    settings, model = local_advisor_parts
    store, _ = make_results_db(tmp_path / "results.db")
    advisor = make_advisor(llm_config(model, settings, max_tokens=120), store, constrained=True)
    for question, decision, says in QUESTIONS:
        reply = await advisor.ask(question)
        text = reply.text
        assert decision in text, (question, text)
        for fact in says:
            assert fact in text, (question, fact, text)
        assert '"request"' not in text and not re.search(r"^\s*\{", text, re.M), text
        # every figure of the answer is a figure a tool returned (or the question's own)
        sources = [question, str(store.path), *reply.tool_results]
        assert unverified_numbers(text, sources) == [], (question, text)


def test_an_interactive_session_keeps_its_context(tmp_path, gateway_install_dir):
    make_results_db(tmp_path / "results.db")
    turns = [
        "What if I accept only 1% lower quality?",
        "and at 10%?",
        "and how much would that save at 100k requests a day?",
    ]
    out = subprocess.run(
        [sys.executable, "-m", "whichmodel.cli", "chat", "--db", str(tmp_path / "results.db")],
        input="\n".join(turns) + "\n",
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "Traceback" not in out.stderr
    answers = out.stdout.split("advisor> ")[1:]
    assert len(answers) == 3, out.stdout
    assert answers[0].startswith(KEEP) and "tolerance 1.0%" in answers[0]
    assert answers[1].startswith(SWITCH) and "tolerance 10.0%" in answers[1]
    # the third keeps the 10% tolerance and adds the volume
    assert answers[2].startswith(SWITCH) and "would save $18,000.00 a month" in answers[2]
