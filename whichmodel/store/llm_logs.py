"""Reading the ``logs.db`` of Simon Willison's ``llm`` CLI (read-only): the message
tree of llm 0.32 and later (``threads``, ``turns``, ``messages``, ``parts``) and the
``responses``/``conversations`` tables of older releases. Which tables and columns
exist is checked, never assumed from a version. ``history.llm_log`` turns the rows
into history items."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from whichmodel.errors import ImportFileError

SQLITE_HEADER = b"SQLite format 3\x00"


class LlmLogs:
    def __init__(self, path: Path):
        self.path = path
        try:
            self.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            self.conn.row_factory = sqlite3.Row
            self.tables = {
                r[0] for r in self.conn.execute("select name from sqlite_master where type='table'")
            }
        except sqlite3.DatabaseError as exc:
            raise ImportFileError(f"{path} cannot be read as an llm logs.db ({exc}).") from None
        if not self.tables & {"threads", "responses"}:
            raise ImportFileError(
                f"{path} is an SQLite file but not an llm logs.db (no threads or responses "
                "table): pass the logs.db of `llm` (llm logs path)."
            )

    def close(self) -> None:
        self.conn.close()

    def _rows(self, sql: str, args: Any = ()) -> list[dict[str, Any]]:
        try:
            return [dict(r) for r in self.conn.execute(sql, args)]
        except sqlite3.DatabaseError as exc:
            raise ImportFileError(f"{self.path} cannot be read ({exc}).") from None

    def _columns(self, table: str) -> set[str]:
        return {r["name"] for r in self._rows(f"pragma table_info([{table}])")}

    # ------------------------------------------------------------ llm >= 0.32

    def has_tree(self) -> bool:
        return {"threads", "turns", "messages", "parts"} <= self.tables

    def threads(self) -> Iterator[dict[str, Any]]:
        yield from self._rows(
            "select id, tip_message_hash from threads where id in (select thread_id from turns) "
            "order by datetime_utc, id"
        )

    def chain(self, tip: str) -> list[dict[str, Any]]:
        """The messages from the root to ``tip``, each with its parts in order."""
        rows = self._rows(
            """with recursive up(hash, parent_hash, role, depth) as (
                   select hash, parent_hash, role, 0 from messages where hash = ?
                   union all
                   select m.hash, m.parent_hash, m.role, up.depth + 1
                   from messages m join up on m.hash = up.parent_hash)
               select hash, role from up order by depth desc""",
            [tip],
        )
        parts: dict[str, list[dict[str, Any]]] = {r["hash"]: [] for r in rows}
        if rows:
            marks = ",".join("?" * len(rows))
            for part in self._rows(
                f"select message_hash, type, tool_name, text, payload from parts "
                f"where message_hash in ({marks}) order by message_hash, position",
                [r["hash"] for r in rows],
            ):
                part["payload"] = json.loads(part["payload"]) if part["payload"] else {}
                parts[part["message_hash"]].append(part)
        return [{**r, "parts": parts[r["hash"]]} for r in rows]

    def turns(self, thread_id: str) -> list[dict[str, Any]]:
        return self._rows("select * from turns where thread_id = ? order by id", [thread_id])

    def turn_tools(self, turn_id: str) -> list[dict[str, Any]]:
        if "turn_tools" not in self.tables:
            return []
        return self._rows(
            "select t.name, t.description, t.input_schema from turn_tools tt "
            "join tools t on t.id = tt.tool_id where tt.turn_id = ? order by t.id",
            [turn_id],
        )

    def turn_ids(self) -> set[str]:
        return {r["id"] for r in self._rows("select id from turns")} if self.has_tree() else set()

    def thread_ids(self) -> set[str]:
        return {r["id"] for r in self._rows("select id from threads")} if self.has_tree() else set()

    # ------------------------------------------------------------ both

    def schema(self, schema_id: str | None) -> str | None:
        if not schema_id or "schemas" not in self.tables:
            return None
        rows = self._rows("select content from schemas where id = ?", [schema_id])
        return rows[0]["content"] if rows else None

    def fragments(self, ids: list[int]) -> dict[int, str]:
        if not ids or "fragments" not in self.tables:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._rows(f"select id, content from fragments where id in ({marks})", ids)
        return {r["id"]: r["content"] for r in rows}

    # ------------------------------------------------------------ llm <= 0.31

    def legacy_conversations(
        self, skip: set[str], continued: set[str]
    ) -> Iterator[list[dict[str, Any]]]:
        """The legacy responses of each conversation in order. Rows llm 0.32+ also wrote
        as turns are left out (as ``llm logs`` does), and so are conversations a newer
        llm continued as a thread of the same id (the thread holds the whole of it)."""
        if "responses" not in self.tables:
            return
        columns = self._columns("responses")
        wanted = [
            c
            for c in (
                "id",
                "model",
                "resolved_model",
                "prompt",
                "system",
                "options_json",
                "response",
                "conversation_id",
                "duration_ms",
                "datetime_utc",
                "input_tokens",
                "output_tokens",
                "schema_id",
            )
            if c in columns
        ]
        rows = [
            r
            for r in self._rows(
                f"select {', '.join(wanted)} from responses order by conversation_id, id"
            )
            if r["id"] not in skip and r.get("conversation_id") not in continued
        ]
        group: list[dict[str, Any]] = []
        for row in rows:
            if group and row.get("conversation_id") != group[-1].get("conversation_id"):
                yield group
                group = []
            group.append(row)
        if group:
            yield group

    def legacy_extras(self, response_id: str) -> dict[str, list[dict[str, Any]]]:
        """A legacy response's tool calls, tool results (its inputs), offered tools and
        prompt/system fragments."""
        out: dict[str, list[dict[str, Any]]] = {}
        if "tool_calls" in self.tables:
            out["tool_calls"] = self._rows(
                "select name, arguments, tool_call_id from tool_calls where response_id = ? "
                "order by id",
                [response_id],
            )
        if "tool_results" in self.tables:
            out["tool_results"] = self._rows(
                "select name, output, tool_call_id from tool_results where response_id = ? "
                "order by id",
                [response_id],
            )
        if "tool_responses" in self.tables:
            out["tools"] = self._rows(
                "select t.name, t.description, t.input_schema from tool_responses tr "
                "join tools t on t.id = tr.tool_id where tr.response_id = ? order by t.id",
                [response_id],
            )
        for kind in ("prompt", "system"):
            table = f"{kind}_fragments"
            if table in self.tables:
                out[table] = self._rows(
                    f"select f.content from {table} x join fragments f on f.id = x.fragment_id "
                    f'where x.response_id = ? order by x."order"',
                    [response_id],
                )
        return out


def is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(16) == SQLITE_HEADER
    except OSError:
        return False
