"""Examples read their configuration through pydantic-settings, as settings.md teaches.

The JWT examples take their signing key from ``JWT_SECRET`` and the payments example its
API key from ``PAYMENTS_API_KEY``. A key too short for HS256 stops the start with an error
that names the variable and never prints the key; an empty variable counts as unset.
"""

from __future__ import annotations

import jwt
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from kb.sandbox import examples
from kb.settings import PROJECT_DIR

JWT_EXAMPLES = [
    "jwt_token_generation",
    "jwt_token_validation",
    "refresh_tokens",
    "token_expiry",
    "authentication_testing",
]
SECRET = "a-key-these-tests-know-32-bytes-or-more"


def started(name: str) -> TestClient:
    return TestClient(examples.build(PROJECT_DIR / "examples", name))


@pytest.mark.parametrize("name", JWT_EXAMPLES)
def test_a_short_key_stops_the_start_without_printing_it(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JWT_SECRET", "too-short-to-sign")

    with pytest.raises(ValidationError) as caught, started(name):
        pass  # the lifespan reads the key

    message = str(caught.value)
    assert "JWT_SECRET" in message
    assert "at least 32 bytes" in message
    assert "too-short-to-sign" not in message


@pytest.mark.parametrize("name", JWT_EXAMPLES)
def test_tokens_are_signed_with_the_configured_key(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JWT_SECRET", SECRET)

    with started(name) as client:
        response = client.post("/token", data={"username": "alice", "password": "wonderland"})

    token = response.json()["access_token"]
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_aud": False})
    assert claims["sub"]


@pytest.mark.parametrize("name", JWT_EXAMPLES)
def test_an_empty_key_means_a_random_one(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JWT_SECRET", "")

    with started(name) as client:
        response = client.post("/token", data={"username": "alice", "password": "wonderland"})

    assert response.status_code == 200


def test_an_empty_payments_key_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAYMENTS_API_KEY", "")
    order = {"product": "mug", "quantity": 2, "card_token": "tok_visa"}

    with started("mock_dependencies") as client:
        response = client.post("/orders", json=order)

    assert response.status_code == 503
    assert "PAYMENTS_API_KEY is not configured" in response.json()["detail"]
