"""The input sanitization example lets the UNIQUE constraint settle duplicate SKUs."""

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from kb.sandbox import examples
from kb.settings import PROJECT_DIR

PRODUCT = {"sku": "RCE-001", "name": "Race", "price": "1.00"}


@pytest.fixture
def app() -> FastAPI:
    return examples.build(PROJECT_DIR / "examples", "input_sanitization")


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


def test_a_sku_taken_by_a_concurrent_request_is_a_409_not_a_500(
    app: FastAPI, client: TestClient
) -> None:
    # Another request inserts the same SKU just before this one writes its row: after the
    # moment a check-then-insert handler would have found the SKU free.
    def concurrent_insert(session: Session, *_: object) -> None:
        session.connection().execute(
            text("INSERT INTO products (sku, name, price, description) VALUES (:sku, 'x', 1, '')"),
            {"sku": PRODUCT["sku"]},
        )

    event.listen(app.state.sessions, "before_flush", concurrent_insert, once=True)

    response = client.post("/products", json=PRODUCT)

    assert response.status_code == 409
    assert response.json() == {"detail": "This SKU already exists."}


def test_money_is_exact_and_bounded_to_cents(client: TestClient) -> None:
    created = client.post("/products", json=PRODUCT | {"price": "0.10"})
    assert created.status_code == 201
    found = client.get("/products", params={"q": "Race", "sort": "price"}).json()
    assert found["items"][0]["price"] == "0.10"  # a string: a JSON float could not keep it
    too_fine = client.post("/products", json=PRODUCT | {"sku": "RCE-002", "price": 0.105})
    assert too_fine.status_code == 422
