"""Choosing which stored prompts a run evaluates: time windows, metadata filters and
seeded (stratified) samples over an imported log, in a real SQLite file."""

import json
from collections import Counter

import pytest

from whichmodel.errors import ConfigError
from whichmodel.history.importer import import_history
from whichmodel.history.items import utc_time
from whichmodel.history.selection import Selection, select
from whichmodel.store import Store

DAYS = 10
PER_DAY = 10


def log_line(i: int) -> dict:
    """Day i // 10 of March; 70% answered by gpt-4o-mini, 30% by gpt-4o; team a or b."""
    model = "gpt-4o" if i % 10 < 3 else "gpt-4o-mini"
    return {
        "request": {"model": model, "messages": [{"role": "user", "content": f"question {i}"}]},
        "response": {
            "object": "chat.completion",
            "created": 0,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "ok"},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 3, "completion_tokens": 1},
        },
        "created_at": f"2026-03-{1 + i // PER_DAY:02d}T{i % PER_DAY:02d}:30:00+01:00",
        "metadata": {"team": "a" if i % 2 else "b", "category": "even" if i % 4 else "four"},
    }


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "history.jsonl"
    path.write_text("".join(json.dumps(log_line(i)) + "\n" for i in range(DAYS * PER_DAY)))
    store = Store(tmp_path / "w.db")
    import_history(store, path)
    # and one prompt without a logged answer
    store.add_prompts([{"messages": [{"role": "user", "content": "no answer"}]}])
    return store


def texts(store, ids):
    return [p.messages[0]["content"] for p in store.prompts(ids)]


def test_times_are_read_whatever_the_log_wrote():
    assert utc_time("2026-03-01T10:30:00+01:00") == "2026-03-01T09:30:00"
    assert utc_time("2026-03-01T09:30:00Z") == "2026-03-01T09:30:00"
    assert utc_time("2026-03-01 09:30:00.123") == "2026-03-01T09:30:00"
    assert utc_time(1772357400) == "2026-03-01T09:30:00"
    assert utc_time(1772357400000) == "2026-03-01T09:30:00"  # milliseconds
    for bad in (None, "", "yesterday", True, float("nan"), -5, {"t": 1}):
        assert utc_time(bad) is None


def test_a_seeded_sample_is_the_same_each_time_and_differs_by_seed(store):
    ids, description = select(store, Selection(sample=20, seed=1))
    again, _ = select(store, Selection(sample=20, seed=1))
    other, _ = select(store, Selection(sample=20, seed=2))
    assert ids == again and ids != other and len(ids) == 20
    assert description == "20 of 101 prompts: a simple random sample of 20 (seed 1)"
    assert ids == [i for i in store.prompt_ids() if i in set(ids)]  # stored order


def test_stratified_samples_keep_each_groups_share(store):
    ids, description = select(store, Selection(sample=20, seed=5, stratify="model"))
    by_model = Counter(r["model"] for r in store.selectable_prompts(ids))
    assert by_model == {"gpt-4o-mini": 14, "gpt-4o": 6}
    assert "stratified by model" in description
    ids, _ = select(store, Selection(sample=8, seed=5, stratify="metadata.team"))
    assert Counter(r["metadata"]["team"] for r in store.selectable_prompts(ids)) == {
        "a": 4,
        "b": 4,
    }
    ids, _ = select(store, Selection(sample=20, seed=5, stratify="category"))
    assert Counter(p.category for p in store.prompts(ids)) == {"even": 15, "four": 5}


def test_time_window_and_metadata_filter(store):
    # a whole day by its date (until: to the end of that day), in UTC
    ids, description = select(store, Selection(since="2026-03-02", until="2026-03-03"))
    got = texts(store, ids)
    # 2026-03-02T00:30+01:00 is still March 1st in UTC: question 10 is out, 30 is in
    assert "question 10" not in got and "question 30" in got and "question 11" in got
    assert len(got) == 2 * PER_DAY
    assert "logged from 2026-03-02T00:00:00 to 2026-03-03T23:59:59" in description
    ids, description = select(store, Selection(where={"metadata.team": "a"}))
    assert len(ids) == DAYS * PER_DAY // 2
    assert all(int(t.split()[1]) % 2 for t in texts(store, ids))
    assert "where metadata.team = a" in description


def test_history_only_leaves_out_prompts_without_a_logged_answer(store):
    ids, description = select(store, Selection(history_only=True))
    assert len(ids) == DAYS * PER_DAY and "no answer" not in texts(store, ids)
    assert "1 without a stored production answer left out" in description


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"stratify": "colour"}, "--stratify is category, model or metadata.KEY"),
        ({"since": "last tuesday"}, "--since is a date or time"),
        ({"sample": 0}, "--sample is a number of prompts"),
    ],
)
def test_bad_selections_say_what_to_do(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        Selection(**kwargs)
