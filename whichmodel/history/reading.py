"""Reading a history file as text lines, whatever it was saved as: UTF-8 (with or
without a BOM), UTF-16 or UTF-32 with a BOM, or any of these gzip-compressed. Anything
else (another encoding, a binary file) stops with one line that names the line and what
to do; nothing is guessed."""

from __future__ import annotations

import codecs
import gzip
import io
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from whichmodel.errors import ImportFileError

GZIP_MAGIC = b"\x1f\x8b"
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
SAVE_AS = "save it as UTF-8 text (one JSON object per line) and import again"


def _open(path: Path) -> IO[bytes]:
    try:
        handle = path.open("rb")
    except IsADirectoryError:
        raise ImportFileError(f"{path} is a folder: pass a history file.") from None
    except OSError as exc:
        raise ImportFileError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    if handle.peek(2)[:2] == GZIP_MAGIC:
        return gzip.GzipFile(fileobj=handle)  # type: ignore[return-value]
    return handle


def lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) of every line of ``path``, streamed (memory stays flat)."""
    handle = _open(path)
    try:
        try:
            head = handle.peek(4)[:4]  # type: ignore[attr-defined]
        except (OSError, EOFError, zlib.error) as exc:
            raise ImportFileError(f"{path} is a damaged gzip file ({exc}): {SAVE_AS}.") from None
        encoding = next((enc for bom, enc in BOMS if head.startswith(bom)), None)
        if encoding is not None and encoding != "utf-8-sig":
            yield from _decoded(path, io.TextIOWrapper(handle, encoding=encoding, newline=None))
        else:
            yield from _utf8(path, handle)
    finally:
        handle.close()


def _utf8(path: Path, handle: IO[bytes]) -> Iterator[tuple[int, str]]:
    number = 0
    try:
        for number, raw in enumerate(_split_cr(handle), start=1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            if b"\x00" in raw:
                raise ImportFileError(
                    f"{path}:{number} holds NUL bytes: this is a binary file or text in an "
                    f"encoding other than UTF-8 without a byte-order mark; {SAVE_AS}."
                )
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ImportFileError(
                    f"{path}:{number} is not UTF-8 (byte 0x{raw[exc.start]:02x} at column "
                    f"{exc.start + 1}); {SAVE_AS}."
                ) from None
            yield number, text
    except (OSError, EOFError, zlib.error) as exc:
        raise ImportFileError(
            f"{path} could not be read after line {number} ({exc}): {SAVE_AS}."
        ) from None


def _split_cr(handle: IO[bytes]) -> Iterator[bytes]:
    """Lines ended by \\n, \\r\\n or a lone \\r (old Mac files): JSON strings hold no
    raw line breaks, so a \\r inside a line can only end one."""
    for raw in handle:
        body = raw.rstrip(b"\r\n")
        if b"\r" in body:
            yield from (part + b"\n" for part in body.split(b"\r"))
        else:
            yield raw


def _decoded(path: Path, text: io.TextIOWrapper) -> Iterator[tuple[int, str]]:
    number = 0
    try:
        for number, line in enumerate(text, start=1):
            if "\x00" in line:
                raise ImportFileError(f"{path}:{number} holds NUL characters; {SAVE_AS}.")
            yield number, line
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"{path}: line {number + 1} is not valid {exc.encoding} ({exc.reason}); {SAVE_AS}."
        ) from None
    except (OSError, EOFError, zlib.error) as exc:
        raise ImportFileError(
            f"{path} could not be read after line {number} ({exc}): {SAVE_AS}."
        ) from None
