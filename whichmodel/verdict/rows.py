"""A run's answers as the verdict reads them: columns, not rows.

A run of 50,000 prompts x 3 models is 150,000 answers. Held as one object per answer
they take about 0.3 KB each; as columns, about 75 bytes: every figure is one 8-byte
number (NaN where it is missing; a figure no answer has takes nothing), every flag one
byte, every text a code into its column's list of distinct values (one byte while there
are few), and an answer's check results one reference to a mapping shared by every
answer with the same results. The table is filled one stored row at a time, so no row
outlives its reading, and a selection of answers (one model's, one category's) keeps
only their positions.
"""

from __future__ import annotations

import json
import math
from array import array
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

import numpy as np

from whichmodel.refusal.detect import stored_verdict

TEXTS = (
    "prompt_id",
    "model",
    "status",
    "category",
    "label",
    "refusal_reason",
    "refusal_kind",
    "answer_error",
    "score_status",
    "score_error",
    "pair_status",
    "pair_error",
    "origin",
    "price_source",
)
NUMBERS = (
    "cost_usd",
    "latency_ms",
    "output_tokens",
    "answer_chars",
    "quality",
    "judge_spread",
    "preference",
    "order_consistent",
)
FLAGS = ("answer_refused", "judge_refused", "has_tool_calls", "refused")
FIELDS = (*TEXTS, *NUMBERS, *FLAGS, "checks")
"""What the verdict reads of an answer: the stored columns, the decoded check results
and the final refusal verdict."""

NO_CHECKS: Mapping[str, Any] = MappingProxyType({})
"""The checks of an answer that had none: one shared, read-only empty mapping."""

_NONE = -1
"""A flag's code for "not known" (a judge's flag on an answer it never judged)."""


