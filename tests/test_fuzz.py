"""Fuzzed input (hypothesis): whatever a reader types, search answers, never 5xx; whatever a
page sends the WebSocket player's relay is taken or refused with a reason."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.app import create_app
from kb.settings import Settings
from kb.web.trysocket import RelayInputError, parse_command, parse_open

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


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["open", "path", "headers", "send", "close", "code", "reason"])
            | st.text(max_size=5),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(message=st.one_of(JSON.map(json.dumps), st.text(max_size=40)))
def test_whatever_the_page_sends_is_taken_or_refused_with_a_reason(message: str) -> None:
    for parse in (parse_open, parse_command):
        try:
            parse(message)
        except RelayInputError as exc:
            assert str(exc)
