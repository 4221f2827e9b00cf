"""The orchestrator: every prompt x model answered, judged, stored, then recommended.

Work runs on asyncio with a fixed number of workers (``concurrency``), not a
thread or a task per call, so memory stays flat however many prompts there are.
Each (prompt, model) answer and each score is written to SQLite the moment it
exists; work already stored for the run is skipped, so a run can be resumed.
Candidates and the judge are passed in (or built from settings), so tests can
swap any of them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import statistics
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from whichmodel.agents.candidate import Answer, CandidateAgent, make_candidate
from whichmodel.agents.judge import (
    JudgeAgent,
    Judgment,
    PairwiseJudgeAgent,
    make_judge,
    make_pairwise_judge,
)
from whichmodel.config import Settings
from whichmodel.errors import BudgetError, ConfigError, NoDataError
from whichmodel.models import CallContext, ModelRef, call_context, llm_config, parse_model
from whichmodel.pricing import Usage, cost_of, is_price_known, normalize_usage, price_source_label
from whichmodel.recommendation import PriceInfo, Recommendation, recommend
from whichmodel.refusal import RefusalVerdict, detect, stored_verdict
from whichmodel.store import Store, cache_key
from whichmodel.tools.base import Tool
from whichmodel.tools.pairwise import CompareTool
from whichmodel.tools.score import ScoreTool

SECRET_HINTS = ("key", "auth", "token", "secret", "password")

ProgressFn = Callable[[str, int, int], None]
"""progress(stage, done, total): stage is "answers" or "judgments"."""


@dataclass
class Roles:
    baseline: str
    candidates: list[str]
    judge: str

    @property
    def models(self) -> list[str]:
        return [self.baseline, *[c for c in self.candidates if c != self.baseline]]


def redacted_settings(settings: Settings) -> dict[str, Any]:
    """Settings as stored with the run: header values that look secret are removed."""
    data = settings.model_dump(mode="json")
    for provider in data.get("providers", {}).values():
        headers = provider.get("custom_headers") or {}
        for name in list(headers):
            if any(h in name.lower() for h in SECRET_HINTS):
                headers[name] = "<redacted>"
        if provider.get("virtual_key"):
            provider["virtual_key"] = "<redacted>"
    return data


def check_roles(settings: Settings) -> Roles:
    """Every model string is checked before any call is made."""
    if not settings.baseline:
        raise ConfigError("No baseline model: pass --baseline portkey/<provider>/<model>.")
    if not settings.candidates:
        raise ConfigError("No candidate model: pass --candidate portkey/<provider>/<model>.")
    if not settings.judge:
        raise ConfigError("No judge model: pass --judge portkey/<provider>/<model>.")
    for model in [settings.baseline, *settings.candidates, settings.judge]:
        parse_model(model, settings)
    return Roles(settings.baseline, list(dict.fromkeys(settings.candidates)), settings.judge)


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
    ):
        self.store = store
        self.settings = settings
        self.roles = check_roles(settings)
        self._refs: dict[str, ModelRef] = {}
        self._candidate_agents = dict(candidates or {})
        self._judge_agent = judge
        self.progress = progress or (lambda stage, done, total: None)
        self.spent = 0.0
        """USD spent by calls this object made (cache hits cost nothing)."""
        self.prices = {m: self._price_info(m) for m in [*self.roles.models, self.roles.judge]}
        # models whose agents are built here call a gateway: check it before any call
        built = [m for m in self.roles.models if m not in self._candidate_agents]
        if self._judge_agent is None:
            built.append(self.roles.judge)
        if built:
            from whichmodel.preflight import check_gateways, check_keys

            check_keys(built, settings)
            check_gateways(built, settings)

    # ---------------------------------------------------------- helpers

    # ---------------------------------------------------------- spending

    def estimate(self, prompt: dict[str, Any], model: str) -> tuple[float, float]:
        """Upper-bound-style cost of one (prompt, model) job: (answer, judgment), in USD.
        Input tokens from the text length (~3 characters a token), output at the caps."""
        text_tokens = len(json.dumps(prompt["messages"])) // 3 + 50
        cap = self.settings.model_settings(model).max_tokens or self.settings.max_tokens
        answer = self._cost(model, Usage(text_tokens, 0, cap))[0]
        judge_in = text_tokens + cap + 800  # rubric, tool instructions, reference
        judgment = self._cost(self.roles.judge, Usage(judge_in, 0, self.settings.judge_max_tokens))[
            0
        ]
        if self.settings.judge_mode == "pairwise":
            # both orders, each showing two answers; nothing for the baseline itself
            judgment = 0.0 if model == self.roles.baseline else 2 * 1.5 * (judgment or 0.0)
        else:
            judgment = self.settings.judge_samples * (judgment or 0.0)
        return answer or 0.0, judgment

    def estimate_run(self, prompt_ids: list[str] | None = None) -> tuple[float, float]:
        """(candidates, judge) estimated cost of evaluating ``prompt_ids`` (default: all)."""
        prompts = self.store.prompts(prompt_ids)
        totals = [self.estimate(p, m) for p in prompts for m in self.roles.models]
        return sum(a for a, _ in totals), sum(j for _, j in totals)

    def _check_budget_prices(self) -> None:
        unknown = [m for m, p in self.prices.items() if not p.known]
        if self.settings.max_cost is not None and unknown:
            raise ConfigError(
                f"--max-cost needs a price for every model; unknown: {', '.join(unknown)}. "
                "Set [prices] in whichmodel.toml."
            )

    def _ref(self, model: str) -> ModelRef:
        ref = self._refs.get(model)
        if ref is None:
            ref = self._refs[model] = parse_model(model, self.settings)
        return ref

    def _price_info(self, model: str) -> PriceInfo:
        ref = self._ref(model)
        override = self.settings.prices.get(model)
        if override is not None:
            return PriceInfo(True, f"config: {override.note}")
        known = is_price_known(ref.provider, ref.name)
        return PriceInfo(known, price_source_label() if known else "unknown")

    def _cost(self, model: str, usage: Usage) -> tuple[float | None, str]:
        ref = self._ref(model)
        cost = cost_of(ref.provider, ref.name, usage, self.settings.prices.get(model))
        return cost.usd, cost.source

    def _candidate(self, model: str) -> CandidateAgent:
        """One agent per model serves all concurrent calls (it keeps no per-call state)."""
        agent = self._candidate_agents.get(model)
        if agent is None:
            per_model = self.settings.model_settings(model)
            agent = make_candidate(
                llm_config(model, self.settings), per_model.system_prompt, self.settings.retries
            )
        return agent

    def _build_judge(self) -> JudgeAgent:
        """The judge of this run's mode (pointwise ``JudgeAgent`` or pairwise)."""
        agent = self._judge_agent
        if agent is not None:
            return agent
        judge = self.roles.judge
        per_model = self.settings.model_settings(judge)
        samples = self.settings.judge_samples if self.settings.judge_mode == "pointwise" else 1
        temperature = per_model.temperature
        if temperature is None and samples > 1:
            temperature = 0.7  # identical samples would measure nothing
        make = make_pairwise_judge if self.settings.judge_mode == "pairwise" else make_judge
        return make(
            llm_config(
                judge,
                self.settings,
                max_tokens=self.settings.judge_max_tokens,
                temperature=temperature,
            ),
            attempts=self.settings.judge_attempts,
            json_schema=per_model.json_schema,
            retries=self.settings.retries,
        )

    # ---------------------------------------------------------- running

    def start(self, prompt_ids: list[str] | None = None, run_id: str | None = None) -> str:
        """Create the run row (and its prompt list); returns the run id."""
        ids = prompt_ids if prompt_ids is not None else self.store.prompt_ids()
        if not ids:
            raise NoDataError(
                "No prompts to evaluate: run `whichmodel import FILE.jsonl` or pass --prompts FILE."
            )
        run_id = run_id or uuid.uuid4().hex[:12]
        self.store.create_run(
            {
                "id": run_id,
                "baseline": self.roles.baseline,
                "candidates": self.roles.candidates,
                "judge": self.roles.judge,
                "settings": redacted_settings(self.settings),
            },
            ids,
        )
        return run_id

    async def run(self, run_id: str) -> Recommendation:
        """Answer, judge and recommend; work already stored for ``run_id`` is skipped.
        A run that ends early is marked (stopped, interrupted or failed), never lost."""
        with self.store.db.conn:
            self.store.db["runs"].update(run_id, {"status": "running", "error": None})
        try:
            return await self._run(run_id)
        except BudgetError:
            raise  # the run is already marked "stopped", with everything stored
        except BaseException as exc:
            interrupted = isinstance(exc, (KeyboardInterrupt, asyncio.CancelledError))
            self.store.finish_run(
                run_id,
                "interrupted" if interrupted else "failed",
                f"{type(exc).__name__}: {exc}"[:500],
            )
            raise

    async def _run(self, run_id: str) -> Recommendation:
        from langroid.utils.configuration import settings as lr_settings

        prompts = self.store.prompts(self.store.run_prompt_ids(run_id))
        candidates = {m: self._candidate(m) for m in self.roles.models}
        judge = self._build_judge()
        pairwise = isinstance(judge, PairwiseJudgeAgent)
        answered = self.store.done_keys("responses", run_id)
        judged = self.store.done_keys("pairwise" if pairwise else "scores", run_id)
        compared = [m for m in self.roles.models if m != self.roles.baseline]
        total = len(prompts) * len(self.roles.models)
        total_judged = len(prompts) * (len(compared) if pairwise else len(self.roles.models))
        counts = {"answers": len(answered), "judgments": len(judged)}
        self.progress("answers", counts["answers"], total)
        self.progress("judgments", counts["judgments"], total_judged)

        def answer_jobs() -> Iterator[tuple[dict[str, Any], str]]:
            for prompt in prompts:
                for model in self.roles.models:
                    key = (prompt["id"], model)
                    if key not in (answered if pairwise else judged):
                        yield prompt, model

        def pair_jobs() -> Iterator[tuple[dict[str, Any], str]]:
            for prompt in prompts:
                for model in compared:
                    if (prompt["id"], model) not in judged:
                        yield prompt, model

        async def answer(prompt: dict[str, Any], model: str) -> dict[str, Any]:
            if (prompt["id"], model) in answered:
                return self.store.db["responses"].get((run_id, prompt["id"], model))
            row = await self._answer(run_id, prompt, model, candidates[model])
            self.store.save_response(row)
            answered.add((prompt["id"], model))
            counts["answers"] += 1
            self.progress("answers", counts["answers"], total)
            return row

        def judged_one() -> None:
            counts["judgments"] += 1
            self.progress("judgments", counts["judgments"], total_judged)

        async def answer_and_score(prompt: dict[str, Any], model: str) -> None:
            row = await answer(prompt, model)
            if pairwise or row["status"] != "ok":
                return  # nothing to score here; an error is stored with the answer
            await self._judge(run_id, prompt, model, row, judge)
            judged_one()

        async def compare(prompt: dict[str, Any], model: str) -> None:
            rows = {
                m: self.store.db["responses"].get((run_id, prompt["id"], m))
                for m in (self.roles.baseline, model)
            }
            if any(r["status"] != "ok" for r in rows.values()):
                return  # nothing to compare; the error is stored with the answer
            await self._compare(run_id, prompt, model, rows, judge)  # type: ignore[arg-type]
            judged_one()

        self._check_budget_prices()
        limit = self.settings.max_cost
        budget = {"spent": 0.0, "reserved": 0.0, "stopped": False}

        async def worker(
            jobs: Iterator[tuple[dict[str, Any], str]],
            work: Callable[[dict[str, Any], str], Awaitable[None]],
            part: int | None,
        ) -> None:
            for prompt, model in jobs:
                if limit is None:
                    await work(prompt, model)
                    continue
                costs = self.estimate(prompt, model)
                reserve = sum(costs) if part is None else costs[part]
                if budget["stopped"] or budget["spent"] + budget["reserved"] + reserve > limit:
                    budget["stopped"] = True  # calls in flight finish; no new one starts
                    return
                budget["reserved"] += reserve
                before = self.spent
                try:
                    await work(prompt, model)
                finally:
                    budget["reserved"] -= reserve
                    budget["spent"] += self.spent - before

        # pointwise: each (prompt, model) answered then scored at once; pairwise: all
        # answers first, then each candidate's compared with the baseline's
        phases = (
            [(answer_jobs(), answer_and_score, 0), (pair_jobs(), compare, 1)]
            if pairwise
            else [(answer_jobs(), answer_and_score, None)]
        )
        quiet_before = lr_settings.quiet
        lr_settings.quiet = True  # Langroid would print every message of every agent
        try:
            for jobs, work, part in phases:
                await asyncio.gather(
                    *(worker(jobs, work, part) for _ in range(self.settings.concurrency))
                )
                if budget["stopped"]:
                    break
        finally:
            lr_settings.quiet = quiet_before
        if budget["stopped"]:
            self.store.finish_run(run_id, "stopped", "spending limit")
            raise BudgetError(
                f"Stopped before the ${limit:.2f} limit: spent ${budget['spent']:.4f} in this "
                f"session; {counts['answers']} of {total} answers and {counts['judgments']} of "
                f"{total_judged} judgments stored. Finish with: "
                f"whichmodel eval --resume {run_id} --max-cost MORE"
            )
        return self.finish(run_id)

    async def _cached_answer(
        self, model: str, messages: list[dict[str, str]], agent: CandidateAgent
    ) -> tuple[Answer, bool]:
        key = cache_key(
            "answer",
            model,
            messages,
            self.settings.model_settings(model).model_dump(),
            self.settings.max_tokens,
            self.settings.temperature,
        )
        if self.settings.cache and (stored := self.store.cache_get(key)) is not None:
            return Answer(**stored), True
        answer = await agent.answer(messages)
        if self.settings.cache and answer.status == "ok":
            self.store.cache_put(key, "answer", model, dataclasses.asdict(answer))
        return answer, False

    async def _cached_verdict(
        self,
        kind: str,
        key_parts: tuple[Any, ...],
        tool: type[Tool],
        ask: Callable[[], Awaitable[Judgment]],
    ) -> tuple[Judgment, bool]:
        """A judge verdict, from the cache when the same request was judged before."""
        key = cache_key(
            kind,
            self.roles.judge,
            *key_parts,
            self.settings.model_settings(self.roles.judge).model_dump(),
        )
        if self.settings.cache and (stored := self.store.cache_get(key)) is not None:
            return Judgment(score=tool(**stored["score"]), raw=stored["raw"], attempts=0), True
        judgment = await ask()
        if self.settings.cache and judgment.score is not None:
            self.store.cache_put(
                key,
                kind,
                self.roles.judge,
                {"score": judgment.score.model_dump(), "raw": judgment.raw},
            )
        return judgment, False

    def _judge_cost(self, judgments: list[Judgment]) -> tuple[Usage, float | None, str]:
        """Tokens and cost of the judge's calls (cached verdicts cost nothing)."""
        judge_ref = self._ref(self.roles.judge)
        calls = [c for j in judgments for c in j.calls]
        usage = sum(
            (
                normalize_usage(
                    judge_ref.provider, c.prompt_tokens, c.cached_tokens, c.completion_tokens
                )
                for c in calls
            ),
            Usage(),
        )
        if not all(c.usage_reported for c in calls):
            return usage, None, "no usage reported"
        cost, source = self._cost(self.roles.judge, usage)
        if cost is not None:
            self.spent += cost
        return usage, cost, source

    def _tagged(
        self, run_id: str, prompt: dict[str, Any], model: str, role: str
    ) -> AbstractContextManager[CallContext]:
        """Portkey trace id and metadata for the calls about one (prompt, model, role)."""
        ref = self._ref(model)
        return call_context(
            trace_id=f"wm-{run_id}-{prompt['id']}-{ref.provider}-{ref.name}-{role}"[:128],
            run_id=run_id,
            prompt_id=prompt["id"],
            model=model,
            role=role,
        )

    async def _answer(
        self, run_id: str, prompt: dict[str, Any], model: str, agent: CandidateAgent
    ) -> dict[str, Any]:
        ref = self._ref(model)
        with self._tagged(run_id, prompt, model, "candidate") as ctx:
            answer, hit = await self._cached_answer(model, prompt["messages"], agent)
        usage = normalize_usage(
            ref.provider, answer.prompt_tokens, answer.cached_tokens, answer.completion_tokens
        )
        if answer.status != "ok":
            cost, source = None, ""
        elif not answer.usage_reported:
            cost, source = None, "no usage reported"
        else:
            cost, source = self._cost(model, usage)
            if not hit and cost is not None:
                self.spent += cost
        verdict = (
            detect(answer.text, answer.finish_reason)
            if answer.status == "ok"
            else RefusalVerdict(False, None)
        )
        return {
            "run_id": run_id,
            "prompt_id": prompt["id"],
            "model": model,
            "status": answer.status,
            "text": answer.text,
            "finish_reason": answer.finish_reason,
            "error": (
                f"{answer.error} (after {ctx.attempts} attempts)"
                if answer.error and ctx.attempts > 1
                else answer.error
            ),
            "input_tokens": usage.input_tokens,
            "cached_tokens": usage.cached_tokens,
            "output_tokens": usage.output_tokens,
            "usage": json.dumps(
                {
                    "prompt_tokens": answer.prompt_tokens,
                    "cached_tokens": answer.cached_tokens,
                    "completion_tokens": answer.completion_tokens,
                }
            ),
            "latency_ms": answer.latency_ms,
            "cost_usd": cost,
            "price_source": source,
            "refused": int(verdict.refused),
            "refusal_reason": verdict.reason,
            "refusal_kind": verdict.kind,
            "trace_id": ctx.trace_id,
            "cache_hit": int(hit),
            "gateway": json.dumps(ctx.response_headers),
        }

    async def _judge(
        self,
        run_id: str,
        prompt: dict[str, Any],
        model: str,
        answer: Mapping[str, Any],
        judge: JudgeAgent,
    ) -> None:
        """Score one answer (``judge_samples`` times: the mean, and their spread)."""
        text = answer["text"] or ""
        reference = prompt.get("reference")
        judgments: list[Judgment] = []
        hits = []
        for i in range(self.settings.judge_samples):
            parts: tuple[Any, ...] = (prompt["messages"], text, reference)
            with self._tagged(run_id, prompt, model, "judge" if i == 0 else f"judge{i}") as ctx:
                judgment, hit = await self._cached_verdict(
                    "judgment",
                    parts + ((f"sample {i}",) if i else ()),
                    ScoreTool,
                    lambda: judge.judge(prompt["messages"], text, reference),
                )
            judgments.append(judgment)
            hits.append(hit)
            if i == 0:
                trace_id = ctx.trace_id
        usage, cost, source = self._judge_cost(judgments)
        weights = self.settings.weights
        scores = [j.score for j in judgments if j.score is not None]
        per_sample = [
            weights.quality(j.score.accuracy, j.score.relevance, j.score.clarity)
            if j.score
            else None
            for j in judgments
        ]
        qualities = [q for q in per_sample if q is not None]

        def mean(values: list[float]) -> float | None:
            return sum(values) / len(values) if values else None

        first = next((j for j in judgments if j.score is not None), judgments[0])
        self.store.save_score(
            {
                "run_id": run_id,
                "prompt_id": prompt["id"],
                "model": model,
                "judge": self.roles.judge,
                "status": first.status,
                "accuracy": mean([s.accuracy for s in scores]),
                "relevance": mean([s.relevance for s in scores]),
                "clarity": mean([s.clarity for s in scores]),
                "quality": mean(qualities),
                # the majority of the samples; a tie counts as refused
                "refused": int(2 * sum(s.refused for s in scores) >= len(scores))
                if scores
                else None,
                "rationale": first.score.rationale if first.score else None,
                "raw": first.raw,
                "attempts": sum(j.attempts for j in judgments),
                "error": first.error,
                "input_tokens": usage.input_tokens,
                "cached_tokens": usage.cached_tokens,
                "output_tokens": usage.output_tokens,
                "latency_ms": sum(j.latency_ms for j in judgments),
                "cost_usd": cost,
                "price_source": source,
                "trace_id": trace_id,
                "cache_hit": int(all(hits)),
                "samples": json.dumps(per_sample) if len(judgments) > 1 else None,
                "spread": statistics.stdev(qualities) if len(qualities) > 1 else None,
            }
        )

    async def _compare(
        self,
        run_id: str,
        prompt: dict[str, Any],
        model: str,
        rows: Mapping[str, Mapping[str, Any]],
        judge: PairwiseJudgeAgent,
    ) -> None:
        """Pairwise: the candidate's answer against the baseline's, in both orders.
        A verdict that flips with the order counts as a tie."""
        base = rows[self.roles.baseline]["text"] or ""
        cand = rows[model]["text"] or ""
        reference = prompt.get("reference")
        verdicts: list[Judgment] = []
        for order, (first, second) in enumerate(((base, cand), (cand, base)), start=1):
            with self._tagged(run_id, prompt, model, f"pairwise{order}") as ctx:
                judgment, _ = await self._cached_verdict(
                    "pairwise",
                    (prompt["messages"], first, second, reference),
                    CompareTool,
                    lambda a=first, b=second: judge.judge_pair(prompt["messages"], a, b, reference),
                )
            verdicts.append(judgment)
            if order == 1:
                trace_id = ctx.trace_id
        usage, cost, source = self._judge_cost(verdicts)
        winners = [v.score.winner if v.score else None for v in verdicts]
        # from the candidate's side: +1 better, -1 worse, 0 tie
        sides = [
            {"B": 1, "A": -1, "tie": 0}.get(winners[0] or ""),
            {"A": 1, "B": -1, "tie": 0}.get(winners[1] or ""),
        ]
        scored = None not in sides
        failed = next((v for v in verdicts if v.score is None), None)
        self.store.save_pairwise(
            {
                "run_id": run_id,
                "prompt_id": prompt["id"],
                "model": model,
                "judge": self.roles.judge,
                "status": "scored" if scored else failed.status,  # type: ignore[union-attr]
                "first": winners[0],
                "second": winners[1],
                "outcome": (sides[0] if sides[0] == sides[1] else 0) if scored else None,
                "consistent": int(sides[0] == sides[1]) if scored else None,
                "rationale": " | ".join(v.score.rationale for v in verdicts if v.score),
                "raw": "\n---\n".join(v.raw for v in verdicts),
                "attempts": sum(v.attempts for v in verdicts),
                "error": failed.error if failed else None,
                "input_tokens": usage.input_tokens,
                "cached_tokens": usage.cached_tokens,
                "output_tokens": usage.output_tokens,
                "latency_ms": sum(v.latency_ms for v in verdicts),
                "cost_usd": cost,
                "price_source": source,
                "trace_id": trace_id,
            }
        )

    def finish(self, run_id: str) -> Recommendation:
        rec = recommendation_for(self.store, run_id, self.settings, self.prices)
        rec.warnings.extend(error_summary(self.store, run_id))
        self.store.save_recommendation(run_id, rec.model_dump(mode="json"))
        self.store.finish_run(run_id, "completed")
        return rec


