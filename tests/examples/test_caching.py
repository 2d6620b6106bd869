"""The caching example's TTL cache under threads: FastAPI runs its `def` handlers in a pool."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx2
import pytest

from examples.caching import Product, TTLCache, create_app

KEYS = [("product", i, "en") for i in range(500)]


@pytest.fixture
def frequent_thread_switches() -> Iterator[None]:
    """Switch threads every microsecond, so that races show up in a short test."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


@pytest.mark.usefixtures("frequent_thread_switches")
def test_reads_writes_and_invalidations_from_many_threads_keep_the_cache_whole() -> None:
    cache = TTLCache(maxsize=len(KEYS), ttl=60)

    def read_and_write() -> None:
        for key in KEYS:
            if cache.get(key) is None:
                cache.set(key, key[1])

    def invalidate() -> None:
        for remainder in range(7):
            cache.invalidate(lambda key, r=remainder: key[1] % 7 == r)

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(read_and_write) for _ in range(6)]
        futures += [pool.submit(invalidate) for _ in range(6)]
        for future in futures:
            future.result()  # re-raises "OrderedDict mutated during iteration", if any
    stats = cache.stats()
    assert stats["size"] <= len(KEYS) and stats["hits"] + stats["misses"] == 6 * len(KEYS)


def test_concurrent_misses_of_one_key_compute_it_once() -> None:
    cache = TTLCache(maxsize=8, ttl=60)
    callers = 16
    computations = 0

    def compute() -> str:
        nonlocal computations
        computations += 1
        wait_until(lambda: cache.stats()["misses"] == callers)  # everybody has missed
        return "rendered"

    with ThreadPoolExecutor(max_workers=callers) as pool:
        results = list(pool.map(lambda _: cache.get_or_compute("k", compute), range(callers)))
    assert results == ["rendered"] * callers
    assert computations == 1
    assert cache.get("k") == "rendered"


def test_a_failed_computation_reaches_every_waiting_caller_and_is_not_cached() -> None:
    cache = TTLCache(maxsize=8, ttl=60)
    computations = 0

    def compute() -> str:
        nonlocal computations
        computations += 1
        wait_until(lambda: cache.stats()["misses"] == 2)
        raise LookupError("not found")

    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(cache.get_or_compute, "k", compute) for _ in range(2)]
        for future in futures:
            with pytest.raises(LookupError, match="not found"):
                future.result()
    assert computations == 1
    assert cache.get_or_compute("k", lambda: "found now") == "found now"


def test_a_value_computed_across_an_invalidation_is_not_stored() -> None:
    cache = TTLCache(maxsize=8, ttl=60)
    started, release = threading.Event(), threading.Event()

    def compute_old_version() -> str:
        started.set()
        release.wait(5)
        return "old price"

    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(cache.get_or_compute, ("product", 1, "en"), compute_old_version)
        started.wait(5)
        cache.invalidate(lambda key: key[:2] == ("product", 1))  # a write lands meanwhile
        release.set()
        assert future.result() == "old price"  # its caller asked before the write
    assert cache.get(("product", 1, "en")) is None  # the next reader renders the new version


class SlowProducts(dict[int, Product]):
    """The example's product store, with a lookup slow enough for readers to overlap."""

    def __init__(self, products: dict[int, Product]) -> None:
        super().__init__(products)
        self.lookups = 0

    def get(self, key: int, default: Product | None = None) -> Product | None:  # type: ignore[override]
        self.lookups += 1
        time.sleep(0.2)
        return super().get(key, default)


@pytest.mark.anyio
async def test_48_concurrent_first_readers_of_a_product_render_it_once() -> None:
    app = create_app()
    async with app.router.lifespan_context(app):
        products = SlowProducts(app.state.products)
        app.state.products = products
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
            responses = await asyncio.gather(*(client.get("/products/1") for _ in range(48)))
            stats = (await client.get("/cache/stats")).json()
    assert {response.status_code for response in responses} == {200}
    assert len({response.headers["etag"] for response in responses}) == 1
    assert products.lookups == 1
    assert stats["misses"] >= 1 and stats["size"] == 1
