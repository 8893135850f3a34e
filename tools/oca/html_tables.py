"""The OCR'd OCA documents keep their tables as HTML: rows of cell texts from them."""

from __future__ import annotations

from html.parser import HTMLParser

__all__ = ["Table", "tables"]

Table = list[list[str]]


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[Table] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.found.append([])
        elif tag == "tr" and self.found:
            self.found[-1].append([])
        elif tag == "td" and self.found and self.found[-1]:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.found[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables(text: str) -> list[Table]:
    """Every ``<table>`` in ``text``, as rows of stripped cell texts."""
    collector = _Collector()
    collector.feed(text)
    collector.close()
    return collector.found