def answer_rows(store: Store, run_id: str) -> list[dict[str, Any]]:
    """Answers joined with their scores; the final refusal combines both."""
    rows = list(
        store.db.query(
            """select r.prompt_id, r.model, r.status, r.cost_usd, r.latency_ms, r.output_tokens,
                  length(r.text) as answer_chars,
                  r.refused as answer_refused, r.refusal_reason, s.quality,
                  s.refused as judge_refused,
                  s.status as score_status, s.spread as judge_spread, p.category, p.label,
                  r.refusal_kind, w.outcome as preference, w.consistent as order_consistent
           from responses r left join scores s
             on s.run_id = r.run_id and s.prompt_id = r.prompt_id and s.model = r.model
           left join pairwise w
             on w.run_id = r.run_id and w.prompt_id = r.prompt_id and w.model = r.model
           left join prompts p on p.id = r.prompt_id
           where r.run_id = ?""",
            [run_id],
        )
    )
    for row in rows:
        verdict = stored_verdict(row)
        row["refused"] = verdict.refused
        row["refusal_kind"] = verdict.kind if verdict.refused else None
    return rows


def error_summary(store: Store, run_id: str) -> list[str]:
    """One line per model whose calls failed, with the first error."""
    lines = []
    for row in store.db.query(
        """select model, count(*) n, min(error) first_error,
                  (select count(*) from run_prompts where run_id = ?) total
           from responses where run_id = ? and status = 'error' group by model""",
        [run_id, run_id],
    ):
        name = row["model"].split("/", 2)[-1]
        lines.append(
            f"{name}: {row['n']} of {row['total']} calls failed "
            f"(e.g. {row['first_error'][:160]}); see the responses table."
        )
    return lines


