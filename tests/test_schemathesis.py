"""Property-based API tests: schemathesis sends requests generated from each OpenAPI
schema (the KB's and every example's) and no answer may be a server error.

Examples are bounded to a few cases per operation so that the suite stays quick; the
only 5xx allowed are the ones an entry exists to demonstrate, listed in DELIBERATE.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.python.asgi import shutdown_lifespans

from kb.app import KnowledgeBaseApp, create_app
from kb.content import sources
from kb.sandbox import examples
from kb.settings import PROJECT_DIR, Settings

EXAMPLES_PER_OPERATION = 6
# (example, method, path) whose 500 or 503 is the lesson of its entry.
DELIBERATE = {
    ("error_middleware", "GET", "/boom"),
    ("connection_pooling", "POST", "/pool/drain"),  # pool exhausted: 503 with Retry-After
    ("monitoring", "GET", "/readyz"),
    ("async_await", "GET", "/quotes/slow"),
    ("mock_dependencies", "GET", "/weather/{city}"),
    ("mock_dependencies", "POST", "/payments"),
    ("lifespan", "GET", "/products/{product_id}/price"),  # rates still loading: 503
    ("health_checks", "GET", "/readyz"),  # a dependency down, or draining: 503
}


def fuzz(app: FastAPI | KnowledgeBaseApp, allowed_5xx: Callable[[str, str], bool]) -> list[str]:
    """Run every operation of ``app``'s schema; describe each unexpected 5xx."""
    # From the app's own schema rather than over HTTP: an example may only answer the
    # hosts it trusts, and "localhost" is one every example and the KB accept. The KB's
    # schema is its FastAPI app's; the requests go through its front door, as served.
    openapi = app.fastapi.openapi() if isinstance(app, KnowledgeBaseApp) else app.openapi()
    schema = schemathesis.openapi.from_dict(openapi)
    schema.app = app
    failures: list[str] = []
    try:
        for result in schema.get_all_operations():
            operation = result.ok()
            check(operation, allowed_5xx(operation.method.upper(), operation.path), failures)
    finally:
        # Schemathesis runs the app's lifespan itself, in the event loop that serves its
        # requests; it is stopped there too. A lifespan started in another loop (a
        # TestClient's) would hand requests other state, and stopping tasks that requests
        # started in this loop from that one would wait forever.
        shutdown_lifespans()
    return failures


def check(operation: Any, allowed: bool, failures: list[str]) -> None:
    """Send generated requests to one operation, noting each unexpected 5xx."""

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,  # the same cases on every run: CI stays reproducible
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def call(case: schemathesis.Case) -> None:
        response = case.call(base_url="http://localhost")
        if response.status_code >= 500 and not allowed:
            failures.append(
                f"{operation.method.upper()} {operation.path} → {response.status_code}: "
                f"{case.as_curl_command()}"
            )

    call()


@pytest.mark.parametrize("name", sources.available(PROJECT_DIR / "examples"))
def test_no_example_answers_generated_requests_with_a_server_error(name: str) -> None:
    app = examples.build(PROJECT_DIR / "examples", name)
    failures = fuzz(app, lambda method, path: (name, method, path) in DELIBERATE)
    assert failures == []


def test_the_kb_api_answers_generated_requests_without_server_errors(
    project_settings: Settings,
) -> None:
    settings_without_limits = project_settings.model_copy(
        update={"rate_limit_search": 0, "rate_limit_try": 0, "rate_limit_examples": 0}
    )
    app = create_app(settings_without_limits)
    assert fuzz(app, lambda method, path: False) == []
