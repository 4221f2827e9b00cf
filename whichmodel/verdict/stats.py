"""Paired statistics for candidate vs baseline: pure functions, no I/O.

Every prompt is answered by both models, so comparisons are paired: the bootstrap
resamples *prompts* (the same resample for every statistic), which keeps each
prompt's baseline and candidate numbers together and gives intervals for the
quality change, the cost change and the refusal-rate change. Seeded, so the same
rows always give the same intervals.

The decision is a non-inferiority test: a candidate qualifies only when the whole
95% interval of its quality change lies above ``-tolerance``, its refusal increase
stays within the margin for the whole interval, and it is cheaper. When an
interval straddles a bound the data cannot decide, and we estimate how many
prompts would let it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel

from whichmodel.records.verdict import Interval

CONFIDENCE = 0.95
RESAMPLES = 2000
SEED = 20260501
Z95 = 1.959963984540054
MIN_PROMPTS = 10
"""Below this many prompts scored for both models a bootstrap interval is not
trusted: the verdict is at best undecided."""


@dataclass(frozen=True, slots=True)
class Pair:
    """One prompt answered by both models."""

    base_quality: float | None
    cand_quality: float | None
    base_cost: float | None
    cand_cost: float | None
    base_refused: bool
    cand_refused: bool


@dataclass(frozen=True, slots=True)
class Pairs:
    """Prompts answered by both models, as columns in prompt order: the figures are
    floats (NaN: not scored, or no cost), the refusals booleans."""

    base_quality: np.ndarray
    cand_quality: np.ndarray
    base_cost: np.ndarray
    cand_cost: np.ndarray
    base_refused: np.ndarray
    cand_refused: np.ndarray

    def __len__(self) -> int:
        return len(self.base_refused)

    @classmethod
    def of(cls, pairs: Sequence[Pair] | Pairs) -> Pairs:
        if isinstance(pairs, Pairs):
            return pairs

        def figures(name: str) -> np.ndarray:
            values = (getattr(p, name) for p in pairs)
            return np.fromiter(
                (math.nan if v is None else v for v in values), dtype=float, count=len(pairs)
            )

        def flags(name: str) -> np.ndarray:
            return np.fromiter((bool(getattr(p, name)) for p in pairs), bool, len(pairs))

        return cls(
            figures("base_quality"),
            figures("cand_quality"),
            figures("base_cost"),
            figures("cand_cost"),
            flags("base_refused"),
            flags("cand_refused"),
        )

    @property
    def scored(self) -> np.ndarray:
        """Where both answers were scored."""
        return ~np.isnan(self.base_quality) & ~np.isnan(self.cand_quality)

    @property
    def refusal_difference(self) -> np.ndarray:
        """Candidate minus baseline refusal, per prompt: -1, 0 or +1."""
        return self.cand_refused.astype(float) - self.base_refused.astype(float)


class PairedResult(BaseModel):
    prompts: int
    """Prompts answered by both models."""
    scored_prompts: int
    """Prompts scored for both models (the quality comparison uses these)."""
    quality_change_percent: Interval
    """Candidate mean quality vs baseline mean quality, relative, in %."""
    quality_difference: Interval
    """Candidate minus baseline mean quality, in score points (0..1 scale)."""
    cost_change_percent: Interval
    """Candidate total cost vs baseline total cost, relative, in %; unknown without prices."""
    refusal_change_points: Interval
    """Candidate minus baseline refusal rate, in percentage points."""


def _percentile_interval(samples: np.ndarray, estimate: float, n: int) -> Interval:
    finite = samples[np.isfinite(samples)]
    if n < 2 or finite.size < 2:
        return Interval(estimate=estimate)
    alpha = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(finite, [alpha, 100 - alpha])
    return Interval(estimate=estimate, low=float(low), high=float(high))


CHUNK = 250_000
"""Resampled indices drawn at a time (2 MB): fewer resamples at a time for more prompts,
so memory does not grow with the prompt count. The draws, and so the intervals, are the
same however they are cut."""


def _bootstrap(
    n: int, resamples: int, seed: int, statistic: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """``statistic`` of each of ``resamples`` resamples of ``n`` prompts (with
    replacement). ``statistic`` gets a block of index rows and returns one value per row."""
    rng = np.random.default_rng(seed)
    out = []
    step = max(1, CHUNK // max(n, 1))
    for start in range(0, resamples, step):
        rows = min(step, resamples - start)
        out.append(statistic(rng.integers(0, n, size=(rows, n))))
    return np.concatenate(out) if out else np.empty(0)


def _ratio_change(
    cand: np.ndarray, base: np.ndarray, resamples: int, seed: int
) -> tuple[float, np.ndarray]:
    """(sum(cand)/sum(base) - 1) x 100 on the data and on each resample."""
    base_total = base.sum()
    estimate = (cand.sum() / base_total - 1) * 100 if base_total else math.nan

    def change(idx: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return (cand[idx].sum(axis=1) / base[idx].sum(axis=1) - 1) * 100

    return estimate, _bootstrap(len(cand), resamples, seed, change)


def _mean_of(values: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    return _bootstrap(len(values), resamples, seed, lambda idx: values[idx].mean(axis=1))


def paired_comparison(
    pairs: Sequence[Pair] | Pairs, *, resamples: int = RESAMPLES, seed: int = SEED
) -> PairedResult:
    """Quality, cost and refusal changes of a candidate vs the baseline, with intervals."""
    columns = Pairs.of(pairs)
    n = len(columns)
    scored = columns.scored
    n_scored = int(scored.sum())
    unknown = Interval(estimate=None)

    quality_pct, quality_diff = unknown, unknown
    if n_scored:
        bq = columns.base_quality[scored]
        cq = columns.cand_quality[scored]
        est, samples = _ratio_change(cq, bq, resamples, seed)
        quality_pct = (
            _percentile_interval(samples, est, n_scored)
            if math.isfinite(est)
            else Interval(estimate=None)
        )
        diffs = cq - bq
        quality_diff = _percentile_interval(
            _mean_of(diffs, resamples, seed), float(diffs.mean()), n_scored
        )

    cost_pct = unknown
    bc, cc = columns.base_cost, columns.cand_cost
    if n and not (np.isnan(bc).any() or np.isnan(cc).any()):
        est, samples = _ratio_change(cc, bc, resamples, seed)
        if math.isfinite(est):
            cost_pct = _percentile_interval(samples, est, n)

    refusal = unknown
    if n:
        rd = columns.refusal_difference
        refusal = _percentile_interval(
            _mean_of(rd, resamples, seed) * 100, float(rd.mean() * 100), n
        )
    return PairedResult(
        prompts=n,
        scored_prompts=n_scored,
        quality_change_percent=quality_pct,
        quality_difference=quality_diff,
        cost_change_percent=cost_pct,
        refusal_change_points=refusal,
    )


class Verdict(BaseModel):
    status: str
    """qualifies | fails | undecided"""
    reasons: list[str]
    prompts_needed: int | None = None
    """For an undecided verdict: about how many prompts would decide it (None: unknown
    or more prompts are unlikely to help)."""


def _needed(std: float, gap: float) -> int | None:
    """Prompts for a 95% interval narrow enough to clear a bound ``gap`` away from the
    estimate (either way: a decision to qualify or to fail), given the per-prompt
    spread ``std``. Normal approximation."""
    if gap == 0 or not math.isfinite(std):
        return None
    return max(MIN_PROMPTS, math.ceil((Z95 * std / abs(gap)) ** 2))


def non_inferiority(
    result: PairedResult,
    pairs: Sequence[Pair] | Pairs,
    *,
    tolerance: float,
    refusal_margin: float,
) -> Verdict:
    """Qualifies when, over its whole 95% interval, the quality change is above
    ``-tolerance`` (relative), the refusal increase is within ``refusal_margin`` and
    the cost change is negative. Fails when an interval lies wholly on the wrong side
    of its bound. Otherwise undecided, with an estimate of the prompts needed."""
    columns = Pairs.of(pairs)
    failures: list[str] = []
    open_questions: list[str] = []
    needed: list[int | None] = []
    tol_pct = tolerance * 100
    margin_pts = refusal_margin * 100

    q = result.quality_change_percent
    d = result.quality_difference
    if q.estimate is None and d.estimate is not None:
        # the baseline scored 0: no relative change exists; the candidate must not be
        # worse in absolute terms
        if d.low is None or d.high is None:
            open_questions.append(
                f"quality {d.text(' pts', 2)} from {result.scored_prompts} prompt(s)"
            )
            needed.append(None)
        elif d.high < 0:
            failures.append(f"quality {d.text(' pts', 2)} is below the baseline's")
        elif d.low < 0:
            open_questions.append(f"quality {d.text(' pts', 2)} may be below the baseline's")
            needed.append(None)
    elif q.estimate is None:
        failures.append("no prompt was scored for both it and the baseline")
    elif q.low is None or q.high is None:
        open_questions.append(f"quality {q.text()} from {result.scored_prompts} prompt(s)")
        needed.append(None)
    elif q.low > -tol_pct:
        pass
    elif q.high < -tol_pct:
        failures.append(f"quality {q.text()} is below the -{tol_pct:g}% tolerance")
    else:
        open_questions.append(f"quality {q.text()} straddles the -{tol_pct:g}% tolerance")
        scored = columns.scored
        base = columns.base_quality[scored]
        rel = (columns.cand_quality[scored] - base) / base.mean() * 100
        needed.append(_needed(float(np.std(rel, ddof=1)), q.estimate + tol_pct))

    r = result.refusal_change_points
    if r.estimate is not None:
        if r.low is None or r.high is None:
            if r.estimate > margin_pts:
                failures.append(f"refusals {r.text(' pts')} exceed the {margin_pts:g}-point margin")
        elif r.high <= margin_pts + 1e-9:
            pass
        elif r.low > margin_pts:
            failures.append(f"refusals {r.text(' pts')} exceed the {margin_pts:g}-point margin")
        else:
            open_questions.append(
                f"refusals {r.text(' pts')} straddle the {margin_pts:g}-point margin"
            )
            rd = columns.refusal_difference * 100
            needed.append(_needed(float(np.std(rd, ddof=1)), margin_pts - r.estimate))

    c = result.cost_change_percent
    if c.estimate is None:
        failures.append("cost unknown")
    elif c.estimate >= 0:
        failures.append(f"not cheaper ({c.text()} cost)")
    elif c.high is not None and c.high >= 0:
        open_questions.append(f"cost {c.text()} may not be lower")
        needed.append(None)

    if failures:
        return Verdict(status="fails", reasons=failures + open_questions)
    if result.scored_prompts < MIN_PROMPTS:
        open_questions.append(
            f"only {result.scored_prompts} prompt(s) scored for both; "
            f"at least {MIN_PROMPTS} are needed for a decision"
        )
        needed.append(MIN_PROMPTS)
    if open_questions:
        known = [n for n in needed if n is not None]
        total = max(known) if known and len(known) == len(needed) else None
        return Verdict(status="undecided", reasons=open_questions, prompts_needed=total)
    return Verdict(status="qualifies", reasons=[])


def correlation(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson correlation; None with fewer than 3 points or no variation."""
    if len(xs) < 3 or len(xs) != len(ys):
        return None
    x = np.asarray(xs, dtype=float)
    y = np.asarray(ys, dtype=float)
    if x.std() == 0 or y.std() == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def rate_change(diffs: Sequence[int], *, resamples: int = RESAMPLES, seed: int = SEED) -> Interval:
    """The mean of paired pass/fail differences (-1, 0, +1) in points, with its 95%
    bootstrap interval."""
    values = np.asarray(diffs, dtype=float)
    if not values.size:
        return Interval(estimate=None)
    return _percentile_interval(
        _mean_of(values, resamples, seed) * 100, float(values.mean() * 100), len(values)
    )


def percentile_interval(
    values: Sequence[float], q: float = 95, *, resamples: int = RESAMPLES, seed: int = SEED
) -> Interval:
    """The ``q``-th percentile of ``values`` with its 95% bootstrap interval."""
    data = np.asarray(values, dtype=float)
    if not data.size:
        return Interval(estimate=None)
    samples = _bootstrap(
        len(data), resamples, seed, lambda idx: np.percentile(data[idx], q, axis=1)
    )
    return _percentile_interval(samples, float(np.percentile(data, q)), len(data))
