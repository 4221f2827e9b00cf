"""The public Python API: ``recommend`` reads (or decides again) a stored verdict with
no model call; ``evaluate`` checks its models before it touches anything."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.fakes import BASE, CAND, JUDGE, make_results_db
from whichmodel import api
from whichmodel.errors import ConfigError, NoDataError
from whichmodel.records.runs import Run
from whichmodel.records.verdict import Recommendation
from whichmodel.results.decide import HOW_TO_MAKE_A_RUN
from whichmodel.store import Store


@pytest.fixture
def no_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty folder with no whichmodel.toml and no WHICHMODEL_* variable."""
    for name in list(os.environ):
        if name.startswith("WHICHMODEL_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def db(no_config: Path) -> Path:
    """A database with one finished run: switch to the candidate (-2.5% quality, 60%
    cheaper; see ``make_results_db``)."""
    store, _ = make_results_db(no_config / "w.db")
    store.close()
    return no_config / "w.db"


def test_recommend_gives_the_stored_verdict(db: Path) -> None:
    rec = api.recommend(db)
    assert isinstance(rec, Recommendation)
    assert (rec.run_id, rec.decision, rec.recommended_model) == ("run0001", "switch", CAND)
    store = Store(db)
    try:
        assert rec == store.recommendation("run0001")
    finally:
        store.close()
    assert api.recommend(str(db), "run0001") == rec  # a path as text, a run by its id
    assert api.recommend(db, "run0") == rec  # or by a prefix


def test_a_stricter_rule_decides_again_without_changing_what_is_stored(db: Path) -> None:
    strict = api.recommend(db, tolerance=0.0)
    assert strict.decision == "keep" and strict.recommended_model == BASE
    assert strict.tolerance == 0.0 and strict.rule.tolerance == 0.0
    assert api.recommend(db).decision == "switch"  # the stored verdict stands
    assert api.recommend(db, tolerance=None) == api.recommend(db)  # None: no change


def test_a_rule_change_out_of_range_is_a_config_error(db: Path) -> None:
    with pytest.raises(ConfigError, match=r"^tolerance is a share between 0 and 1"):
        api.recommend(db, tolerance=5)
    with pytest.raises(ConfigError, match="Not a setting of the decision rule: tolerence"):
        api.recommend(db, tolerence=0.1)


def test_a_missing_database_names_its_path_and_how_to_make_a_run(no_config: Path) -> None:
    missing = no_config / "nowhere.db"
    with pytest.raises(NoDataError) as exc:
        api.recommend(missing)
    assert str(exc.value) == f"No database at {missing}. {HOW_TO_MAKE_A_RUN}"
    assert "whichmodel eval --baseline" in str(exc.value)
    assert not missing.exists()  # reading made no empty database


def test_without_a_path_the_settings_database_is_read(
    db: Path, no_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(NoDataError, match=r"^No database at whichmodel\.db\. "):
        api.recommend()  # ./whichmodel.db, the default, does not exist
    monkeypatch.setenv("WHICHMODEL_DB", str(db))
    assert api.recommend().run_id == "run0001"


def test_an_empty_database_and_an_unknown_run_say_what_to_do(no_config: Path) -> None:
    empty = no_config / "empty.db"
    Store(empty).close()
    with pytest.raises(NoDataError) as exc:
        api.recommend(empty)
    assert str(exc.value) == HOW_TO_MAKE_A_RUN
    with pytest.raises(NoDataError, match=r"No run 'nope' in .*`whichmodel report --list`"):
        api.recommend(empty, "nope")


def test_a_run_still_going_has_no_recommendation_yet(db: Path) -> None:
    store = Store(db)
    try:
        ids = store.run_prompt_ids("run0001")[:3]
        store.create_run(Run(id="run0002", baseline=BASE, candidates=[CAND], judge=JUDGE), ids)
    finally:
        store.close()
    with pytest.raises(NoDataError) as exc:
        api.recommend(db, "run0002")
    assert str(exc.value) == "Run run0002 has no recommendation yet (status running)."
    assert api.recommend(db).run_id == "run0001"  # the latest decided run


@pytest.mark.parametrize(
    ("models", "message"),
    [
        (
            {"candidates": [CAND], "judge": JUDGE},
            "No baseline model: pass --baseline portkey/<provider>/<model>.",
        ),
        (
            {"baseline": BASE, "judge": JUDGE},
            "No candidate model: pass --candidate portkey/<provider>/<model>.",
        ),
        (
            {"baseline": BASE, "candidates": [CAND]},
            "No judge model: pass --judge portkey/<provider>/<model>.",
        ),
    ],
)
def test_evaluate_checks_its_models_before_touching_anything(
    no_config: Path, models: dict, message: str
) -> None:
    target = no_config / "new.db"
    with pytest.raises(ConfigError) as exc:
        api.evaluate(db=target, **models)
    assert str(exc.value) == message
    assert not target.exists()
