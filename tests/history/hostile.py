"""Hostile history files: encodings, compression, binary, sizes, nesting, types, markup,
control characters, broken JSON. Each is (name, bytes, expected): expected is the number
of prompts a correct import stores, or None when the file must be refused (one line,
nothing stored)."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import random
import zipfile


def _lines(*objs: object) -> str:
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs)


GOOD = _lines({"prompt": "Capital of France?"}, {"prompt": "Écris un haïku, s'il te plaît."})


def cases() -> list[tuple[str, bytes, int | None]]:
    rng = random.Random(20261203)
    out: list[tuple[str, bytes, int | None]] = []

    def add(name: str, data: bytes | str, expected: int | None) -> None:
        out.append((name, data.encode("utf-8") if isinstance(data, str) else data, expected))

    # ---- encodings
    add("utf8.jsonl", GOOD, 2)
    add("utf8-bom.jsonl", GOOD.encode("utf-8-sig"), 2)
    add("utf16le-bom.jsonl", GOOD.encode("utf-16"), 2)
    add("utf16be-bom.jsonl", b"\xfe\xff" + GOOD.encode("utf-16-be"), 2)
    add("utf32-bom.jsonl", GOOD.encode("utf-32"), 2)
    add("utf16-no-bom.jsonl", GOOD.encode("utf-16-le"), None)
    add("latin1.jsonl", GOOD.encode("latin-1"), None)
    add("cp1252-quotes.jsonl", _lines({"prompt": "“quoted”"}).encode("cp1252"), None)
    add("shift-jis.jsonl", _lines({"prompt": "日本語"}).encode("shift_jis"), None)
    add("invalid-utf8-middle.jsonl", GOOD.encode() + b'{"prompt": "bad \xff\xfe byte"}\n', None)
    add("overlong-utf8.jsonl", b'{"prompt": "\xc0\xaf"}\n', None)
    add("truncated-multibyte.jsonl", GOOD.encode() + b'{"prompt": "\xe6\x97', None)
    add("utf16-bom-broken.jsonl", GOOD.encode("utf-16") + b"\x00\xd8", None)

    # ---- compression and binary
    add("gzip.jsonl.gz", gzip.compress(GOOD.encode()), 2)
    add("gzip-truncated.jsonl.gz", gzip.compress(GOOD.encode() * 50)[:60], None)
    add("gzip-of-binary.gz", gzip.compress(bytes(rng.randrange(256) for _ in range(4000))), None)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("h.jsonl", GOOD)
    add("zip.zip", buf.getvalue(), None)
    add("bz2.jsonl.bz2", bz2.compress(GOOD.encode()), None)
    add("png.png", b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(2000)), None)
    add("elf.bin", b"\x7fELF\x02\x01\x01" + bytes(200), None)
    add("random.bin", bytes(rng.randrange(256) for _ in range(8192)), None)
    add("nuls.bin", bytes(4096), None)
    add("sqlite.db", b"SQLite format 3\x00" + bytes(4080), None)

    # ---- sizes
    add("empty.jsonl", b"", None)
    add("only-newlines.jsonl", b"\n\n\r\n\n", None)
    add("whitespace-lines.jsonl", " \t\n  \n", None)
    add("big-prompt.jsonl", _lines({"prompt": "word " * 400_000}), 1)
    add("ten-thousand.jsonl", _lines(*({"prompt": f"q{i}"} for i in range(10_000))), 10_000)
    add("long-garbage-line.jsonl", "x" * 2_000_000 + "\n", None)
    add("huge-key.jsonl", _lines({"k" * 100_000: 1, "prompt": "hi"}), 1)
    add("many-fields.jsonl", _lines({**{f"f{i}": i for i in range(5000)}, "prompt": "hi"}), 1)

    # ---- nesting
    add("deep-array.jsonl", "[" * 100_000 + "]" * 100_000 + "\n", None)
    add("deep-object.jsonl", '{"a":' * 100_000 + "1" + "}" * 100_000 + "\n", None)
    add(
        "deep-content.jsonl",
        '{"messages": [{"role": "user", "content": ' + "[" * 50_000 + "]" * 50_000 + "}]}\n",
        None,
    )
    add("nested-prompt.jsonl", _lines({"prompt": {"text": "hi"}}), None)

    # ---- types
    add("prompt-number.jsonl", _lines({"prompt": 42}), None)
    add("prompt-null.jsonl", _lines({"prompt": None}), None)
    add("prompt-empty.jsonl", _lines({"prompt": "   "}), None)
    add("messages-string.jsonl", _lines({"messages": "hi"}), None)
    add("messages-empty.jsonl", _lines({"messages": []}), None)
    add("role-missing.jsonl", _lines({"messages": [{"content": "hi"}]}), None)
    add("content-null.jsonl", _lines({"messages": [{"role": "user", "content": None}]}), None)
    add(
        "ends-with-assistant.jsonl",
        _lines({"messages": [{"role": "assistant", "content": "a"}]}),
        None,
    )
    add("category-object.jsonl", _lines({"prompt": "hi", "category": {"a": 1}}), None)
    add("label-list.jsonl", _lines({"prompt": "hi", "label": ["safe"]}), None)
    add("id-bool.jsonl", _lines({"prompt": "hi", "id": True}), None)
    add("reference-number.jsonl", _lines({"prompt": "hi", "reference": 4}), 1)
    add("top-level-array.jsonl", "[1, 2]\n", None)
    add("top-level-string.jsonl", '"hello"\n', None)
    add("top-level-number.jsonl", "12\n", None)
    add("digits-5000.jsonl", '{"prompt": "hi", "id": ' + "9" * 5000 + "}\n", None)
    add("nan.jsonl", '{"prompt": "hi", "id": NaN}\n', 1)
    add("infinity-float.jsonl", '{"prompt": "hi", "id": 1e999}\n', 1)
    add("duplicate-keys.jsonl", '{"prompt": "a", "prompt": "b"}\n', 1)

    # ---- markup and control characters (stored as they are; printed as they are)
    add(
        "rich-markup.jsonl", _lines({"prompt": "[/b] [red]x[/red] [link=x]y", "category": "[/]"}), 1
    )
    add("emoji-codes.jsonl", _lines({"prompt": ":smile: :warning:", "category": ":x:"}), 1)
    add("ansi-escapes.jsonl", _lines({"prompt": "\x1b[31mred\x1b[0m \x1b]0;title\x07"}), 1)
    add("nul-escape.jsonl", '{"prompt": "a\\u0000b"}\n', 1)
    add("lone-surrogate.jsonl", '{"prompt": "x \\ud800 y"}\n', None)
    add("lone-surrogate-category.jsonl", '{"prompt": "x", "category": "\\udfff"}\n', None)
    add("bidi-zero-width.jsonl", _lines({"prompt": "a\u202eb\u200bc\ufeffd"}), 1)
    add("crlf.jsonl", GOOD.replace("\n", "\r\n"), 2)
    add("cr-only.jsonl", GOOD.replace("\n", "\r"), 2)
    add("line-separators.jsonl", _lines({"prompt": "a\u2028b\u2029c\x0c\x0bd"}), 1)
    add("html.jsonl", _lines({"prompt": "<script>alert(1)</script>", "id": "</td><b>"}), 1)

    # ---- broken JSON
    add("trailing-comma.jsonl", '{"prompt": "hi",}\n', None)
    add("single-quotes.jsonl", "{'prompt': 'hi'}\n", None)
    add("comment.jsonl", '// history\n{"prompt": "hi"}\n', None)
    add("unclosed-string.jsonl", '{"prompt": "hi}\n', None)
    add("two-objects-one-line.jsonl", '{"prompt": "a"}{"prompt": "b"}\n', None)
    add("bad-last-line.jsonl", GOOD + '{"prompt": \n', None)
    add("json-array-file.json", json.dumps([{"prompt": "a"}, {"prompt": "b"}]), None)
    return out
