"""Lifespan: state reaches handlers, startup can fail, shutdown closes what startup opened."""

import asyncio
import time
from pathlib import Path

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from .app import RateBook, Settings, create_app, keep_rates_fresh, resources
from .rates_service import create_rates_service


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


def test_until_the_first_rates_each_retry_waits_twice_as_long(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    waits: list[float] = []

    class Stop(Exception):
        pass

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 6:
            raise Stop

    async def refresh_against_a_remote_that_is_down() -> None:
        remote = httpx2.ASGITransport(app=create_rates_service(warmup=3600))
        async with httpx2.AsyncClient(base_url="http://rates.test", transport=remote) as http:
            monkeypatch.setattr(asyncio, "sleep", sleep)
            with pytest.raises(Stop):
                await keep_rates_fresh(http, RateBook(), Settings())

    asyncio.run(refresh_against_a_remote_that_is_down())
    assert waits == [1, 2, 4, 8, 8, 8]  # up to rates_retry_max_seconds
    assert len([r for r in caplog.records if "not refreshed" in r.getMessage()]) == 6