def with_verdict(row: dict[str, Any], checks: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``row`` (a stored answer joined with its score) with its checks decoded (or
    ``checks``, decoded already) and its final refusal verdict: the answer's own signals
    and the judge's flag combined."""
    if checks is None:
        checks = json.loads(row["checks"]) if row.get("checks") else {}
    row["checks"] = checks
    verdict = stored_verdict(row)
    row["refused"] = verdict.refused
    row["refusal_reason"] = verdict.reason
    row["refusal_kind"] = verdict.kind if verdict.refused else None
    return row


def verdict_rows(stored: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Stored answer rows with their final refusal verdicts; the check results of
    answers whose stored JSON is the same are decoded once and shared."""
    decoded: dict[str, Mapping[str, Any]] = {}
    for row in stored:
        raw = row.get("checks")
        checks = NO_CHECKS
        if raw:
            found = decoded.get(raw)
            if found is None:
                found = decoded[raw] = json.loads(raw)
            checks = found
        yield with_verdict(row, checks)


class _Texts:
    """One text column while it is being read: the distinct values, and each answer's
    code in the narrowest array type that holds them (widened as values come)."""

    _WIDER = {"B": ("H", 0xFF), "H": ("I", 0xFFFF)}
    _DTYPES = {"B": np.uint8, "H": np.uint16, "I": np.uint32}

    def __init__(self) -> None:
        self.values: list[Any] = [None]
        self.index: dict[Any, int] = {None: 0}
        self.codes = array("B")

    def add(self, value: Any) -> None:
        code = self.index.get(value)
        if code is None:
            code = self.index[value] = len(self.values)
            self.values.append(value)
            wider = self._WIDER.get(self.codes.typecode)
            if wider is not None and code > wider[1]:
                self.codes = array(wider[0], self.codes)
        self.codes.append(code)

    def column(self) -> np.ndarray:
        return np.frombuffer(self.codes, dtype=self._DTYPES[self.codes.typecode])


class _Figures:
    """One figure column while it is being read; nothing is held until a first value."""

    def __init__(self) -> None:
        self.missing = 0
        self.values: array[float] | None = None

    def add(self, value: Any) -> None:
        if self.values is not None:
            self.values.append(math.nan if value is None else float(value))
        elif value is None:
            self.missing += 1
        else:
            self.values = array("d", [math.nan]) * self.missing
            self.values.append(float(value))

    def column(self) -> np.ndarray | None:
        return None if self.values is None else np.frombuffer(self.values, dtype=float)


@dataclass(frozen=True, slots=True)
class _Table:
    """The columns of every answer read, shared by all selections of them."""

    size: int
    codes: dict[str, np.ndarray]
    values: dict[str, list[Any]]
    numbers: dict[str, np.ndarray | None]
    """A figure no answer has (a pointwise run's preferences, a batch's latencies) is
    None: it takes no memory."""
    flags: dict[str, np.ndarray]
    checks: np.ndarray | None
    """None when no answer has check results."""


class Answers:
    """Answers as columns, one entry per answer in the order they were read.

    ``number(f)`` gives a figure column (NaN: missing), ``flag(f)`` a true/false column
    (a missing flag is false), ``has(f, value)`` where a text column holds ``value``;
    ``take(where)`` the answers a mask or positions select: it shares the columns and
    keeps only the positions (4 bytes an answer). Iterating gives each answer as a
    plain dict of ``FIELDS`` (made when asked for, not kept)."""

    __slots__ = ("_table", "_at")

    def __init__(self, table: _Table, at: np.ndarray | None = None):
        self._table = table
        self._at = at
        """Positions of these answers in the table (None: all of them, in order)."""

    @classmethod
    def of(cls, rows: Iterable[Mapping[str, Any]]) -> Answers:
        """The answers of ``rows`` (mappings with ``FIELDS``; a missing field is None),
        read one row at a time; ``Answers`` are returned as they are."""
        if isinstance(rows, Answers):
            return rows
        texts = {name: _Texts() for name in TEXTS}
        figures = {name: _Figures() for name in NUMBERS}
        flags = {name: array("b") for name in FLAGS}
        checks: list[Mapping[str, Any]] | None = None
        size = 0
        for row in rows:
            get = row.get
            for name, column in texts.items():
                column.add(get(name))
            for name, figure in figures.items():
                figure.add(get(name))
            for name, flag in flags.items():
                value = get(name)
                flag.append(_NONE if value is None else int(bool(value)))
            results = get("checks") or NO_CHECKS
            if checks is not None:
                checks.append(results)
            elif results is not NO_CHECKS:
                checks = [NO_CHECKS] * size + [results]
            size += 1
        shared = None
        if checks is not None:
            shared = np.empty(size, dtype=object)
            shared[:] = checks
        return cls(
            _Table(
                size,
                {name: t.column() for name, t in texts.items()},
                {name: t.values for name, t in texts.items()},
                {name: f.column() for name, f in figures.items()},
                {name: np.frombuffer(a, dtype=np.int8) for name, a in flags.items()},
                shared,
            )
        )

    def __len__(self) -> int:
        return self._table.size if self._at is None else len(self._at)

    def _column(self, column: np.ndarray) -> np.ndarray:
        return column if self._at is None else column[self._at]

    def take(self, where: np.ndarray) -> Answers:
        """The answers ``where`` selects (a boolean mask or positions), in order."""
        picked = np.flatnonzero(where) if where.dtype == bool else where
        if self._at is not None:
            picked = self._at[picked]
        return Answers(self._table, picked.astype(np.uint32))

    def number(self, name: str) -> np.ndarray:
        column = self._table.numbers[name]
        return np.full(len(self), np.nan) if column is None else self._column(column)

    def flag(self, name: str) -> np.ndarray:
        return self._column(self._table.flags[name]) == 1

    def known(self, name: str) -> np.ndarray:
        """Where the flag or figure ``name`` is known (not None)."""
        if name in self._table.flags:
            return self._column(self._table.flags[name]) != _NONE
        return ~np.isnan(self.number(name))

    def code(self, name: str) -> np.ndarray:
        """The text column ``name`` as codes: equal codes are equal texts (0 is None)."""
        return self._column(self._table.codes[name])

    def has(self, name: str, value: Any) -> np.ndarray:
        """Where the text column ``name`` holds ``value``."""
        try:
            code = self._table.values[name].index(value)
        except ValueError:
            return np.zeros(len(self), dtype=bool)
        return self.code(name) == code

    def distinct(self, name: str) -> list[Any]:
        """The distinct values of the text column ``name`` (None included if present)."""
        return [self._table.values[name][c] for c in np.unique(self.code(name))]

    def first(self, name: str) -> Any:
        """The first truthy value of the text column ``name``, or None."""
        codes = self.code(name)
        values = self._table.values[name]
        return next((values[c] for c in codes[codes != 0] if values[c]), None)

    def matched(self, other: Answers) -> tuple[np.ndarray, np.ndarray]:
        """(positions here, positions in ``other``) of the answers to the same prompt,
        in ``other``'s order; where these answers hold two to one prompt, the last.
        Both must come from one ``Answers.of`` (they share prompt codes)."""
        if self._table.values["prompt_id"] is not other._table.values["prompt_id"]:
            raise ValueError("answers read separately cannot be matched by prompt")
        mine = self.code("prompt_id")[::-1]
        codes, first = np.unique(mine, return_index=True)
        lookup = np.full(len(self._table.values["prompt_id"]), -1, dtype=np.int64)
        lookup[codes] = len(mine) - 1 - first
        found = lookup[other.code("prompt_id")]
        keep = found >= 0
        return found[keep], np.flatnonzero(keep)

    def texts(self, name: str) -> list[Any]:
        """The text column ``name`` as values."""
        values = self._table.values[name]
        return [values[c] for c in self.code(name)]

    @property
    def checks(self) -> np.ndarray:
        """Each answer's check results (a shared mapping; empty when it had none)."""
        if self._table.checks is None:
            return np.full(len(self), NO_CHECKS, dtype=object)
        return self._column(self._table.checks)

    def with_texts(self, name: str, by_prompt: Mapping[str, Any]) -> Answers:
        """These answers with the text column ``name`` set from each answer's prompt id."""
        table = self._table
        column = _Texts()
        for prompt_id in table.values["prompt_id"]:
            column.add(by_prompt.get(prompt_id))
        return Answers(
            replace(
                table,
                codes={**table.codes, name: column.column()[table.codes["prompt_id"]]},
                values={**table.values, name: column.values},
            ),
            self._at,
        )

    def row(self, i: int) -> dict[str, Any]:
        """Answer ``i`` as a plain dict of ``FIELDS``."""
        table = self._table
        at = i if self._at is None else int(self._at[i])
        out: dict[str, Any] = {name: table.values[name][table.codes[name][at]] for name in TEXTS}
        for name in NUMBERS:
            column = table.numbers[name]
            value = math.nan if column is None else float(column[at])
            out[name] = None if math.isnan(value) else value
        for name in FLAGS:
            flag = int(table.flags[name][at])
            out[name] = None if flag == _NONE else bool(flag)
        out["checks"] = NO_CHECKS if table.checks is None else table.checks[at]
        return out

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (self.row(i) for i in range(len(self)))
