"""Each example in examples/portkey/ runs as a user would run it: a subprocess, offline
with --local (the real SmolLM2 model through the real local Portkey gateway), and without
keys (a friendly message, no traceback). Nothing is asserted about the model's wording."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "portkey"
SMALL = ["--max-tokens", "48"]  # a few seconds per script on the local model

# (script, extra arguments after --local, substrings the output must contain).
# Add an example here and it is tested the same way.
LOCAL_RUNS = [
    (
        "portkey_basic_chat.py",
        SMALL,
        ["Model:  portkey/openai/smollm2", "Answer: ", "Usage:  ", "completion tokens"],
    ),
    (
        "portkey_advanced_features.py",
        SMALL,
        [
            "Client retries: 3",
            'x-portkey-config: {"cache":{"mode":"simple"}}',
            "x-team: docs-example",
            "Call 1: trace id example-",
            "Call 2: trace id example-",
            "Answer: ",
            "x-portkey-trace-id: example-",
            "x-portkey-retry-attempt-count: ",
            "x-portkey-cache-status: ",
        ],
    ),
    (
        "portkey_multi_provider.py",
        SMALL,
        [
            "portkey/openai/smollm2",
            "portkey/anthropic/smollm2-concise",
            "Latency",
            " in / ",
            " out",
            "config: illustrative",
        ],
    ),
    (
        "evaluate_models.py",
        ["--limit", "1"],
        [
            "portkey/openai/smollm2: cost/1k prompts $",
            "scored 1/1",
            '"recommended_model": ',
            "stored in ",
        ],
    ),
    (
        "which_model_chat.py",
        [],
        [
            "Q: Which model should I use?",
            "A: Use gemini-2.0-flash-lite: switch from",
            "Tools used: ",
        ],
    ),
    (
        "langroid_pipeline.py",
        [],
        ["A (the pipeline's result, from the whichmodel sub-task):", "-60.0% cost"],
    ),
]

# Settings for a script's local run: the demo test (tests/local/test_demo.py) runs the
# judge's controls on the local model; here they would only add three judge calls.
LOCAL_ENV = {"evaluate_models.py": {"WHICHMODEL_JUDGE_CONTROLS": "0"}}

# (script, extra arguments, substrings of the friendly message) with no keys at all.
KEYLESS_RUNS = [
    (
        "portkey_basic_chat.py",
        [],
        ["Set PORTKEY_API_KEY and OPENAI_API_KEY", "or run with --local"],
    ),
    ("portkey_advanced_features.py", [], ["Set PORTKEY_API_KEY", "--local"]),
    ("portkey_multi_provider.py", [], ["Set PORTKEY_API_KEY", "ANTHROPIC_API_KEY", "--local"]),
    ("evaluate_models.py", [], ["Set PORTKEY_API_KEY", "--local"]),
    ("which_model_chat.py", [], ["Set PORTKEY_API_KEY", "--local"]),
    ("langroid_pipeline.py", [], ["Set PORTKEY_API_KEY", "--local"]),
]


def run_example(
    script: str, args: list[str], cwd: Path, **settings: str
) -> subprocess.CompletedProcess[str]:
    """Run ``script`` with no Portkey/provider keys and no whichmodel settings from outside
    (but ``settings``)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not (k.endswith("_API_KEY") or k.startswith(("PORTKEY_", "WHICHMODEL_")))
        or k == "WHICHMODEL_LLAMA_THREADS"  # the tests' thread count (tests/conftest.py)
    }
    env.update(settings)
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


@pytest.mark.local_model
@pytest.mark.parametrize(
    ("script", "args", "expected"), LOCAL_RUNS, ids=[run[0] for run in LOCAL_RUNS]
)
def test_example_runs_offline_on_the_local_model(
    script, args, expected, tmp_path, gateway_install_dir
):
    result = run_example(script, ["--local", *args], tmp_path, **LOCAL_ENV.get(script, {}))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # no call failed (the 135M judge may fail its controls: that is said, not a failure)
    assert "Traceback" not in output and "calls failed" not in output, output
    for part in expected:
        assert part in result.stdout, f"{part!r} missing from:\n{output}"


@pytest.mark.parametrize(
    ("script", "args", "expected"), KEYLESS_RUNS, ids=[run[0] for run in KEYLESS_RUNS]
)
def test_example_without_keys_says_what_to_set(script, args, expected, tmp_path):
    result = run_example(script, args, tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output, output
    for part in expected:
        assert part in output, f"{part!r} missing from:\n{output}"
