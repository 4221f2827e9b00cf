"""Which stored prompts a run evaluates: a time window on when production answered, a
metadata filter, and a seeded random sample, optionally stratified (by category, by the
production model, or by a metadata key) so that each group keeps its share. The
description says how the sample was drawn; it is stored with the run and shown in
its reports, and a resumed run keeps the same prompts."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from whichmodel.errors import ConfigError
from whichmodel.history.items import utc_time
from whichmodel.store import Store


@dataclass
class Selection:
    sample: int | None = None
    seed: int = 0
    stratify: str | None = None
    """category | model | metadata.KEY"""
    since: str | None = None
    until: str | None = None
    where: dict[str, str] = field(default_factory=dict)
    """metadata KEY -> VALUE"""
    history_only: bool = False
    """Only prompts whose production answer is stored (the baseline from history)."""

    def __post_init__(self) -> None:
        self.where = {k.removeprefix("metadata."): v for k, v in self.where.items()}
        if self.stratify and not (
            self.stratify in ("category", "model") or self.stratify.startswith("metadata.")
        ):
            raise ConfigError(
                f"--stratify is category, model or metadata.KEY; got {self.stratify!r}."
            )
        for name in ("since", "until"):
            given = getattr(self, name)
            if given is None:
                continue
            when = utc_time(given)
            if when is None:
                raise ConfigError(
                    f"--{name} is a date or time such as 2026-03-01 or 2026-03-01T09:30; "
                    f"got {given!r}."
                )
            if name == "until" and len(given.strip()) == 10:  # a whole day: up to its end
                when = when[:10] + "T23:59:59"
            setattr(self, name, when)
        if self.sample is not None and self.sample < 1:
            raise ConfigError(f"--sample is a number of prompts (1 or more); got {self.sample}.")

    @property
    def active(self) -> bool:
        return bool(self.sample or self.since or self.until or self.where or self.history_only)

    def stored(self) -> dict[str, Any]:
        return asdict(self)


def _group(row: dict[str, Any], key: str) -> str:
    if key == "category":
        value = row.get("category")
    elif key == "model":
        value = row.get("model")
    else:
        value = (row.get("metadata") or {}).get(key.removeprefix("metadata."))
    return str(value) if value not in (None, "") else "(none)"


def _allocate(sizes: dict[str, int], n: int) -> dict[str, int]:
    """Proportional allocation of ``n`` draws over groups (largest remainder)."""
    total = sum(sizes.values())
    exact = {g: n * size / total for g, size in sizes.items()}
    counts = {g: min(sizes[g], int(x)) for g, x in exact.items()}
    for g in sorted(exact, key=lambda g: exact[g] - int(exact[g]), reverse=True):
        if sum(counts.values()) >= n:
            break
        if counts[g] < sizes[g]:
            counts[g] += 1
    return counts


def select(
    store: Store, selection: Selection, ids: list[str] | None = None
) -> tuple[list[str], str]:
    """The prompt ids to evaluate (stored order), and how they were chosen."""
    rows = store.selectable_prompts(ids)
    pool = len(rows)
    steps = []
    if selection.history_only:
        rows = [r for r in rows if r["has_answer"]]
        steps.append(f"{pool - len(rows):,} without a stored production answer left out")
    if selection.since or selection.until:
        rows = [
            r
            for r in rows
            if r["logged_at"]
            and (not selection.since or r["logged_at"] >= selection.since)
            and (not selection.until or r["logged_at"] <= selection.until)
        ]
        window = f"from {selection.since or 'the start'} to {selection.until or 'now'}"
        steps.append(f"logged {window}")
    for key, value in selection.where.items():
        rows = [r for r in rows if str((r.get("metadata") or {}).get(key)) == value]
        steps.append(f"where metadata.{key} = {value}")
    chosen = rows
    if selection.sample is not None and selection.sample < len(rows):
        rng = random.Random(selection.seed)
        if selection.stratify:
            groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for r in rows:
                groups[_group(r, selection.stratify)].append(r)
            counts = _allocate({g: len(v) for g, v in groups.items()}, selection.sample)
            picked = {r["id"] for g, v in sorted(groups.items()) for r in rng.sample(v, counts[g])}
            shares = ", ".join(f"{g} {counts[g]}" for g in sorted(groups))
            how = f"stratified by {selection.stratify} ({shares})"
        else:
            picked = {r["id"] for r in rng.sample(rows, selection.sample)}
            how = "simple"
        chosen = [r for r in rows if r["id"] in picked]
        steps.append(f"a {how} random sample of {len(chosen):,} (seed {selection.seed})")
    description = f"{len(chosen):,} of {pool:,} prompts" + (
        f": {'; '.join(steps)}" if steps else ""
    )
    return [r["id"] for r in chosen], description
