"""One stored run -> one verdict, whichever face asks (real SQLite, no model calls)."""

from __future__ import annotations

import math

import pytest
from starlette.testclient import TestClient

from tests.fakes import BASE, CAND, JUDGE, add_pairwise_run, make_results_db
from whichmodel import recommend
from whichmodel.config import Rule, load_settings
from whichmodel.errors import NoDataError
from whichmodel.records.answers import ScoreRecord
from whichmodel.refusal.detect import stored_verdict
from whichmodel.results import questions
from whichmodel.results.decide import (
    answer_rows,
    find_run,
    recommendation,
    run_answers,
    run_verdict,
)
from whichmodel.results.run_report import run_report
from whichmodel.web import create_app


@pytest.fixture
def results(tmp_path):
    return make_results_db(tmp_path / "w.db")


def test_every_face_gives_the_stored_verdict(results):
    store, run_id = results
    stored = store.recommendation(run_id).model_dump(mode="json")
    assert run_verdict(store, run_id).model_dump(mode="json") == stored
    assert recommend(store.path).model_dump(mode="json") == stored
    assert recommendation(store, run_id).model_dump(mode="json") == stored
    report = run_report(store, run_id).rec
    assert report is not None and report.model_dump(mode="json") == stored
    client = TestClient(create_app(load_settings(db=store.path)), base_url="http://127.0.0.1")
    assert client.get(f"/api/runs/{run_id}/recommendation").json() == stored


def test_another_tolerance_is_decided_by_the_same_rule(results):
    store, run_id = results
    strict = recommend(store.path, tolerance=0.0)
    assert strict.tolerance == 0.0 and strict.decision == "keep"
    assert run_verdict(store, run_id, rule=Rule(tolerance=0.0)) == strict


def test_a_pairwise_run_stays_pairwise_when_re_decided(results):
    """A pairwise run re-decided at another tolerance was once decided as if pointwise
    (no rubric scores: "no prompt was scored"); it keeps its mode and its preferences."""
    store, _ = results
    stored = add_pairwise_run(store, "pair01")
    again = recommendation(store, "pair01", tolerance=0.02)
    assert again.judge_mode == "pairwise"
    comp = again.comparisons[0]
    assert (comp.wins, comp.ties, comp.losses) == (30, 10, 0)
    assert comp.quality_change.model_dump() == stored["comparisons"][0]["quality_change"]
    assert "no prompt was scored" not in again.reasoning
    # the judge's pairwise verdicts are its cost: 40 x $0.002
    assert again.judge_cost_usd == pytest.approx(0.08)


def test_failed_calls_refuse_nothing():
    row = {
        "status": "error",
        "answer_refused": 1,
        "refusal_reason": "empty",
        "refusal_kind": "full",
        "judge_refused": None,
    }
    assert not stored_verdict(row).refused
    assert stored_verdict({**row, "status": "ok"}).refused


def test_compare_counts_the_judges_refusals_too(results):
    """A refusal only the judge saw counts in the model comparison as in the verdict."""
    store, run_id = results
    pid = store.run_prompt_ids(run_id)[0]
    store.save_score(
        ScoreRecord(
            run_id=run_id,
            prompt_id=pid,
            model=CAND,
            judge=JUDGE,
            status="scored",
            quality=0.1,
            refused=1,
        )
    )
    result = questions.compare(store, BASE, CAND, run_id)
    assert result["overall"][CAND]["refusal_rate"] == pytest.approx(1 / 40)
    full = [r for r in answer_rows(store, run_id) if r["status"] == "ok"]
    for model in (BASE, CAND):
        for category, figures in [(None, result["overall"][model])] + [
            (c, by[model]) for c, by in result["by_category"].items()
        ]:
            mine = [
                r
                for r in full
                if r["model"] == model and category in (None, r["category"] or "uncategorised")
            ]
            scored = [r["quality"] for r in mine if r["quality"] is not None]
            assert figures["answers"] == len(mine) > 0
            assert figures["quality"] == pytest.approx(sum(scored) / len(scored))
            assert figures["cost_usd"] == pytest.approx(sum(r["cost_usd"] for r in mine))
    assert len(result["by_category"]) > 1
    rows = [r for r in run_answers(store, run_id) if r["model"] == CAND and r["refused"]]
    assert [r["prompt_id"] for r in rows] == [pid]


def test_finding_runs(results):
    store, run_id = results
    assert find_run(store).id == run_id
    assert find_run(store, run_id[:4]).id == run_id
    with pytest.raises(NoDataError, match="No run 'nope'"):
        find_run(store, "nope")
    with pytest.raises(NoDataError, match="No interrupted run"):
        find_run(store, which="unfinished")


def test_the_verdicts_columns_hold_what_the_full_rows_hold(results):
    """The verdict reads the answers as columns; they keep every column the store gives
    it, with the same values as the reports' full rows, in narrow types."""
    from whichmodel.verdict.rows import FIELDS, TEXTS, Answers

    store, run_id = results
    small, full = run_answers(store, run_id), answer_rows(store, run_id)
    assert isinstance(small, Answers) and len(small) == len(full) > 0
    assert set(next(store.answer_rows(run_id))) | {"refused"} == set(FIELDS)
    for s, f in zip(small, full, strict=True):
        assert set(s) == set(FIELDS)
        assert s == {k: f[k] for k in FIELDS}
    # a text is a one-byte code while its column has few distinct values
    assert all(small.code(name).itemsize == 1 for name in TEXTS)
    models = sorted({r["model"] for r in full})
    assert sorted(m for m in small.distinct("model") if m) == models
    ok = small.take(small.has("status", "ok"))
    assert list(ok.number("quality")) == pytest.approx(
        [
            r["quality"] if r["quality"] is not None else math.nan
            for r in full
            if r["status"] == "ok"
        ],
        nan_ok=True,
    )
