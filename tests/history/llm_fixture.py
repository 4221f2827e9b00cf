"""Log real entries into an llm logs.db with llm's own Python API and its echo model
(no network): python tests/history/llm_fixture.py OUT.db

Run with llm 0.36 + llm-echo 0.5 (the test dependency: the message tree) by the tests,
and with llm 0.31.1 + llm-echo 0.4 (the legacy responses tables) by
scripts/make_llm_legacy_fixture.py, whose output is tests/history/fixtures/llm-0.31.1.db.
Set LLM_LOAD_PLUGINS=llm-echo so no other installed plugin is loaded.

What it logs (the tests count on it):
1. "hello" with the system prompt "be terse";
2. a conversation of three turns ("first", "second", "third") with the system "sys A";
3. a tool chain: the model calls add(a=2, b=3), gets "5" and answers;
4. a JSON answer under a schema (name, age int).
"""

import json
import sys

import llm
import sqlite_utils
from llm_echo import Echo


class EchoSchema(Echo):  # llm-echo does not declare schema support
    model_id = "echo-schema"
    supports_schema = True


def add(a: int, b: int) -> int:
    "Add two integers"
    return a + b


def main(path: str) -> None:
    db = sqlite_utils.Database(path)
    try:  # llm < 0.32 expects its tables to exist before logging
        from llm.migrations import migrate

        migrate(db)
    except ImportError:
        pass
    model = llm.get_model("echo")
    r = model.prompt("hello", system="be terse")
    r.text()
    r.log_to_db(db)
    conversation = model.conversation()
    for i, text in enumerate(("first", "second", "third")):
        r = conversation.prompt(text, system="sys A" if i == 0 else None)
        r.text()
        r.log_to_db(db)
    chain = model.chain(
        json.dumps(
            {"prompt": "add please", "tool_calls": [{"name": "add", "arguments": {"a": 2, "b": 3}}]}
        ),
        tools=[add],
    )
    chain.text()
    chain.log_to_db(db)
    r = EchoSchema().prompt(
        json.dumps({"raw": json.dumps({"name": "Rex", "age": 3})}),
        schema=llm.schema_dsl("name, age int"),
    )
    r.text()
    r.log_to_db(db)


if __name__ == "__main__":
    main(sys.argv[1])
