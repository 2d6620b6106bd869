import re
import sqlite3
from pathlib import Path

import pytest

from kb.content import catalogue
from kb.search import engine as search
from kb.search.engine import SearchIndex
from kb.settings import Settings


def build(settings: Settings, **options: object) -> SearchIndex:
    return SearchIndex(catalogue.load(settings.content_dir, settings.examples_dir), **options)  # type: ignore[arg-type]


@pytest.fixture
def site_index(site_settings: Settings) -> SearchIndex:
    return build(site_settings)


@pytest.mark.parametrize("value", ["x' or '1'='1", '" or 1=1 --', "Core Patterns' --"])
def test_filter_values_are_bound_as_data_never_read_as_sql(
    site_index: SearchIndex, value: str
) -> None:
    # Interpolated into the statement, each would match every entry or break the SQL.
    assert site_index.search("fixture", section=value).hits == []
    assert site_index.search("fixture", tag=value).hits == []
    assert [hit.slug for hit in site_index.search("fixture", section="Core Patterns").hits] == [
        "greeting"
    ]
    assert [hit.slug for hit in site_index.search("fixture", tag="greeting").hits] == ["greeting"]


def test_synonym_groups_combine_with_other_words(site_settings: Settings) -> None:
    (site_settings.content_dir / "_synonyms.yaml").write_text(
        "- [farewell, adieu]\n- [fixture, sample]\n"
    )
    hits = build(site_settings).search("adieu sample").hits
    assert hits[0].slug == "farewell"  # "greeting" mentions the farewell and is a fixture too
    assert {h.slug for h in hits} == {"farewell", "greeting"}


def test_title_matches_rank_first_and_prefixes_match(site_index: SearchIndex) -> None:
    hits = site_index.search("farew").hits
    # "greeting" mentions the farewell in its body; the title match ranks first.
    assert [hit.slug for hit in hits] == ["farewell", "greeting"]
    assert hits[0].url == "/patterns/farewell"
    assert hits[0].score > 0


def test_an_exact_title_ranks_first(site_index: SearchIndex) -> None:
    assert site_index.search("saying farewell").hits[0].slug == "farewell"


def test_more_words_narrow_the_results(site_index: SearchIndex) -> None:
    assert {h.slug for h in site_index.search("fixture").hits} == {"greeting", "farewell"}
    results = site_index.search("fixture goodbyes")
    assert results.complete == 1
    # Fewer than three entries have both words: the one that has them comes first, then
    # the entries with some of them, told apart by matched_all.
    assert [(h.slug, h.matched_all) for h in results.hits] == [
        ("farewell", True),
        ("greeting", False),
    ]
    assert results.relaxed and results.dropped == ("goodbyes",)


def test_quoted_phrases(site_index: SearchIndex) -> None:
    assert [h.slug for h in site_index.search('"saying goodbye"').hits] == ["farewell"]
    assert site_index.search('"goodbye saying"').hits == []


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("response_model", "farewell"),
        ("OAuth2PasswordBearer", "farewell"),
        ("password bearer", "farewell"),
        ("POST /login", "greeting"),
        ("HTTPException", "greeting"),  # only in the example's source
        ("409", "greeting"),
    ],
)
def test_code_is_searchable_whole_and_by_parts(
    site_index: SearchIndex, query: str, slug: str
) -> None:
    assert site_index.search(query).hits[0].slug == slug


def test_hits_link_to_the_sections_that_answer(site_index: SearchIndex) -> None:
    hit = site_index.search("logging in").hits[0]
    assert hit.slug == "greeting"
    assert hit.anchor == "logging-in"
    assert hit.sections[0].url == "/patterns/greeting#logging-in"


def test_typos_are_corrected_from_the_index_vocabulary(site_index: SearchIndex) -> None:
    results = site_index.search("farewel goodbey ")
    assert results.corrected == "farewell goodbye"
    assert [h.slug for h in results.hits if h.matched_all] == ["farewell"]
    # As typed, no entry has both words; relaxed, the word the stemmer knows still finds
    # its entry, which has not every word.
    exact = site_index.search("farewel goodbey ", correct=False)
    assert exact.complete == 0 and exact.corrected is None
    assert not any(h.matched_all for h in exact.hits)


