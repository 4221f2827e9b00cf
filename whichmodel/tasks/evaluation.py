"""The orchestrator: every prompt x model answered, judged, stored, then decided.

Work runs on asyncio with a fixed number of workers (``concurrency``), not a
thread or a task per call, so memory stays flat however many prompts there are.
Each (prompt, model) answer and each score is written to SQLite the moment it
exists; work already stored for the run is skipped, so a run can be resumed.
Candidates and the judge are passed in (or built from settings), so tests can
swap any of them. The verdict at the end is ``results.decide.run_verdict``, the
same function every report uses.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import replace
from functools import partial
from typing import Any

from whichmodel.agents.candidate import CandidateAgent, make_candidate
from whichmodel.agents.judge import JudgeAgent, PairwiseJudgeAgent, judge_for
from whichmodel.config import Settings, redacted
from whichmodel.errors import BudgetError, ConfigError, NoDataError
from whichmodel.history.selection import Selection, select
from whichmodel.portkey.wire import llm_config
from whichmodel.records.answers import AnswerRecord
from whichmodel.records.runs import Prompt, Run
from whichmodel.records.verdict import Recommendation
from whichmodel.results.decide import find_run, run_verdict
from whichmodel.store import Store
from whichmodel.store.worklist import Table
from whichmodel.tasks.batch import BatchRun
from whichmodel.tasks.calls import Calls
from whichmodel.tasks.controls import Pending, run_controls, with_controls
from whichmodel.tasks.replay import drift_prompts, history_answer, overrides
from whichmodel.tasks.roles import Prices, Roles, check_roles
from whichmodel.tasks.spending import Budget, Estimator, check_budget_prices

RESUMED = ("judge_mode", "judge_samples", "baseline_from_history", "drift_check")
RESUMED += ("judge_controls", "batch")
"""Settings a resumed run keeps from its start (they decide what its rows mean)."""
ProgressFn = Callable[[str, int, int], None]
"""progress(stage, done, total): stage is "answers" or "judgments"."""

Job = tuple[Prompt, str]
"""(prompt, model)"""


class Evaluation:
    """One evaluation run over stored prompts."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        candidates: Mapping[str, CandidateAgent] | None = None,
        judge: JudgeAgent | None = None,
        progress: ProgressFn | None = None,
        roles: Roles | None = None,
    ):
        self.store = store
        self.settings = settings
        self.roles = roles or check_roles(settings)
        if judge is not None and isinstance(judge, PairwiseJudgeAgent) != self.roles.pairwise:
            raise ConfigError(
                f"The judge given does not judge {settings.judge_mode}: "
                "pass judge_mode to match it."
            )
        self._candidate_agents = dict(candidates or {})
        self._judge_agent = judge
        self.progress = progress or (lambda stage, done, total: None)
        self.prices = Prices(self.roles, settings)
        self.calls = Calls(store, settings, self.roles, self.prices)
        self.batches: BatchRun | None = None
        self.estimator = Estimator(settings, self.roles, self.prices)
        # models whose agents are built here call a gateway: check it before any call
        built = [self.roles.refs[m] for m in self.roles.models if m not in self._candidate_agents]
        if self._judge_agent is None:
            built.append(self.roles.refs[self.roles.judge])
        if built:
            from whichmodel.portkey.preflight import check_gateways, check_keys

            check_keys(built, settings)
            check_gateways(built, settings)

    @property
    def spent(self) -> float:
        """USD spent by calls this object made (cache hits cost nothing)."""
        return self.calls.spent + (self.batches.spent if self.batches else 0.0)

    def estimate_run(self, prompt_ids: list[str] | None = None) -> tuple[float, float]:
        """(candidates, judge) estimated cost of evaluating ``prompt_ids`` (default: all)."""
        return self.estimator.run(self.store.iter_prompts(prompt_ids))

    def check_budget_prices(self) -> None:
        check_budget_prices(self.settings, self.prices)

    # ---------------------------------------------------------- agents

    def _candidate(self, model: str) -> CandidateAgent:
        """One agent per model serves all concurrent calls (it keeps no per-call state)."""
        agent = self._candidate_agents.get(model)
        if agent is None:
            per_model = self.settings.model_settings(model)
            agent = make_candidate(
                llm_config(self.roles.refs[model], self.settings),
                per_model.system_prompt,
                self.settings.retries,
            )
        return agent

    def _build_judge(self) -> JudgeAgent:
        """The judge of this run's mode (pointwise ``JudgeAgent`` or pairwise)."""
        if self._judge_agent is not None:
            return self._judge_agent
        judge = self.roles.refs[self.roles.judge]
        return judge_for(self.settings, judge, pairwise=self.roles.pairwise)

    # ---------------------------------------------------------- running

    def choose(
        self, prompt_ids: list[str] | None = None, selection: Selection | None = None
    ) -> tuple[list[str], str | None]:
        """The prompts a run of these settings evaluates, and how they were chosen (None:
        all of ``prompt_ids``, default every stored prompt). Deterministic: ``start``
        chooses the same."""
        selection = replace(selection or Selection())
        if self.settings.baseline_from_history:
            selection.history_only = True
        if not selection.active:
            return (prompt_ids if prompt_ids is not None else self.store.prompt_ids()), None
        return select(self.store, selection, prompt_ids)

    def start(
        self,
        prompt_ids: list[str] | None = None,
        run_id: str | None = None,
        selection: Selection | None = None,
    ) -> str:
        """Create the run row (and its prompt list, chosen by ``selection``); returns the
        run id."""
        ids, description = self.choose(prompt_ids, selection)
        chosen = None
        if description is not None:
            chosen = {**(selection or Selection()).stored(), "description": description}
        if not ids:
            why = f" ({description})" if description else ""
            raise NoDataError(
                f"No prompts to evaluate{why}: run `whichmodel import FILE` or pass --prompts "
                "FILE (and check --sample, --since, --until, --where)."
            )
        run_id = run_id or uuid.uuid4().hex[:12]
        settings = redacted(self.settings)
        settings["overrides"], settings["not_forwarded"] = overrides(
            self.store.iter_prompts(ids), self.roles, self.settings
        )
        self.store.create_run(
            Run(
                id=run_id,
                baseline=self.roles.baseline,
                candidates=self.roles.candidates,
                judge=self.roles.judge,
                settings=settings,
                prices=self.prices.as_stored(),
                selection=chosen,
            ),
            ids,
        )
        return run_id

    async def run(self, run_id: str) -> Recommendation:
        """Answer, judge and recommend; work already stored for ``run_id`` is skipped.
        A run that ends early is marked (stopped, interrupted or failed), never lost."""
        self.store.mark_running(run_id)
        try:
            return await self._run(run_id)
        except BudgetError:
            raise  # the run is already marked "stopped", with everything stored
        except BaseException as exc:
            interrupted = isinstance(exc, KeyboardInterrupt | asyncio.CancelledError)
            self.store.finish_run(
                run_id,
                "interrupted" if interrupted else "failed",
                f"{type(exc).__name__}: {exc}"[:500],
            )
            raise

    async def _run(self, run_id: str) -> Recommendation:
        from langroid.utils.configuration import settings as lr_settings

        roles, store = self.roles, self.store
        # the run is read a page of prompts at a time (with the keys stored for that
        # page), so its memory does not grow with the prompt count
        history = self.settings.baseline_from_history
        drift = (
            list(store.iter_prompts(drift_prompts(store.run_history_ids(run_id), self.settings)))
            if history
            else []
        )
        # from history, the baseline answers only where production left no answer, and
        # on the drift check's prompts
        call_baseline = not history or drift or store.run_lacks_history(run_id)
        candidates = {
            m: self._candidate(m) for m in roles.models if call_baseline or m != roles.baseline
        }
        judge = self._build_judge()
        self.check_budget_prices()
        budget, workers = Budget(self.settings.max_cost), range(self.settings.concurrency)
        judged_in: Table = "pairwise" if roles.pairwise else "scores"
        compared = [m for m in roles.models if m != roles.baseline]
        run = store.run(run_id)
        assert run is not None
        prompt_count = run.prompt_count
        total = prompt_count * len(roles.models)
        total_judged = prompt_count * (len(compared) if roles.pairwise else len(roles.models))
        counts: dict[str, int] = {}

        def recount() -> None:
            counts.update(
                answers=store.stored_count("responses", run_id),
                judgments=store.stored_count(judged_in, run_id),
            )
            self.progress("answers", counts["answers"], total)
            self.progress("judgments", counts["judgments"], total_judged)

        recount()
        pending = Pending(store, run_id, roles.baseline)

        async def answer(prompt: Prompt, model: str) -> AnswerRecord:
            stored = store.response(run_id, prompt.id, model)
            if stored is not None:
                return stored
            logged = store.production(prompt.id)
            if model == roles.baseline and self.settings.baseline_from_history and logged:
                made = history_answer(run_id, prompt, model, logged, self.prices, self.settings)
            else:
                agent = candidates[roles.baseline if model == roles.fresh else model]
                made = await self.calls.answer(run_id, prompt, model, agent, logged)
            store.save_response(made)
            counts["answers"] += 1
            self.progress("answers", counts["answers"], total)
            return made

        def judged_one() -> None:
            counts["judgments"] += 1
            self.progress("judgments", counts["judgments"], total_judged)

        async def answer_and_score(prompt: Prompt, model: str) -> None:
            with pending.working(prompt.id, model):
                made = await answer(prompt, model)
                if roles.pairwise or not made.ok:
                    return  # nothing to score here; an error is stored with the answer
                store.save_score(await self.calls.judge(run_id, prompt, model, made, judge))
                judged_one()

        async def compare(prompt: Prompt, model: str) -> None:
            found = {m: store.response(run_id, prompt.id, m) for m in (roles.baseline, model)}
            answers = {m: a for m, a in found.items() if a is not None and a.ok}
            if len(answers) < len(found):
                return  # nothing to compare; the error is stored with the answer
            pair = await self.calls.compare(run_id, prompt, model, answers, judge)  # type: ignore[arg-type]
            store.save_pairwise(pair)
            judged_one()

        async def worker(
            jobs: Iterator[Job],
            work: Callable[[Prompt, str], Awaitable[None]],
            part: int | None,
        ) -> None:
            for prompt, model in jobs:
                if budget.limit is None:
                    await work(prompt, model)
                    continue
                costs = self.estimator.job(prompt, model)
                reserve = sum(costs) if part is None else costs[part]
                if not budget.reserve(reserve):
                    return
                before = self.spent
                try:
                    await work(prompt, model)
                finally:
                    budget.settle(reserve, self.spent - before)

        # pointwise: each (prompt, model) answered then scored at once; pairwise: all
        # answers first, then each candidate's compared with the baseline's
        phases = (
            [
                (store.todo(run_id, roles.models, "responses"), answer_and_score, 0),
                (store.todo(run_id, compared, judged_in), compare, 1),
            ]
            if roles.pairwise
            else [(store.todo(run_id, roles.models, judged_in), answer_and_score, None)]
        )
        if drift:  # the baseline called again on a few prompts: is the history stale?
            done = store.done_among(judged_in, run_id, [p.id for p in drift])
            fresh = ((p, roles.fresh) for p in drift if (p.id, roles.fresh) not in done)
            phases.append((fresh, answer_and_score, None))
        quiet_before = lr_settings.quiet
        lr_settings.quiet = True  # Langroid would print every message of every agent
        try:
            if self.settings.batch:  # batches first; what they leave runs online below

                def online(todo: Iterator[Job]) -> Awaitable[Any]:
                    # one queue for all workers
                    return asyncio.gather(*(worker(todo, answer, 0) for _ in workers))

                self.batches = BatchRun(run_id, store, self.calls, self.estimator, budget)
                self.batches.progress = self.progress
                await self.batches.run(candidates, judge, online)
                recount()
            *before, (jobs, work, part) = phases
            for earlier in before:
                await asyncio.gather(*(worker(*earlier) for _ in workers))
                if budget.stopped:
                    break
            if not budget.stopped:  # the judge's controls overlap the last phase's tail
                n = self.settings.judge_controls
                controls = partial(
                    run_controls, run_id, store, self.calls, judge, n, baseline=pending.answer
                )
                await with_controls(
                    [worker(jobs, work, part) for _ in workers],
                    controls if n else None,
                    lambda: budget.stopped,
                )
        finally:
            lr_settings.quiet = quiet_before
        if budget.stopped:
            store.finish_run(run_id, "stopped", "spending limit")
            raise BudgetError(
                f"Stopped before the ${budget.limit:.2f} limit: spent ${budget.spent:.4f} in "
                f"this session; {counts['answers']} of {total} answers and "
                f"{counts['judgments']} of {total_judged} judgments stored. Finish with: "
                f"whichmodel eval --resume {run_id} --max-cost MORE"
            )
        return self.finish(run_id)

    def finish(self, run_id: str) -> Recommendation:
        """The verdict, stored; a run that could not compare the models is "failed", with
        the cause, and its verdict says so (undecided)."""
        rec = run_verdict(self.store, run_id)
        self.store.save_recommendation(rec)
        if rec.unmeasured:
            self.store.finish_run(run_id, "failed", f"cannot compare: {rec.unmeasured}")
        else:
            self.store.finish_run(run_id, "completed")
        return rec


async def resume_run(
    store: Store,
    settings: Settings,
    run_id: str | None = None,
    *,
    progress: ProgressFn | None = None,
) -> Recommendation:
    """Finish an interrupted run: the run's own models; nothing already stored is redone."""
    run = find_run(store, None if run_id == "latest" else run_id, "unfinished")
    settings = settings.model_copy(
        update={
            "baseline": run.baseline,
            "candidates": run.candidates,
            "judge": run.judge,
            **{k: run.setting(k) for k in RESUMED},
        }
    )
    return await Evaluation(store, settings, progress=progress).run(run.id)


async def run_evaluation(
    store: Store,
    settings: Settings,
    *,
    prompt_ids: list[str] | None = None,
    candidates: Mapping[str, CandidateAgent] | None = None,
    judge: JudgeAgent | None = None,
    progress: ProgressFn | None = None,
    run_id: str | None = None,
    selection: Selection | None = None,
) -> Recommendation:
    evaluation = Evaluation(store, settings, candidates=candidates, judge=judge, progress=progress)
    return await evaluation.run(evaluation.start(prompt_ids, run_id, selection))
