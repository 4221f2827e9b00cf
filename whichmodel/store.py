"""The SQLite file: every read and write goes through here (sqlite-utils).

Schema changes are named migration functions applied in order and recorded in
``_whichmodel_migrations``. Each answer and each score is written as soon as it
exists, keyed by (run, prompt, model), so an interrupted run loses nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import sqlite_utils

from whichmodel.errors import StoreError

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
            "status": str,  # running | completed | failed | interrupted
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
            "decision": str,  # switch | keep
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


def cache_key(*parts: Any) -> str:
    canonical = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def prompt_id(messages: list[dict[str, str]], reference: str | None = None) -> str:
    """Content hash: the same conversation with the same reference is the same prompt."""
    canonical = json.dumps(
        {"messages": messages, "reference": reference}, sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


class Store:
    """One whichmodel database file."""

    def __init__(self, path: str | Path | None = None, *, memory: bool = False):
        self.path = None if memory else Path(path or "whichmodel.db")
        self._columns: dict[str, set[str]] = {}
        try:
            if memory:
                self.db = sqlite_utils.Database(memory=True)
            else:
                assert self.path is not None
                if self.path.exists() and not self.path.is_file():
                    raise StoreError(f"{self.path} is not a file: pass --db with a file path.")
                conn = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False)
                self.db = sqlite_utils.Database(conn)
                self.db.execute("PRAGMA busy_timeout = 30000")
                if self.db.journal_mode != "wal":
                    self.db.enable_wal()
                # In WAL mode NORMAL still survives a crash or kill -9 of the process;
                # only a power cut can lose the last commits, which a resume redoes.
                self.db.execute("PRAGMA synchronous = NORMAL")
            self.db.execute("PRAGMA foreign_keys = ON")
            self._check_and_migrate()
        except sqlite3.DatabaseError as exc:
            raise self._friendly(exc) from None

    def _friendly(self, exc: sqlite3.DatabaseError) -> StoreError:
        text = str(exc)
        if "locked" in text or "busy" in text:
            return StoreError(
                f"Database {self.path} is locked by another program: close it or wait, then retry."
            )
        return StoreError(
            f"{self.path} is not a whichmodel database ({text}): pass --db with another file."
        )

    def _pending(self) -> list[Migration]:
        names = set(self.db.table_names())
        if names and MIGRATIONS_TABLE not in names:
            raise StoreError(
                f"{self.path} is not a whichmodel database (it has other tables): "
                "pass --db with a new or whichmodel file."
            )
        if MIGRATIONS_TABLE not in names:
            return list(MIGRATIONS)
        applied = {row[0] for row in self.db.execute(f"select name from {MIGRATIONS_TABLE}")}
        return [fn for fn in MIGRATIONS if fn.__name__ not in applied]

    def _check_and_migrate(self) -> None:
        if not self._pending():
            return
        # Two processes may open a new file at once: take the write lock, then look again.
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            pending = self._pending()
            if MIGRATIONS_TABLE not in self.db.table_names():
                conn.execute(
                    f"create table {MIGRATIONS_TABLE} (name text primary key, applied_at text)"
                )
            for fn in pending:
                fn(self.db)  # DDL only: runs inside this transaction
                conn.execute(f"insert into {MIGRATIONS_TABLE} values (?, ?)", [fn.__name__, now()])
            conn.commit()
        except BaseException:
            conn.rollback()
            raise

    def close(self) -> None:
        self.db.close()

    # ------------------------------------------------------------ prompts

    def add_prompts(self, rows: Iterable[dict[str, Any]]) -> tuple[int, list[str]]:
        """Insert prompts in one transaction; returns (new count, ids in input order).

        INSERT OR IGNORE with no read first: another process importing the same
        prompts at the same moment cannot make this transaction fail."""
        ids: list[str] = []
        records = []
        for row in rows:
            pid = prompt_id(row["messages"], row.get("reference"))
            ids.append(pid)
            records.append(
                {
                    "id": pid,
                    "messages": json.dumps(row["messages"], ensure_ascii=False),
                    "reference": row.get("reference"),
                    "category": row.get("category"),
                    "label": row.get("label"),
                    "external_id": row.get("id"),
                    "source": row.get("source"),
                    "created_at": now(),
                }
            )
        before = self.db.conn.total_changes
        with self.db.conn:
            self.db["prompts"].insert_all(records, ignore=True)
        return self.db.conn.total_changes - before, ids

    def prompt_ids(self) -> list[str]:
        return [r["id"] for r in self.db.query("select id from prompts order by rowid")]

    def prompts(self, ids: list[str] | None = None) -> list[dict[str, Any]]:
        if ids is None:
            rows = list(self.db.query("select * from prompts order by rowid"))
        else:
            by_id = {
                r["id"]: r
                for chunk in _chunks(ids, 500)
                for r in self.db.query(
                    f"select * from prompts where id in ({','.join('?' * len(chunk))})", chunk
                )
            }
            rows = [by_id[i] for i in ids if i in by_id]
        for r in rows:
            r["messages"] = json.loads(r["messages"])
        return rows

    # ------------------------------------------------------------ runs

    def create_run(self, run: dict[str, Any], prompt_ids: list[str]) -> None:
        with self.db.conn:
            self.db["runs"].insert(
                {
                    **run,
                    "candidates": json.dumps(run["candidates"]),
                    "settings": json.dumps(run.get("settings", {}), default=str),
                    "prompt_count": len(prompt_ids),
                    "created_at": now(),
                    "status": "running",
                }
            )
            self.db["run_prompts"].insert_all(
                {"run_id": run["id"], "prompt_id": pid, "position": i}
                for i, pid in enumerate(prompt_ids)
            )

    def finish_run(self, run_id: str, status: str, error: str | None = None) -> None:
        with self.db.conn:
            self.db["runs"].update(run_id, {"status": status, "finished_at": now(), "error": error})

    def run(self, run_id: str | None = None) -> dict[str, Any] | None:
        if run_id is None:
            rows = list(self.db.query("select * from runs order by created_at desc limit 1"))
        else:
            rows = list(self.db.query("select * from runs where id = ?", [run_id]))
            if not rows:
                rows = list(
                    self.db.query(
                        "select * from runs where id like ? order by created_at desc",
                        [run_id + "%"],
                    )
                )
                if len(rows) > 1:
                    return None
        if not rows:
            return None
        row = rows[0]
        row["candidates"] = json.loads(row["candidates"])
        row["settings"] = json.loads(row["settings"] or "{}")
        return row

    def runs(self) -> list[dict[str, Any]]:
        return list(self.db.query("select * from runs order by created_at desc"))

    def run_prompt_ids(self, run_id: str) -> list[str]:
        return [
            r["prompt_id"]
            for r in self.db.query(
                "select prompt_id from run_prompts where run_id = ? order by position", [run_id]
            )
        ]

    # ------------------------------------------------------------ answers and scores

    def _replace(self, table: str, row: dict[str, Any]) -> None:
        """Write one whole row in its own transaction. The hot path of a run (one
        call per answer, score and cache entry), so the statement is plain SQL
        over columns checked once per table instead of sqlite-utils' per-call
        introspection (~1 ms)."""
        columns = self._columns.get(table)
        if columns is None:
            columns = self._columns[table] = set(self.db[table].columns_dict)
        unknown = set(row) - columns
        if unknown:
            raise StoreError(f"No column {', '.join(sorted(unknown))} in table {table}.")
        names = list(row)
        sql = (
            f"insert or replace into {table} ({', '.join(names)}) "
            f"values ({', '.join('?' * len(names))})"
        )
        with self.db.conn:
            self.db.conn.execute(sql, [row[n] for n in names])

    def save_response(self, row: dict[str, Any]) -> None:
        self._replace("responses", {**row, "created_at": now()})

    def save_score(self, row: dict[str, Any]) -> None:
        self._replace("scores", {**row, "created_at": now()})

    def save_pairwise(self, row: dict[str, Any]) -> None:
        self._replace("pairwise", {**row, "created_at": now()})

    def responses(self, run_id: str, model: str | None = None) -> list[dict[str, Any]]:
        sql = "select * from responses where run_id = ?"
        args: list[Any] = [run_id]
        if model:
            sql += " and model = ?"
            args.append(model)
        return list(self.db.query(sql, args))

    def scores(self, run_id: str) -> list[dict[str, Any]]:
        return list(self.db.query("select * from scores where run_id = ?", [run_id]))

    def done_keys(self, table: str, run_id: str) -> set[tuple[str, str]]:
        return {
            (r["prompt_id"], r["model"])
            for r in self.db.query(
                f"select prompt_id, model from [{table}] where run_id = ?", [run_id]
            )
        }

    def cache_get(self, key: str) -> dict[str, Any] | None:
        rows = list(self.db.query("select value from cache where key = ?", [key]))
        return json.loads(rows[0]["value"]) if rows else None

    def cache_put(self, key: str, kind: str, model: str, value: dict[str, Any]) -> None:
        self._replace(
            "cache",
            {
                "key": key,
                "kind": kind,
                "model": model,
                "value": json.dumps(value),
                "created_at": now(),
            },
        )

    def save_recommendation(self, run_id: str, rec: dict[str, Any]) -> None:
        with self.db.conn:
            self.db["recommendations"].upsert(
                {
                    "run_id": run_id,
                    "created_at": now(),
                    "recommended_model": rec["recommended_model"],
                    "baseline": rec["baseline"],
                    "decision": rec["decision"],
                    "reasoning": rec["reasoning"],
                    "json": json.dumps(rec),
                },
                pk="run_id",
            )

    def recommendation(self, run_id: str) -> dict[str, Any] | None:
        rows = list(self.db.query("select json from recommendations where run_id = ?", [run_id]))
        return json.loads(rows[0]["json"]) if rows else None


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
