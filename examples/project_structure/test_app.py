"""Project structure: the domains work together, and their boundary holds."""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from .items.config import ItemsSettings
from .items.dependencies import get_items_settings
from .main import create_app

HERE = Path(__file__).parent


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app()) as client:
        yield client


def test_an_order_takes_its_quantity_out_of_stock(client: TestClient) -> None:
    placed = client.post("/orders", json={"item_id": 1, "quantity": 2})

    assert placed.status_code == 201
    assert placed.json() == {
        "id": 1,
        "item_id": 1,
        "quantity": 2,
        "total_cents": 9800,
        "status": "placed",
    }
    assert client.get("/items/1").json()["stock"] == 3


def test_cancelling_puts_the_stock_back_once(client: TestClient) -> None:
    client.post("/orders", json={"item_id": 2, "quantity": 2})

    assert client.post("/orders/1/cancel").json()["status"] == "cancelled"
    assert client.get("/items/2").json()["stock"] == 2
    again = client.post("/orders/1/cancel")
    assert again.status_code == 409
    assert again.json()["type"] == "https://shop.example/problems/order_already_cancelled"


@pytest.mark.parametrize(
    ("order", "status", "code"),
    [
        ({"item_id": 2, "quantity": 3}, 409, "out_of_stock"),
        ({"item_id": 99, "quantity": 1}, 404, "item_not_found"),
        ({"item_id": 3, "quantity": 11}, 422, "quantity_too_large"),
    ],
)
def test_each_domain_error_has_its_status(
    client: TestClient, order: dict[str, int], status: int, code: str
) -> None:
    response = client.post("/orders", json=order)

    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith(f"/{code}")


def test_a_refused_order_changes_no_stock(client: TestClient) -> None:
    client.post("/orders", json={"item_id": 2, "quantity": 3})
    assert client.get("/items/2").json()["stock"] == 2


def test_a_domains_settings_are_overridden_through_its_dependency() -> None:
    app = create_app()
    app.dependency_overrides[get_items_settings] = lambda: ItemsSettings(low_stock_below=50)

    with TestClient(app) as client:
        assert all(item["low_stock"] for item in client.get("/items").json())


def imported_packages(package: Path) -> set[str]:
    """The sibling packages that the modules of ``package`` import (``from ..x import``)."""
    found = set()
    for module in package.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 2 and node.module:
                found.add(node.module.split(".")[0])
    return found


def test_dependencies_between_domains_point_one_way() -> None:
    assert imported_packages(HERE / "items") == {"errors"}
    assert imported_packages(HERE / "orders") == {"errors", "items"}


def test_orders_use_the_items_service_never_its_store_or_router() -> None:
    used = set()
    for module in (HERE / "orders").glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 2 and node.module:
                used |= {f"{node.module}.{alias.name}" for alias in node.names}
    assert {name for name in used if name.startswith("items.")} <= {
        "items.service.ItemService",
        "items.dependencies.ItemServiceDep",
    }
