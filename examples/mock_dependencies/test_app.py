"""The gateway is replaced, never called: overrides, Mock(spec=...), AsyncMock, monkeypatch."""

import asyncio
from collections.abc import Iterator
from typing import Any
from unittest.mock import ANY, AsyncMock, Mock

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from .app import (
    CardDeclined,
    Charge,
    GatewayUnavailable,
    PaymentGateway,
    create_app,
    get_gateway,
)

ORDER = {"product": "mug", "quantity": 2, "card_token": "tok_visa"}


@pytest.fixture
def app() -> FastAPI:
    return create_app()


@pytest.fixture
def gateway() -> Mock:
    """A mock with the real class's interface: a misspelt method fails the test."""
    fake = Mock(spec=PaymentGateway)
    assert isinstance(fake.charge, AsyncMock)  # spec turns async methods into AsyncMocks
    fake.charge.return_value = Charge(id="ch_test_1", amount_cents=2500)
    return fake


@pytest.fixture
def client(app: FastAPI, gateway: Mock) -> Iterator[TestClient]:
    app.dependency_overrides[get_gateway] = lambda: gateway
    with TestClient(app) as client:
        yield client
    app.dependency_overrides.clear()


def test_order_charges_the_card_once(client: TestClient, gateway: Mock) -> None:
    response = client.post("/orders", json=ORDER)

    assert response.status_code == 201
    assert response.json()["charge_id"] == "ch_test_1"
    gateway.charge.assert_awaited_once_with(
        amount_cents=2500, card_token="tok_visa", idempotency_key=ANY
    )


def test_declined_card_is_402_and_an_unpaid_order(client: TestClient, gateway: Mock) -> None:
    gateway.charge.side_effect = CardDeclined("insufficient funds")

    response = client.post("/orders", json=ORDER)

    assert response.status_code == 402
    assert response.json()["detail"] == "insufficient funds"
    [order] = client.get("/orders").json()
    assert order["status"] == "payment_declined" and order["charge_id"] is None


def keys_charged(gateway: Mock) -> list[str]:
    return [call.kwargs["idempotency_key"] for call in gateway.charge.await_args_list]


def test_each_order_is_charged_under_its_own_key(client: TestClient, gateway: Mock) -> None:
    # A declined first order must not hand its key to the next one: the gateway would
    # answer the second charge with the first one's stored decline.
    gateway.charge.side_effect = [
        CardDeclined("insufficient funds"),
        Charge(id="ch_2", amount_cents=2500),
    ]

    assert client.post("/orders", json=ORDER).status_code == 402
    assert client.post("/orders", json=ORDER).status_code == 201

    first, second = keys_charged(gateway)
    assert first != second


def test_a_retried_payment_reuses_its_orders_key(client: TestClient, gateway: Mock) -> None:
    gateway.charge.side_effect = [
        GatewayUnavailable("timed out"),  # the charge may have gone through: unknown
        Charge(id="ch_1", amount_cents=2500),
    ]

    assert client.post("/orders", json=ORDER).status_code == 503
    retried = client.post("/orders/1/payment")

    assert retried.status_code == 200
    assert retried.json()["status"] == "paid"
    first, retry = keys_charged(gateway)
    assert first == retry  # so the gateway charges the card at most once
    assert "payment_key" not in retried.json()


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.anyio
async def test_concurrent_orders_get_their_own_ids_and_keys(
    app: FastAPI, gateway: Mock, anyio_backend: str
) -> None:
    both_waiting = asyncio.Barrier(2)

    async def slow_charge(*, amount_cents: int, card_token: str, idempotency_key: str) -> Charge:
        await both_waiting.wait()  # both orders are at the gateway at once
        return Charge(id=f"ch_{idempotency_key}", amount_cents=amount_cents)

    gateway.charge.side_effect = slow_charge
    app.dependency_overrides[get_gateway] = lambda: gateway
    async with app.router.lifespan_context(app):
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
            responses = await asyncio.gather(*(client.post("/orders", json=ORDER) for _ in "ab"))
            orders = (await client.get("/orders")).json()

    assert [r.status_code for r in responses] == [201, 201]
    assert len({order["id"] for order in orders}) == 2
    assert len(set(keys_charged(gateway))) == 2


def test_invalid_order_never_reaches_the_gateway(client: TestClient, gateway: Mock) -> None:
    response = client.post("/orders", json=ORDER | {"quantity": 0})

    assert response.status_code == 422
    gateway.charge.assert_not_awaited()


class FakeGateway:
    """A hand-written fake: real behaviour in miniature, with its own memory."""

    def __init__(self) -> None:
        self.charges: list[int] = []

    async def charge(self, *, amount_cents: int, card_token: str, idempotency_key: str) -> Charge:
        self.charges.append(amount_cents)
        return Charge(id=f"ch_fake_{len(self.charges)}", amount_cents=amount_cents)


def test_a_fake_records_every_charge(app: FastAPI) -> None:
    fake = FakeGateway()
    app.dependency_overrides[get_gateway] = lambda: fake
    try:
        with TestClient(app) as client:
            client.post("/orders", json=ORDER)
            client.post("/orders", json={**ORDER, "product": "poster", "quantity": 1})
    finally:
        app.dependency_overrides.clear()

    assert fake.charges == [2500, 2000]


def test_without_an_override_the_real_client_answers_503(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PAYMENTS_API_KEY", raising=False)

    with TestClient(app) as client:
        response = client.post("/orders", json=ORDER)

    assert response.status_code == 503
    assert response.headers["retry-after"] == "30"


def test_real_client_builds_the_request(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[dict[str, Any]] = []

    async def fake_send(self: PaymentGateway, path: str, body: dict, headers: dict) -> dict:
        sent.append({"path": path, "body": body, "headers": headers})
        return {"id": "ch_live_1", "amount": body["amount"], "status": "succeeded"}

    monkeypatch.setenv("PAYMENTS_API_KEY", "sk_test_123")
    monkeypatch.setattr(PaymentGateway, "_send", fake_send)

    with TestClient(app) as client:
        response = client.post("/orders", json=ORDER)

    assert response.status_code == 201
    assert sent[0]["body"] == {"amount": 2500, "currency": "eur", "source": "tok_visa"}
    assert sent[0]["headers"]["Authorization"] == "Bearer sk_test_123"
