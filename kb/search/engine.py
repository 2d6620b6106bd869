"""Full-text search over the catalogue: SQLite FTS5 built with sqlite-utils.

All SQL lives here, and identifiers are quoted. User input never reaches SQL text: the
query is parsed by :mod:`kb.search.query` into quoted FTS5 strings passed as bound parameters.

Two FTS5 tables: ``entries`` ranks whole entries (so words spread across an entry's
sections still match it), ``sections`` finds the headings that answer best, for deep
links. Results are entries, each with its best sections.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import sqlite3
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process
from sqlite_utils import Database

from kb.content.catalogue import Catalogue, Entry
from kb.lru import LRU
from kb.search import documents
from kb.search import query as query_module
from kb.search.query import Query, Synonyms
from kb.search.results import Facet, Hit, Results, SectionHit
from kb.search.snippets import Highlighter
from kb.search.spelling import Vocabulary
from kb.search.sql import (
    COUNT_FILTERED_SQL,
    COUNT_SQL,
    DETAILS_SQL,
    ENTRY_COLUMNS,
    EXACT_TITLE_SQL,
    FACET_VALUES_SQL,
    FIELDS_SQL,
    HEADLINE_COLUMNS,
    MATCHING_IDS_SQL,
    RANK_FILTERED_SQL,
    RANK_SQL,
    SAMPLE_FILTERED_SQL,
    SAMPLE_SQL,
    SCHEMA_VERSION,
    SCORE_SQL,
    SECTION_COLUMNS,
    SECTIONS_SQL,
    TERM_SQL,
    TERMS_TABLE_SQL,
    TITLES_SQL,
    fts_table_sql,
)

SECTIONS_PER_ENTRY = 3
PREFIXES_KEPT = 4096
PROGRESS_OPS = 1000  # SQLite VM steps between deadline checks
# Fewer entries than this with every word of a query, and entries with most of them follow.
RELAX_BELOW = 3
POOL = 100  # entries each ranking query reads, before they are scored by field
# A question is answered by its topic words, not only by the entries that happen to have
# all of them: unless a whole pool of entries has every word, entries with most of them
# are ranked with those.
QUESTION_RELAX_BELOW = POOL
BROAD_MATCHES = 3000  # more matches than this are not all ordered by bm25 (see _rank)
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
FIELD_STEM = 4  # letters a word is cut back to, at least, to find it in a field
BM25_SHARE = 3.0  # bm25, scaled to the best of the pool, breaks ties within a field


class SearchTimeout(Exception):
    pass


@dataclass(frozen=True)
class _Options:
    limit: int
    offset: int
    section: str | None
    tag: str | None
    facets: bool
    deep_links: int

    @property
    def filtered(self) -> bool:
        return self.section is not None or self.tag is not None


@dataclass(frozen=True)
class _Candidate:
    rowid: int
    matched: int  # how many of the query's terms the entry has
    score: float


class SearchIndex:
    """The catalogue's search index, in memory; loaded from a file when content is unchanged."""

    def __init__(
        self,
        catalogue: Catalogue,
        *,
        max_query: int = 200,
        timeout_ms: float = 250.0,
        cache_dir: Path | None = None,
        cache_size: int = 512,
    ) -> None:
        self.max_query = max_query
        self.timeout_ms = timeout_ms
        # Readers typing the same words get the same answers: recent results are kept
        # (the index never changes while this object lives; a rebuild makes a new one).
        self.cache_size = cache_size
        self._results: LRU[tuple[object, ...], Results] = LRU(cache_size)
        self.synonyms = _load_synonyms(catalogue.content_dir)
        digest = self.digest(catalogue)
        cached = cache_dir / f"search-{digest[:16]}.db" if cache_dir else None
        self.connection = sqlite3.connect(":memory:", check_same_thread=False)
        self.db = Database(self.connection)
        self.loaded_from_cache = cached is not None and self._restore(cached)
        if not self.loaded_from_cache:
            self.build(catalogue.entries.values(), catalogue.examples_dir)
            self.db.table("meta").insert({"key": "digest", "value": digest}, pk="key", replace=True)
            if cached is not None:
                cached.parent.mkdir(parents=True, exist_ok=True)
                partial = cached.with_suffix(".partial")
                with sqlite3.connect(partial) as target:
                    self.connection.backup(target)
                partial.replace(cached)
        self._facet_values: dict[int, tuple[str, list[str]]] | None = None
        # Prefixes come from what readers type, so the answers kept about them are bounded.
        self._prefixes: LRU[str, bool] = LRU(PREFIXES_KEPT)
        self._expansions: LRU[str, tuple[str, ...]] = LRU(PREFIXES_KEPT)
        self._titles: dict[int, str] | None = None
        self._entry_count: int | None = None
        # Entries with each term, by its FTS5 expression: the index never changes.
        self._document_counts: LRU[str, int] = LRU(PREFIXES_KEPT)
        self.connection.execute(TERMS_TABLE_SQL)
        self.vocabulary = Vocabulary(
            Counter(
                {row["word"]: row["count"] for row in self.db.query('select * from "vocabulary"')}
            )
        )

    def _restore(self, cached: Path) -> bool:
        """Load a saved index; a missing or unreadable file means building anew, never failing."""
        if not cached.is_file():
            return False
        try:
            with closing(sqlite3.connect(cached)) as source:
                source.backup(self.connection)
            self.connection.execute('select count(*) from "entries"').fetchone()
        except sqlite3.DatabaseError:
            self.connection.close()
            self.connection = sqlite3.connect(":memory:", check_same_thread=False)
            self.db = Database(self.connection)
            return False
        return True

    @staticmethod
    def digest(catalogue: Catalogue) -> str:
        """Changes whenever anything the index is built from changes."""
        digest = hashlib.sha256(SCHEMA_VERSION.encode())
        for entry in catalogue.entries.values():
            digest.update(entry.slug.encode())
            digest.update(entry.digest.encode())
        synonyms = catalogue.content_dir / "_synonyms.yaml"
        if synonyms.is_file():
            digest.update(synonyms.read_bytes())
        return digest.hexdigest()

    def build(self, entries: Iterable[Entry], examples_dir: Path) -> None:
        entry_rows: list[dict[str, object]] = []
        text_rows: list[dict[str, object]] = []
        section_rows: list[dict[str, object]] = []
        tag_rows: list[dict[str, str]] = []
        texts: list[str] = []
        for number, entry in enumerate(entries, start=1):
            text = documents.entry_text(entry, examples_dir)
            sections = list(documents.section_rows(entry, first_id=len(section_rows) + 1))
            entry_rows.append(
                {
                    "id": number,
                    "slug": entry.slug,
                    "section": entry.meta.section,
                    "title": entry.meta.title,
                    "summary": entry.meta.summary,
                    "title_key": query_module.title_key(entry.meta.title),
                    "first_section": len(section_rows) + 1,
                    "last_section": len(section_rows) + len(sections),
                }
            )
            text_rows.append({"id": number, **text})
            section_rows.extend(sections)
            tag_rows.extend({"slug": entry.slug, "tag": tag} for tag in entry.meta.tags)

            texts.extend(text[c] for c in ("title", "headings", "summary", "body", "code"))
        self.db.table("entries").insert_all(entry_rows, pk="id", replace=True)
        self.db.table("entries").create_index(["slug"], unique=True, if_not_exists=True)
        self.db.table("entries").create_index(["title_key"], if_not_exists=True)
        self.db.table("entry_texts").insert_all(
            text_rows, pk="id", columns={c: str for c in ENTRY_COLUMNS}, replace=True
        )
        self._create_fts("entry_texts", ENTRY_COLUMNS)
        self.db.table("sections").insert_all(
            section_rows,
            pk="id",
            columns={name: str for name in ("slug", "anchor", *SECTION_COLUMNS)},
            replace=True,
        )
        self._create_fts("sections", SECTION_COLUMNS)
        self.db.table("tags").insert_all(tag_rows, columns={"slug": str, "tag": str})
        self.db.table("tags").create_index(["tag", "slug"], if_not_exists=True)
        self.db.table("tags").create_index(["slug", "tag"], if_not_exists=True)

        vocabulary = Vocabulary.from_texts(texts)
        self.db.table("vocabulary").insert_all(
            ({"word": w, "count": c} for w, c in vocabulary.counts.items()),
            pk="word",
            columns={"word": str, "count": int},
            replace=True,
        )

    def _create_fts(self, table: str, columns: tuple[str, ...]) -> None:
        """An external-content FTS5 index of ``table`` with prefix indexes.

        sqlite-utils' ``enable_fts`` cannot set FTS5's ``prefix`` option, and without it
        a 2- or 3-character prefix as the reader types scans every term of the index.
        """
        self.connection.execute(fts_table_sql(table, columns))
        self.connection.execute(f'insert into "{table}_fts"("{table}_fts") values (\'rebuild\')')
        self.connection.commit()

    def count(self) -> int:
        return self.db["entries"].count

    @contextmanager
    def _deadline(self) -> Iterator[None]:
        if not self.timeout_ms:
            yield
            return
        stop_at = time.perf_counter() + self.timeout_ms / 1000

        def past_deadline() -> int:
            return 1 if time.perf_counter() > stop_at else 0

        self.connection.set_progress_handler(past_deadline, PROGRESS_OPS)
        try:
            yield
        except sqlite3.OperationalError as exc:
            if "interrupt" in str(exc):
                raise SearchTimeout from exc
            raise
        finally:
            self.connection.set_progress_handler(None, 0)

    def search(
        self,
        text: str,
        limit: int = 20,
        *,
        offset: int = 0,
        section: str | None = None,
        tag: str | None = None,
        correct: bool = True,
        facets: bool = True,
        deep_links: int = 20,
    ) -> Results:
        """Search the catalogue; typos are corrected when the query as typed finds nothing.

        ``facets`` counts matches by section and tag; ``deep_links`` is how many of the hits
        get their best sections (search-as-you-type asks for fewer of both).
        """
        options = _Options(limit, offset, section or None, tag or None, facets, deep_links)
        key = (text[: self.max_query], correct, options)
        cached = self._results.get(key)
        if cached is not None:
            return cached
        results = self._search(text, correct, options)
        if self.cache_size and not results.timed_out:
            self._results.put(key, results)
        return results

    def _search(self, text: str, correct: bool, options: _Options) -> Results:
        parsed = query_module.parse(text, self.synonyms, self.max_query)
        results = Results(query=parsed.text)
        try:
            with self._deadline():
                topic, exact = parsed.topic, parsed.text
                total = self._count(topic, options)
                if total < RELAX_BELOW and correct:
                    fixed = self._corrected(parsed)
                    if fixed is not None:
                        fixed_total = self._count(fixed.topic, options)
                        if fixed_total > total or (
                            fixed_total == total
                            and self._count(fixed.topic, options, any_word=True)
                            > self._count(topic, options, any_word=True)
                        ):
                            topic, exact, total = fixed.topic, fixed.text, fixed_total
                            results.corrected = fixed.text.strip()
                results.words = tuple(term.phrase for term in topic.terms)
                question = bool(parsed.dropped)  # QUESTION_RELAX_BELOW
                self._run(topic, exact, total, results, options, question=question)
                if not results.total and topic.terms:
                    results.suggestions = self._suggest(topic)
        except SearchTimeout:
            results.timed_out = True
        return results

    def _corrected(self, parsed: Query) -> Query | None:
        words = query_module.words(parsed.text)
        changed = False
        fixed = []
        for position, word in enumerate(words):
            typing = position == len(words) - 1 and bool(parsed.terms) and parsed.terms[-1].prefix
            if word in self.vocabulary or (typing and self.vocabulary.has_prefix(word)):
                fixed.append(word)
                continue
            correction = self.vocabulary.correct(word)
            changed = changed or correction is not None
            fixed.append(correction or word)
        if not changed:
            return None
        return query_module.parse(" ".join(fixed) + " ", self.synonyms, self.max_query)

    def _expression(self, parsed: Query, *, any_word: bool = False) -> str | None:
        build = parsed.match_any if any_word else parsed.match
        return build(HEADLINE_COLUMNS, self._indexed_prefix, self._expand)

    def _params(self, match: str, options: _Options, **more: object) -> dict[str, object]:
        return {"match": match, "section": options.section, "tag": options.tag, **more}

    def _count(self, parsed: Query, options: _Options, *, any_word: bool = False) -> int:
        match = self._expression(parsed, any_word=any_word)
        if match is None:
            return 0
        statement = COUNT_FILTERED_SQL if options.filtered else COUNT_SQL
        return int(next(self.db.query(statement, self._params(match, options)))["n"])

    def _run(
        self,
        topic: Query,
        exact: str,
        total: int,
        results: Results,
        options: _Options,
        *,
        question: bool = False,
    ) -> None:
        match = self._expression(topic)
        if match is None:
            return
        complete = match
        results.complete = total
        results.total = total
        too_few = QUESTION_RELAX_BELOW if question else RELAX_BELOW
        if total < too_few and len(topic.terms) > 1:
            # Too few entries have every word: entries with most of them are ranked too,
            # by how many of the words they have and where, each word weighted by how
            # rare it is (Meilisearch's "last" and "frequency" matching strategies).
            any_total = self._count(topic, options, any_word=True)
            if any_total > total:
                any_match = self._expression(topic, any_word=True)
                assert any_match is not None  # the query has terms
                match, results.total, results.relaxed = any_match, any_total, True
        if not results.total:
            return
        ranked = self._rank(topic, match, complete, exact, results, options)
        page = ranked[options.offset : options.offset + options.limit]
        if len(page) < options.limit and len(ranked) < results.total:
            page += self._beyond_pool(match, ranked, results, options, options.limit - len(page))
        details = {
            row["rowid"]: row
            for row in self.db.query(
                DETAILS_SQL, {"rowids": json.dumps([candidate.rowid for candidate in page])}
            )
        }
        rows = [details[candidate.rowid] for candidate in page]
        if options.facets:
            results.facets = self._facets(self._params(match, options), options)
        highlighter = Highlighter.for_query(topic)
        sections = self._sections(highlighter, rows[: options.deep_links])
        results.hits = [
            Hit(
                slug=row["slug"],
                title=row["title"],
                section=row["section"],
                summary=row["summary"],
                url=f"/patterns/{row['slug']}",
                snippet=highlighter.snippet(row["body"]) or html.escape(row["summary"]),
                score=round(candidate.score, 4),
                sections=tuple(sections.get(row["slug"], ())),
                matched_all=candidate.matched == len(topic.terms),
            )
            for row, candidate in zip(rows, page, strict=True)
        ]

    def _rank(
        self,
        topic: Query,
        match: str,
        complete: str,
        exact: str,
        results: Results,
        options: _Options,
    ) -> list[_Candidate]:
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
            params = self._params(expression, options, limit=pool_size, offset=0)
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
        for row in self.db.query(EXACT_TITLE_SQL, self._params(match, options, exact=title)):
            if row["rowid"] not in bm25:
                found = next(
                    self.db.query(SCORE_SQL, {"match": match, "rowid": row["rowid"]}), None
                )
                if found is not None:  # the title is the query, but does the entry match it?
                    bm25[row["rowid"]] = -found["score"]
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
                        HEADLINE_COLUMNS, self._indexed_prefix, self._expand
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
        weights = self._term_weights(terms)
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
            candidates.append(_Candidate(rowid, matched, score))
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

    def _suggest(self, topic: Query) -> list[Hit]:
        """Entries closest to a query no entry matches: those that have words starting as
        the query's words start, then those whose titles are nearest letter by letter."""
        starts = {word[:SUGGEST_PREFIX] for word in topic.words if len(word) >= SUGGEST_PREFIX}
        ids: list[int] = []
        if starts:
            headline = "{" + " ".join(HEADLINE_COLUMNS) + "} : "
            match = " OR ".join(f'{headline}"{start}" *' for start in sorted(starts))
            params = {"match": match, "limit": SUGGESTIONS, "offset": 0}
            ids = [row["rowid"] for row in self.db.query(RANK_SQL, params)]
        if len(ids) < SUGGESTIONS:
            if self._titles is None:
                self._titles = {row["id"]: row["title"] for row in self.db.query(TITLES_SQL)}
            closest = process.extract(
                " ".join(topic.words), self._titles, scorer=fuzz.WRatio, limit=SUGGESTIONS
            )
            ids += [key for _, _, key in closest if key not in ids]
        rows = {
            row["rowid"]: row
            for row in self.db.query(DETAILS_SQL, {"rowids": json.dumps(ids[:SUGGESTIONS])})
        }
        return [
            Hit(
                slug=row["slug"],
                title=row["title"],
                section=row["section"],
                summary=row["summary"],
                url=f"/patterns/{row['slug']}",
                snippet=html.escape(row["summary"]),
                score=0.0,
                matched_all=False,
            )
            for row in (rows[rowid] for rowid in ids[:SUGGESTIONS] if rowid in rows)
        ]

    def _term_weights(self, terms: tuple[query_module.Term, ...]) -> list[float]:
        """How much each term tells entries apart: 1 + RARITY * ln(entries / entries with it).

        A word in most entries ("response", "api") then counts for little next to the
        one that names the topic ("password", "origin").
        """
        if len(terms) < 2:
            return [1.0] * len(terms)
        entries = self._entry_count
        if entries is None:
            entries = self._entry_count = self.count()
        weights = []
        for term in terms:
            # Counted in every column: a short prefix looked for in the headline columns
            # alone would look rarer than the word it starts.
            expression = term.expression((), self._indexed_prefix, self._expand)
            found = self._document_counts.get(expression)
            if found is None:
                row = next(self.db.query(COUNT_SQL, {"match": expression}))
                found = self._document_counts.put(expression, int(row["n"]))
            weights.append(1.0 + RARITY * math.log(entries / max(1, found)))
        return weights

    def _beyond_pool(
        self,
        match: str,
        ranked: list[_Candidate],
        results: Results,
        options: _Options,
        wanted: int,
    ) -> list[_Candidate]:
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
            self._params(match, options, limit=skip + wanted + len(pooled), offset=0),
        )
        rest = [(rowid, score) for rowid, score in rows if rowid not in pooled]
        return [_Candidate(rowid, 0, -score) for rowid, score in rest[skip : skip + wanted]]

    def _expand(self, prefix: str) -> tuple[str, ...] | None:
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

    def _indexed_prefix(self, prefix: str) -> bool:
        """Whether some (stemmed) term of the index starts with ``prefix``."""
        known = self._prefixes.get(prefix)
        if known is None:
            params = {"low": prefix, "high": prefix + "\U0010ffff"}
            known = self._prefixes.put(
                prefix, next(self.db.query(TERM_SQL, params), None) is not None
            )
        return known

    def _facets(self, params: Mapping[str, object], options: _Options) -> dict[str, list[Facet]]:
        """Matches by section (within the tag filter) and by tag (within the section filter).

        Counted in Python from each entry's section and tags, read once: cheaper than a
        join and GROUP BY over every match.
        """
        if self._facet_values is None:
            values: dict[int, tuple[str, list[str]]] = {}
            for row in self.db.query(FACET_VALUES_SQL):
                _, entry_tags = values.setdefault(row["id"], (row["section"], []))
                if row["tag"] is not None:
                    entry_tags.append(row["tag"])
            self._facet_values = values
        values = self._facet_values
        rows = self.connection.execute(MATCHING_IDS_SQL, {"match": params["match"]})
        matching = list(map(values.__getitem__, chain.from_iterable(rows)))
        if options.section is None and options.tag is None:
            # No filter, the common case: counted by C loops, with no test per match.
            by_section = Counter(map(itemgetter(0), matching))
            by_tag = Counter(chain.from_iterable(map(itemgetter(1), matching)))
        else:
            by_section = Counter(
                section
                for section, entry_tags in matching
                if options.tag is None or options.tag in entry_tags
            )
            by_tag = Counter(
                chain.from_iterable(
                    entry_tags
                    for section, entry_tags in matching
                    if options.section in (None, section)
                )
            )
        return {
            "section": [
                Facet(v, c) for v, c in sorted(by_section.items(), key=lambda i: (-i[1], i[0]))
            ],
            "tag": [
                Facet(v, c) for v, c in sorted(by_tag.items(), key=lambda i: (-i[1], i[0]))[:30]
            ],
        }

    def _sections(
        self, highlighter: Highlighter, rows: list[dict[str, Any]]
    ) -> dict[str, list[SectionHit]]:
        """The sections of each hit that mention the reader's words most, best first."""
        owner: dict[int, str] = {}
        for row in rows:
            for number in range(row["first_section"], row["last_section"] + 1):
                owner[number] = row["slug"]
        scored: dict[str, list[tuple[int, int, str, str, str]]] = {row["slug"]: [] for row in rows}
        # One statement for every hit's sections: their ids are known ranges.
        found = self.connection.execute(SECTIONS_SQL, {"ids": json.dumps(list(owner))})
        for number, anchor, heading, body in found:
            score = 3 * highlighter.count(heading) + highlighter.count(body)
            if score:
                scored[owner[number]].append((-score, number, anchor, heading, body))
        return {
            slug: [
                SectionHit(
                    anchor=anchor,
                    title=heading,
                    url=f"/patterns/{slug}#{anchor}",
                    snippet=highlighter.snippet(body, width=110),
                )
                for _, _, anchor, heading, body in sorted(sections)[:SECTIONS_PER_ENTRY]
            ]
            for slug, sections in scored.items()
        }


def _load_synonyms(content_dir: Path) -> Synonyms:
    try:
        return Synonyms.load(content_dir / "_synonyms.yaml")
    except (ValueError, OSError):
        return Synonyms()
