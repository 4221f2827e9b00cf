"""One call each: a candidate answers a prompt, the judge scores an answer, or compares
two. Each result becomes a row for the store, with its tokens, cost, latency, trace id
and refusal signals; identical requests come from the response cache (no call, no cost).
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractContextManager
from typing import Any

from whichmodel.agents.candidate import Answer, CandidateAgent
from whichmodel.agents.judge import JudgeAgent, Judgment, Material, PairwiseJudgeAgent
from whichmodel.config import Settings
from whichmodel.portkey.context import CallContext, call_context
from whichmodel.records.answers import AnswerRecord, PairwiseRecord, ScoreRecord
from whichmodel.records.runs import Production, Prompt
from whichmodel.refusal.detect import RefusalVerdict
from whichmodel.store import Store, cache_key
from whichmodel.tasks.replay import answer_refusal, checks_of, replay_for
from whichmodel.tasks.roles import Prices, Roles
from whichmodel.tools.base import Tool
from whichmodel.tools.pairwise import CompareTool
from whichmodel.tools.score import ScoreTool
from whichmodel.verdict.pricing import Usage, normalize_usage


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


class Calls:
    """The calls of one run, and what they cost (``spent``: USD paid by calls made here;
    cache hits cost nothing). ``batch``: the calls' answers come from a batch (priced at
    the batch price; no latency measured; no trace of their own in Portkey)."""

    def __init__(
        self, store: Store, settings: Settings, roles: Roles, prices: Prices, batch: bool = False
    ):
        self.store = store
        self.settings = settings
        self.roles = roles
        self.prices = prices
        self.batch = batch
        self.spent = 0.0

    def _tagged(
        self, run_id: str, prompt: Prompt, model: str, role: str
    ) -> AbstractContextManager[CallContext]:
        """Portkey trace id and metadata for the calls about one (prompt, model, role)."""
        ref = self.roles.refs[model]
        return call_context(
            trace_id=f"wm-{run_id}-{prompt.id}-{ref.provider}-{ref.name}-{role}"[:128],
            run_id=run_id,
            prompt_id=prompt.id,
            model=model,
            role=role,
        )

    # ---------------------------------------------------------- answers

    async def _cached_answer(
        self, model: str, prompt: Prompt, agent: CandidateAgent
    ) -> tuple[Answer, bool]:
        replay, _ = replay_for(prompt, model, self.settings)
        if not self.settings.cache:
            return await agent.answer(prompt.messages, replay), False
        key = cache_key(
            "answer",
            model,
            prompt.messages,
            *([prompt.request] if prompt.request else []),
            self.settings.model_settings(model).model_dump(),
            self.settings.max_tokens,
            self.settings.temperature,
        )
        if (stored := self.store.cache_get(key)) is not None:
            return Answer(**stored), True
        answer = await agent.answer(prompt.messages, replay)
        if answer.status == "ok":
            self.store.cache_put(key, "answer", model, dataclasses.asdict(answer))
        return answer, False

    async def answer(
        self,
        run_id: str,
        prompt: Prompt,
        model: str,
        agent: CandidateAgent,
        production: Production | None = None,
    ) -> AnswerRecord:
        """``model``'s answer to ``prompt`` (``production``: the answer production gave,
        for the checks that compare with it)."""
        ref = self.roles.refs[model]
        with self._tagged(run_id, prompt, model, "candidate") as ctx:
            answer, hit = await self._cached_answer(model, prompt, agent)
        usage = normalize_usage(
            ref.provider, answer.prompt_tokens, answer.cached_tokens, answer.completion_tokens
        )
        if answer.status != "ok":
            cost, source = None, ""
        elif not answer.usage_reported:
            cost, source = None, "no usage reported"
        else:
            cost, source = self.prices.cost(model, usage, self.batch)
            if not hit and cost is not None:
                self.spent += cost
        verdict = (
            answer_refusal(answer.text, answer.finish_reason, answer.tool_calls)
            if answer.status == "ok"
            else RefusalVerdict(False, None)
        )
        return AnswerRecord(
            run_id=run_id,
            prompt_id=prompt.id,
            model=model,
            status=answer.status,
            text=answer.text,
            finish_reason=answer.finish_reason,
            error=(
                f"{answer.error} (after {ctx.attempts} attempts)"
                if answer.error and ctx.attempts > 1
                else answer.error
            ),
            input_tokens=usage.input_tokens,
            cached_tokens=usage.cached_tokens,
            output_tokens=usage.output_tokens,
            usage={
                "prompt_tokens": answer.prompt_tokens,
                "cached_tokens": answer.cached_tokens,
                "completion_tokens": answer.completion_tokens,
            },
            latency_ms=None if self.batch else answer.latency_ms,
            cost_usd=cost,
            price_source=source,
            refused=verdict.refused,
            refusal_reason=verdict.reason,
            refusal_kind=verdict.kind,
            trace_id=None if self.batch else ctx.trace_id,
            cache_hit=hit,
            gateway=dict(ctx.response_headers),
            tool_calls=answer.tool_calls or None,
            origin="cache" if hit else "batch" if self.batch else "call",
            checks=(
                checks_of(prompt, answer.text, answer.tool_calls, production)
                if answer.status == "ok"
                else None
            ),
        )

    # ---------------------------------------------------------- judgments

    async def _cached_verdict(
        self,
        kind: str,
        key_parts: tuple[Any, ...],
        tool: type[Tool],
        ask: Callable[[], Awaitable[Judgment]],
        fresh: bool = False,
    ) -> tuple[Judgment, bool]:
        """A judge verdict, from the cache when the same request was judged before (unless
        ``fresh``: then the judge is asked again)."""
        if not self.settings.cache:
            return await ask(), False
        key = cache_key(
            kind,
            self.roles.judge,
            *key_parts,
            self.settings.model_settings(self.roles.judge).model_dump(),
        )
        if not fresh and (stored := self.store.cache_get(key)) is not None:
            return Judgment(score=tool(**stored["score"]), raw=stored["raw"], attempts=0), True
        judgment = await ask()
        if judgment.score is not None:
            self.store.cache_put(
                key,
                kind,
                self.roles.judge,
                {"score": judgment.score.model_dump(), "raw": judgment.raw},
            )
        return judgment, False

    def _judge_cost(self, judgments: list[Judgment]) -> tuple[Usage, float | None, str]:
        """Tokens and cost of the judge's calls (cached verdicts cost nothing)."""
        judge_ref = self.roles.refs[self.roles.judge]
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
        cost, source = self.prices.cost(self.roles.judge, usage, self.batch)
        if cost is not None:
            self.spent += cost
        return usage, cost, source

    async def judge(
        self,
        run_id: str,
        prompt: Prompt,
        model: str,
        answer: AnswerRecord,
        judge: JudgeAgent,
        fresh: bool = False,
    ) -> ScoreRecord:
        """The score of one answer, judged ``judge_samples`` times: the mean of the
        samples, and their spread (``fresh``: never from the cache)."""
        text = answer.text or ""
        reference = prompt.reference
        material = Material.of(prompt, answer)
        judgments: list[Judgment] = []
        hits = []
        for i in range(self.settings.judge_samples):
            parts: tuple[Any, ...] = (prompt.messages, text, reference, *material.key())
            with self._tagged(run_id, prompt, model, "judge" if i == 0 else f"judge{i}") as ctx:
                judgment, hit = await self._cached_verdict(
                    "judgment",
                    parts + ((f"sample {i}",) if i else ()),
                    ScoreTool,
                    lambda: judge.judge(prompt.messages, text, reference, material),
                    fresh,
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
        first = next((j for j in judgments if j.score is not None), judgments[0])
        return ScoreRecord(
            run_id=run_id,
            prompt_id=prompt.id,
            model=model,
            judge=self.roles.judge,
            status=first.status,
            accuracy=_mean([s.accuracy for s in scores]),
            relevance=_mean([s.relevance for s in scores]),
            clarity=_mean([s.clarity for s in scores]),
            quality=_mean(qualities),
            # the majority of the samples; a tie counts as refused
            refused=2 * sum(s.refused for s in scores) >= len(scores) if scores else None,
            rationale=first.score.rationale if first.score else None,
            raw=first.raw,
            attempts=sum(j.attempts for j in judgments),
            error=first.error,
            input_tokens=usage.input_tokens,
            cached_tokens=usage.cached_tokens,
            output_tokens=usage.output_tokens,
            latency_ms=None if self.batch else sum(j.latency_ms for j in judgments),
            cost_usd=cost,
            price_source=source,
            trace_id=None if self.batch else trace_id,
            cache_hit=all(hits),
            samples=per_sample if len(judgments) > 1 else None,
            spread=statistics.stdev(qualities) if len(qualities) > 1 else None,
        )

    async def compare(
        self,
        run_id: str,
        prompt: Prompt,
        model: str,
        answers: Mapping[str, AnswerRecord],
        judge: PairwiseJudgeAgent,
    ) -> PairwiseRecord:
        """The judge's preference between the candidate's answer and the baseline's,
        asked in both orders. A verdict that flips with the order counts as a tie."""
        base = Material.answer_text(answers[self.roles.baseline])
        cand = Material.answer_text(answers[model])
        reference = prompt.reference
        material = Material.of(prompt, None)
        verdicts: list[Judgment] = []
        for order, (first, second) in enumerate(((base, cand), (cand, base)), start=1):
            with self._tagged(run_id, prompt, model, f"pairwise{order}") as ctx:
                judgment, _ = await self._cached_verdict(
                    "pairwise",
                    (prompt.messages, first, second, reference, *material.key()),
                    CompareTool,
                    lambda a=first, b=second: judge.judge_pair(
                        prompt.messages, a, b, reference, material
                    ),
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
        return PairwiseRecord(
            run_id=run_id,
            prompt_id=prompt.id,
            model=model,
            judge=self.roles.judge,
            status="scored" if scored else failed.status,  # type: ignore[union-attr]
            first=winners[0],
            second=winners[1],
            outcome=(sides[0] if sides[0] == sides[1] else 0) if scored else None,
            consistent=int(sides[0] == sides[1]) if scored else None,
            rationale=" | ".join(v.score.rationale for v in verdicts if v.score),
            raw="\n---\n".join(v.raw for v in verdicts),
            attempts=sum(v.attempts for v in verdicts),
            error=failed.error if failed else None,
            input_tokens=usage.input_tokens,
            cached_tokens=usage.cached_tokens,
            output_tokens=usage.output_tokens,
            latency_ms=sum(v.latency_ms for v in verdicts),
            cost_usd=cost,
            price_source=source,
            trace_id=trace_id,
        )
