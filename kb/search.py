"""Full-text search over the catalogue: SQLite FTS5 built with sqlite-utils.

All SQL lives here. User input never reaches SQL text: a query is reduced to words,
each passed to FTS5 as a quoted string inside a bound parameter.
"""

from __future__ import annotations

import html
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from sqlite_utils import Database

from kb.catalogue import Catalogue, Entry

TABLE = "docs"
# Order matters: bm25() weights below follow it.
COLUMNS = ("title", "headings", "tags", "summary", "body", "code")
WEIGHTS = (10.0, 4.0, 3.0, 3.0, 1.0, 0.5)
TOKENIZE = "porter unicode61 remove_diacritics 2"
MIN_PREFIX = 2
MAX_WORDS = 16
_MARK_OPEN, _MARK_CLOSE = "\x02", "\x03"
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Hit:
    slug: str
    title: str
    section: str
    summary: str
    url: str
    snippet: str  # escaped HTML with <mark> around matched terms
    score: float


def match_expression(query: str, max_length: int = 200) -> str | None:
    """The FTS5 MATCH text for a reader's query, or None when it has no words.

    Every word must match (AND); the last is a prefix while the reader is typing.
    """
    query = query[:max_length]
    words = _WORD.findall(query.lower())[:MAX_WORDS]
    if not words:
        return None
    terms = [f'"{word}"' for word in words]
    typing = not query[-1].isspace()
    if typing and len(words[-1]) >= MIN_PREFIX:
        terms[-1] += " *"
    return " ".join(terms)


SEARCH_SQL = f"""
select
  "{TABLE}"."slug", "{TABLE}"."title", "{TABLE}"."section", "{TABLE}"."summary",
  snippet("{TABLE}_fts", -1, :open, :close, '…', 16) as "snippet",
  bm25("{TABLE}_fts", {", ".join(str(w) for w in WEIGHTS)}) as "score"
from "{TABLE}_fts"
join "{TABLE}" on "{TABLE}"."rowid" = "{TABLE}_fts"."rowid"
where "{TABLE}_fts" match :match
order by "score"
limit :limit
"""


class SearchIndex:
    """An in-memory FTS5 index of a catalogue, rebuilt whenever the catalogue is."""

    def __init__(self, catalogue: Catalogue, *, max_query: int = 200) -> None:
        self.max_query = max_query
        connection = sqlite3.connect(":memory:", check_same_thread=False)
        self.db = Database(connection)
        self.build(catalogue.entries.values())

    def build(self, entries: Iterable[Entry]) -> None:
        table = self.db[TABLE]
        table.insert_all(
            (self._row(entry) for entry in entries),
            pk="slug",
            replace=True,
            columns={name: str for name in ("slug", "section", *COLUMNS)},
        )
        table.enable_fts(list(COLUMNS), tokenize=TOKENIZE, replace=True)

    @staticmethod
    def _row(entry: Entry) -> dict[str, str]:
        sections = entry.rendered.sections
        return {
            "slug": entry.slug,
            "section": entry.meta.section,
            "title": entry.meta.title,
            "headings": " ".join(s.title for s in sections if s.title),
            "tags": " ".join(entry.meta.tags),
            "summary": entry.meta.summary,
            "body": " ".join(s.text for s in sections),
            "code": "\n".join(s.code for s in sections),
        }

    def search(self, query: str, limit: int = 20) -> list[Hit]:
        match = match_expression(query, self.max_query)
        if match is None:
            return []
        params = {"match": match, "limit": limit, "open": _MARK_OPEN, "close": _MARK_CLOSE}
        try:
            rows = list(self.db.query(SEARCH_SQL, params))
        except sqlite3.OperationalError:
            # A match expression made only of quoted words cannot be malformed, but a
            # corrupt or interrupted query must still answer with "no results".
            return []
        return [
            Hit(
                slug=row["slug"],
                title=row["title"],
                section=row["section"],
                summary=row["summary"],
                url=f"/patterns/{row['slug']}",
                snippet=_snippet_html(row["snippet"]),
                score=float(f"{-row['score']:.6g}"),
            )
            for row in rows
        ]

    def count(self) -> int:
        return self.db[TABLE].count


def _snippet_html(text: str) -> str:
    escaped = html.escape(text or "", quote=False)
    return escaped.replace(_MARK_OPEN, "<mark>").replace(_MARK_CLOSE, "</mark>")
