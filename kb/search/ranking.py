"""Ranking: which entries answer a query, and in which order.

A pool of candidates comes from FTS5 (bm25 over the headline columns, then over every
column), and each candidate is scored in Python by the fields its words are in, how rare
each word is, how close together the words are, and whether its title is the query.
"""

from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import dataclass
from itertools import chain

from rapidfuzz import fuzz, process

from kb.lru import LRU
from kb.search import query as query_module
from kb.search.query import Query, Term
from kb.search.results import Results
from kb.search.snippets import Highlighter
from kb.search.spelling import Vocabulary
from kb.search.sql import (
    COUNT_SQL,
    EXACT_TITLE_SQL,
    FIELDS_SQL,
    HEADLINE_COLUMNS,
    MATCHING_IDS_SQL,
    RANK_FILTERED_SQL,
    RANK_SQL,
    SAMPLE_FILTERED_SQL,
    SAMPLE_SQL,
    SCORE_SQL,
    TERM_SQL,
    TITLES_SQL,
)

KEPT = 4096  # prefixes and words whose answers are kept: they come from what readers type

POOL = 100  # entries each ranking query reads, before they are scored by field
BROAD_MATCHES = 3000  # more matches than this are not all ordered by bm25 (see Ranker.rank)
MAX_EXPANSIONS = 24  # words a long prefix stands for, at most
NEAR_DISTANCE = 12  # tokens within which a query's words count as close together
# What a word is worth where it is found, best first: the title names the entry; a tag (or
# a synonym of one) names its topic; a heading names a part of it. Anywhere else: BODY_WEIGHT.
FIELD_WEIGHTS = (
    ("title", 10.0),
    ("tags", 6.0),
    ("headings", 4.0),
    ("identifiers", 3.0),
    ("summary", 3.0),
)
FIELD_SCORES = tuple(weight for _, weight in FIELD_WEIGHTS)  # in FIELDS_SQL's column order
BODY_WEIGHT = 1.0
# Each word an entry has counts on top of where it is, so that when not every entry has
# every word, more words usually win, yet one word in the title can outweigh two in passing.
MATCHED_WEIGHT = 2.0
EXACT_TITLE_BONUS = 40.0
NEAR_BONUS = 2.0
SUGGESTIONS = 5  # entries suggested when nothing matches
SUGGEST_PREFIX = 3  # letters of each word a suggestion must start a word with
# How much rarer words count: a word in one entry of a hundred counts 1 + RARITY * ln 100
# times one in every entry. Damped, so that a rare word the answer lacks ("organize")
# does not outweigh the common one it has in its title ("routes").
RARITY = 0.5
BM25_SHARE = 3.0  # bm25, scaled to the best of the pool, breaks ties within a field
FIELD_STEM = 4  # letters a word is cut back to, at least, to find it in a field


@dataclass(frozen=True)
class Options:
    limit: int
    offset: int
    section: str | None
    tag: str | None
    facets: bool
    deep_links: int

    @property
    def filtered(self) -> bool:
        return self.section is not None or self.tag is not None

    def params(self, match: str, **more: object) -> dict[str, object]:
        """The values a statement binds: the FTS5 expression, the filters, and ``more``."""
        return {"match": match, "section": self.section, "tag": self.tag, **more}


@dataclass(frozen=True)
class Candidate:
    rowid: int
    matched: int  # how many of the query's terms the entry has
    score: float


