"""What a run reads while it works, a page at a time: its prompts in order, the work
already stored for them, the production answer of one prompt, one batch's items (the
writes are ``database``'s).

A run of any size holds one page of prompts and the keys of that page, never the whole
run, so its memory does not grow with the prompt count.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import sqlite_utils

from whichmodel.records.runs import Production, Prompt
from whichmodel.store.queries import PAGE

Table = Literal["responses", "scores", "pairwise"]


def _marks(ids: list[str]) -> str:
    return ",".join("?" * len(ids))


class RunPages:
    db: sqlite_utils.Database

    def prompt_pages(self, run_id: str, size: int | None = None) -> Iterator[list[Prompt]]:
        """The run's prompts in its order, ``size`` (default ``PAGE``) at a time; each
        page is read when it is asked for."""
        size = size or PAGE
        last = -1
        while True:
            rows = list(
                self.db.query(
                    "select p.*, rp.position as run_position from run_prompts rp "
                    "join prompts p on p.id = rp.prompt_id "
                    "where rp.run_id = ? and rp.position > ? order by rp.position limit ?",
                    [run_id, last, size],
                )
            )
            if not rows:
                return
            last = rows[-1]["run_position"]
            yield [Prompt.from_row(row) for row in rows]

    def todo(
        self,
        run_id: str,
        models: list[str],
        done_in: Table,
        *,
        carried_by: str | None = None,
        answered_ok: bool = False,
    ) -> Iterator[tuple[Prompt, str]]:
        """(prompt, model) of ``models``, in run order, with no row in ``done_in`` yet;
        ``carried_by``: nor carried by the run's open batches of that part; ``answered_ok``:
        only where the model's answer is stored and is not an error. Each page's keys are
        read when the page is reached."""
        for page in self.prompt_pages(run_id):
            ids = [p.id for p in page]
            done = self.done_among(done_in, run_id, ids)
            if carried_by is not None:
                done |= self.carried_among(run_id, carried_by, ids)
            ready = self.answered_ok_among(run_id, ids) if answered_ok else None
            for prompt in page:
                for model in models:
                    key = (prompt.id, model)
                    if key not in done and (ready is None or key in ready):
                        yield prompt, model

    def prompt(self, prompt_id: str) -> Prompt | None:
        rows = list(self.db.query("select * from prompts where id = ?", [prompt_id]))
        return Prompt.from_row(rows[0]) if rows else None

    def done_among(self, table: Table, run_id: str, prompt_ids: list[str]) -> set[tuple[str, str]]:
        """(prompt_id, model) stored in ``table`` for the run, among ``prompt_ids``."""
        return {
            (r[0], r[1])
            for r in self.db.execute(
                f"select prompt_id, model from [{table}] where run_id = ? "
                f"and prompt_id in ({_marks(prompt_ids)})",
                [run_id, *prompt_ids],
            )
        }

    def answered_ok_among(self, run_id: str, prompt_ids: list[str]) -> set[tuple[str, str]]:
        """(prompt_id, model) of the run's answers that are not errors, among ``prompt_ids``."""
        return {
            (r[0], r[1])
            for r in self.db.execute(
                "select prompt_id, model from responses where run_id = ? and status = 'ok' "
                f"and prompt_id in ({_marks(prompt_ids)})",
                [run_id, *prompt_ids],
            )
        }

    def carried_among(self, run_id: str, part: str, prompt_ids: list[str]) -> set[tuple[str, str]]:
        """(prompt_id, model) carried by the run's open batches of ``part``, among
        ``prompt_ids``."""
        return {
            (r[0], r[1])
            for r in self.db.execute(
                "select i.prompt_id, i.model from batch_items i join batches b "
                "on b.key = i.batch_key where b.run_id = ? and b.part = ? "
                "and b.status not in ('ingested', 'given_up') "
                f"and i.prompt_id in ({_marks(prompt_ids)})",
                [run_id, part, *prompt_ids],
            )
        }

    def stored_count(self, table: Table, run_id: str) -> int:
        sql = f"select count(*) from [{table}] where run_id = ?"
        return int(self.db.execute(sql, [run_id]).fetchone()[0])

    def production(self, prompt_id: str) -> Production | None:
        """The answer production gave to ``prompt_id``, as logged (None: none logged)."""
        rows = list(self.db.query("select * from production where prompt_id = ?", [prompt_id]))
        return Production.from_row(rows[0]) if rows else None

    def run_history_ids(self, run_id: str) -> list[str]:
        """The run's prompts that have a production answer, in its order."""
        return [
            r[0]
            for r in self.db.execute(
                "select rp.prompt_id from run_prompts rp join production w "
                "on w.prompt_id = rp.prompt_id where rp.run_id = ? order by rp.position",
                [run_id],
            )
        ]

    def run_lacks_history(self, run_id: str) -> bool:
        """Whether some prompt of the run has no production answer."""
        return (
            self.db.execute(
                "select 1 from run_prompts rp where rp.run_id = ? and not exists "
                "(select 1 from production w where w.prompt_id = rp.prompt_id) limit 1",
                [run_id],
            ).fetchone()
            is not None
        )

    # ------------------------------------------------------------ batches

    def batch_item(self, key: str, custom_id: str, table: Table) -> tuple[str, str, bool] | None:
        """(prompt_id, model, whether its row is stored in ``table`` already) of one item
        of a batch; None when the batch has no such item."""
        row = self.db.execute(
            f"select i.prompt_id, i.model, exists(select 1 from [{table}] t, batches b "
            "where b.key = i.batch_key and t.run_id = b.run_id and t.prompt_id = i.prompt_id "
            "and t.model = i.model) from batch_items i "
            "where i.batch_key = ? and i.custom_id = ?",
            [key, custom_id],
        ).fetchone()
        return None if row is None else (row[0], row[1], bool(row[2]))

    def undone_items(self, key: str, table: Table) -> Iterator[tuple[str, str]]:
        """(prompt_id, model) of the batch's items with no row in ``table`` yet, in the
        order they were sent, read ``PAGE`` at a time."""
        size, last = PAGE, 0
        while True:
            rows = self.db.execute(
                "select i.rowid, i.prompt_id, i.model from batch_items i "
                "join batches b on b.key = i.batch_key "
                "where i.batch_key = ? and i.rowid > ? and not exists "
                f"(select 1 from [{table}] t where t.run_id = b.run_id "
                "and t.prompt_id = i.prompt_id and t.model = i.model) "
                "order by i.rowid limit ?",
                [key, last, size],
            ).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            for _, prompt_id, model in rows:
                yield prompt_id, model
