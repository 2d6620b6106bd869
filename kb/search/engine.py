"""Full-text search over the catalogue: SQLite FTS5 built with sqlite-utils.

All SQL lives here, and identifiers are quoted. User input never reaches SQL text: the
query is parsed by :mod:`kb.search.query` into quoted FTS5 strings passed as bound parameters.

Two FTS5 tables: ``entries`` ranks whole entries (so words spread across an entry's
sections still match it), ``sections`` finds the headings that answer best, for deep
links. Results are entries, each with its best sections.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import closing, contextmanager
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from kb.content.catalogue import Catalogue, Entry
from kb.lru import LRU
from kb.search import documents
from kb.search import query as query_module
from kb.search.query import Query, Synonyms
from kb.search.ranking import POOL, Options, Ranker
from kb.search.results import Facet, Hit, Results, SectionHit
from kb.search.snippets import Highlighter
from kb.search.spelling import Vocabulary
from kb.search.sql import (
    COUNT_FILTERED_SQL,
    COUNT_SQL,
    DETAILS_SQL,
    ENTRY_COLUMNS,
    FACET_VALUES_SQL,
    MATCHING_IDS_SQL,
    SCHEMA_VERSION,
    SECTION_COLUMNS,
    SECTIONS_SQL,
    TERMS_TABLE_SQL,
    fts_table_sql,
)

SECTIONS_PER_ENTRY = 3
PROGRESS_OPS = 1000  # SQLite VM steps between deadline checks
# Fewer entries than this with every word of a query, and entries with most of them follow.
RELAX_BELOW = 3
# A question is answered by its topic words, not only by the entries that happen to have
# all of them: unless a whole pool of entries has every word, entries with most of them
# are ranked with those.
QUESTION_RELAX_BELOW = POOL


class SearchTimeout(Exception):
    pass


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
        self.connection.execute(TERMS_TABLE_SQL)
        self.vocabulary = Vocabulary(
            Counter(
                {row["word"]: row["count"] for row in self.db.query('select * from "vocabulary"')}
            )
        )
        self.ranker = Ranker(self.connection, self.vocabulary, self.count())

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
        options = Options(limit, offset, section or None, tag or None, facets, deep_links)
        key = (text[: self.max_query], correct, options)
        cached = self._results.get(key)
        if cached is not None:
            return cached
        results = self._search(text, correct, options)
        if self.cache_size and not results.timed_out:
            self._results.put(key, results)
        return results

    def _search(self, text: str, correct: bool, options: Options) -> Results:
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
                    results.suggestions = self._suggestions(self.ranker.suggest(topic))
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

    def _count(self, parsed: Query, options: Options, *, any_word: bool = False) -> int:
        match = self.ranker.expression(parsed, any_word=any_word)
        if match is None:
            return 0
        statement = COUNT_FILTERED_SQL if options.filtered else COUNT_SQL
        return int(next(self.db.query(statement, options.params(match)))["n"])

    def _run(
        self,
        topic: Query,
        exact: str,
        total: int,
        results: Results,
        options: Options,
        *,
        question: bool = False,
    ) -> None:
        match = self.ranker.expression(topic)
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
                any_match = self.ranker.expression(topic, any_word=True)
                assert any_match is not None  # the query has terms
                match, results.total, results.relaxed = any_match, any_total, True
        if options.facets and (results.total or options.filtered):
            results.facets = self._facets(options.params(match), options)
        if not results.total:
            return
        ranked = self.ranker.rank(topic, match, complete, exact, results, options)
        page = ranked[options.offset : options.offset + options.limit]
        if len(page) < options.limit and len(ranked) < results.total:
            page += self.ranker.beyond_pool(
                match, ranked, results, options, options.limit - len(page)
            )
        details = self._details([candidate.rowid for candidate in page])
        rows = [details[candidate.rowid] for candidate in page]
        highlighter = Highlighter.for_query(topic)
        sections = self._sections(highlighter, rows[: options.deep_links])
        results.hits = [
            Hit.of_row(
                row,
                snippet=highlighter.snippet(row["body"]),
                score=round(candidate.score, 4),
                sections=tuple(sections.get(row["slug"], ())),
                matched_all=candidate.matched == len(topic.terms),
            )
            for row, candidate in zip(rows, page, strict=True)
        ]

    def _suggestions(self, ids: list[int]) -> list[Hit]:
        rows = self._details(ids)
        return [Hit.of_row(rows[rowid]) for rowid in ids if rowid in rows]

    def _details(self, rowids: list[int]) -> dict[int, dict[str, Any]]:
        """What a hit shows of each entry (its body too), by rowid."""
        query = self.db.query(DETAILS_SQL, {"rowids": json.dumps(rowids)})
        return {row["rowid"]: row for row in query}

    def _facets(self, params: Mapping[str, object], options: Options) -> dict[str, list[Facet]]:
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
