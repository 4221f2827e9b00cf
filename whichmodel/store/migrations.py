"""The schema, as named migration functions applied in order.

Each migration is recorded in ``_whichmodel_migrations`` when applied; a migration
never changes once released (a new one is added instead), so every database reaches
the same schema by the same steps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlite_utils

MIGRATIONS_TABLE = "_whichmodel_migrations"
Migration = Callable[[sqlite_utils.Database], None]
MIGRATIONS: list[Migration] = []


def migration(fn: Migration) -> Migration:
    MIGRATIONS.append(fn)
    return fn


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


@migration
def m001_initial(db: sqlite_utils.Database) -> None:
    db["prompts"].create(
        {
            "id": str,  # content hash
            "messages": str,  # JSON list of {role, content}
            "reference": str,
            "category": str,
            "label": str,  # e.g. safe / unsafe
            "external_id": str,
            "source": str,
            "created_at": str,
        },
        pk="id",
    )
    db["runs"].create(
        {
            "id": str,
            "created_at": str,
            "finished_at": str,
            "status": str,  # running | completed | failed | interrupted | stopped
            "baseline": str,
            "candidates": str,  # JSON list
            "judge": str,
            "settings": str,  # JSON, without secrets
            "prompt_count": int,
            "error": str,
        },
        pk="id",
    )
    db["run_prompts"].create(
        {"run_id": str, "prompt_id": str, "position": int},
        pk=("run_id", "prompt_id"),
        foreign_keys=[("run_id", "runs", "id"), ("prompt_id", "prompts", "id")],
    )
    db["responses"].create(
        {
            "run_id": str,
            "prompt_id": str,
            "model": str,
            "status": str,  # ok | error
            "text": str,
            "finish_reason": str,
            "error": str,
            "input_tokens": int,
            "cached_tokens": int,
            "output_tokens": int,
            "usage": str,  # JSON as the gateway reported it
            "latency_ms": float,
            "cost_usd": float,  # NULL when the price is unknown
            "price_source": str,
            "refused": int,
            "refusal_reason": str,
            "trace_id": str,
            "gateway": str,  # JSON of x-portkey-* response headers
            "created_at": str,
        },
        pk=("run_id", "prompt_id", "model"),
        foreign_keys=[("run_id", "runs", "id"), ("prompt_id", "prompts", "id")],
    )
    db["scores"].create(
        {
            "run_id": str,
            "prompt_id": str,
            "model": str,
            "judge": str,
            "status": str,  # scored | unscored | error
            "accuracy": float,
            "relevance": float,
            "clarity": float,
            "quality": float,
            "refused": int,
            "rationale": str,
            "raw": str,  # the judge's last reply, verbatim (tool JSON or text)
            "attempts": int,
            "error": str,
            "input_tokens": int,
            "cached_tokens": int,
            "output_tokens": int,
            "latency_ms": float,
            "cost_usd": float,
            "price_source": str,
            "trace_id": str,
            "created_at": str,
        },
        pk=("run_id", "prompt_id", "model"),
        foreign_keys=[("run_id", "runs", "id"), ("prompt_id", "prompts", "id")],
    )
    db["recommendations"].create(
        {
            "run_id": str,
            "created_at": str,
            "recommended_model": str,
            "baseline": str,
            "decision": str,  # switch | keep | undecided
            "reasoning": str,
            "json": str,
        },
        pk="run_id",
        foreign_keys=[("run_id", "runs", "id")],
    )
    db["responses"].create_index(["run_id", "model"])
    db["scores"].create_index(["run_id", "model"])


@migration
def m002_response_cache(db: sqlite_utils.Database) -> None:
    # answers and judgments keyed by everything that shapes the request, so the
    # same prompt on the same model costs nothing the second time
    db["cache"].create(
        {"key": str, "kind": str, "model": str, "value": str, "created_at": str}, pk="key"
    )
    db["responses"].add_column("cache_hit", int)
    db["scores"].add_column("cache_hit", int)


@migration
def m003_pairwise_and_samples(db: sqlite_utils.Database) -> None:
    # pairwise mode: each candidate answer judged against the baseline's, in both orders
    db["pairwise"].create(
        {
            "run_id": str,
            "prompt_id": str,
            "model": str,  # the candidate
            "judge": str,
            "status": str,  # scored | unscored | error
            "first": str,  # winner with the baseline as A: A | B | tie
            "second": str,  # winner with the candidate as A: A | B | tie
            "outcome": int,  # +1 candidate better, -1 baseline better, 0 tie or flipped
            "consistent": int,  # 1 when both orders agree
            "rationale": str,
            "raw": str,
            "attempts": int,
            "error": str,
            "input_tokens": int,
            "cached_tokens": int,
            "output_tokens": int,
            "latency_ms": float,
            "cost_usd": float,
            "price_source": str,
            "trace_id": str,
            "created_at": str,
        },
        pk=("run_id", "prompt_id", "model"),
        foreign_keys=[("run_id", "runs", "id"), ("prompt_id", "prompts", "id")],
    )
    # repeated judging (--judge-samples): each sample's quality, and their spread
    db["scores"].add_column("samples", str)
    db["scores"].add_column("spread", float)
    # full or partial refusal
    db["responses"].add_column("refusal_kind", str)


@migration
def m004_run_prices(db: sqlite_utils.Database) -> None:
    # which models had a known price when the run started, and from where: the verdict
    # of a stored run is recomputed from the database alone
    db["runs"].add_column("prices", str)


@migration
def m005_traffic(db: sqlite_utils.Database) -> None:
    # what a logged request carried besides its messages: tools, tool_choice,
    # response_format and sampling parameters (JSON), and the log's own metadata
    db["prompts"].add_column("request", str)
    db["prompts"].add_column("metadata", str)
    # the answer production already gave, as logged: the baseline it paid for
    db["production"].create(
        {
            "prompt_id": str,
            "provider": str,
            "model": str,
            "text": str,
            "tool_calls": str,  # JSON list of {id, name, arguments (the raw string)}
            "finish_reason": str,
            "input_tokens": int,
            "cached_tokens": int,
            "output_tokens": int,
            "cost_usd": float,  # as logged (None: not logged)
            "latency_ms": float,
            "logged_at": str,
            "trace_id": str,
            "source": str,
        },
        pk="prompt_id",
        foreign_keys=[("prompt_id", "prompts", "id")],
    )
    db["production"].create_index(["logged_at"])
    db["production"].create_index(["model"])
    # an answer that is a tool call, where it came from, and its deterministic checks
    db["responses"].add_column("tool_calls", str)
    db["responses"].add_column("origin", str)  # call | cache | history
    db["responses"].add_column("checks", str)  # JSON {check: true | false}
    # how the run's prompts were chosen, and what each model's own settings overrode
    db["runs"].add_column("selection", str)


@migration
def m006_judge_controls(db: sqlite_utils.Database) -> None:
    # the judge's controls in a run: answers known to be better or worse, and the same
    # answer judged twice; what it scored, whether it passed, what it cost
    db["judge_controls"].create(
        {
            "run_id": str,
            "position": int,
            "prompt_id": str,
            "kind": str,  # ordering:<empty|other|truncated|shuffled> | repeat | pairwise:<...>
            "good_score": float,
            "other_score": float,  # the bad answer's score, or the second judgment's
            "passed": int,
            "cost_usd": float,
            "detail": str,
            "created_at": str,
        },
        pk=("run_id", "position"),
        foreign_keys=[("run_id", "runs", "id")],
    )
    # the judge's agreement with people, from `whichmodel judge-check`
    db["judge_checks"].create(
        {
            "id": str,
            "judge": str,
            "labels": str,  # the labelled file
            "kind": str,  # scores | pass_fail | pairwise | refusals
            "items": int,
            "figures": str,  # JSON
            "created_at": str,
        },
        pk="id",
    )


@migration
def m007_feedback(db: sqlite_utils.Database) -> None:
    # what was sent to Portkey as feedback on each judged answer's trace: pushing the
    # run again sends only what is new and updates what changed
    db["feedback"].create(
        {
            "run_id": str,
            "prompt_id": str,
            "model": str,
            "trace_id": str,
            "feedback_id": str,
            "value": int,
            "weight": float,
            "metadata": str,  # JSON, as sent
            "pushed_at": str,
        },
        pk=("run_id", "prompt_id", "model"),
        foreign_keys=[("run_id", "runs", "id")],
    )


@migration
def m008_batches(db: sqlite_utils.Database) -> None:
    # batch mode: each batch sent to a provider through the gateway, and which
    # (prompt, model) jobs it carries, so a resumed run polls it instead of sending
    # it again
    db["batches"].create(
        {
            "key": str,  # whichmodel's id, also in the batch's metadata
            "run_id": str,
            "part": str,  # answers | judgments
            "model": str,  # the model that answers the batch's requests
            "attempt": int,
            "status": str,  # preparing | the provider's status | ingested | given_up
            "batch_id": str,
            "input_file_id": str,
            "output_file_id": str,
            "error_file_id": str,
            "items": int,
            "estimate_usd": float,  # what --max-cost reserved for it, at the batch price
            "error": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="key",
        foreign_keys=[("run_id", "runs", "id")],
    )
    db["batch_items"].create(
        {"batch_key": str, "custom_id": str, "prompt_id": str, "model": str},
        pk=("batch_key", "custom_id"),
        foreign_keys=[("batch_key", "batches", "key")],
    )
    db["batch_items"].create_index(["prompt_id", "model"])


@migration
def m009_run_order(db: sqlite_utils.Database) -> None:
    # a run reads its prompts a page at a time, in its order
    db["run_prompts"].create_index(["run_id", "position"])
