"""Tests that ask for what they need by name: pytest builds it, and tears it down after."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

UserFactory = Callable[..., dict[str, Any]]


def test_every_test_starts_with_an_empty_registry(client: TestClient) -> None:
    assert client.get("/users").json() == []


def test_create_user(client: TestClient) -> None:
    response = client.post("/users", json={"name": "Carol", "email": "carol@example.com"})

    assert response.status_code == 201
    assert response.json() == {"id": 1, "name": "Carol", "email": "carol@example.com"}


def test_factory_makes_distinct_users(make_user: UserFactory) -> None:
    first, second = make_user(), make_user()
    named = make_user(name="Dave")

    assert first["email"] != second["email"]
    assert named["name"] == "Dave"


def test_duplicate_email_conflicts(client: TestClient, make_user: UserFactory) -> None:
    make_user(email="erin@example.com")

    response = client.post("/users", json={"name": "Erin 2", "email": "ERIN@example.com"})

    assert response.status_code == 409


def test_seeded_users_are_listed(client: TestClient, seeded: list[dict]) -> None:
    names = [user["name"] for user in client.get("/users").json()]

    assert names == ["Alice", "Bob"]
    assert client.get(f"/users/{seeded[1]['id']}").json()["email"] == "bob@example.com"


def test_unknown_user_is_404(client: TestClient, seeded: list[dict]) -> None:
    assert client.get("/users/99").status_code == 404


def test_export_writes_into_tmp_path(
    client: TestClient, seeded: list[dict], tmp_path: Path
) -> None:
    response = client.post("/exports")

    assert response.status_code == 201
    exported = json.loads((tmp_path / response.json()["file"]).read_text(encoding="utf-8"))
    assert [user["email"] for user in exported] == ["alice@example.com", "bob@example.com"]
