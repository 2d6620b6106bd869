"""The Swagger UI example's login does not reveal, by its timing, which usernames exist."""

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kb.sandbox import examples
from kb.settings import PROJECT_DIR


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(examples.build(PROJECT_DIR / "examples", "swagger_ui")) as client:
        yield client


@pytest.mark.parametrize(
    "form",
    [
        {"username": "alice", "password": "wrong"},
        {"username": "mallory", "password": "wonderland"},
    ],
    ids=["wrong password", "unknown user"],
)
def test_every_failed_login_costs_one_password_verification(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, form: dict[str, str]
) -> None:
    # Count the argon2 work instead of timing it: a timing assertion fails on a busy machine.
    app = client.app
    assert isinstance(app, FastAPI)
    hasher = app.state.hasher
    verified: list[str] = []
    verify = hasher.verify

    def counting_verify(password: str, hash: str) -> bool:
        verified.append(hash)
        return verify(password, hash)

    monkeypatch.setattr(hasher, "verify", counting_verify)

    response = client.post("/token", data=form)

    assert response.status_code == 401
    assert response.json() == {"detail": "Wrong username or password."}
    assert len(verified) == 1


def test_the_right_password_still_logs_in(client: TestClient) -> None:
    response = client.post("/token", data={"username": "alice", "password": "wonderland"})
    assert response.status_code == 200
    assert response.json()["token_type"] == "bearer"
