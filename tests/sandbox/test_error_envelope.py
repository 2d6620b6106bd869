"""One error envelope: the examples that shape errors all answer RFC 9457 problem details,
and an unexpected 500 reaches a browser with its CORS headers."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from kb.sandbox import examples
from kb.settings import PROJECT_DIR

STANDARD_MEMBERS = {"type", "title", "status", "detail", "instance"}
ALLOWED_ORIGIN = "https://app.example.com"

# (example, method, path, JSON body, status): one error of each kind each example answers.
ERRORS = [
    ("error_responses", "GET", "/books/99", None, 404),
    ("error_responses", "GET", "/no/such/path", None, 404),
    ("error_responses", "POST", "/books", {"title": ""}, 422),
    ("error_responses", "GET", "/reports/sales", None, 500),
    ("custom_exceptions", "GET", "/accounts/acc-nobody", None, 404),
    ("custom_exceptions", "POST", "/transfers", {"source": "acc-alice"}, 422),
    ("custom_exceptions", "GET", "/no/such/path", None, 404),
    ("custom_exceptions", "DELETE", "/accounts/acc-alice", None, 405),
    (
        "custom_exceptions",
        "POST",
        "/transfers",
        {"source": "acc-alice", "target": "acc-bob", "amount": 10**9},
        409,
    ),
    (
        "custom_exceptions",
        "POST",
        "/transfers",
        {"source": "acc-alice", "target": "acc-alice", "amount": 1},
        422,
    ),
    ("error_middleware", "GET", "/orders/999", None, 404),
    ("error_middleware", "GET", "/orders/not-a-number", None, 422),
    ("error_middleware", "GET", "/boom", None, 500),
]


@pytest.fixture(autouse=True)
def quiet_crash_logs() -> Iterator[None]:
    # The deliberate crashes are logged with a traceback; that is the lesson, not noise here.
    logger = logging.getLogger("kb_examples")  # every example's loggers are below it
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


def client_for(name: str) -> TestClient:
    # An Exception handler re-raises after answering: look at the answer, not the re-raise.
    app = examples.build(PROJECT_DIR / "examples", name)
    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize(("name", "method", "path", "body", "status"), ERRORS)
def test_every_error_is_a_problem(
    name: str, method: str, path: str, body: dict[str, Any] | None, status: int
) -> None:
    with client_for(name) as client:
        response = client.request(method, path, json=body)

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem.keys() >= STANDARD_MEMBERS
    assert problem["status"] == status
    assert problem["instance"] == path
    assert isinstance(problem["title"], str) and problem["title"]


def test_domain_facts_are_extension_members_and_the_type_resolves() -> None:
    with client_for("custom_exceptions") as client:
        transfer = {"source": "acc-alice", "target": "acc-bob", "amount": 10**9}
        problem = client.post("/transfers", json=transfer).json()
        page = client.get(problem["type"])

    assert problem["balance"] == 10_000 and problem["requested"] == 10**9
    assert problem["type"].endswith("/problems/insufficient_funds")
    assert page.status_code == 200
    assert page.json()["title"] == problem["title"]


@pytest.mark.parametrize(
    ("origin", "allowed"), [(ALLOWED_ORIGIN, True), ("https://evil.example.net", False)]
)
def test_a_crash_reaches_an_allowed_browser_origin_with_cors_headers(
    origin: str, allowed: bool
) -> None:
    with client_for("error_middleware") as client:
        response = client.get("/boom", headers={"Origin": origin, "X-Request-ID": "cors-1"})

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["request_id"] == response.headers["x-request-id"] == "cors-1"
    if allowed:
        assert response.headers["access-control-allow-origin"] == origin
        assert "X-Request-ID" in response.headers["access-control-expose-headers"]
    else:
        assert "access-control-allow-origin" not in response.headers


def test_an_exception_handler_answers_outside_cors() -> None:
    """Why the catch-all is middleware: the CORS entry's add_cors, plus an Exception
    handler, answers a crash with no CORS header at all."""
    cors = examples.build(PROJECT_DIR / "examples", "cors")
    add_cors = importlib.import_module(f"{examples.namespace_of(cors)}.cors").add_cors

    async def problem(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"status": 500}, status_code=500)

    app = FastAPI(exception_handlers={Exception: problem})
    add_cors(app)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        crash = client.get("/boom", headers={"Origin": ALLOWED_ORIGIN})
        missing = client.get("/missing", headers={"Origin": ALLOWED_ORIGIN})

    assert crash.status_code == 500
    assert "access-control-allow-origin" not in crash.headers
    # A handled error, by contrast, passes through CORSMiddleware.
    assert missing.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
