"""The SQLite file (sqlite-utils): connection, migrations, and every write.

Each answer and each score is written as soon as it exists, keyed by (run, prompt,
model), so an interrupted run loses nothing. Reads live in ``queries``.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import sqlite_utils

from whichmodel.config import DEFAULT_DB, RunStatus
from whichmodel.errors import StoreError
from whichmodel.store.migrations import MIGRATIONS, MIGRATIONS_TABLE, Migration, now
from whichmodel.store.queries import Queries


def cache_key(*parts: Any) -> str:
    canonical = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def prompt_id(messages: list[dict[str, Any]], reference: str | None = None) -> str:
    """Content hash: the same conversation with the same reference is the same prompt."""
    canonical = json.dumps(
        {"messages": messages, "reference": reference}, sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


class Store(Queries):
    """One whichmodel database file: every read and write of the package goes through it."""

    def __init__(self, path: str | Path | None = None, *, memory: bool = False):
        self.path = None if memory else Path(path or DEFAULT_DB)
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

    # ------------------------------------------------------------ runs

    def create_run(self, run: dict[str, Any], prompt_ids: list[str]) -> None:
        """``run``: id, baseline, candidates, judge, settings (redacted) and prices
        (model -> {"known", "source"})."""
        with self.db.conn:
            self.db["runs"].insert(
                {
                    **run,
                    "candidates": json.dumps(run["candidates"]),
                    "settings": json.dumps(run.get("settings", {}), default=str),
                    "prices": json.dumps(run["prices"]) if run.get("prices") else None,
                    "prompt_count": len(prompt_ids),
                    "created_at": now(),
                    "status": "running",
                }
            )
            self.db["run_prompts"].insert_all(
                {"run_id": run["id"], "prompt_id": pid, "position": i}
                for i, pid in enumerate(prompt_ids)
            )

    def mark_running(self, run_id: str) -> None:
        with self.db.conn:
            self.db["runs"].update(run_id, {"status": "running", "error": None})

    def finish_run(self, run_id: str, status: RunStatus, error: str | None = None) -> None:
        with self.db.conn:
            self.db["runs"].update(run_id, {"status": status, "finished_at": now(), "error": error})

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
