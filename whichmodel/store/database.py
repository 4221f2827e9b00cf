"""The SQLite file (sqlite-utils): connection, migrations, and every write.

Each answer and each score is written as soon as it exists, keyed by (run, prompt,
model), so an interrupted run loses nothing. Reads live in ``queries``.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils

from whichmodel.config import DEFAULT_DB, RunStatus
from whichmodel.errors import StoreError
from whichmodel.records.answers import (
    AnswerRecord,
    BatchRecord,
    ControlRecord,
    PairwiseRecord,
    ScoreRecord,
)
from whichmodel.records.runs import Run
from whichmodel.records.verdict import Recommendation
from whichmodel.store.history import HistoryWrites
from whichmodel.store.migrations import MIGRATIONS, MIGRATIONS_TABLE, Migration, now
from whichmodel.store.queries import Queries
from whichmodel.store.worklist import RunPages


def cache_key(*parts: Any) -> str:
    canonical = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class _Database(sqlite_utils.Database):
    """sqlite-utils' Database whose reads raise ``StoreError`` (one line naming the file)
    instead of sqlite3's errors: a damaged or locked file is said, not a traceback."""

    store: Store

    def execute(self, sql: str, parameters: Any = None) -> sqlite3.Cursor:
        try:
            return super().execute(sql, parameters)
        except sqlite3.DatabaseError as exc:
            raise self.store.friendly(exc) from None

    def query(self, sql: str, params: Any = None) -> Iterator[dict[str, Any]]:
        try:
            yield from super().query(sql, params)
        except sqlite3.DatabaseError as exc:
            raise self.store.friendly(exc) from None


