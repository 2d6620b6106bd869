"""Calling another service: timeouts, retries with backoff and jitter, a circuit breaker."""

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from enum import StrEnum

import httpx2

# Each phase of a call has its own limit. httpx2's default is 5 s for each; pick yours
# from the remote's latency (its p99, with room) and from your own callers' patience.
TIMEOUT = httpx2.Timeout(connect=1.0, read=0.3, write=1.0, pool=1.0)
# Only failures that another attempt might not meet: the remote overloaded or restarting.
RETRY_STATUSES = frozenset({502, 503, 504})
# Methods that mean the same thing sent twice (RFC 9110 §9.2.2); POST and PATCH do not.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


class UpstreamError(Exception):
    """The remote could not give an answer: it failed, timed out or was not called."""


class UpstreamTimeout(UpstreamError):
    pass


class UpstreamFailed(UpstreamError):
    pass


class CircuitOpen(UpstreamError):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"circuit open for another {retry_after:.0f} s")
        self.retry_after = retry_after


class Retry:
    """Up to ``attempts`` tries of an idempotent request, with exponential backoff and
    full jitter: each wait is random between 0 and ``base * 2**n``, capped, so clients
    that failed together do not all come back at the same instant."""

    def __init__(
        self,
        attempts: int = 3,
        base: float = 0.1,
        cap: float = 2.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.attempts = attempts
        self.base = base
        self.cap = cap
        self.sleep = sleep
        self.rng = rng or random.Random()

    def backoff(self, retry: int) -> float:
        return self.rng.uniform(0, min(self.cap, self.base * 2**retry))

    def attempts_for(self, request: httpx2.Request) -> int:
        # A POST that timed out may have been applied: sending it again could charge twice.
        # With an Idempotency-Key the server recognises the repeat, so it is safe again.
        safe = request.method in IDEMPOTENT_METHODS or "Idempotency-Key" in request.headers
        return self.attempts if safe else 1

    async def send(self, client: httpx2.AsyncClient, request: httpx2.Request) -> httpx2.Response:
        attempts = self.attempts_for(request)
        for attempt in range(attempts):
            failure: UpstreamError
            try:
                response = await client.send(request)
            except httpx2.TimeoutException:
                failure = UpstreamTimeout(f"{request.method} {request.url.path} timed out")
            except httpx2.TransportError as exc:
                failure = UpstreamFailed(f"{request.method} {request.url.path}: {exc!r}")
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response  # a success, or a 4xx that another try would not change
                await response.aclose()
                failure = UpstreamFailed(
                    f"{request.method} {request.url.path} answered {response.status_code}"
                )
            if attempt + 1 == attempts:
                raise failure
            await self.sleep(self.backoff(attempt))
        raise AssertionError("unreachable: the loop returns or raises")


class BreakerState(StrEnum):
    closed = "closed"  # calls go through
    open = "open"  # calls fail at once, without reaching the remote
    half_open = "half-open"  # the cooldown is over: one trial call decides


class CircuitBreaker:
    """Stops calling a remote that keeps failing, and tries it again after a cooldown.

    ``threshold`` failed calls in a row open the circuit; after ``cooldown`` seconds one
    trial call is let through: its success closes the circuit, its failure reopens it.
    """

    def __init__(
        self,
        threshold: int = 3,
        cooldown: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = threshold
        self.cooldown = cooldown
        self.clock = clock
        self.state = BreakerState.closed
        self.failures = 0
        self.opened_at = 0.0
        self.trial_in_flight = False

    def before_call(self) -> None:
        if self.state is BreakerState.open:
            remaining = self.opened_at + self.cooldown - self.clock()
            if remaining > 0:
                raise CircuitOpen(remaining)
            self.state = BreakerState.half_open
        if self.state is BreakerState.half_open:
            if self.trial_in_flight:  # one trial at a time, not a stampede
                raise CircuitOpen(self.cooldown)
            self.trial_in_flight = True

    def record(self, *, failed: bool) -> None:
        self.trial_in_flight = False
        if not failed:
            self.state, self.failures = BreakerState.closed, 0
            return
        self.failures += 1
        if self.state is BreakerState.half_open or self.failures >= self.threshold:
            self.state, self.opened_at = BreakerState.open, self.clock()


class Upstream:
    """The one way this app calls the remote: breaker around retries around httpx2."""

    def __init__(self, client: httpx2.AsyncClient, retry: Retry, breaker: CircuitBreaker) -> None:
        self.client = client
        self.retry = retry
        self.breaker = breaker

    async def request(self, method: str, url: str, **kwargs: object) -> httpx2.Response:
        self.breaker.before_call()
        request = self.client.build_request(method, url, **kwargs)  # type: ignore[arg-type]
        try:
            response = await self.retry.send(self.client, request)
            if response.is_server_error:  # a 500: not worth retrying, but the remote is unwell
                await response.aclose()
                raise UpstreamFailed(f"{method} {url} answered {response.status_code}")
        except UpstreamError:
            self.breaker.record(failed=True)
            raise
        except BaseException:  # cancelled, or a bug here: says nothing about the remote
            self.breaker.trial_in_flight = False
            raise
        self.breaker.record(failed=False)  # a 404 too: the remote answered, and sanely
        return response
