"""Plain pytest functions: arrange, act, assert; a parametrized table; pytest.raises."""

import pytest
from fastapi.testclient import TestClient

from .app import apply_discount, create_app


def test_apply_discount_takes_the_percentage_off() -> None:
    # Arrange
    amount, percent = 1000, 10
    # Act
    total = apply_discount(amount, percent)
    # Assert
    assert total == 900


@pytest.mark.parametrize(
    ("amount", "percent", "expected"),
    [
        (1000, 0, 1000),
        (1000, 100, 0),
        (999, 50, 500),  # 499.5 off rounds down: the shop keeps the half cent
        (0, 10, 0),
    ],
)
def test_apply_discount_table(amount: int, percent: int, expected: int) -> None:
    assert apply_discount(amount, percent) == expected


@pytest.mark.parametrize("percent", [-1, 101])
def test_apply_discount_rejects_impossible_percentages(percent: int) -> None:
    with pytest.raises(ValueError, match="between 0 and 100"):
        apply_discount(1000, percent)


def test_quote_applies_a_coupon() -> None:
    with TestClient(create_app()) as client:
        response = client.get("/quote", params={"sku": "pen", "quantity": 3, "coupon": "SAVE10"})

    assert response.status_code == 200
    assert response.json() == {
        "sku": "pen",
        "quantity": 3,
        "subtotal": 360,
        "discount": 36,
        "total": 324,
    }


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("sku=notebook", 200),
        ("sku=notebook&quantity=100", 200),
        ("sku=stapler", 404),
        ("sku=notebook&quantity=0", 422),
        ("sku=notebook&quantity=many", 422),
        ("sku=notebook&coupon=FREE", 422),
        ("quantity=2", 422),
    ],
)
def test_quote_status_codes(query: str, status: int) -> None:
    with TestClient(create_app()) as client:
        response = client.get(f"/quote?{query}")

    assert response.status_code == status, response.text
