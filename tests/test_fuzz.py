"""Fuzzed search input (hypothesis): whatever a reader types, search answers, never 5xx."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.app import create_app
from kb.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"
# Query syntax of FTS5 and of the KB, mixed with anything else text can hold.
SYNTAX = st.sampled_from(
    ['"', "*", "-", ":", "(", ")", "AND", "OR", "NOT", "NEAR", "^", "{", "}", "+", "\\", "%", "_"]
)
QUERIES = st.lists(st.one_of(st.text(max_size=30), SYNTAX), max_size=12).map(" ".join)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("fuzz") / "site"
    shutil.copytree(FIXTURES / "site", root)
    settings_ = Settings(
        content_dir=root / "content", examples_dir=root / "examples", rate_limit_search=0
    )
    with TestClient(create_app(settings_)) as test_client:
        yield test_client


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(query=QUERIES, limit=st.integers(min_value=-5, max_value=200))
def test_search_never_fails(client: TestClient, query: str, limit: int) -> None:
    page = client.get("/search", params={"q": query})
    fragment = client.get("/search", params={"q": query}, headers={"HX-Request": "true"})
    api = client.get("/api/search", params={"q": query, "limit": limit})
    assert page.status_code == 200
    assert fragment.status_code == 200
    assert api.status_code == (200 if 1 <= limit <= 100 else 422)
