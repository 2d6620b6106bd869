"""Snippets and section scores, made in Python from the text of the hits alone.

SQLite's snippet() re-reads the full-text index for every row, which costs more than
everything else a search does; for the twenty hits on a page, matching the reader's
words in the stored text is cheaper and gives the same picture.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from kb.search.query import Query

_STEM_KEEP = 5  # "validation" → "valid…" also marks "validate" and "validator"


@dataclass(frozen=True)
class Highlighter:
    pattern: re.Pattern[str] | None

    @classmethod
    def for_query(cls, query: Query, keep: int = _STEM_KEEP) -> Highlighter:
        """Marks the query's words, each cut to a stem of at least ``keep`` letters."""
        alternatives: set[str] = set()
        for term in query.terms:
            for phrase in (term.phrase, *term.synonyms):
                words = phrase.split()
                stems = [
                    re.escape(w if term.prefix or len(w) <= keep else w[: max(keep, len(w) - 3)])
                    for w in words
                ]
                alternatives.add(r"\W+".join(stems))
        if not alternatives:
            return cls(None)
        ordered = sorted(alternatives, key=len, reverse=True)
        return cls(re.compile(r"(?<!\w)(?:" + "|".join(ordered) + r")\w*", re.IGNORECASE))

    def found(self, text: str) -> bool:
        return self.pattern is not None and self.pattern.search(text) is not None

    def count(self, text: str) -> int:
        return len(self.pattern.findall(text)) if self.pattern and text else 0

    def snippet(self, text: str, width: int = 160) -> str:
        """Escaped HTML around the first match, with every match in ``<mark>``; "" if none."""
        if self.pattern is None or not text:
            return ""
        first = self.pattern.search(text)
        if first is None:
            return ""
        start = max(0, first.start() - width // 3)
        if start:
            space = text.find(" ", start)
            start = space + 1 if 0 <= space < first.start() else start
        end = min(len(text), start + width)
        if end < len(text):
            space = text.rfind(" ", first.end(), end)
            end = space if space > first.end() else end
        window = text[start:end]
        pieces, position = [], 0
        for match in self.pattern.finditer(window):
            pieces.append(html.escape(window[position : match.start()], quote=False))
            pieces.append(f"<mark>{html.escape(match.group(0), quote=False)}</mark>")
            position = match.end()
        pieces.append(html.escape(window[position:], quote=False))
        return ("…" if start else "") + "".join(pieces) + ("…" if end < len(text) else "")
