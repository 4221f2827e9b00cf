"""What a question to the advisor asks, read deterministically (no LLM): the kind of
answer wanted and the arguments it states (traffic volume, tolerance, refusal margin,
category, models, run). A small model may omit an argument from its tool call; the
question still carries it. A follow-up ("and at 2%?") keeps what the last question
asked and changes only what it states."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Literal

Kind = Literal[
    "recommend",
    "savings",
    "category",
    "refusals",
    "compare",
    "worse",
    "runs",
    "evaluate",
    "outside",
]

_F = re.IGNORECASE
_NUMBER = r"(\d+(?:[.,]\d+)*(?:\.\d+)?)\s*(k|thousand|m|mn|million|b|billion)?\b"
_VOLUME = re.compile(
    _NUMBER + r"\s*(?:requests?|calls?|prompts?|queries|messages|conversations|users?)?\s*"
    r"(?:(?:per|a|an|each|every|/)\s*|/)(day|daily|month|monthly|week|weekly|hour|hourly|year)",
    _F,
)
_DAILY = re.compile(_NUMBER + r"\s*(?:requests?|calls?|prompts?|queries)?\s*(daily|monthly)", _F)
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "b": 1e9, "billion": 1e9}
_PER_DAY = {"day": 1, "daily": 1, "week": 1 / 7, "weekly": 1 / 7, "hour": 24, "hourly": 24}
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*(%|percent|per cent|points?|pts|percentage points?)", _F)
_RUN_ID = re.compile(r"\brun\s+([0-9a-f]{4,32})\b", _F)
_MODEL_STRING = re.compile(r"\bportkey/[a-z0-9][a-z0-9._-]*/\S+", _F)

_WORDS = {
    "runs": r"\b(?:list|show|which|what|all)\b[^.?!]*\bruns\b|\bruns?\s+(?:are|exist|stored)\b",
    "evaluate": r"\b(?:evaluate|evaluation of|test|try|benchmark|add)\b",
    "worse": r"\b(?:worse|worst|examples?|where\b[^.?!]*\b(?:fail|failed|lose|lost|lower))",
    "compare": r"\b(?:compare|comparison|versus|vs\.?|against|difference between)\b",
    "savings": r"\b(?:save|saves|saving|savings|per month|monthly|a month|bill|spend|budget)\b",
    "category": r"\bcategor(?:y|ies)\b",
    "refusals": r"\brefus\w*|\bdecline[sd]?\b|\bover-?refus",
}
_DOMAIN = re.compile(
    r"\b(?:model|models|llm|switch|keep|use|recommend\w*|cheap\w*|cost\w*|price\w*|quality|"
    r"better|best|decid\w*|verdict|run|runs|tolerance|margin|refus\w*|save|saving|savings|"
    r"candidate|baseline|gpt|claude|gemini|judge|accuracy|worse|compare|latency|fast\w*|"
    r"slow\w*|request\w*|traffic|volume|switching|production)\b",
    _F,
)
_QUALITY_WORDS = re.compile(r"\b(?:quality|worse|lower|loss|tolerance|accept|drop)\b", _F)


@dataclass
class Ask:
    kind: Kind
    tolerance: float | None = None
    refusal_margin: float | None = None
    requests_per_day: float | None = None
    volume: str | None = None
    """The volume as the question stated it (e.g. "3 million requests a month")."""
    category: str | None = None
    models: list[str] = field(default_factory=list)
    run_id: str | None = None
    to_evaluate: list[str] = field(default_factory=list)
    stated: set[str] = field(default_factory=set)
    """The arguments this question itself stated (not carried from the last one)."""


def _number(text: str, scale: str | None) -> float:
    text = text.replace(",", "")
    value = float(text)
    return value * _SCALE.get((scale or "").lower(), 1)


def _volume(question: str) -> tuple[float, str] | None:
    m = _VOLUME.search(question) or _DAILY.search(question)
    if m is None:
        return None
    value = _number(m.group(1), m.group(2))
    unit = m.group(3).lower()
    if unit in ("month", "monthly"):
        per_day = value / 30
    elif unit == "year":
        per_day = value / 365
    else:
        per_day = value * _PER_DAY[unit]
    return per_day, m.group(0).strip()


def _mentioned(names: list[str], question: str) -> list[str]:
    """Names (models or categories) the question mentions, in the order it names them."""
    low = question.lower()
    found = []
    for name in names:
        tail = name.split("/")[-1].lower()
        candidates = {tail, name.lower()}
        # a distinctive first word ("gemini", "claude") when no other name shares it
        head = re.split(r"[-_.:\s]", tail)[0]
        if head and len(head) > 2 and sum(head in n.lower() for n in names) == 1:
            candidates.add(head)
        hits = [
            m.start()
            for c in candidates
            if (m := re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", low)) is not None
        ]
        if hits:
            found.append((min(hits), name))
    return [name for _, name in sorted(found)]


def read_question(
    question: str,
    *,
    models: list[str],
    categories: list[str],
    previous: Ask | None = None,
) -> Ask:
    """The kind of answer ``question`` wants and the arguments it states; ``models`` and
    ``categories`` are those of the run it will be answered from."""
    stated: set[str] = set()
    ask = Ask(kind="recommend")
    volume = _volume(question)
    if volume is not None:
        ask.requests_per_day, ask.volume = volume
        stated.add("requests_per_day")
    for m in _PERCENT.finditer(question):
        value = float(m.group(1)) / 100
        around = question[max(0, m.start() - 60) : m.end() + 60]
        if re.search(r"refus", around, _F):
            ask.refusal_margin = value
            stated.add("refusal_margin")
        elif _QUALITY_WORDS.search(around) or "%" in m.group(2) and not volume:
            ask.tolerance = value
            stated.add("tolerance")
    if run := _RUN_ID.search(question):
        ask.run_id = run.group(1)
        stated.add("run_id")
    ask.models = _mentioned(models, question)
    cats = _mentioned(categories, question)
    if cats:
        ask.category = cats[0]
        stated.add("category")
    ask.to_evaluate = _MODEL_STRING.findall(question)

    words = {k: bool(re.search(rx, question, _F)) for k, rx in _WORDS.items()}
    if words["evaluate"] and ask.to_evaluate:
        kind: Kind = "evaluate"
    elif words["runs"]:
        kind = "runs"
    elif words["worse"]:
        kind = "worse"
    elif words["compare"] or (len(ask.models) >= 2 and not volume):
        kind = "compare"
    elif volume is not None or words["savings"]:
        kind = "savings"
    elif ask.category or words["category"]:
        kind = "category"
    elif words["refusals"] and not stated & {"refusal_margin"}:
        kind = "refusals"
    elif words["evaluate"]:
        kind = "evaluate"  # which models: the LLM's tool call, or asked for by name
    elif stated or ask.models or _DOMAIN.search(question):
        kind = "recommend"
    else:
        kind = "outside"
    explicit = kind not in ("recommend", "outside") or bool(_DOMAIN.search(question))
    if previous is not None and not explicit and stated:
        # a follow-up that only states arguments: the last question, with these changed
        carried = replace(previous, stated=stated)
        for name in stated:
            setattr(carried, name, getattr(ask, name))
        if (
            "tolerance" in stated
            and previous.stated & {"refusal_margin"}
            and not re.search(_QUALITY_WORDS, question)
        ):
            carried.refusal_margin, carried.tolerance = ask.tolerance, previous.tolerance
        return carried
    if previous is not None and kind == "recommend" and not stated and not ask.models:
        # "and which should I use then?": keep the what-if the conversation set
        ask.tolerance, ask.refusal_margin = previous.tolerance, previous.refusal_margin
        ask.requests_per_day, ask.volume = previous.requests_per_day, previous.volume
    ask.kind = kind
    ask.stated = stated
    return ask
