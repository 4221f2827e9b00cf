"""`whichmodel judge-check`: the judge measured against people, on small labelled sets
with scripted judges (every kind of label), and on an XSTest file with the demo's real
local judge."""

import json
import os
import re
import subprocess
import sys

import pytest
from langroid.language_models.mock_lm import MockLMConfig

from tests.datasets import xstest_completions
from tests.fakes import score_json
from whichmodel.agents.judge import make_judge, make_pairwise_judge
from whichmodel.config import load_settings
from whichmodel.errors import ImportFileError
from whichmodel.history.labels import read_labels
from whichmodel.store import Store
from whichmodel.tasks.judge_check import judge_check
from whichmodel.verdict import agreement

JUDGE = "portkey/openai/gpt-4o"


def write(path, items):
    path.write_text("".join(json.dumps(i) + "\n" for i in items))
    return path


def test_agreement_figures_on_known_cases():
    assert agreement.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert agreement.spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert agreement.kendall([1, 2, 3], [1, 3, 2]) == pytest.approx(1 / 3)
    assert agreement.spearman([1, 1, 1], [1, 2, 3]) is None
    assert list(agreement.ranks([3, 1, 3, 2])) == [3.5, 1, 3.5, 2]
    k = agreement.kappa([True, True, False, False], [True, False, False, False])
    assert k["agreement"] == 0.75 and k["kappa"] == pytest.approx(0.5)
    assert k["judge_rate"] == 0.5 and k["human_rate"] == 0.25
    pw = agreement.pairwise_agreement(
        ["A", "B", "tie", "A"], ["A", "A", "tie", "A"], ["A", "B", "A", "A"], ["A", "A", None, "B"]
    )
    assert pw["agreement"] == 0.75 and pw["tie_rate"] == 0.25
    assert pw["position_bias"] == pytest.approx(0.75 - 0.5)
    assert pw["length_bias"] == pytest.approx(1 / 3)


async def test_scores_and_pass_fail_labels(tmp_path):
    items = [
        {"prompt": f"q{i}", "answer": "word " * (i + 1), "score": i / 10, "pass": None}
        for i in range(10)
    ]

    def by_length(message):
        # scores grow with the number of words in the answer: it agrees with these people
        n = message.count("word")
        q = min(1.0, 0.05 + n / 12)
        return score_json(q, q, q)

    judge = make_judge(MockLMConfig(response_fn=by_length), attempts=1)
    store = Store(tmp_path / "w.db")
    settings = load_settings(judge=JUDGE)
    scores = write(
        tmp_path / "scores.jsonl", [{k: v for k, v in i.items() if k != "pass"} for i in items]
    )
    check = await judge_check(store, settings, scores, judge)
    assert check["kind"] == "scores" and check["figures"]["judged"] == 10
    assert check["figures"]["spearman"] == pytest.approx(1.0)
    assert check["figures"]["kendall"] == pytest.approx(1.0)
    assert check["figures"]["length_bias"] == pytest.approx(1.0)  # so the report says so
    passes = write(
        tmp_path / "pass.jsonl",
        [{"prompt": i["prompt"], "answer": i["answer"], "pass": i["score"] >= 0.5} for i in items],
    )
    check = await judge_check(store, settings, passes, judge)
    assert check["figures"]["agreement"] == 1.0 and check["figures"]["kappa"] == 1.0
    assert [c["kind"] for c in store.judge_checks(JUDGE)] == ["pass_fail", "scores"][:2] or len(
        store.judge_checks(JUDGE)
    ) == 2


