"""The ORM models example: defaults live in the DDL, timestamps are timezone-aware UTC."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from kb.sandbox import examples
from kb.settings import PROJECT_DIR


@pytest.fixture
def app() -> FastAPI:
    return examples.build(PROJECT_DIR / "examples", "orm_models")


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


def test_created_at_is_returned_in_utc_with_its_offset(client: TestClient) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    created = client.post("/products", json={"sku": "TZ-1", "name": "Clock", "price_cents": 1})

    stamp = datetime.fromisoformat(created.json()["created_at"])
    assert stamp.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=5) <= stamp <= datetime.now(UTC) + timedelta(seconds=5)


def test_a_raw_insert_gets_the_server_defaults(app: FastAPI, client: TestClient) -> None:
    # Another writer that knows nothing of the ORM's Python-side defaults.
    with Session(app.state.engine) as session:
        session.execute(
            text("INSERT INTO products (sku, name, price_cents) VALUES ('RAW-1', 'Raw', 5)")
        )
        session.commit()

    product = client.get("/products").json()[-1]
    assert product["sku"] == "RAW-1"
    assert product["in_stock"] is True
    assert datetime.fromisoformat(product["created_at"]).utcoffset() == timedelta(0)
