"""The outbound client under test: the remote replaced by httpx2.MockTransport, time by fakes."""

import random
from collections.abc import Callable, Iterator

import httpx2
import pytest
from fastapi.testclient import TestClient

from .app import create_app
from .upstream import (
    BreakerState,
    CircuitBreaker,
    CircuitOpen,
    Retry,
    Upstream,
    UpstreamFailed,
    UpstreamTimeout,
)

Handler = Callable[[httpx2.Request], httpx2.Response]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Sleeps:
    """Records the backoff waits instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def replies(*answers: int | Exception) -> tuple[Handler, list[httpx2.Request]]:
    """A MockTransport handler that gives these answers in turn, and the requests it saw."""
    seen: list[httpx2.Request] = []
    pending = list(answers)

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        answer = pending.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return httpx2.Response(answer, json={"country": "FR", "cents": 1250})

    return handler, seen


def upstream(
    handler: Handler, sleeps: Sleeps | None = None, clock: FakeClock | None = None
) -> Upstream:
    client = httpx2.AsyncClient(transport=httpx2.MockTransport(handler), base_url="https://rates")
    retry = Retry(attempts=3, sleep=sleeps or Sleeps(), rng=random.Random(7))
    return Upstream(
        client, retry, CircuitBreaker(threshold=3, cooldown=30, clock=clock or FakeClock())
    )


@pytest.mark.anyio
async def test_a_get_is_retried_with_growing_jittered_waits_until_it_succeeds() -> None:
    handler, seen = replies(503, 502, 200)
    sleeps = Sleeps()
    response = await upstream(handler, sleeps).request("GET", "/rates/FR")
    assert response.status_code == 200 and len(seen) == 3
    # Full jitter: each wait is somewhere below its exponential ceiling (0.1 s, then 0.2 s).
    assert len(sleeps.waits) == 2
    assert 0 <= sleeps.waits[0] <= 0.1 and 0 <= sleeps.waits[1] <= 0.2


@pytest.mark.anyio
async def test_a_timeout_is_retried_and_reported_as_a_timeout() -> None:
    timeout = httpx2.ReadTimeout("slow")
    handler, seen = replies(timeout, timeout, timeout)
    with pytest.raises(UpstreamTimeout):
        await upstream(handler).request("GET", "/rates/FR")
    assert len(seen) == 3


@pytest.mark.anyio
async def test_a_post_is_sent_once() -> None:
    handler, seen = replies(503, 201)
    with pytest.raises(UpstreamFailed):
        await upstream(handler).request("POST", "/shipments", json={"country": "FR"})
    assert len(seen) == 1


@pytest.mark.anyio
async def test_a_post_with_an_idempotency_key_is_retried() -> None:
    handler, seen = replies(503, 201)
    headers = {"Idempotency-Key": "5c1e0d9a"}
    response = await upstream(handler).request(
        "POST", "/shipments", json={"country": "FR"}, headers=headers
    )
    assert response.status_code == 201 and len(seen) == 2


@pytest.mark.anyio
async def test_a_client_error_is_neither_retried_nor_held_against_the_remote() -> None:
    handler, seen = replies(404, 404, 404, 404)
    client = upstream(handler)
    for _ in range(4):
        assert (await client.request("GET", "/rates/XX")).status_code == 404
    assert len(seen) == 4 and client.breaker.state is BreakerState.closed


@pytest.mark.anyio
async def test_the_breaker_opens_fails_fast_then_lets_one_trial_through() -> None:
    clock = FakeClock()
    handler, seen = replies(*[503] * 9, 200)
    client = upstream(handler, clock=clock)
    for _ in range(3):  # three failed calls, three attempts each
        with pytest.raises(UpstreamFailed):
            await client.request("GET", "/rates/FR")
    assert client.breaker.state is BreakerState.open and len(seen) == 9

    with pytest.raises(CircuitOpen) as refused:  # fails at once: the remote is not called
        await client.request("GET", "/rates/FR")
    assert len(seen) == 9 and refused.value.retry_after == 30

    clock.now += 30  # the cooldown is over: one trial call, which succeeds
    assert (await client.request("GET", "/rates/FR")).status_code == 200
    assert client.breaker.state is BreakerState.closed and client.breaker.failures == 0


@pytest.mark.anyio
async def test_a_failed_trial_reopens_the_circuit() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(threshold=1, cooldown=30, clock=clock)
    breaker.before_call()
    breaker.record(failed=True)
    clock.now += 30
    breaker.before_call()  # the trial
    with pytest.raises(CircuitOpen):  # a second caller during the trial is refused
        breaker.before_call()
    breaker.record(failed=True)
    assert breaker.state is BreakerState.open and breaker.opened_at == clock.now


# The app, with its in-process remote: the statuses a caller sees.


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app()) as client:
        yield client


def test_a_slow_remote_is_a_504_and_a_failing_one_opens_the_circuit(client: TestClient) -> None:
    assert client.get("/quotes/FR").json() == {"country": "FR", "cents": 1250}
    client.put("/upstream/mode", json={"mode": "slow"})
    assert client.get("/quotes/FR").status_code == 504
    client.put("/upstream/mode", json={"mode": "failing"})
    assert [client.get("/quotes/FR").status_code for _ in range(2)] == [502, 502]
    calls = client.get("/upstream").json()["remote_calls"]
    refused = client.get("/quotes/FR")
    assert refused.status_code == 503 and 1 <= int(refused.headers["retry-after"]) <= 30
    assert refused.headers["content-type"] == "application/problem+json"
    assert client.get("/upstream").json()["remote_calls"] == calls


def test_one_client_serves_every_request_and_is_closed_at_shutdown() -> None:
    with TestClient(create_app()) as client:
        http = client.app_state["upstream"].client
        assert [client.get("/quotes/FR").status_code for _ in range(3)] == [200] * 3
        assert client.app_state["upstream"].client is http and not http.is_closed
    assert http.is_closed
