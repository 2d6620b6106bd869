"""Every SQL statement of the search index, built in one place.

Identifiers are quoted and come from the constants below, never from input; what a
reader types reaches SQLite only as bound parameters (``:match``, ``:exact``, …), already
parsed into quoted FTS5 strings by :mod:`kb.search.query`.
"""

from __future__ import annotations

SCHEMA_VERSION = "11"
TOKENIZE = "porter unicode61 remove_diacritics 2 tokenchars '_'"
# Column order matters: the bm25() weights follow it. Title > headings > tags, summary and
# identifiers > body > code; "parts" holds identifiers split into words (response, model).
ENTRY_COLUMNS = ("title", "headings", "identifiers", "tags", "summary", "body", "code", "parts")
ENTRY_WEIGHTS = (10.0, 5.0, 4.0, 4.0, 4.0, 1.0, 0.5, 0.5)
HEADLINE_COLUMNS = ENTRY_COLUMNS[:5]  # where a 2- or 3-letter prefix is looked for
SECTION_COLUMNS = ("heading", "identifiers", "body", "code", "parts")
SECTION_WEIGHTS = (5.0, 3.0, 1.0, 0.5, 0.5)


def _weights(weights: tuple[float, ...]) -> str:
    return ", ".join(str(w) for w in weights)


# Ranking reads nothing but the FTS index when there is no filter; the page's details
# and snippets are read afterwards for its rows alone (DETAILS_SQL, kb.search.snippets).
RANK_SQL = f"""
select "rowid", bm25("entry_texts_fts", {_weights(ENTRY_WEIGHTS)}) as "score"
from "entry_texts_fts"
where "entry_texts_fts" match :match
order by "score"
limit :limit offset :offset
"""

_FILTERS = """
  and (:section is null or "entries"."section" = :section)
  and (:tag is null or exists (
    select 1 from "tags" where "tags"."slug" = "entries"."slug" and "tags"."tag" = :tag))
"""

RANK_FILTERED_SQL = f"""
select "entry_texts_fts"."rowid" as "rowid", bm25("entry_texts_fts", {_weights(ENTRY_WEIGHTS)}) as "score"
from "entry_texts_fts"
join "entries" on "entries"."id" = "entry_texts_fts"."rowid"
where "entry_texts_fts" match :match {_FILTERS}
order by "score"
limit :limit offset :offset
"""

# Matches in index order, unranked: the pool of a query that matches too much to order
# every match by bm25 (kb.search.engine, BROAD_MATCHES).
SAMPLE_SQL = """
select "rowid", 0.0 as "score"
from "entry_texts_fts"
where "entry_texts_fts" match :match
limit :limit offset :offset
"""

SAMPLE_FILTERED_SQL = f"""
select "entry_texts_fts"."rowid" as "rowid", 0.0 as "score"
from "entry_texts_fts"
join "entries" on "entries"."id" = "entry_texts_fts"."rowid"
where "entry_texts_fts" match :match {_FILTERS}
limit :limit offset :offset
"""

# An entry whose title is exactly the query ranks first (when it matches the filters).
EXACT_TITLE_SQL = f"""
select "entries"."id" as "rowid", 0.0 as "score"
from "entries"
where "entries"."title_key" = :exact {_FILTERS}
limit 5
"""

DETAILS_SQL = """
select
  "entries"."id" as "rowid", "entries"."slug", "entries"."title", "entries"."section",
  "entries"."summary", "entries"."first_section", "entries"."last_section",
  "entry_texts"."body"
from "entries"
join "entry_texts" on "entry_texts"."id" = "entries"."id"
where "entries"."id" in (select "value" from json_each(:rowids))
"""

# What the ranking reads of each entry in its pool: the short fields where a word counts most.
FIELDS_SQL = """
select
  "entries"."id" as "rowid", "entries"."title_key", "entry_texts"."title",
  "entry_texts"."tags", "entry_texts"."headings", "entry_texts"."identifiers",
  "entry_texts"."summary"
from "entries"
join "entry_texts" on "entry_texts"."id" = "entries"."id"
where "entries"."id" in (select "value" from json_each(:rowids))
"""

TITLES_SQL = """
select "id", "title" from "entries"
"""

# The score of one entry that ranks first for its exact title.
SCORE_SQL = f"""
select bm25("entry_texts_fts", {_weights(ENTRY_WEIGHTS)}) as "score"
from "entry_texts_fts"
where "entry_texts_fts" match :match and "entry_texts_fts"."rowid" = :rowid
"""

COUNT_SQL = """
select count(*) as "n" from "entry_texts_fts" where "entry_texts_fts" match :match
"""

COUNT_FILTERED_SQL = f"""
select count(*) as "n"
from "entry_texts_fts"
join "entries" on "entries"."id" = "entry_texts_fts"."rowid"
where "entry_texts_fts" match :match {_FILTERS}
"""

# The index's own terms (Porter stems), to tell whether a typed prefix is one of theirs.
TERMS_TABLE_SQL = """
create virtual table if not exists temp."entry_terms" using fts5vocab(main, "entry_texts_fts", 'row')
"""

TERM_SQL = """
select 1 from temp."entry_terms" where "term" >= :low and "term" < :high limit 1
"""

MATCHING_IDS_SQL = """
select "rowid" from "entry_texts_fts" where "entry_texts_fts" match :match
"""

FACET_VALUES_SQL = """
select "entries"."id", "entries"."section", "tags"."tag"
from "entries"
left join "tags" on "tags"."slug" = "entries"."slug"
"""

# The sections of a page of hits: one entry's sections have consecutive ids, so the ids
# of every hit's sections are known without reading any other entry's.
SECTIONS_SQL = """
select "id", "anchor", "heading", "body"
from "sections"
where "id" in (select "value" from json_each(:ids)) and "anchor" != ''
order by "id"
"""


def fts_table_sql(table: str, columns: tuple[str, ...]) -> str:
    """``create virtual table`` for the FTS5 index of a table whose names are constants."""
    quoted = ", ".join(f'"{column}"' for column in columns)
    return (
        f'create virtual table "{table}_fts" using fts5({quoted}, '
        f'content="{table}", content_rowid="id", tokenize="{TOKENIZE}", prefix=\'2 3\')'
    )
