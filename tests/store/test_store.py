import sqlite3

import pytest

from whichmodel.errors import StoreError
from whichmodel.store import MIGRATIONS, MIGRATIONS_TABLE, Store, prompt_id


def test_migrations_are_recorded_and_idempotent(tmp_path):
    path = tmp_path / "w.db"
    Store(path).close()
    store = Store(path)
    names = [r["name"] for r in store.db[MIGRATIONS_TABLE].rows]
    assert names == [m.__name__ for m in MIGRATIONS]
    assert store.db.journal_mode == "wal"
    assert {"prompts", "runs", "responses", "scores", "recommendations"} <= set(
        store.db.table_names()
    )


def test_prompts_are_identified_by_content():
    store = Store(memory=True)
    msgs = [{"role": "user", "content": "hi"}]
    new, ids = store.add_prompts([{"messages": msgs}, {"messages": msgs}])
    assert new == 1 and ids[0] == ids[1] == prompt_id(msgs)
    # same text with a reference is another prompt
    new, _ = store.add_prompts([{"messages": msgs, "reference": "hello"}])
    assert new == 1
    assert store.db["prompts"].count == 2


def test_foreign_database_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("create table invoices (id integer)")
    conn.execute("insert into invoices values (1)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="not a whichmodel database"):
        Store(path)
    conn = sqlite3.connect(path)
    assert conn.execute("select count(*) from invoices").fetchone()[0] == 1
    assert [r[0] for r in conn.execute("select name from sqlite_master where type='table'")] == [
        "invoices"
    ]


def test_garbage_file_is_refused(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("this is not sqlite at all " * 100)
    with pytest.raises(StoreError, match="not a whichmodel database"):
        Store(path)
    assert path.read_text().startswith("this is not sqlite")


def _open(path):
    Store(path).close()
    return True


def test_many_processes_creating_one_new_database(tmp_path):
    import multiprocessing

    path = str(tmp_path / "new.db")
    with multiprocessing.get_context("spawn").Pool(6) as pool:
        assert all(pool.map(_open, [path] * 12))
    names = [r["name"] for r in Store(path).db[MIGRATIONS_TABLE].rows]
    assert names == [m.__name__ for m in MIGRATIONS]