class Store(Queries, RunPages, HistoryWrites):
    """One whichmodel database file: every read and write of the package goes through it.

    ``check=True`` also verifies the file's pages (``PRAGMA quick_check``), so a damaged
    file is refused before anything is read from it or added to it."""

    def __init__(
        self, path: str | Path | None = None, *, memory: bool = False, check: bool = False
    ):
        self.path = None if memory else Path(path or DEFAULT_DB)
        self._columns: dict[str, set[str]] = {}
        try:
            if memory:
                self.db = _Database(memory=True)
            else:
                assert self.path is not None
                self._check_place(self.path)
                conn = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False)
                self.db = _Database(conn)
            self.db.store = self
            if not memory:
                self.db.conn.execute("PRAGMA busy_timeout = 30000")
                if self.db.journal_mode != "wal":
                    self.db.enable_wal()
                # In WAL mode NORMAL still survives a crash or kill -9 of the process;
                # only a power cut can lose the last commits, which a resume redoes.
                self.db.conn.execute("PRAGMA synchronous = NORMAL")
            self.db.conn.execute("PRAGMA foreign_keys = ON")
            if check:
                self._quick_check()
            self._check_and_migrate()
        except sqlite3.DatabaseError as exc:
            raise self.friendly(exc) from None

    @staticmethod
    def _check_place(path: Path) -> None:
        """Say what is wrong with the place before SQLite says "unable to open"."""
        if path.exists() and not path.is_file():
            raise StoreError(f"{path} is not a file: pass --db with a file path.")
        folder = path.parent
        if not folder.is_dir():
            raise StoreError(
                f"Folder {folder} does not exist: create it, or pass --db with a file in an "
                "existing folder."
            )
        if not os.access(folder, os.W_OK):
            what = "the database" if not path.exists() else "its journal files next to it"
            raise StoreError(
                f"Folder {folder} is not writable, so {what} cannot be written there: make it "
                "writable, or pass --db with a file in a writable folder."
            )
        if path.exists() and not os.access(path, os.W_OK):
            raise StoreError(
                f"{path} is read-only: make it writable (chmod u+w {path}), or pass --db with "
                "another file."
            )

    def friendly(self, exc: sqlite3.DatabaseError) -> StoreError:
        """One line for a database error, naming the file and what to do."""
        text = " ".join(str(exc).split())
        if "locked" in text or "busy" in text:
            return StoreError(
                f"Database {self.path} is locked by another program: close it or wait, then retry."
            )
        if "readonly" in text or "read-only" in text:
            return StoreError(
                f"{self.path} cannot be written ({text}): make it and its folder writable, or "
                "pass --db with another file."
            )
        if "malformed" in text or "corrupt" in text:
            return StoreError(
                f"{self.path} is damaged ({text}): restore it from a backup, or pass --db with "
                "another file. Nothing was changed."
            )
        if "disk" in text and "full" in text:
            return StoreError(f"The disk holding {self.path} is full: free some space and retry.")
        return StoreError(
            f"{self.path} is not a whichmodel database ({text}): pass --db with another file."
        )

    def _quick_check(self) -> None:
        rows = self.db.conn.execute("PRAGMA quick_check(3)").fetchall()
        problems = [
            line.strip()
            for row in rows
            if row[0] != "ok"
            for line in str(row[0]).splitlines()
            if line.strip() and not line.startswith("***")
        ]
        if problems:
            raise StoreError(
                f"{self.path} is damaged ({problems[0]}): restore it from a backup, or pass "
                "--db with another file. Nothing was changed."
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
        applied = {row[0] for row in self.db.conn.execute(f"select name from {MIGRATIONS_TABLE}")}
        known = {fn.__name__ for fn in MIGRATIONS}
        newer = sorted(applied - known)
        if newer:
            raise StoreError(
                f"{self.path} was written by a newer whichmodel (schema step {newer[-1]} is "
                "unknown to this one): upgrade whichmodel, or pass --db with another file."
            )
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

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One transaction, committed whole or rolled back whole (also on Ctrl-C or an
        error raised while it is open); database errors become one ``StoreError`` line."""
        conn = self.db.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
        except sqlite3.DatabaseError as exc:
            raise self.friendly(exc) from None

    # ------------------------------------------------------------ runs

    def create_run(self, run: Run, prompt_ids: list[str]) -> None:
        """``run`` (its settings redacted already) stored with its prompt list in one
        transaction, as running."""
        row = {
            **run.row(),
            "prompt_count": len(prompt_ids),
            "created_at": now(),
            "status": "running",
            "finished_at": None,
            "error": None,
        }
        with self._writing() as conn:
            self._insert(conn, "runs", row, replace=False)
            conn.executemany(
                "insert into run_prompts (run_id, prompt_id, position) values (?, ?, ?)",
                ((run.id, pid, i) for i, pid in enumerate(prompt_ids)),
            )

    def mark_running(self, run_id: str) -> None:
        with self._writing() as conn:
            conn.execute("update runs set status = 'running', error = null where id = ?", [run_id])

    def finish_run(self, run_id: str, status: RunStatus, error: str | None = None) -> None:
        with self._writing() as conn:
            conn.execute(
                "update runs set status = ?, finished_at = ?, error = ? where id = ?",
                [status, now(), error, run_id],
            )

    # ------------------------------------------------------------ answers and scores

    def _insert(
        self, conn: sqlite3.Connection, table: str, row: dict[str, Any], *, replace: bool
    ) -> None:
        """One whole row as plain SQL over columns checked once per table (sqlite-utils'
        per-call introspection costs ~1 ms, and its inserts commit on their own)."""
        columns = self._columns.get(table)
        if columns is None:
            columns = self._columns[table] = set(self.db[table].columns_dict)
        unknown = set(row) - columns
        if unknown:
            raise StoreError(f"No column {', '.join(sorted(unknown))} in table {table}.")
        names = list(row)
        verb = "insert or replace" if replace else "insert"
        sql = f"{verb} into {table} ({', '.join(names)}) values ({', '.join('?' * len(names))})"
        conn.execute(sql, [row[n] for n in names])

    def _replace(self, table: str, row: dict[str, Any]) -> None:
        """Write one whole row in its own transaction: the hot path of a run (one call
        per answer, score and cache entry)."""
        with self._writing() as conn:
            self._insert(conn, table, row, replace=True)

    def save_response(self, answer: AnswerRecord) -> None:
        self._replace("responses", {**answer.row(), "created_at": now()})

    def save_score(self, score: ScoreRecord) -> None:
        self._replace("scores", {**score.row(), "created_at": now()})

    def save_pairwise(self, pair: PairwiseRecord) -> None:
        self._replace("pairwise", {**pair.row(), "created_at": now()})

    def save_judge_control(self, control: ControlRecord) -> None:
        self._replace("judge_controls", {**control.row(), "created_at": now()})

    def save_feedback(self, rows: list[dict[str, Any]]) -> None:
        """Feedback sent to Portkey (one row per answer; a new push replaces it)."""
        with self._writing() as conn:
            for row in rows:
                self._insert(conn, "feedback", {**row, "pushed_at": now()}, replace=True)

    def save_batch(self, batch: BatchRecord, items: list[tuple[str, str, str]]) -> None:
        """A batch about to be sent, with its first (custom_id, prompt_id, model) items."""
        with self._writing() as conn:
            stamp = now()
            row = {**batch.row(), "created_at": stamp, "updated_at": stamp}
            self._insert(conn, "batches", row, replace=False)
            self._insert_batch_items(conn, batch.key, items)

    def add_batch_items(self, key: str, items: list[tuple[str, str, str]]) -> None:
        """More (custom_id, prompt_id, model) items of a batch being prepared."""
        with self._writing() as conn:
            self._insert_batch_items(conn, key, items)

    @staticmethod
    def _insert_batch_items(
        conn: sqlite3.Connection, key: str, items: list[tuple[str, str, str]]
    ) -> None:
        conn.executemany(
            "insert into batch_items (batch_key, custom_id, prompt_id, model) values (?, ?, ?, ?)",
            [(key, *item) for item in items],
        )

    def drop_batch(self, key: str) -> None:
        """A batch that was prepared but will not be sent, with its items."""
        with self._writing() as conn:
            conn.execute("delete from batch_items where batch_key = ?", [key])
            conn.execute("delete from batches where key = ?", [key])

    def update_batch(self, key: str, **fields: Any) -> None:
        with self._writing() as conn:
            sets = ", ".join(f"[{name}] = ?" for name in fields)
            conn.execute(
                f"update batches set {sets}, updated_at = ? where key = ?",
                [*fields.values(), now(), key],
            )

    def save_judge_check(self, row: dict[str, Any]) -> None:
        self._replace("judge_checks", {**row, "created_at": now()})

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

    def save_recommendation(self, rec: Recommendation) -> None:
        self._replace(
            "recommendations",
            {
                "run_id": rec.run_id,
                "created_at": now(),
                "recommended_model": rec.recommended_model,
                "baseline": rec.baseline,
                "decision": rec.decision,
                "reasoning": rec.reasoning,
                "json": json.dumps(rec.model_dump(mode="json")),
            },
        )
