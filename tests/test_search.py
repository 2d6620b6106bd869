import sqlite3

import pytest

from kb import catalogue
from kb.search import SEARCH_SQL, SearchIndex, match_expression
from kb.settings import Settings


@pytest.fixture
def site_index(site_settings: Settings) -> SearchIndex:
    return SearchIndex(catalogue.load(site_settings.content_dir, site_settings.examples_dir))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("pagin", '"pagin" *'),
        ("pagination ", '"pagination"'),
        ("JWT token", '"jwt" "token" *'),
        ("response_model", '"response_model" *'),
        ('"quoted" AND -x*', '"quoted" "and" "x"'),
        ("C++", '"c"'),
        ("a", '"a"'),
        ("", None),
        ("   ", None),
        ("*:-()", None),
    ],
)
def test_match_expression_quotes_every_word(query: str, expected: str | None) -> None:
    assert match_expression(query) == expected


def test_match_expression_trims_long_queries() -> None:
    assert match_expression("word " * 1000) == " ".join(['"word"'] * 16)
    assert match_expression("x" * 300, max_length=200) == f'"{"x" * 200}" *'


def test_the_sql_binds_every_value() -> None:
    assert ":match" in SEARCH_SQL and ":limit" in SEARCH_SQL
    connection = sqlite3.connect(":memory:")
    connection.execute(
        'create virtual table "docs_fts" using fts5(title, headings, tags, summary, body, code)'
    )
    connection.execute('create table "docs" (slug, title, section, summary)')
    # Prepares without error: identifiers quoted, no user text in the statement.
    connection.execute(SEARCH_SQL, {"match": '"x"', "limit": 1, "open": "[", "close": "]"})


def test_title_matches_rank_first_and_prefixes_match(site_index: SearchIndex) -> None:
    hits = site_index.search("farew")
    # "greeting" mentions the farewell in its body; the title match ranks first.
    assert [hit.slug for hit in hits] == ["farewell", "greeting"]
    assert hits[0].url == "/patterns/farewell"
    assert hits[0].score > 0


def test_more_words_narrow_the_results(site_index: SearchIndex) -> None:
    assert {h.slug for h in site_index.search("fixture")} == {"greeting", "farewell"}
    assert [h.slug for h in site_index.search("fixture goodbyes")] == ["farewell"]


def test_code_identifiers_are_found(site_index: SearchIndex) -> None:
    assert [h.slug for h in site_index.search("response_model")] == ["farewell"]
    assert [h.slug for h in site_index.search("OAuth2PasswordBearer")] == ["farewell"]


def test_snippets_mark_matches_and_escape_html(site_settings: Settings) -> None:
    path = site_settings.content_dir / "farewell.md"
    path.write_text(path.read_text() + "\nThe <b>bold</b> pagination claim.\n")
    index = SearchIndex(catalogue.load(site_settings.content_dir, site_settings.examples_dir))
    snippet = index.search("claim")[0].snippet
    assert "<mark>claim</mark>" in snippet
    assert "<b>" not in snippet and "&lt;b&gt;" in snippet


@pytest.mark.parametrize(
    "query",
    ['"', "'", "AND", "OR NOT", "-", "*", ":", "C++", "NEAR(a b)", "title:x", "x" * 1000, "\x00"],
)
def test_any_input_is_safe(site_index: SearchIndex, query: str) -> None:
    assert isinstance(site_index.search(query), list)
