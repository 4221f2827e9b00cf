"""A stored run -> its ``Recommendation``: the one path from the database to a verdict.

Evaluation's finish, ``whichmodel.recommend``, ``whichmodel report``, the HTTP API, the
dashboard (also on a run still going), the HTML report and the advisor all call
``run_verdict`` (or ``recommendation``, which returns the stored verdict when no rule
is changed). Everything it needs is read from the database: the run's models and
settings, the prices known when it started, every answer with its score.
"""

from __future__ import annotations

from typing import Any

from whichmodel.config import Rule
from whichmodel.errors import NoDataError
from whichmodel.records.runs import Run
from whichmodel.records.verdict import PriceInfo, Recommendation, short
from whichmodel.store import Store
from whichmodel.store.queries import RunFilter
from whichmodel.verdict.controls import judge_controls
from whichmodel.verdict.drift import drift_check
from whichmodel.verdict.rows import Answers, verdict_rows, with_verdict
from whichmodel.verdict.rule import recommend

HOW_TO_MAKE_A_RUN = (
    "No evaluation run exists yet. Make one with: whichmodel import history.jsonl, then "
    "whichmodel eval --baseline portkey/<provider>/<model> --candidate portkey/<provider>/<model> "
    "--judge portkey/<provider>/<model> (or run `whichmodel demo` to try it offline)."
)


def find_run(store: Store, run_id: str | None = None, which: RunFilter = "decided") -> Run:
    """A run by id (or unique prefix); without an id, the latest that is ``which``
    (decided: has a verdict; unfinished: can be resumed; any). Raises ``NoDataError``."""
    run = store.find_run(run_id, which)
    if run is not None:
        return run
    if run_id is not None:
        raise NoDataError(
            f"No run {run_id!r} in {store.path}: `whichmodel report --list` shows runs."
        )
    if which == "unfinished":
        raise NoDataError("No interrupted run to resume: `whichmodel report --list` shows runs.")
    raise NoDataError(HOW_TO_MAKE_A_RUN)


def run_answers(store: Store, run_id: str) -> Answers:
    """Every answer of the run with its score, its prompt's labels and the final refusal
    verdict (the answer's own signals and the judge's flag combined), as columns read one
    stored row at a time, so that a large run fits in little memory."""
    return Answers.of(verdict_rows(store.answer_rows(run_id)))


def answer_rows(store: Store, run_id: str) -> list[dict[str, Any]]:
    """The answers of ``run_answers`` as a list of dicts, with the texts and rationales
    too, for the reports."""
    return [with_verdict(row) for row in store.answer_rows(run_id, full=True)]


def grouped_rows(store: Store, run_id: str, group_by: str = "category") -> Answers:
    """``run_answers`` with each answer's ``category`` set to its prompt's metadata value
    ``group_by`` (``category``: the prompt's own category, unchanged)."""
    answers = run_answers(store, run_id)
    if group_by != "category":
        answers = answers.with_texts("category", store.prompt_groups(run_id, group_by))
    return answers


def run_prices(store: Store, run: Run) -> dict[str, PriceInfo]:
    """Which models had a known price, as recorded when the run started (runs made before
    that was recorded: the models with at least one priced answer)."""
    if run.prices:
        return {m: PriceInfo(bool(p["known"]), str(p["source"])) for m, p in run.prices.items()}
    priced = store.priced_models(run.id)
    return {
        m: PriceInfo(True, priced[m]) if m in priced else PriceInfo(False, "unknown")
        for m in [*run.models, run.judge]
    }


def error_summary(store: Store, run_id: str) -> list[str]:
    """One line per model whose calls failed, with the first error."""
    return [
        f"{short(row['model'])}: {row['n']} of {row['total']} calls failed "
        f"(e.g. {row['first_error'][:160]}); see the responses table."
        for row in store.failed_calls(run_id)
    ]


def run_verdict(
    store: Store,
    run_id: str,
    *,
    rule: Rule | None = None,
    group_by: str = "category",
    rows: Answers | None = None,
) -> Recommendation:
    """The verdict of the stored run ``run_id`` under its own decision rule, or under
    ``rule``; its per-group decisions by ``group_by`` (a prompt metadata key; default the
    prompt's category). ``rows``: the run's ``grouped_rows`` by ``group_by`` when the
    caller has read them already. Makes no model calls."""
    run = find_run(store, run_id, "any")
    rule = rule or run.rule
    if rows is None:
        rows = grouped_rows(store, run.id, group_by)
    controls = judge_controls(
        store.judge_controls(run.id),
        pass_share=run.setting("judge_control_pass"),
        skipped=run.setting("judge_controls") == 0,
    )
    rec = recommend(
        rows,
        run_id=run.id,
        baseline=run.baseline,
        candidates=run.candidates,
        prices=run_prices(store, run),
        prompts=run.prompt_count,
        judge=run.judge,
        judge_cost_usd=store.judge_cost(run.id),
        judge_mode=run.setting("judge_mode"),
        controls=controls if "judge_controls" in run.settings else None,
        rule=rule,
    )
    rec.warnings.extend(error_summary(store, run.id))
    rec.sample = (run.selection or {}).get("description")
    rec.overrides = run.settings.get("overrides") or {}
    rec.not_forwarded = run.settings.get("not_forwarded") or {}
    if run.settings.get("baseline_from_history"):
        rec.baseline_source = "history"
        rec.drift = drift_check(rows, run.baseline, fresh_key(run.baseline), rule.tolerance)
        if rec.drift is not None and rec.drift.stale:
            rec.warnings.append(
                f"The history looks stale: {short(run.baseline)} answering again scored "
                f"{rec.drift.quality_change.text(label='quality')} against its stored answers "
                f"on {rec.drift.prompts} prompts. Run again without --baseline-from-history."
            )
    return rec


def fresh_key(baseline: str) -> str:
    """The model key under which a drift check stores the baseline's fresh answers."""
    return f"{baseline} (fresh)"


def recommendation(
    store: Store, run_id: str | None = None, **rule_changes: float | None
) -> Recommendation:
    """The verdict of a run (by id or prefix; default: the latest decided one): the one
    stored when it finished, or decided again when ``rule_changes`` change its decision
    rule (any field of ``Rule``, e.g. ``tolerance=0.02``; None: unchanged)."""
    run = find_run(store, run_id, "any" if run_id else "decided")
    stored = store.recommendation(run.id)
    changes = {k: v for k, v in rule_changes.items() if v is not None}
    if changes:
        return run_verdict(store, run.id, rule=run.rule.updated(**changes))
    if stored is None:
        raise NoDataError(f"Run {run.id} has no recommendation yet (status {run.status}).")
    return stored
