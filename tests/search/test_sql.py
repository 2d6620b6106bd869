"""The index's SQL, tested as SQL: every statement prepares, binds its values, quotes names."""

from __future__ import annotations

import re
import sqlite3

import pytest

from kb.content import catalogue
from kb.search import sql
from kb.search.engine import SearchIndex
from kb.settings import Settings

STATEMENTS = {
    "RANK_SQL": sql.RANK_SQL,
    "RANK_FILTERED_SQL": sql.RANK_FILTERED_SQL,
    "EXACT_TITLE_SQL": sql.EXACT_TITLE_SQL,
    "COUNT_FILTERED_SQL": sql.COUNT_FILTERED_SQL,
    "COUNT_SQL": sql.COUNT_SQL,
    "MATCHING_IDS_SQL": sql.MATCHING_IDS_SQL,
    "FACET_VALUES_SQL": sql.FACET_VALUES_SQL,
    "SECTIONS_SQL": sql.SECTIONS_SQL,
    "FIELDS_SQL": sql.FIELDS_SQL,
    "SAMPLE_SQL": sql.SAMPLE_SQL,
    "SAMPLE_FILTERED_SQL": sql.SAMPLE_FILTERED_SQL,
    "TITLES_SQL": sql.TITLES_SQL,
    "SCORE_SQL": sql.SCORE_SQL,
    "DETAILS_SQL": sql.DETAILS_SQL,
    "TERM_SQL": sql.TERM_SQL,
}
# What a reader might type, passed where their words go: it must stay a value.
HOSTILE = 'x" or 1=1; drop table "entries"; --'
PARAMS = {
    "match": '"x"',
    "exact": HOSTILE,
    "section": HOSTILE,
    "tag": HOSTILE,
    "limit": 1,
    "offset": 0,
    "open": "[",
    "close": "]",
    "rowids": "[]",
    "rowid": 1,
    "first": 1,
    "last": 1,
    "ids": "[1, 2]",
    "per_entry": 1,
    "low": HOSTILE,
    "high": HOSTILE + "\U0010ffff",
}


@pytest.fixture
def site_index(site_settings: Settings) -> SearchIndex:
    return SearchIndex(catalogue.load(site_settings.content_dir, site_settings.examples_dir))


@pytest.mark.parametrize("name", STATEMENTS)
def test_every_statement_prepares_and_binds_hostile_values(
    site_index: SearchIndex, name: str
) -> None:
    statement = STATEMENTS[name]
    wanted = set(re.findall(r"(?<!:):([a-z_]+)", statement))
    assert wanted <= PARAMS.keys(), f"{name} binds {wanted - PARAMS.keys()}"
    rows = list(site_index.db.query(statement, {k: PARAMS[k] for k in wanted}))
    assert site_index.count() == 2  # nothing was dropped
    if name in {"EXACT_TITLE_SQL", "TERM_SQL"}:
        assert rows == []  # the hostile text matched as the value it is


@pytest.mark.parametrize("name", STATEMENTS)
def test_every_statement_quotes_its_identifiers(name: str) -> None:
    unquoted = re.findall(
        r"\b(?:from|join|update|into)\s+(?![\"(]|temp\.\"|\w+\()(\w+)", STATEMENTS[name]
    )
    assert unquoted == []


def test_a_statement_with_an_unbound_value_is_refused(site_index: SearchIndex) -> None:
    with pytest.raises(sqlite3.ProgrammingError):
        list(site_index.db.query(sql.EXACT_TITLE_SQL, {"exact": "x"}))


def test_fts_tables_are_declared_with_quoted_names_and_prefix_indexes() -> None:
    statement = sql.fts_table_sql("sections", ("heading", "body"))
    assert statement.startswith('create virtual table "sections_fts" using fts5("heading", "body",')
    assert "prefix='2 3'" in statement and 'content="sections"' in statement
