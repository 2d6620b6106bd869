"""Fixtures shared by every test module in this folder: pytest finds conftest.py itself."""

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from .app import create_app

UserFactory = Callable[..., dict[str, Any]]


@pytest.fixture(scope="session")
def seed_users() -> tuple[dict[str, str], ...]:
    """Immutable seed data, built once for the whole run: safe to share."""
    return (
        {"name": "Alice", "email": "alice@example.com"},
        {"name": "Bob", "email": "bob@example.com"},
    )


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    """A fresh app per test, exporting into this test's own temporary folder."""
    return create_app(export_dir=tmp_path)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A client with the app's lifespan running; the code after ``yield`` is the teardown."""
    with TestClient(app) as client:  # setup: the lifespan's startup runs here
        yield client
    # Teardown, run even when the test failed: the block above has run the lifespan's
    # shutdown; drop any dependency overrides the test installed.
    app.dependency_overrides.clear()


@pytest.fixture
def make_user(client: TestClient) -> UserFactory:
    """A factory: each call registers a user through the API, unique unless told otherwise."""
    numbers = itertools.count(1)

    def make(**overrides: str) -> dict[str, Any]:
        n = next(numbers)
        payload = {"name": f"User {n}", "email": f"user{n}@example.com"} | overrides
        response = client.post("/users", json=payload)
        assert response.status_code == 201, response.text
        return response.json()

    return make


@pytest.fixture
def seeded(make_user: UserFactory, seed_users: tuple[dict[str, str], ...]) -> list[dict]:
    """The seed users, registered in this test's app."""
    return [make_user(**user) for user in seed_users]
