import json

import pytest

from whichmodel.errors import ImportFileError
from whichmodel.history.importer import import_history
from whichmodel.store import Store


def write(path, lines):
    path.write_text("\n".join(lines) + "\n")
    return path


def test_import_prompts_and_conversations(tmp_path):
    f = write(
        tmp_path / "h.jsonl",
        [
            json.dumps(
                {"prompt": "What is 2+2?", "reference": "4", "category": "math", "id": "a1"}
            ),
            "",
            json.dumps(
                {
                    "messages": [
                        {"role": "system", "content": "Be brief."},
                        {"role": "user", "content": "Hi"},
                        {"role": "assistant", "content": "Hello!"},
                        {"role": "user", "content": "Capital of France?"},
                    ]
                }
            ),
        ],
    )
    store = Store(memory=True)
    result = import_history(store, f)
    read, new, ids = result.read, result.new, result.ids
    assert (read, new, len(ids)) == (2, 2, 2)
    rows = store.prompts(ids)
    assert rows[0].messages == [{"role": "user", "content": "What is 2+2?"}]
    assert rows[0].reference == "4" and rows[0].category == "math"
    assert rows[0].external_id == "a1"
    assert len(rows[1].messages) == 4
    # importing the same file again adds nothing
    assert import_history(store, f).new == 0
    assert store.db["prompts"].count == 2


@pytest.mark.parametrize(
    "bad,msg",
    [
        ("{not json", "invalid JSON"),
        (json.dumps({"text": "x"}), "missing"),
        (json.dumps({"messages": [{"role": "robot", "content": "x"}]}), "role"),
        (
            json.dumps(
                {
                    "messages": [
                        {"role": "user", "content": "x"},
                        {"role": "assistant", "content": "y"},
                    ]
                }
            ),
            "last message",
        ),
        (json.dumps({"prompt": ""}), "non-empty"),
    ],
)
def test_bad_line_names_its_number_and_stores_nothing(tmp_path, bad, msg):
    f = write(
        tmp_path / "h.jsonl", [json.dumps({"prompt": "fine"}), json.dumps({"prompt": "ok"}), bad]
    )
    store = Store(memory=True)
    with pytest.raises(ImportFileError, match=msg) as err:
        import_history(store, f)
    assert "h.jsonl:3" in str(err.value)
    assert "\n" not in str(err.value)
    assert store.db["prompts"].count == 0


def test_missing_file(tmp_path):
    with pytest.raises(ImportFileError, match="Cannot read"):
        import_history(Store(memory=True), tmp_path / "nope.jsonl")
