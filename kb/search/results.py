"""What a search returns: entries hit, their best sections, and counts by facet."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SectionHit:
    anchor: str
    title: str
    url: str
    snippet: str


@dataclass(frozen=True)
class Hit:
    slug: str
    title: str
    section: str
    summary: str
    url: str
    snippet: str  # escaped HTML with <mark> around matched terms
    score: float
    sections: tuple[SectionHit, ...] = ()
    matched_all: bool = True  # the entry has every topic word of the query

    @property
    def anchor(self) -> str:
        return self.sections[0].anchor if self.sections else ""

    @classmethod
    def of_row(
        cls,
        row: Mapping[str, Any],
        *,
        snippet: str = "",
        score: float = 0.0,
        sections: tuple[SectionHit, ...] = (),
        matched_all: bool = False,
    ) -> Hit:
        """A result from an entry's row of the index (kb.search.sql.DETAILS_SQL); its
        summary stands for a snippet when there is none."""
        return cls(
            slug=row["slug"],
            title=row["title"],
            section=row["section"],
            summary=row["summary"],
            url=f"/patterns/{row['slug']}",
            snippet=snippet or html.escape(row["summary"]),
            score=score,
            sections=sections,
            matched_all=matched_all,
        )


@dataclass(frozen=True)
class Facet:
    value: str
    count: int


@dataclass
class Results:
    query: str
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    corrected: str | None = None  # the query actually searched, when a typo was corrected
    facets: dict[str, list[Facet]] = field(default_factory=dict)
    timed_out: bool = False
    words: tuple[str, ...] = ()  # the topic words searched: question and filler words left out
    complete: int = 0  # entries with every one of ``words``
    # Too few entries had every word, so entries with most of them follow (``matched_all``
    # tells them apart); ``dropped`` are the words the first of those lacks.
    relaxed: bool = False
    dropped: tuple[str, ...] = ()
    suggestions: list[Hit] = field(default_factory=list)  # when nothing matches: the closest
