"""The public Python API: ``evaluate`` and ``recommend`` (and their async forms), the one
path every face takes to run an evaluation or to read a verdict.

``whichmodel eval`` calls ``evaluate_async`` and ``resume_async`` as a Python caller
does; only what it prints differs (the ``on_plan`` and ``on_start`` callbacks).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whichmodel.config import Settings, load_settings
from whichmodel.history.selection import Selection
from whichmodel.records.verdict import Recommendation
from whichmodel.run_sync import run as run_sync

Progress = Callable[[str, int, int | None], None]
"""progress(stage, done, total): "reading" (lines of the prompts file, total unknown),
"answers", "judgments", and a batch's stages."""


@dataclass
class Plan:
    """What a run will do, known before its first call."""

    prompts: int
    """Prompts chosen."""
    chosen: str | None
    """How they were chosen (None: all of them)."""
    answers_usd: float
    """Estimated cost of the answers, at most (cached answers cost nothing)."""
    judge_usd: float
    unknown_prices: list[str] = field(default_factory=list)
    """Models whose price is unknown: not counted in the estimate."""
    max_cost: float | None = None


def _settings(settings: Settings | None, overrides: dict[str, Any]) -> Settings:
    if settings is None:
        return load_settings(**overrides)
    given = {k: v for k, v in overrides.items() if v is not None}
    return settings.model_copy(update=given) if given else settings


async def evaluate_async(
    settings: Settings | None = None,
    *,
    prompts: str | Path | None = None,
    prompt_ids: list[str] | None = None,
    selection: Selection | None = None,
    local_gguf: Sequence[Path] = (),
    progress: Progress | None = None,
    on_plan: Callable[[Plan], None] | None = None,
    on_start: Callable[[str], None] | None = None,
    **overrides: Any,
) -> Recommendation:
    """Evaluate the candidates against the baseline on ``prompts`` (a history file,
    imported first), on ``prompt_ids``, or on every stored prompt; ``selection`` chooses
    among them. ``settings`` (default: ``whichmodel.toml`` and the environment) with
    ``overrides`` (``baseline``, ``candidates``, ``judge``, ``db``, any setting).
    ``local_gguf``: GGUF files served locally and added as candidates. ``on_plan`` hears
    what the run will do before its first call, ``on_start`` its id once it is stored."""
    from whichmodel.history.importer import import_history
    from whichmodel.local.stack import serve_local_candidates
    from whichmodel.store import Store
    from whichmodel.tasks.evaluation import Evaluation
    from whichmodel.tasks.roles import check_roles

    settings = _settings(settings, overrides)
    # every model string is parsed once, before anything is touched
    roles = check_roles(settings, local_candidates=bool(local_gguf))
    store = Store(settings.db, check=True)
    if prompts is not None:
        read = (lambda n: progress("reading", n, None)) if progress else None
        prompt_ids = import_history(store, prompts, progress=read).ids
    with serve_local_candidates(settings, list(local_gguf)) as settings:
        # keys and gateways checked once; local candidates join the parsed roles
        evaluation = Evaluation(store, settings, roles=None if local_gguf else roles)
        chosen, description = evaluation.choose(prompt_ids, selection)
        if on_plan is not None:
            answers, judge = evaluation.estimate_run(chosen)
            unknown = evaluation.prices.unknown()
            on_plan(Plan(len(chosen), description, answers, judge, unknown, settings.max_cost))
        if progress is not None:
            evaluation.progress = progress
        run_id = evaluation.start(prompt_ids, selection=selection)
        if on_start is not None:
            on_start(run_id)
        return await evaluation.run(run_id)


async def resume_async(
    run_id: str | None = None,
    settings: Settings | None = None,
    *,
    progress: Progress | None = None,
    **overrides: Any,
) -> Recommendation:
    """Finish an interrupted or stopped run (default: the latest unfinished one) with its
    own models and settings; nothing already stored is paid twice."""
    from whichmodel.store import Store
    from whichmodel.tasks.evaluation import resume_run

    settings = _settings(settings, overrides)
    store = Store(settings.db, check=True)
    return await resume_run(store, settings, run_id, progress=progress)


def evaluate(
    *,
    baseline: str | None = None,
    candidates: list[str] | None = None,
    judge: str | None = None,
    prompts: str | Path | None = None,
    db: str | Path | None = None,
    progress: Progress | None = None,
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
    config = load_settings(
        baseline=baseline,
        candidates=candidates,
        judge=judge,
        db=Path(db) if db is not None else None,
        **settings,
    )
    return run_sync(evaluate_async(config, prompts=prompts, progress=progress, selection=selection))


def recommend(
    db: str | Path | None = None, run_id: str | None = None, **rule: float | None
) -> Recommendation:
    """The recommendation of a stored run (default: the latest), decided again when a
    field of the decision rule is given (``tolerance``, ``refusal_margin``,
    ``check_margin``, ...). Makes no model calls."""
    from whichmodel.errors import NoDataError
    from whichmodel.results.decide import HOW_TO_MAKE_A_RUN, recommendation
    from whichmodel.store import Store

    path = Path(db) if db is not None else load_settings().db
    if not path.exists():
        raise NoDataError(f"No database at {path}. {HOW_TO_MAKE_A_RUN}")
    return recommendation(Store(path), run_id, **rule)