def test_facets_and_filters(site_index: SearchIndex) -> None:
    results = site_index.search("fixture")
    assert {(f.value, f.count) for f in results.facets["section"]} == {
        ("Core Patterns", 1),
        ("Best Practices", 1),
    }
    assert ("fixture", 2) in {(f.value, f.count) for f in results.facets["tag"]}
    assert [h.slug for h in site_index.search("fixture", section="Best Practices").hits] == [
        "farewell"
    ]
    assert [h.slug for h in site_index.search("fixture", tag="greeting").hits] == ["greeting"]
    assert site_index.search("fixture", limit=1).total == 2


def test_synonyms_from_content(site_settings: Settings) -> None:
    (site_settings.content_dir / "_synonyms.yaml").write_text("- [farewell, adieu]\n")
    assert build(site_settings).search("adieu").hits[0].slug == "farewell"


def test_snippets_mark_matches_and_escape_html(site_settings: Settings) -> None:
    path = site_settings.content_dir / "farewell.md"
    path.write_text(path.read_text() + "\nThe <b>bold</b> pagination claim.\n")
    snippet = build(site_settings).search("claim").hits[0].snippet
    assert "<mark>claim</mark>" in snippet
    assert "<b>" not in snippet and "&lt;b&gt;" in snippet


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "'",
        "AND",
        "OR NOT",
        "-",
        "*",
        ":",
        "C++",
        "NEAR(a b)",
        "title:x",
        "x" * 1000,
        "\x00",
        "\ud800",
        # Each finds something else if its operator reached FTS5: OR would add farewell,
        # NOT and a column filter would drop greeting, NEAR would find it.
        "fixture OR NOT",
        "greeting NOT fixture",
        "title:fixture",
        "NEAR(fixture greeting)",
        'fixture"',
        "-fixture",
        "fixture*",
    ],
)
def test_any_input_is_searched_as_its_words_never_as_fts5_syntax(
    site_index: SearchIndex, query: str
) -> None:
    words = " ".join(re.findall(r"\w+", query))
    results = site_index.search(query)
    if not words:
        assert results.hits == [] and results.total == 0
    else:
        assert [hit.slug for hit in results.hits] == [
            hit.slug for hit in site_index.search(words).hits
        ]


def test_a_search_that_runs_too_long_is_stopped(
    site_index: SearchIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "PROGRESS_OPS", 1)
    site_index.timeout_ms = 1e-9
    results = site_index.search("fixture")
    assert results.timed_out and results.hits == []


def test_an_unchanged_catalogue_reuses_the_index_file(
    site_settings: Settings, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    first = build(site_settings, cache_dir=cache)
    assert not first.loaded_from_cache
    second = build(site_settings, cache_dir=cache)
    assert second.loaded_from_cache
    assert [h.slug for h in second.search("fixture").hits] == [
        h.slug for h in first.search("fixture").hits
    ]
    path = site_settings.content_dir / "farewell.md"
    path.write_text(path.read_text() + "\nNew words.\n")
    assert not build(site_settings, cache_dir=cache).loaded_from_cache
    with sqlite3.connect(next(cache.glob("*.db"))) as connection:
        assert connection.execute('select count(*) from "entries"').fetchone() == (2,)


def test_recent_results_are_reused(site_settings: Settings) -> None:
    index = build(site_settings)
    first = index.search("fixture")
    assert index.search("fixture") is first
    assert index.search("fixture", limit=1) is not first  # other options, other results
    uncached = build(site_settings, cache_size=0)
    assert uncached.search("fixture") is not uncached.search("fixture")


def test_the_result_cache_is_bounded(site_settings: Settings) -> None:
    index = build(site_settings, cache_size=2)
    oldest = index.search("fixture")
    index.search("farewell")
    index.search("greeting")
    assert index.search("fixture") is not oldest


def test_a_corrupt_saved_index_is_rebuilt_not_fatal(
    site_settings: Settings, tmp_path: Path
) -> None:
    first = build(site_settings, cache_dir=tmp_path)
    saved = next(tmp_path.glob("search-*.db"))
    saved.write_bytes(b"not a database" * 100)
    again = build(site_settings, cache_dir=tmp_path)
    assert not again.loaded_from_cache
    assert [h.slug for h in again.search("farewell").hits] == [
        h.slug for h in first.search("farewell").hits
    ]
    assert build(site_settings, cache_dir=tmp_path).loaded_from_cache  # saved anew
