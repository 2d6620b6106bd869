"""A retried POST charges once: replays, conflicts, crashes, expiry and scope."""

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from .app import KEY_TTL, LEASE, create_app
from .provider import Charge, PaymentProvider
from .store import IdempotencyStore

SHOP_A = {"Authorization": "Bearer sk_test_shop_a"}
SHOP_B = {"Authorization": "Bearer sk_test_shop_b"}
KEY = "order-7f3a9c2e-0001"
PAYMENT = {"amount_cents": 4200, "currency": "EUR", "card": "tok_visa"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class GatedProvider(PaymentProvider):
    """Charges the card, then waits at the gate: the request is in flight until it opens."""

    def __init__(self) -> None:
        super().__init__()
        self.charged = asyncio.Event()
        self.gate = asyncio.Event()

    async def charge(self, amount_cents: int, card: str, idempotency_key: str) -> Charge:
        charge = await super().charge(amount_cents, card, idempotency_key)
        self.charged.set()
        await self.gate.wait()
        return charge


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app() -> FastAPI:
    return create_app()


@pytest.fixture
def client(app: FastAPI, clock: Clock) -> Iterator[TestClient]:
    with TestClient(app) as client:
        # A store on the test's clock, so that leases and expiry can be fast-forwarded.
        app.state.idempotency = IdempotencyStore(ttl=KEY_TTL, lease=LEASE, clock=clock)
        yield client


def pay(
    client: TestClient, key: str = KEY, headers: dict[str, str] = SHOP_A, **changes: Any
) -> httpx2.Response:
    return client.post(
        "/payments", json=PAYMENT | changes, headers=headers | {"Idempotency-Key": key}
    )


def test_a_retry_gets_the_first_response_again_and_charges_once(
    client: TestClient, app: FastAPI
) -> None:
    first, retry = pay(client), pay(client)
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.content == first.content
    assert retry.headers["location"] == first.headers["location"]
    assert "idempotent-replayed" not in first.headers
    assert retry.headers["idempotent-replayed"] == "true"
    assert len(app.state.provider.charges) == 1


def test_the_drafts_quoted_form_is_the_same_key(client: TestClient) -> None:
    first, quoted = pay(client), pay(client, key=f'"{KEY}"')
    assert quoted.headers["idempotent-replayed"] == "true"
    assert quoted.json()["id"] == first.json()["id"]


def test_the_same_key_for_another_request_is_a_422(client: TestClient) -> None:
    pay(client)
    reused = pay(client, amount_cents=9900)
    assert reused.status_code == 422
    assert reused.headers["content-type"] == "application/problem+json"
    assert reused.json()["type"].endswith("/idempotency")


def test_keys_are_scoped_per_client(client: TestClient) -> None:
    a, b = pay(client), pay(client, headers=SHOP_B)
    assert (a.status_code, b.status_code) == (201, 201)
    assert a.json()["id"] != b.json()["id"]
    assert client.get(a.headers["location"], headers=SHOP_B).status_code == 404


def test_a_missing_or_malformed_key_is_a_400(client: TestClient) -> None:
    missing = client.post("/payments", json=PAYMENT, headers=SHOP_A)
    assert missing.status_code == 400
    assert pay(client, key="short").status_code == 400


def test_a_decline_is_an_outcome_and_is_replayed(client: TestClient) -> None:
    first, retry = pay(client, card="tok_declined"), pay(client, card="tok_declined")
    assert (first.status_code, retry.status_code) == (402, 402)
    assert retry.content == first.content
    assert retry.headers["idempotent-replayed"] == "true"


def test_an_invalid_request_does_not_use_up_the_key(client: TestClient) -> None:
    assert pay(client, currency="XXX").status_code == 422  # refused before the handler ran
    assert pay(client).status_code == 201
    assert len(client.app.state.idempotency) == 1  # type: ignore[attr-defined]


def test_an_expired_key_is_forgotten_and_may_be_used_again(
    client: TestClient, clock: Clock
) -> None:
    first = pay(client)
    clock.now += KEY_TTL
    again = pay(client, amount_cents=100)  # a different request: fine once the key expired
    assert again.status_code == 201
    assert again.json()["id"] != first.json()["id"]
    assert len(client.app.state.idempotency) == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.anyio
async def test_a_retry_while_the_first_is_in_flight_is_a_409(
    app: FastAPI, clock: Clock, anyio_backend: str
) -> None:
    async with app.router.lifespan_context(app):
        app.state.idempotency = IdempotencyStore(ttl=KEY_TTL, lease=LEASE, clock=clock)
        app.state.provider = provider = GatedProvider()
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
            headers = SHOP_A | {"Idempotency-Key": KEY}
            first = asyncio.create_task(client.post("/payments", json=PAYMENT, headers=headers))
            await provider.charged.wait()  # the first request is at the provider now

            conflict = await client.post("/payments", json=PAYMENT, headers=headers)
            assert conflict.status_code == 409
            assert conflict.headers["retry-after"] == str(int(LEASE))

            provider.gate.set()
            assert (await first).status_code == 201
            replay = await client.post("/payments", json=PAYMENT, headers=headers)
            assert replay.headers["idempotent-replayed"] == "true"
    assert len(provider.charges) == 1


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.anyio
async def test_a_crash_after_the_charge_never_charges_twice(
    app: FastAPI, clock: Clock, anyio_backend: str
) -> None:
    async with app.router.lifespan_context(app):
        app.state.idempotency = IdempotencyStore(ttl=KEY_TTL, lease=LEASE, clock=clock)
        app.state.provider = provider = GatedProvider()
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
            headers = SHOP_A | {"Idempotency-Key": KEY}
            doomed = asyncio.create_task(client.post("/payments", json=PAYMENT, headers=headers))
            await provider.charged.wait()
            doomed.cancel()  # the worker crashes: the card is charged, nothing was stored
            with pytest.raises(asyncio.CancelledError):
                await doomed
            provider.gate.set()

            too_soon = await client.post("/payments", json=PAYMENT, headers=headers)
            assert too_soon.status_code == 409  # the dead request's lease still holds

            clock.now += LEASE  # the lease runs out: the next retry takes the key over
            recovered = await client.post("/payments", json=PAYMENT, headers=headers)
            assert recovered.status_code == 201
    assert len(provider.charges) == 1
    assert recovered.json()["charge_id"] == next(iter(provider.charges.values())).id
