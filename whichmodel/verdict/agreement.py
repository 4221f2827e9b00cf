"""How far a judge agrees with people, from paired judge and human labels. Pure.

Scores (0-1): Spearman's rho and Kendall's tau-b. Pass/fail and refusals: raw agreement,
Cohen's kappa (agreement beyond what the two base rates give by chance) and both base
rates. Pairwise preferences: agreement, tie rate, position bias and length bias."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def ranks(values: Sequence[float]) -> np.ndarray:
    """Ranks from 1, ties sharing their mean rank."""
    data = np.asarray(values, dtype=float)
    order = np.argsort(data, kind="stable")
    out = np.empty(len(data))
    i = 0
    while i < len(data):
        j = i
        while j + 1 < len(data) and data[order[j + 1]] == data[order[i]]:
            j += 1
        out[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return out


def spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Spearman's rank correlation (None when either side is constant or n < 3)."""
    if len(x) < 3:
        return None
    rx, ry = ranks(x), ranks(y)
    if rx.std() == 0 or ry.std() == 0:
        return None
    return float(np.corrcoef(rx, ry)[0, 1])


def kendall(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Kendall's tau-b (ties in either variable accounted for)."""
    n = len(x)
    if n < 3:
        return None
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    dx = np.sign(a[:, None] - a[None, :])
    dy = np.sign(b[:, None] - b[None, :])
    upper = np.triu_indices(n, 1)
    sx, sy = dx[upper], dy[upper]
    concordance = float((sx * sy).sum())
    denominator = np.sqrt(float((sx != 0).sum()) * float((sy != 0).sum()))
    return concordance / denominator if denominator else None


def kappa(judge: Sequence[bool], human: Sequence[bool]) -> dict[str, float | None]:
    """Raw agreement, Cohen's kappa and the two base rates (share labelled True)."""
    n = len(judge)
    if not n:
        return {"agreement": None, "kappa": None, "judge_rate": None, "human_rate": None}
    j, h = np.asarray(judge, dtype=bool), np.asarray(human, dtype=bool)
    observed = float((j == h).mean())
    pj, ph = float(j.mean()), float(h.mean())
    chance = pj * ph + (1 - pj) * (1 - ph)
    return {
        "agreement": observed,
        "kappa": (observed - chance) / (1 - chance) if chance < 1 else None,
        "judge_rate": pj,
        "human_rate": ph,
    }


def pairwise_agreement(
    judge: Sequence[str],
    human: Sequence[str],
    first_order: Sequence[str | None],
    longer: Sequence[str | None],
) -> dict[str, float | None]:
    """``judge`` and ``human``: "A", "B" or "tie" per item (the judge's after both orders,
    a flip counting as a tie); ``first_order``: the judge's verdict with the answers as
    given; ``longer``: which answer is longer ("A", "B", or None when equal)."""
    n = len(judge)
    if not n:
        return {"agreement": None, "tie_rate": None, "position_bias": None, "length_bias": None}
    decided = [v for v in first_order if v in ("A", "B")]
    picked = [(v, side) for v, side in zip(judge, longer, strict=True) if v != "tie" and side]
    return {
        "agreement": sum(a == b for a, b in zip(judge, human, strict=True)) / n,
        "agreement_without_ties": (
            sum(a == b for a, b in zip(judge, human, strict=True) if b != "tie")
            / max(1, sum(1 for b in human if b != "tie"))
        ),
        "tie_rate": sum(v == "tie" for v in judge) / n,
        "human_tie_rate": sum(v == "tie" for v in human) / n,
        # the share of first-order verdicts that went to the answer shown first, minus a half
        "position_bias": (sum(v == "A" for v in decided) / len(decided) - 0.5) if decided else None,
        # the share of decided verdicts that went to the longer answer
        "length_bias": sum(v == side for v, side in picked) / len(picked) if picked else None,
    }
