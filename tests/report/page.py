"""Reading an HTML fragment back as people see it: its text, and its table cells."""

from __future__ import annotations

from html.parser import HTMLParser

INLINE = {"span", "b", "i", "a", "code", "small"}


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in INLINE:  # a block starts a new word
            self.text.append(" ")
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag not in INLINE:
            self.text.append(" ")
        if tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self.cell is not None:
            self.cell.append(data)


def read(html: str) -> _Reader:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader


def text(html: str) -> str:
    """The fragment's text, whitespace collapsed (entities decoded)."""
    return " ".join("".join(read(html).text).split())


def rows(html: str) -> list[list[str]]:
    """Each table row's cells as text: the head first."""
    return read(html).rows


def row(html: str, first: str) -> list[str]:
    """The cells of the row whose first cell is ``first``."""
    found = [r for r in rows(html) if r and r[0] == first]
    assert found, f"no row {first!r} in {rows(html)}"
    return found[0]
