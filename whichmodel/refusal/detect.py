"""Refusal detection, cheapest signal first:

1. provider signals: the finish/stop reason says the provider would not answer
   (``content_filter``, Anthropic's ``refusal``, Gemini's ``safety``/``recitation``...);
2. empty answers;
3. refusal language in the answer (regular expressions, no model);
4. a small trained classifier over the answer's opening (``classifier``), for the
   forms the phrases miss;
5. in :func:`combine`, once the judge has run, the judge's ``refused`` flag.

Layers 3-4 tell FULL refusals (the answer declines) from PARTIAL ones (it declines or
lectures, then gives some of what was asked); the phrases are in ``refusal_phrases``.

Measured on the XSTest labelled completions, each model's file held out from the
classifier's fitting in turn (``whichmodel refusal-check --cross-validate FILE.csv ...``,
``whichmodel.refusal.measure``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from whichmodel.refusal.classifier import THRESHOLD, RefusalModel, shipped
from whichmodel.refusal.phrases import (
    CODE,
    LATE,
    PIVOT,
    QUOTES,
    sentences,
    text_signal,
)

# finish/stop reasons by which a provider says it would not answer. The gateway passes the
# provider's own value through (e.g. Anthropic's stop_reason "refusal") unless strict OpenAI
# compliance maps it; Bedrock guardrails arrive as "content_filter".
PROVIDER_REFUSAL_REASONS = frozenset(
    {
        "content_filter",
        "content_filtered",
        "guardrail_intervened",
        "refusal",
        "safety",
        "recitation",
        "blocklist",
        "prohibited_content",
        "spii",
        "image_safety",
    }
)
FULL, PARTIAL = "full", "partial"


@dataclass(frozen=True)
class RefusalVerdict:
    refused: bool
    reason: str | None
    """provider:<finish_reason> | empty | phrase | judge"""
    kind: str | None = None
    """"full" | "partial" when refused (None when not refused)"""
    signal: str | None = None
    """which pattern family matched (decline, apology, lecture...), or the classifier
    with the words that swayed it, for inspection"""


def _provider_reason(finish_reason: str | None) -> str | None:
    if not finish_reason:
        return None
    value = str(finish_reason).strip().lower().rsplit(".", 1)[-1].replace("-", "_")
    return value if value in PROVIDER_REFUSAL_REASONS else None


_SHIPPED: Any = object()


def detect(
    text: str | None,
    finish_reason: str | None = None,
    classifier: RefusalModel | None = _SHIPPED,
) -> RefusalVerdict:
    """Refusal signals available without a judge: provider, empty answer, refusal language,
    then ``classifier`` (default: the shipped weights; None: phrases only)."""
    provider = _provider_reason(finish_reason)
    if provider:
        return RefusalVerdict(True, f"provider:{provider}", FULL, "provider")
    raw = (text or "").strip()
    if not raw:
        return RefusalVerdict(True, "empty", FULL, "empty")
    body = CODE.sub(" ", raw.translate(QUOTES)).strip()
    found = text_signal(body) if body else None
    if found:
        name, end = found
        # partial: it turns to (some of) what was asked, or it only says it lacks access to
        # the thing asked for and goes on with advice
        pivots = PIVOT.search(body, end) is not None
        redirects = name == "no_access" and len(sentences(body, 2)) > 1
        kind = PARTIAL if pivots or redirects else FULL
        return RefusalVerdict(True, "phrase", kind, name)
    if body and LATE.search(body):
        return RefusalVerdict(True, "phrase", PARTIAL, "late")
    model = shipped() if classifier is _SHIPPED else classifier
    if body and model is not None and model.probability(body) > THRESHOLD:
        kind = PARTIAL if PIVOT.search(body) else FULL
        words = ", ".join(repr(w) for w in model.evidence(body))
        return RefusalVerdict(True, "classifier", kind, f"classifier ({words})")
    return RefusalVerdict(False, None)


def combine(
    answer: RefusalVerdict, judge_refused: bool | None, judge_kind: str | None = None
) -> RefusalVerdict:
    """The final verdict once the judge has spoken: the cheaper signals win; a refusal only
    the judge saw is full unless the judge says otherwise (its prompt flags answers that
    decline, deflect or only warn instead of helping)."""
    if answer.refused:
        return answer
    if judge_refused:
        return RefusalVerdict(True, "judge", judge_kind or FULL, "judge")
    return answer


def stored_verdict(row: Mapping[str, Any]) -> RefusalVerdict:
    """The final verdict of a stored answer row joined with its score: the answer's own
    signals (``answer_refused``, ``refusal_reason``, ``refusal_kind``) and the judge's
    flag (``judge_refused``, None when unjudged). A failed call refused nothing."""
    if row["status"] != "ok":
        return RefusalVerdict(False, None)
    judge = row["judge_refused"]
    return combine(
        RefusalVerdict(bool(row["answer_refused"]), row["refusal_reason"], row["refusal_kind"]),
        bool(judge) if judge is not None else None,
    )