def recommendation_for(
    store: Store, run_id: str, settings: Settings, prices: Mapping[str, PriceInfo]
) -> Recommendation:
    run = store.run(run_id)
    if run is None:
        raise NoDataError(
            f"No run {run_id!r} in {store.path}: `whichmodel report --list` shows runs."
        )
    judge_costs = [r["cost_usd"] for r in store.scores(run_id)] + [
        r["cost_usd"]
        for r in store.db.query("select cost_usd from pairwise where run_id = ?", [run_id])
    ]
    judge_cost = None if any(c is None for c in judge_costs) else sum(judge_costs)
    mode = (run.get("settings") or {}).get("judge_mode", "pointwise")
    return recommend(
        answer_rows(store, run_id),
        run_id=run_id,
        baseline=run["baseline"],
        candidates=run["candidates"],
        prices=prices,
        prompts=run["prompt_count"],
        tolerance=settings.tolerance,
        refusal_margin=settings.refusal_margin,
        error_margin=settings.error_margin,
        judge=run["judge"],
        judge_cost_usd=judge_cost,
        judge_mode=mode,
    )


def unfinished_run(store: Store, run_id: str | None) -> dict[str, Any]:
    if run_id and run_id != "latest":
        run = store.run(run_id)
        if run is None:
            raise NoDataError(f"No run {run_id!r}: `whichmodel report --list` shows runs.")
        return run
    rows = list(
        store.db.query(
            "select id from runs where status != 'completed' order by created_at desc limit 1"
        )
    )
    if not rows:
        raise NoDataError("No interrupted run to resume: `whichmodel report --list` shows runs.")
    run = store.run(rows[0]["id"])
    assert run is not None
    return run


async def resume_async(
    store: Store,
    settings: Settings,
    run_id: str | None = None,
    *,
    progress: ProgressFn | None = None,
) -> Recommendation:
    """Finish an interrupted run: the run's own models; nothing already stored is redone."""
    run = unfinished_run(store, run_id)
    stored = run.get("settings") or {}
    settings = settings.model_copy(
        update={
            "baseline": run["baseline"],
            "candidates": run["candidates"],
            "judge": run["judge"],
            "judge_mode": stored.get("judge_mode", "pointwise"),
            "judge_samples": stored.get("judge_samples", 1),
        }
    )
    return await Evaluation(store, settings, progress=progress).run(run["id"])


async def evaluate_async(
    store: Store,
    settings: Settings,
    *,
    prompt_ids: list[str] | None = None,
    candidates: Mapping[str, CandidateAgent] | None = None,
    judge: JudgeAgent | None = None,
    progress: ProgressFn | None = None,
    run_id: str | None = None,
) -> Recommendation:
    evaluation = Evaluation(store, settings, candidates=candidates, judge=judge, progress=progress)
    return await evaluation.run(evaluation.start(prompt_ids, run_id))
