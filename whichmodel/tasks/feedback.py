"""``whichmodel report --push-feedback``: a run's judgments as Portkey feedback on the
traces of the calls that were judged, sent once (stored ids; a later push sends only new
answers and updates changed values)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from whichmodel.config import portkey_api_key
from whichmodel.errors import NoDataError
from whichmodel.portkey.control import api_url
from whichmodel.portkey.feedback import Feedback, PushResult, feedback_value, push
from whichmodel.results.decide import find_run, run_verdict
from whichmodel.store import Store

PREFERENCE_VALUE = {1: 10, 0: 0, -1: -10}
"""Pairwise: the candidate's answer better than the baseline's, a tie, worse."""


@dataclass
class FeedbackReport:
    run_id: str
    result: PushResult
    skipped_cache: int
    skipped_unjudged: int
    url: str

    def lines(self) -> list[str]:
        r = self.result
        out = [
            f"Feedback on run {self.run_id} sent to Portkey ({self.url}): {len(r.created)} new, "
            f"{len(r.updated)} updated, {r.unchanged} already there."
        ]
        if self.skipped_cache:
            out.append(
                f"{self.skipped_cache} answer(s) came from whichmodel's cache (no call, so no "
                "trace in this run): not sent."
            )
        if self.skipped_unjudged:
            out.append(f"{self.skipped_unjudged} answer(s) have no judgment or trace: not sent.")
        return out


def _checks(raw: str | None) -> str:
    checks = json.loads(raw) if raw else {}
    return ",".join(f"{k}:{'pass' if v else 'fail'}" for k, v in sorted(checks.items()))


def feedback_items(store: Store, run: dict[str, Any]) -> tuple[list[Feedback], int, int]:
    """(what to send, answers from the cache, answers without a judgment or trace)."""
    settings = run.settings
    pairwise = settings.get("judge_mode") == "pairwise"
    items, cached, unjudged = [], 0, 0
    for row in store.feedback_rows(run.id):
        if row["origin"] == "cache":
            cached += 1
            continue
        if pairwise:
            value = PREFERENCE_VALUE.get(row["preference"])
        else:
            value = feedback_value(row["quality"]) if row["quality"] is not None else None
        if value is None or not row["trace_id"]:
            # pairwise runs judge the candidates only: the baseline's answers are not missed
            unjudged += not (pairwise and row["model"] == run.baseline)
            continue
        metadata = {
            "source": "whichmodel",
            "run_id": run.id,
            "model": row["model"],
            "judge": run.judge or "",
            "judge_mode": "pairwise" if pairwise else "pointwise",
            "prompt_id": row["prompt_id"],
            "answer": "production" if row["origin"] == "history" else "replay",
        }
        checks = _checks(row["checks"])
        if checks:
            metadata["checks"] = checks
        items.append(
            Feedback(row["prompt_id"], row["model"], row["trace_id"], value, 1.0, metadata)
        )
    return items, cached, unjudged


def push_feedback(
    store: Store, run_id: str | None = None, *, url: str | None = None, api_key: str | None = None
) -> FeedbackReport:
    """Send the run's judgments to Portkey; the feedback ids are stored as they come."""
    run = find_run(store, run_id, "any")
    rec = run_verdict(store, run.id)
    if rec.judge_controls is not None and not rec.judge_controls.trusted:
        raise NoDataError(
            f"Run {run.id}: the judge failed its controls ({rec.judge_controls.text()}); "
            "its scores are not sent to Portkey. Judge the run again with a better judge."
        )
    items, cached, unjudged = feedback_items(store, run)
    if not items:
        raise NoDataError(f"Run {run.id} has no judged answer with a trace to send.")
    url = url or api_url()

    def save(sent: list[tuple[Feedback, str]]) -> None:
        store.save_feedback(
            [
                {
                    "run_id": run.id,
                    "prompt_id": item.prompt_id,
                    "model": item.model,
                    "trace_id": item.trace_id,
                    "feedback_id": fid,
                    "value": item.value,
                    "weight": item.weight,
                    "metadata": json.dumps(item.metadata, sort_keys=True),
                }
                for item, fid in sent
            ]
        )

    result = push(
        items,
        stored=store.feedback_sent(run.id),
        url=url,
        api_key=api_key or portkey_api_key(),
        on_sent=save,
    )
    return FeedbackReport(run.id, result, cached, unjudged, url)
