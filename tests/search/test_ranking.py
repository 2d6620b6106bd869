"""Ranking on the real catalogue: what a reader types → the entry they expect first.

A failure here means a content or ranking change moved a reader's obvious answer down:
check the change before updating the table.
"""

from __future__ import annotations

import pytest

from kb.content.catalogue import Catalogue
from kb.search.engine import SearchIndex


@pytest.fixture(scope="module")
def index(project_catalogue: Catalogue) -> SearchIndex:
    return SearchIndex(project_catalogue)


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
