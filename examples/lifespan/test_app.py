"""Lifespan: state reaches handlers, startup can fail, shutdown closes what startup opened."""

import asyncio
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from .app import Settings, create_app, resources


def wait_for_rates(client: TestClient, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while client.app_state["rates"].rates is None:
        assert time.monotonic() < deadline, "the rates never arrived"
        time.sleep(0.01)


def test_the_lifespan_state_reaches_the_handlers() -> None:
    with TestClient(create_app(Settings())) as client:
        response = client.get("/products")

    assert response.status_code == 200
    assert [p["name"] for p in response.json()] == ["Kettle", "Teapot", "Mug"]


def test_prices_wait_for_the_rates_then_convert() -> None:
    settings = Settings(fake_rates_warmup=0.2, rates_retry_seconds=0.05)
    with TestClient(create_app(settings)) as client:
        loading = client.get("/products/1/price", params={"currency": "USD"})
        wait_for_rates(client)
        loaded = client.get("/products/1/price", params={"currency": "USD"})

    assert loading.status_code == 503
    assert loading.headers["retry-after"] == "5"
    assert loading.headers["content-type"] == "application/problem+json"
    assert loaded.json() == {"product_id": 1, "currency": "USD", "amount": "52.92"}


def test_a_database_that_cannot_be_opened_stops_the_start(tmp_path: Path) -> None:
    settings = Settings(database_path=tmp_path / "no-such-folder" / "catalog.db")

    with pytest.raises(OperationalError), TestClient(create_app(settings)):
        pass  # never reached: the lifespan raised before the app took a request


def test_shutdown_closes_what_startup_opened() -> None:
    with TestClient(create_app(Settings())) as client:
        state = client.app_state
        assert not state["http"].is_closed

    assert state["http"].is_closed
    assert state["engine"].pool.checkedout() == 0


def test_each_app_from_the_factory_has_its_own_resources() -> None:
    with (
        TestClient(create_app(Settings())) as first,
        TestClient(create_app(Settings(rates_url="http://rates.test"))) as second,
    ):
        assert first.app_state["engine"] is not second.app_state["engine"]
        assert str(second.app_state["http"].base_url) == "http://rates.test"


def test_shutdown_cancels_the_background_refresh() -> None:
    async def not_cancelled_at_shutdown() -> list[asyncio.Task[object]]:
        async with resources(Settings()) as state:
            started = asyncio.all_tasks() - {asyncio.current_task()}
            while state["rates"].rates is None:  # the refresher has run, and now sleeps
                await asyncio.sleep(0.01)
        # Left running, it would wake up to a closed client and die with a RuntimeError.
        return [task for task in started if not task.cancelled()]

    assert asyncio.run(not_cancelled_at_shutdown()) == []
