"""What a run reads a page at a time, on a real SQLite file."""

import pytest

from whichmodel.records.answers import AnswerRecord, BatchRecord
from whichmodel.records.runs import HistoryItem, Production, Run
from whichmodel.store import Store

A, B = "portkey/openai/a", "portkey/openai/b"


@pytest.fixture
def run(tmp_path):
    """A run over 7 prompts, stored in the reverse of their import order."""
    store = Store(tmp_path / "w.db")
    _, ids = store.add_prompts(
        [{"messages": [{"role": "user", "content": f"q{i}"}]} for i in range(7)]
    )
    order = list(reversed(ids))
    store.create_run(Run(id="r1", baseline=A, candidates=[B], judge=A), order)
    return store, order


def answer(store, prompt_id, model, status="ok"):
    store.save_response(
        AnswerRecord(run_id="r1", prompt_id=prompt_id, model=model, status=status, text="x")
    )


def test_prompts_come_in_run_order_a_page_at_a_time(run):
    store, order = run
    pages = list(store.prompt_pages("r1", size=3))
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [p.id for page in pages for p in page] == order
    assert pages[0][0].messages == [{"role": "user", "content": "q6"}]  # decoded
    assert [p.id for p in store.iter_prompts(order[2:5])] == order[2:5]
    assert [p.id for p in store.iter_prompts()] == list(reversed(order))


def test_todo_skips_what_is_stored_or_carried_and_waits_for_answers(run):
    store, order = run
    answer(store, order[0], A)
    answer(store, order[1], A, status="error")
    answer(store, order[1], B)
    store.save_batch(
        BatchRecord(key="k1", run_id="r1", part="answers", model=B, status="in_progress", items=1),
        [("0", order[2], B)],
    )
    todo = [(p.id, m) for p, m in store.todo("r1", [A, B], "responses")]
    assert todo[:3] == [(order[0], B), (order[2], A), (order[2], B)]
    assert len(todo) == 14 - 3
    carried = [(p.id, m) for p, m in store.todo("r1", [B], "responses", carried_by="answers")]
    assert (order[2], B) not in carried and (order[1], B) not in carried
    assert len(carried) == 7 - 2
    # scores wait for an answer that is not an error
    judging = [(p.id, m) for p, m in store.todo("r1", [A, B], "scores", answered_ok=True)]
    assert judging == [(order[0], A), (order[1], B)]
    # a batch no longer open carries nothing
    store.update_batch("k1", status="ingested")
    assert (order[2], B) in [
        (p.id, m) for p, m in store.todo("r1", [B], "responses", carried_by="answers")
    ]


def test_a_batch_item_and_what_its_batch_left_undone(run, monkeypatch):
    store, order = run
    monkeypatch.setattr("whichmodel.store.worklist.PAGE", 2)  # several pages of items
    store.save_batch(
        BatchRecord(key="k1", run_id="r1", part="answers", model=A), [("0", order[0], A)]
    )
    store.add_batch_items("k1", [(str(i), order[i], A) for i in range(1, 5)])
    answer(store, order[3], A)
    assert store.batch_item("k1", "3", "responses") == (order[3], A, True)
    assert store.batch_item("k1", "1", "responses") == (order[1], A, False)
    assert store.batch_item("k1", "9", "responses") is None
    assert list(store.undone_items("k1", "responses")) == [(order[i], A) for i in (0, 1, 2, 4)]
    store.drop_batch("k1")
    assert store.db["batches"].count == 0 and store.db["batch_items"].count == 0


def test_the_runs_history(tmp_path):
    store = Store(tmp_path / "w.db")
    items = [
        HistoryItem(
            [{"role": "user", "content": f"q{i}"}],
            production=Production(f"logged {i}", model="gpt-4o-mini") if i != 1 else None,
        )
        for i in range(3)
    ]
    ids = store.add_history(items).ids
    for run_id, order in (("all", [ids[2], ids[1], ids[0]]), ("logged", [ids[2], ids[0]])):
        store.create_run(Run(id=run_id, baseline=A, candidates=[B], judge=A), order)
    assert store.run_history_ids("all") == [ids[2], ids[0]]
    assert store.run_lacks_history("all") and not store.run_lacks_history("logged")
    assert store.production(ids[2]).text == "logged 2"
    assert store.production(ids[1]) is None