async def test_pairwise_labels_judged_in_both_orders(tmp_path):
    def prefers_longer(message):
        a = re.search(r"<answer-A-\w+>\n(.*?)\n</answer-A", message, re.S).group(1)
        b = re.search(r"<answer-B-\w+>\n(.*?)\n</answer-B", message, re.S).group(1)
        winner = "A" if len(a) > len(b) else "B" if len(b) > len(a) else "tie"
        return json.dumps({"request": "compare", "winner": winner, "rationale": "longer"})

    items = [
        {
            "prompt": "q1",
            "answer_a": "a long careful answer",
            "answer_b": "short",
            "preference": "A",
        },
        {"prompt": "q2", "answer_a": "short", "answer_b": "a long wrong answer", "preference": "A"},
        {"prompt": "q3", "answer_a": "same", "answer_b": "same", "preference": "tie"},
    ]
    judge = make_pairwise_judge(MockLMConfig(response_fn=prefers_longer), attempts=1)
    check = await judge_check(
        Store(tmp_path / "w.db"),
        load_settings(judge=JUDGE),
        write(tmp_path / "p.jsonl", items),
        judge,
    )
    f = check["figures"]
    assert f["agreement"] == pytest.approx(2 / 3) and f["tie_rate"] == pytest.approx(1 / 3)
    assert f["length_bias"] == 1.0  # it always picked the longer answer


def test_an_xstest_file_is_read_as_refusal_labels():
    [xstest] = xstest_completions("gpt4")
    kind, items = read_labels(xstest, limit=5)
    assert kind == "refusals" and len(items) == 5 and isinstance(items[0].label, bool)


def test_label_files_are_checked_line_by_line(tmp_path):
    bad = write(tmp_path / "bad.jsonl", [{"prompt": "q", "answer": "a", "score": 2}])
    with pytest.raises(
        ImportFileError, match=r"bad.jsonl:1: \"score\" must be a number from 0 to 1"
    ):
        read_labels(bad)
    mixed = write(
        tmp_path / "mixed.jsonl",
        [
            {"prompt": "q", "answer": "a", "score": 0.2},
            {"prompt": "q", "answer": "a", "pass": True},
        ],
    )
    with pytest.raises(ImportFileError, match="mixed.jsonl:2: every line must carry the same kind"):
        read_labels(mixed)


@pytest.mark.local_model
def test_the_demo_judge_on_an_xstest_file(tmp_path, gateway_install_dir):
    """The 135M demo judge's refusal flags against XSTest's human labels; it agrees
    poorly, and the command says by how much."""
    [xstest] = xstest_completions("gpt4")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "whichmodel.cli",
            "judge-check",
            str(xstest),
            "--local",
            "--limit",
            "4",
            "--json",
        ],
        env={
            "WHICHMODEL_DB": str(tmp_path / "w.db"),
            "PATH": "/usr/bin:/bin",
            "WHICHMODEL_LLAMA_THREADS": os.environ.get("WHICHMODEL_LLAMA_THREADS", ""),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    check = json.loads(out.stdout)
    f = check["figures"]
    assert check["kind"] == "refusals" and f["items"] == 4
    assert f["judged"] >= 3  # the schema-constrained judge answers nearly always
    assert -1 <= f["kappa"] <= 1 if f["kappa"] is not None else f["judge_rate"] in (0.0, 1.0)
    stored = Store(tmp_path / "w.db").judge_checks(check["judge"])
    assert stored[0]["id"] == check["id"] and stored[0]["figures"] == f


async def test_the_report_of_a_run_with_that_judge_shows_the_check(tmp_path):
    from tests.tasks.test_judge_controls import BASE, CAND, candidates, good_judge
    from whichmodel.report.html import render_html
    from whichmodel.results.run_report import run_report
    from whichmodel.tasks.evaluation import run_evaluation

    store = Store(tmp_path / "w.db")
    store.add_prompts(
        [{"messages": [{"role": "user", "content": f"question {i}"}]} for i in range(10)]
    )
    labels = write(
        tmp_path / "labels.jsonl",
        [{"prompt": "question 1", "answer": "x", "pass": False} for _ in range(3)],
    )
    judge = make_judge(MockLMConfig(response_fn=good_judge), attempts=1)
    settings = load_settings(baseline=BASE, candidates=[CAND], judge=JUDGE)
    check = await judge_check(store, settings, labels, judge)
    rec = await run_evaluation(store, settings, candidates=candidates(), judge=judge)
    page = render_html(run_report(store, rec.run_id))
    assert "<h2>The judge against people</h2>" in page
    assert f"whichmodel judge-check {check['id']} of {JUDGE}" in page
