"""Did the judge pass its controls? Pure: the run's stored control rows in, a summary
out. A judge that scores an empty, truncated, shuffled or off-topic answer as high as a
good one, or the same answer far apart twice, has not shown that its scores mean
anything, and a run does not decide from them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from whichmodel.records.answers import ControlRecord
from whichmodel.records.verdict import JudgeControls

BAD = {
    "empty": "an empty answer",
    "other": "the answer to another prompt",
    "truncated": "the good answer cut to its first quarter",
    "shuffled": "the good answer's words shuffled",
}


def _failure(control: ControlRecord) -> str:
    kind = control.kind
    good, other = control.good_score, control.other_score

    def fmt(value: Any) -> str:
        return "no score" if value is None else f"{value:.2f}"

    if kind == "repeat":
        return f"the same answer scored {fmt(good)} then {fmt(other)}"
    what = BAD.get(kind.split(":", 1)[-1], kind)
    if kind.startswith("pairwise"):
        return f"{what} was not judged worse than a good answer in both orders"
    return f"{what} scored {fmt(other)}, a good answer {fmt(good)}"


def judge_controls(
    controls: Sequence[ControlRecord], *, pass_share: float, skipped: bool = False
) -> JudgeControls:
    """The summary of a run's controls; ``trusted`` is False when the judge passed fewer
    than ``pass_share`` of them."""
    if skipped:
        return JudgeControls(skipped=True)
    passed = sum(1 for c in controls if c.passed)
    total = len(controls)
    return JudgeControls(
        passed=passed,
        total=total,
        failures=[_failure(c) for c in controls if not c.passed],
        trusted=not total or passed >= pass_share * total - 1e-9,
    )
