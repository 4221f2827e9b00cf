"""The public Python API: ``evaluate`` and ``recommend`` as plain functions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from whichmodel.config import DEFAULT_DB
from whichmodel.history.selection import Selection
from whichmodel.records.verdict import Recommendation
from whichmodel.run_sync import run as run_sync


def evaluate(
    *,
    baseline: str,
    candidates: list[str],
    judge: str,
    prompts: str | Path | None = None,
    db: str | Path = DEFAULT_DB,
    progress: Any = None,
    selection: Selection | None = None,
    **settings: Any,
) -> Recommendation:
    """Evaluate ``candidates`` against ``baseline`` (model strings ``portkey/<provider>/<model>``)
    on ``prompts`` (a JSONL file, imported first) or on every prompt already in ``db``.

    Other keyword arguments are settings (``concurrency``, ``tolerance``, ``providers``,
    ``prices``, ``baseline_from_history``, ...), as in ``whichmodel.toml``. ``selection``
    chooses which stored prompts (a sample, a time window, a metadata filter). Returns the
    recommendation; every answer and score is in ``db``.
    """
    from whichmodel.config import load_settings
    from whichmodel.history.importer import import_history
    from whichmodel.store import Store
    from whichmodel.tasks.evaluation import evaluate_async

    config = load_settings(
        baseline=baseline, candidates=candidates, judge=judge, db=Path(db), **settings
    )
    store = Store(config.db)
    prompt_ids = import_history(store, prompts).ids if prompts is not None else None
    return run_sync(
        evaluate_async(store, config, prompt_ids=prompt_ids, progress=progress, selection=selection)
    )


def recommend(
    db: str | Path = DEFAULT_DB,
    run_id: str | None = None,
    *,
    tolerance: float | None = None,
    refusal_margin: float | None = None,
    check_margin: float | None = None,
) -> Recommendation:
    """The recommendation of a stored run (default: the latest), recomputed for another
    ``tolerance``, ``refusal_margin`` or ``check_margin`` when given. Makes no model
    calls."""
    from whichmodel.errors import NoDataError
    from whichmodel.results.decide import HOW_TO_MAKE_A_RUN, recommendation
    from whichmodel.store import Store

    if not Path(db).exists():
        raise NoDataError(f"No database at {db}. {HOW_TO_MAKE_A_RUN}")
    return recommendation(
        Store(db),
        run_id,
        tolerance=tolerance,
        refusal_margin=refusal_margin,
        check_margin=check_margin,
    )
