"""Ranking on the real catalogue: what a reader types → the entry they expect first.

A failure here means a content or ranking change moved a reader's obvious answer down:
check the change before updating the table.
"""

from __future__ import annotations

import pytest

from kb.content.catalogue import Catalogue
from kb.search import ranking
from kb.search.engine import SearchIndex


@pytest.fixture(scope="module")
def index(project_catalogue: Catalogue) -> SearchIndex:
    # No deadline: a loaded machine must not turn a ranking into a timeout.
    return SearchIndex(project_catalogue, timeout_ms=0)


FIRST = [
    # words and titles
    ("pagination", "pagination"),
    ("Query Parameters", "query-parameters"),
    ("cors", "cors"),
    ("coverage", "coverage"),
    ("type hints", "type-hints"),
    ("status codes", "status-codes"),
    ("transactions", "transactions"),
    ("structured logging", "logging"),
    ("prometheus", "monitoring"),
    ("savepoint", "transactions"),
    # prefixes as the reader types
    ("pagin", "pagination"),
    ("middlew", "error-middleware"),
    # code terms, whole and in parts
    ("response_model", "response-models"),
    ("Depends", "dependency-injection"),
    ("HTTPException", "error-responses"),
    ("APIRouter", "router-modules"),
    ("selectinload", "queries"),
    ("dependency_overrides", "mock-dependencies"),
    ("pool_size", "connection-pooling"),
    ("aiosqlite", "async-database"),
    ("429", "rate-limiting"),
    ("ETag", "caching"),
    # synonyms
    ("N+1", "queries"),
    ("alembic", "migrations"),
    ("jwt", "jwt-token-generation"),
    ("rate limit", "rate-limiting"),
    ("sql injection", "input-sanitization"),
    # several words narrow to the one that has them all
    ("refresh token rotation", "refresh-tokens"),
    ("test database", "test-database"),
    ("custom exception", "custom-exceptions"),
    # topics beyond the seed
    ("object level authorization", "object-level-authorization"),
    ("BOLA", "object-level-authorization"),
    ("idempotency key", "idempotency-keys"),
    ("security headers", "security-headers"),
    ("content security policy", "security-headers"),
    ("api versioning", "api-versioning"),
    ("deprecation header", "api-versioning"),
    ("opentelemetry", "opentelemetry"),
    ("distributed tracing", "opentelemetry"),
    ("trace id", "opentelemetry"),
    ("circuit breaker", "outbound-http"),
    ("httpx2 client", "outbound-http"),
    ("retry backoff", "outbound-http"),
    ("jwks", "external-idp-tokens"),
    ("identity provider", "external-idp-tokens"),
    ("oidc", "external-idp-tokens"),
    ("multi tenant", "multi-tenancy"),
    ("tenant", "multi-tenancy"),
    ("with_loader_criteria", "multi-tenancy"),
]

# A finished word (a space after it): while the reader is still typing, the last word is
# a prefix and may find its entry before any correction is needed.
CORRECTED = [
    ("pagniation ", "pagination", "pagination"),
    # The Porter stemmer already maps "dependancy" onto "depend": no correction needed.
    ("dependancy ", None, "dependency-injection"),
    ("authentification ", "authentication", "authentication-testing"),
    ("middlware ", "middleware", "error-middleware"),
]


@pytest.mark.parametrize(("query", "slug"), FIRST, ids=[q for q, _ in FIRST])
def test_the_expected_entry_ranks_first(index: SearchIndex, query: str, slug: str) -> None:
    assert index.search(query, 3).hits[0].slug == slug


@pytest.mark.parametrize(
    ("query", "corrected", "slug"), CORRECTED, ids=[q.strip() for q, *_ in CORRECTED]
)
def test_typos_find_the_intended_entry(
    index: SearchIndex, query: str, corrected: str | None, slug: str
) -> None:
    results = index.search(query, 3)
    assert results.corrected == corrected
    assert results.hits[0].slug == slug


def test_more_words_give_fewer_complete_results(index: SearchIndex) -> None:
    # Fewer entries have every word; past too few, the results also list entries with
    # most of them (issue 16), so it is the complete matches that narrow.
    found = [index.search(q) for q in ("token", "token refresh", "token refresh reuse")]
    complete = [results.complete for results in found]
    assert complete[0] > complete[1] > complete[2] > 0
    assert all(results.total >= results.complete for results in found)


def test_a_route_finds_the_entries_that_serve_it(index: SearchIndex) -> None:
    # Both the login entry and the refresh-token entry serve POST /token.
    top = [hit.slug for hit in index.search("POST /token", 3).hits]
    assert {"jwt-token-generation", "refresh-tokens"} <= set(top)


def test_hits_deep_link_to_the_section_that_answers(index: SearchIndex) -> None:
    hit = index.search("cursor pagination").hits[0]
    assert hit.slug == "pagination"
    assert hit.sections and "cursor" in hit.sections[0].anchor


@pytest.mark.parametrize("word", ["pagination", "authentication", "middleware", "dependency"])
def test_every_prefix_typed_on_the_way_finds_the_entry(index: SearchIndex, word: str) -> None:
    for end in range(3, len(word) + 1):
        assert index.search(word[:end], 3).total > 0, word[:end]


def test_the_section_about_422_ranks_above_passing_mentions(index: SearchIndex) -> None:
    hits = index.search("422", 10).hits
    assert hits[0].slug == "request-validation"
    assert hits[0].anchor == "reading-a-422"
    # Every hit has a real score, and they tell the hits apart.
    assert all(hit.score > 0 for hit in hits)
    assert len({hit.score for hit in hits}) > 1


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("organize routes into multiple files", {"router-modules", "project-structure"}),
        ("422 unprocessable entity", {"request-validation", "error-responses"}),
        ("PUT vs PATCH", {"http-methods"}),
        ("yield dependency cleanup", {"dependency-injection"}),
        ("response_model hide password", {"response-models"}),
    ],
)
def test_the_queries_of_issue_16_find_their_answer_first(
    index: SearchIndex, query: str, first: set[str]
) -> None:
    assert index.search(query, 3).hits[0].slug in first


def test_a_question_is_ranked_by_its_topic_words(index: SearchIndex) -> None:
    question = index.search("what is the difference between PUT and PATCH")
    assert question.words == ("put", "patch")
    assert question.hits[0].slug == "http-methods"


def test_relaxed_results_say_which_words_were_not_required(index: SearchIndex) -> None:
    results = index.search("cors react")
    assert results.relaxed and results.complete == 0 and results.total > 0
    assert results.hits[0].slug == "cors" and not results.hits[0].matched_all
    assert results.dropped == ("react",)


def test_paging_goes_through_every_result_once(
    index: SearchIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A pool smaller than the results: later pages continue past it without repeating.
    monkeypatch.setattr(ranking, "POOL", 5)
    total = index.search("request", 5).total
    assert total > 15
    seen = [
        hit.slug
        for offset in range(0, total + 5, 5)
        for hit in index.search("request", 5, offset=offset).hits
    ]
    assert len(seen) == len(set(seen)) == total


def test_a_broad_match_is_sampled_not_ordered_whole(
    index: SearchIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ranking, "BROAD_MATCHES", 10)
    results = index.search("pa", 5)
    assert results.total > 10 and len(results.hits) == 5
    # The pool is scored as usual: an entry with the prefix in its title comes first.
    assert results.hits[0].title.lower().startswith("pa") or " pa" in results.hits[0].title.lower()