class Ranker:
    """Ranks entries of one index; what it learns about words is kept while the index lives."""

    def __init__(
        self, connection: sqlite3.Connection, vocabulary: Vocabulary, entries: int
    ) -> None:
        self.connection = connection
        self.vocabulary = vocabulary
        self.entries = entries
        self._prefixes: LRU[str, bool] = LRU(KEPT)
        self._expansions: LRU[str, tuple[str, ...]] = LRU(KEPT)
        # Entries with each term, by its FTS5 expression: the index never changes.
        self._document_counts: LRU[str, int] = LRU(KEPT)
        self._titles: dict[int, str] | None = None

    def expression(self, parsed: Query, *, any_word: bool = False) -> str | None:
        build = parsed.match_any if any_word else parsed.match
        return build(HEADLINE_COLUMNS, self.indexed_prefix, self.expand)

    def indexed_prefix(self, prefix: str) -> bool:
        """Whether some (stemmed) term of the index starts with ``prefix``."""
        known = self._prefixes.get(prefix)
        if known is None:
            params = {"low": prefix, "high": prefix + "\U0010ffff"}
            found = self.connection.execute(TERM_SQL, params).fetchone()
            known = self._prefixes.put(prefix, found is not None)
        return known

    def expand(self, prefix: str) -> tuple[str, ...] | None:
        """The most frequent words a long prefix starts, when it starts too many of them."""
        if len(prefix) <= query_module.SHORT_PREFIX:
            return None
        known = self._expansions.get(prefix)
        if known is None:
            words = self.vocabulary.starting_with(prefix)
            if len(words) > MAX_EXPANSIONS:
                words.sort(key=lambda word: -self.vocabulary.counts[word])
                known = tuple(words[:MAX_EXPANSIONS])
            else:
                known = ()
            self._expansions.put(prefix, known)
        return known or None

    def rank(
        self,
        topic: Query,
        match: str,
        complete: str,
        exact: str,
        results: Results,
        options: Options,
    ) -> list[Candidate]:
        """The best entries for ``match``, ranked by where their words are.

        A pool of candidates comes from bm25 over the headline columns (the entries that
        name the words where it matters; when a word is in most entries, bm25 alone
        barely tells them apart), topped up by bm25 over every column, plus the entries
        with every word (``complete``) when the query was relaxed. Each is then scored
        in Python from the fields its words are in: the title, then tags and synonyms,
        headings, identifiers and the summary, then anywhere else.

        Past BROAD_MATCHES matches, ordering every one by bm25 costs more than a reader
        waits for (a two-letter prefix matches nearly everything): the pool is then the
        first matches in index order, scored the same way.
        """
        # The same pool for every page, so that pages past it (_beyond_pool) continue it.
        pool_size = POOL
        broad = results.total > BROAD_MATCHES
        ranking = RANK_FILTERED_SQL if options.filtered else RANK_SQL
        sampling = SAMPLE_FILTERED_SQL if options.filtered else SAMPLE_SQL
        bm25: dict[int, float] = {}

        def pool(statement: str, expression: str) -> int:
            params = options.params(expression, limit=pool_size, offset=0)
            rows = self.connection.execute(statement, params).fetchall()
            for rowid, score in rows:
                bm25.setdefault(rowid, -score)
            return len(rows)

        if results.relaxed and results.complete:
            pool(ranking, complete)
        headline = "{" + " ".join(HEADLINE_COLUMNS) + "} : (" + match + ")"
        if pool(sampling if broad else ranking, headline) < pool_size:
            pool(sampling if broad else ranking, match)
        title = query_module.title_key(exact)
        for rowid, _ in self.connection.execute(
            EXACT_TITLE_SQL, options.params(match, exact=title)
        ).fetchall():
            if rowid not in bm25:
                found = self.connection.execute(
                    SCORE_SQL, {"match": match, "rowid": rowid}
                ).fetchone()
                if found is not None:  # the title is the query, but does the entry match it?
                    bm25[rowid] = -found[0]
        terms = topic.terms
        having: list[set[int]] | None = None
        if results.relaxed:
            having = [
                set(
                    chain.from_iterable(
                        self.connection.execute(MATCHING_IDS_SQL, {"match": expression})
                    )
                )
                for expression in (
                    Query(topic.text, (term,)).match(
                        HEADLINE_COLUMNS, self.indexed_prefix, self.expand
                    )
                    for term in terms
                )
            ]
        near: set[int] = set()
        together: set[int] = set()
        phrases = [t.phrase for t in terms if not t.quoted]
        if len(phrases) > 1:
            expression = "NEAR(" + " ".join(f'"{p}"' for p in phrases) + f", {NEAR_DISTANCE})"
            near = set(
                chain.from_iterable(
                    self.connection.execute(MATCHING_IDS_SQL, {"match": expression})
                )
            )
            if near:  # the words next to each other, in the order typed
                expression = '"' + " ".join(phrases) + '"'
                together = set(
                    chain.from_iterable(
                        self.connection.execute(MATCHING_IDS_SQL, {"match": expression})
                    )
                )
        # A word matches a field when the field has a word starting as it starts: "tests"
        # finds the title "Test Database", "routes" the title "Router Modules".
        patterns = [
            Highlighter.for_query(Query(topic.text, (term,)), keep=FIELD_STEM) for term in terms
        ]
        weights = self.term_weights(terms)
        best = max(bm25.values(), default=0.0) or 1.0
        candidates = []
        fields = self.connection.execute(FIELDS_SQL, {"rowids": json.dumps(list(bm25))})
        for rowid, title_key, *texts in fields:
            matched, score = 0, 0.0
            for number, pattern in enumerate(patterns):
                if having is not None and rowid not in having[number]:
                    continue
                matched += 1
                place = next(
                    (
                        weight
                        for weight, text in zip(FIELD_SCORES, texts, strict=True)
                        if pattern.found(text)
                    ),
                    BODY_WEIGHT,
                )
                score += weights[number] * (MATCHED_WEIGHT + place)
            if title_key == title:
                score += EXACT_TITLE_BONUS
            if rowid in near:
                score += NEAR_BONUS
            if rowid in together:
                score += NEAR_BONUS
            score += BM25_SHARE * bm25[rowid] / best
            candidates.append(Candidate(rowid, matched, score))
        candidates.sort(key=lambda c: (-c.score, c.rowid))
        if results.relaxed:
            partial = next((c for c in candidates if c.matched < len(terms)), None)
            if partial is not None and having is not None:
                results.dropped = tuple(
                    term.phrase
                    for term, ids in zip(terms, having, strict=True)
                    if partial.rowid not in ids
                )
        return candidates

    def term_weights(self, terms: tuple[Term, ...]) -> list[float]:
        """How much each term tells entries apart: 1 + RARITY * ln(entries / entries with it).

        A word in most entries ("response", "api") then counts for little next to the
        one that names the topic ("password", "origin").
        """
        if len(terms) < 2:
            return [1.0] * len(terms)
        entries = self.entries
        weights = []
        for term in terms:
            # Counted in every column: a short prefix looked for in the headline columns
            # alone would look rarer than the word it starts.
            expression = term.expression((), self.indexed_prefix, self.expand)
            found = self._document_counts.get(expression)
            if found is None:
                (count,) = self.connection.execute(COUNT_SQL, {"match": expression}).fetchone()
                found = self._document_counts.put(expression, int(count))
            weights.append(1.0 + RARITY * math.log(entries / max(1, found)))
        return weights

    def beyond_pool(
        self,
        match: str,
        ranked: list[Candidate],
        results: Results,
        options: Options,
        wanted: int,
    ) -> list[Candidate]:
        """Past the ranked pool, pages continue in bm25 order (index order for a broad
        match, as its pool was chosen) without repeating the pool."""
        if results.total > BROAD_MATCHES:
            statement = SAMPLE_FILTERED_SQL if options.filtered else SAMPLE_SQL
        else:
            statement = RANK_FILTERED_SQL if options.filtered else RANK_SQL
        pooled = {candidate.rowid for candidate in ranked}
        skip = max(0, options.offset - len(ranked))
        rows = self.connection.execute(
            statement,
            options.params(match, limit=skip + wanted + len(pooled), offset=0),
        )
        rest = [(rowid, score) for rowid, score in rows if rowid not in pooled]
        return [Candidate(rowid, 0, -score) for rowid, score in rest[skip : skip + wanted]]

    def suggest(self, topic: Query) -> list[int]:
        """Entries closest to a query no entry matches: those that have words starting as
        the query's words start, then those whose titles are nearest letter by letter."""
        starts = {word[:SUGGEST_PREFIX] for word in topic.words if len(word) >= SUGGEST_PREFIX}
        ids: list[int] = []
        if starts:
            headline = "{" + " ".join(HEADLINE_COLUMNS) + "} : "
            match = " OR ".join(f'{headline}"{start}" *' for start in sorted(starts))
            params = {"match": match, "limit": SUGGESTIONS, "offset": 0}
            ids = [rowid for rowid, _ in self.connection.execute(RANK_SQL, params).fetchall()]
        if len(ids) < SUGGESTIONS:
            if self._titles is None:
                self._titles = dict(self.connection.execute(TITLES_SQL).fetchall())
            closest = process.extract(
                " ".join(topic.words), self._titles, scorer=fuzz.WRatio, limit=SUGGESTIONS
            )
            ids += [key for _, _, key in closest if key not in ids]
        return ids[:SUGGESTIONS]
