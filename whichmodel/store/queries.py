"""Every read of the database: the records each part of whichmodel needs (``records``),
and a few small summaries.

``Store`` (``database``) inherits these; nothing outside ``whichmodel.store`` holds SQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Literal

import sqlite_utils

from whichmodel.records.answers import (
    AnswerRecord,
    BatchRecord,
    ControlRecord,
    PairwiseRecord,
    ScoreRecord,
)
from whichmodel.records.runs import Production, Prompt, Run
from whichmodel.records.verdict import Recommendation

RunFilter = Literal["any", "decided", "unfinished"]
"""decided: has a recommendation; unfinished: not completed (resumable)."""

# The answer of each (prompt, model) with its score, its pairwise verdict and its prompt's
# labels: what a verdict is computed from. ``full`` adds what a person reads (texts,
# rationales, sub-scores) for the reports.
_ANSWER_COLUMNS = """r.prompt_id, r.model, r.status, r.cost_usd, r.latency_ms, r.output_tokens,
    length(r.text) as answer_chars, r.refused as answer_refused, r.refusal_reason,
    r.refusal_kind, r.error as answer_error, s.quality, s.refused as judge_refused,
    s.status as score_status, s.error as score_error, s.spread as judge_spread, p.category,
    p.label, w.outcome as preference, w.consistent as order_consistent,
    w.status as pair_status, w.error as pair_error, r.checks, r.origin, r.price_source,
    r.tool_calls is not null as has_tool_calls"""
_REPORT_COLUMNS = """, r.text, r.error, r.finish_reason, r.tool_calls, s.accuracy,
    s.relevance, s.clarity, s.rationale, s.spread, w.first, w.second, w.outcome, w.consistent,
    w.rationale as pair_rationale"""
_ANSWER_JOINS = """from responses r
    left join scores s on s.run_id = r.run_id and s.prompt_id = r.prompt_id and s.model = r.model
    left join pairwise w on w.run_id = r.run_id and w.prompt_id = r.prompt_id
         and w.model = r.model
    left join prompts p on p.id = r.prompt_id"""


PAGE = 500
"""Rows read at a time where a read is paged (prompts, keys, batch items)."""


class Queries:
    db: sqlite_utils.Database

    # ------------------------------------------------------------ prompts

    def prompt_ids(self) -> list[str]:
        return [r["id"] for r in self.db.query("select id from prompts order by rowid")]

    def prompt_count(self) -> int:
        return int(self.db.execute("select count(*) from prompts").fetchone()[0])

    def prompts(self, ids: list[str] | None = None) -> list[Prompt]:
        return list(self.iter_prompts(ids))

    def iter_prompts(self, ids: list[str] | None = None) -> Iterator[Prompt]:
        """The prompts ``ids`` in that order (default: every prompt, in stored order),
        read ``PAGE`` at a time."""
        size = PAGE
        if ids is not None:
            for chunk in _chunks(ids, size):
                by_id = {
                    r["id"]: r
                    for r in self.db.query(
                        f"select * from prompts where id in ({','.join('?' * len(chunk))})", chunk
                    )
                }
                yield from (Prompt.from_row(by_id[i]) for i in chunk if i in by_id)
            return
        last = 0
        while True:
            rows = list(
                self.db.query(
                    "select rowid as stored_at, * from prompts where rowid > ? "
                    "order by rowid limit ?",
                    [last, size],
                )
            )
            if not rows:
                return
            last = rows[-1]["stored_at"]
            for row in rows:
                yield Prompt.from_row(row)

    def selectable_prompts(self, ids: list[str] | None = None) -> list[dict[str, Any]]:
        """What choosing prompts looks at: category, metadata, the production model and
        when it answered (all prompts in stored order, or ``ids`` in their order)."""
        rows = {
            r["id"]: r
            for r in self.db.query(
                """select p.id, p.category, p.metadata, w.model, w.logged_at,
                          w.prompt_id is not null as has_answer
                   from prompts p left join production w on w.prompt_id = p.id
                   order by p.rowid"""
            )
        }
        for r in rows.values():
            r["metadata"] = json.loads(r["metadata"]) if r["metadata"] else None
        if ids is None:
            return list(rows.values())
        return [rows[i] for i in dict.fromkeys(ids) if i in rows]

    def productions(self, ids: list[str] | None = None) -> dict[str, Production]:
        """Prompt id -> the answer production gave, as logged (all, or for ``ids``)."""
        if ids is None:
            rows = list(self.db.query("select * from production order by rowid"))
        else:
            rows = []
            for chunk in _chunks(ids, PAGE):
                marks = ",".join("?" * len(chunk))
                rows += self.db.query(
                    f"select * from production where prompt_id in ({marks})", chunk
                )
        return {row["prompt_id"]: Production.from_row(row) for row in rows}

    # ------------------------------------------------------------ runs

    def run(self, run_id: str | None = None) -> Run | None:
        """A run by id or unique id prefix; without an id, the latest."""
        return self.find_run(run_id)

    def find_run(self, run_id: str | None = None, which: RunFilter = "any") -> Run | None:
        """A run by id (or unique id prefix); without an id the latest run that is
        ``which``. None when there is no such run (or the prefix is ambiguous)."""
        if run_id is not None:
            rows = list(self.db.query("select * from runs where id = ?", [run_id]))
            if not rows and run_id:
                # a prefix, compared as text (LIKE would read "_" and "%" as wildcards)
                rows = list(
                    self.db.query(
                        "select * from runs where substr(id, 1, ?) = ? order by created_at desc",
                        [len(run_id), run_id],
                    )
                )
                if len(rows) > 1:
                    return None
        else:
            where = {
                "any": "",
                "decided": "where id in (select run_id from recommendations)",
                "unfinished": "where status != 'completed'",
            }[which]
            rows = list(
                self.db.query(f"select * from runs {where} order by created_at desc limit 1")
            )
        return Run.from_row(rows[0]) if rows else None

    def runs(self) -> list[Run]:
        rows = self.db.query("select * from runs order by created_at desc")
        return [Run.from_row(r) for r in rows]

    def run_prompt_ids(self, run_id: str) -> list[str]:
        return [
            r["prompt_id"]
            for r in self.db.query(
                "select prompt_id from run_prompts where run_id = ? order by position", [run_id]
            )
        ]

    def recommendation(self, run_id: str) -> Recommendation | None:
        """The verdict stored when the run finished."""
        rows = list(self.db.query("select json from recommendations where run_id = ?", [run_id]))
        return Recommendation.model_validate_json(rows[0]["json"]) if rows else None

    # ------------------------------------------------------------ answers and scores

    def responses(self, run_id: str, model: str | None = None) -> list[AnswerRecord]:
        sql = "select * from responses where run_id = ?"
        args: list[Any] = [run_id]
        if model:
            sql += " and model = ?"
            args.append(model)
        return [AnswerRecord.from_row(r) for r in self.db.query(sql, args)]

    def response(self, run_id: str, prompt_id: str, model: str) -> AnswerRecord | None:
        rows = list(
            self.db.query(
                "select * from responses where run_id = ? and prompt_id = ? and model = ?",
                [run_id, prompt_id, model],
            )
        )
        return AnswerRecord.from_row(rows[0]) if rows else None

    def scores(self, run_id: str) -> list[ScoreRecord]:
        return [
            ScoreRecord.from_row(r)
            for r in self.db.query("select * from scores where run_id = ?", [run_id])
        ]

    def pairwise(self, run_id: str) -> list[PairwiseRecord]:
        return [
            PairwiseRecord.from_row(r)
            for r in self.db.query("select * from pairwise where run_id = ?", [run_id])
        ]

    def cache_get(self, key: str) -> dict[str, Any] | None:
        rows = list(self.db.query("select value from cache where key = ?", [key]))
        return json.loads(rows[0]["value"]) if rows else None

    def answer_rows(self, run_id: str, *, full: bool = False) -> Iterator[dict[str, Any]]:
        """Every stored answer of the run joined with its score, pairwise verdict and
        prompt labels (``full``: with texts and rationales, for the reports), in the
        run's prompt order: a verdict's bootstrap draws the same prompts whatever order
        they were answered in. Read one at a time."""
        columns = _ANSWER_COLUMNS + (_REPORT_COLUMNS if full else "")
        yield from self.db.query(
            f"select {columns} {_ANSWER_JOINS} left join run_prompts rp on "
            "rp.run_id = r.run_id and rp.prompt_id = r.prompt_id where r.run_id = ? "
            "order by rp.position, r.prompt_id, r.model",
            [run_id],
        )

    def judge_cost(self, run_id: str) -> float | None:
        """What the run's judgments cost (pointwise scores, pairwise verdicts and the
        judge's controls); None when one of them has no known cost."""
        unknown, total = self.db.execute(
            "select count(*) - count(cost_usd), coalesce(sum(cost_usd), 0) from ("
            "select cost_usd from scores where run_id = ? "
            "union all select cost_usd from pairwise where run_id = ? "
            "union all select cost_usd from judge_controls where run_id = ?)",
            [run_id, run_id, run_id],
        ).fetchone()
        return None if unknown else float(total)

    def judge_controls(self, run_id: str) -> list[ControlRecord]:
        """The run's judge controls in the order they were made."""
        return [
            ControlRecord.from_row(r)
            for r in self.db.query(
                "select * from judge_controls where run_id = ? order by position", [run_id]
            )
        ]

    def batches(self, run_id: str, *, open_only: bool = False) -> list[BatchRecord]:
        """The run's batches (``open_only``: those not yet read back or given up)."""
        where = " and status not in ('ingested', 'given_up')" if open_only else ""
        return [
            BatchRecord.from_row(r)
            for r in self.db.query(
                f"select * from batches where run_id = ?{where} order by created_at, key",
                [run_id],
            )
        ]

    def prompt_groups(self, run_id: str, key: str) -> dict[str, str]:
        """The run's prompts by the value of metadata ``key`` (as its log carried it)."""
        return {
            r["id"]: str(r["value"])
            for r in self.db.query(
                "select p.id, json_extract(p.metadata, '$.' || json_quote(?)) as value "
                "from prompts p join run_prompts rp on rp.prompt_id = p.id "
                "where rp.run_id = ? and json_valid(p.metadata)",
                [key, run_id],
            )
            if r["value"] is not None
        }

    def feedback_rows(self, run_id: str) -> list[dict[str, Any]]:
        """The run's answers that were judged, with what feedback needs: the trace the
        call carried, where the answer came from, its checks, its score or preference."""
        return list(
            self.db.query(
                "select r.prompt_id, r.model, r.trace_id, r.origin, r.checks, s.quality, "
                "s.spread, w.outcome as preference "
                "from responses r left join scores s on s.run_id = r.run_id and "
                "s.prompt_id = r.prompt_id and s.model = r.model and s.status = 'scored' "
                "left join pairwise w on w.run_id = r.run_id and w.prompt_id = r.prompt_id "
                "and w.model = r.model and w.status = 'scored' "
                "left join run_prompts rp on rp.run_id = r.run_id and rp.prompt_id = r.prompt_id "
                "where r.run_id = ? and r.status = 'ok' order by rp.position, r.model",
                [run_id],
            )
        )

    def feedback_sent(self, run_id: str) -> dict[tuple[str, str], dict[str, Any]]:
        """(prompt_id, model) -> the feedback already sent for that answer."""
        return {
            (r["prompt_id"], r["model"]): r
            for r in self.db.query("select * from feedback where run_id = ?", [run_id])
        }

    def judge_checks(self, judge: str | None = None) -> list[dict[str, Any]]:
        """Stored `judge-check` results (of ``judge``), newest first."""
        where, args = ("where judge = ?", [judge]) if judge else ("", [])
        rows = list(
            self.db.query(f"select * from judge_checks {where} order by created_at desc", args)
        )
        for r in rows:
            r["figures"] = json.loads(r["figures"])
        return rows

    def failed_calls(self, run_id: str) -> list[dict[str, Any]]:
        """Per model whose calls failed: how many, the first error, of how many prompts."""
        return list(
            self.db.query(
                """select model, count(*) n, min(error) first_error,
                          (select count(*) from run_prompts where run_id = ?) total
                   from responses where run_id = ? and status = 'error' group by model""",
                [run_id, run_id],
            )
        )

    def priced_models(self, run_id: str) -> dict[str, str]:
        """Model -> price source, for models with at least one priced answer in the run."""
        return {
            row["model"]: row["source"]
            for row in self.db.query(
                "select model, max(price_source) source from responses where run_id = ? "
                "and cost_usd is not null group by model",
                [run_id],
            )
        }

    def worse_answers(
        self, run_id: str, baseline: str, candidate: str, limit: int
    ) -> list[dict[str, Any]]:
        """Prompts where ``candidate`` scored below ``baseline``, largest gap first."""
        rows = list(
            self.db.query(
                """select p.id, p.messages, p.category, rb.text base_text, rc.text cand_text,
                      sb.quality base_q, sc.quality cand_q, sc.rationale cand_rationale
               from prompts p
               join responses rb on rb.prompt_id = p.id and rb.run_id = :run and rb.model = :base
               join responses rc on rc.prompt_id = p.id and rc.run_id = :run and rc.model = :cand
               join scores sb on sb.prompt_id = p.id and sb.run_id = :run and sb.model = :base
               join scores sc on sc.prompt_id = p.id and sc.run_id = :run and sc.model = :cand
               where sc.quality < sb.quality
               order by sb.quality - sc.quality desc limit :limit""",
                {"run": run_id, "base": baseline, "cand": candidate, "limit": limit},
            )
        )
        for r in rows:
            r["messages"] = json.loads(r["messages"])
        return rows

    def responses_page(
        self, run_id: str, model: str | None, limit: int, offset: int
    ) -> tuple[int, list[dict[str, Any]]]:
        """(total, one page) of the run's answers with their scores, in prompt order."""
        where = "r.run_id = ?" + (" and r.model = ?" if model else "")
        args: list[Any] = [run_id, *([model] if model else [])]
        total = int(
            self.db.execute(f"select count(*) from responses r where {where}", args).fetchone()[0]
        )
        rows = list(
            self.db.query(
                f"""select r.prompt_id, r.model, r.status, r.text, r.finish_reason, r.error,
                       r.input_tokens, r.cached_tokens, r.output_tokens, r.latency_ms,
                       r.cost_usd, r.price_source, r.refused, r.refusal_reason,
                       r.refusal_kind, r.trace_id, r.cache_hit, r.created_at,
                       s.status as score_status, s.quality, s.accuracy, s.relevance,
                       s.clarity, s.refused as judge_refused, s.rationale,
                       p.messages, p.reference, p.category, p.label
                from responses r
                left join scores s on s.run_id = r.run_id and s.prompt_id = r.prompt_id
                     and s.model = r.model
                left join run_prompts rp on rp.run_id = r.run_id and rp.prompt_id = r.prompt_id
                left join prompts p on p.id = r.prompt_id
                where {where} order by rp.position, r.model limit ? offset ?""",
                [*args, limit, offset],
            )
        )
        for row in rows:
            row["messages"] = json.loads(row["messages"]) if row["messages"] else None
        return total, rows

    def counts(self, run_id: str) -> dict[str, int]:
        """Stored answers, failed answers, pointwise scores and pairwise verdicts of a run."""
        row = self.db.execute(
            """select (select count(*) from responses where run_id = :r),
                      (select count(*) from responses where run_id = :r and status = 'error'),
                      (select count(*) from scores where run_id = :r),
                      (select count(*) from pairwise where run_id = :r)""",
            {"r": run_id},
        ).fetchone()
        return dict(zip(("answers", "errors", "scores", "pairwise"), row, strict=True))


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
