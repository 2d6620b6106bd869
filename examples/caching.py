"""HTTP caching (ETag, If-None-Match, Cache-Control, Vary) plus a bounded in-process TTL cache."""

import hashlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Hashable
from concurrent.futures import Future
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal, NamedTuple, TypeVar, get_args

from fastapi import FastAPI, Header, HTTPException, Request, Response, status
from pydantic import BaseModel, Field, field_validator

T = TypeVar("T")


class TTLCache:
    """A bounded, least-recently-used cache whose entries expire after `ttl` seconds.

    Safe to share between threads, which is what FastAPI does with it when the handlers
    that use it are `def`: every read and write of the entries happens under one lock.
    """

    def __init__(
        self, maxsize: int, ttl: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.maxsize, self.ttl, self.clock = maxsize, ttl, clock
        self._data: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        # One computation per missing key: the callers that miss while it runs wait for it.
        self._pending: dict[Hashable, Future[Any]] = {}
        self.hits = self.misses = self.evictions = 0

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            return self._get(key)

    def _get(self, key: Hashable) -> Any | None:
        entry = self._data.get(key)
        if entry is None or entry[0] <= self.clock():
            self._data.pop(key, None)  # expired entries are dropped on read
            self.misses += 1
            return None
        self._data.move_to_end(key)  # most recently used
        self.hits += 1
        return entry[1]

    def set(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._set(key, value)

    def _set(self, key: Hashable, value: Any) -> None:
        self._data[key] = (self.clock() + self.ttl, value)
        self._data.move_to_end(key)
        while len(self._data) > self.maxsize:
            self._data.popitem(last=False)  # evict the least recently used
            self.evictions += 1

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value, or `compute()`'s, computed once however many callers miss."""
        with self._lock:
            if (value := self._get(key)) is not None:
                return value
            waiting_for = self._pending.get(key)
            if waiting_for is None:
                future: Future[Any] = Future()
                self._pending[key] = future
        if waiting_for is not None:
            return waiting_for.result()  # the value, or the exception, of the one computation
        # Computed outside the lock: a slow key must not hold up reads of the others.
        try:
            value = compute()
        except BaseException as exc:
            with self._lock:
                self._forget_pending(key, future)
            future.set_exception(exc)  # nothing is cached: the next caller tries again
            raise
        with self._lock:
            # An invalidation while it ran means the value may predate a write: hand it to
            # the callers that were waiting (they asked before the write) but do not store it.
            if self._pending.get(key) is future:
                self._set(key, value)
            self._forget_pending(key, future)
        future.set_result(value)
        return value

    def _forget_pending(self, key: Hashable, future: Future[Any]) -> None:
        if self._pending.get(key) is future:
            del self._pending[key]

    def invalidate(self, match: Callable[[Hashable], bool]) -> None:
        with self._lock:
            for key in [key for key in self._data if match(key)]:
                del self._data[key]
            for key in [key for key in self._pending if match(key)]:
                del self._pending[key]  # its result is not stored; the next miss recomputes

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {
                "hits": self.hits,
                "misses": self.misses,
                "evictions": self.evictions,
                "size": len(self._data),
                "maxsize": self.maxsize,
            }


Language = Literal["en", "fr"]


class ProductIn(BaseModel):
    names: dict[Language, str] = Field(description="The product's name in each language.")
    price_cents: int = Field(ge=0)

    @field_validator("names")
    @classmethod
    def every_language(cls, names: dict[Language, str]) -> dict[Language, str]:
        if set(names) != set(get_args(Language)) or not all(n.strip() for n in names.values()):
            raise ValueError("give a non-empty name for every language: en, fr")
        return names


class Product(ProductIn):
    id: int


class ProductView(BaseModel):
    """One representation of a product: the client's language only."""

    id: int
    name: str
    price_cents: int
    language: Language


class Rendered(NamedTuple):
    """A representation as sent: the exact bytes and the validator derived from them."""

    body: bytes
    etag: str


SEED = (
    (1, (("en", "Espresso cup"), ("fr", "Tasse à expresso")), 900),
    (2, (("en", "Moka pot"), ("fr", "Cafetière italienne")), 3500),
)
PUBLIC = "public, max-age=60"  # shared caches may keep it; revalidate after a minute
PRIVATE = "private, no-store"  # personal data: never store it anywhere


def pick_language(accept_language: str | None) -> Language:
    """A deliberately small negotiation: French if the client prefers it, else English."""
    first = (accept_language or "").split(",")[0].strip().lower()
    return "fr" if first.startswith("fr") else "en"


def render(product: Product, language: Language) -> Rendered:
    """Serialise once, canonically, and hash the bytes: same content, same ETag."""
    view = ProductView(
        id=product.id,
        name=product.names[language],
        price_cents=product.price_cents,
        language=language,
    )
    canonical = json.dumps(
        view.model_dump(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    body = canonical.encode()
    return Rendered(body, f'"{hashlib.sha256(body).hexdigest()[:32]}"')


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """If-None-Match holds a list of tags (or `*`); compare weakly, ignoring `W/`."""
    if if_none_match is None:
        return False
    if if_none_match.strip() == "*":
        return True
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag in tags


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.products = {
        id_: Product(id=id_, names=dict(names), price_cents=price) for id_, names, price in SEED
    }
    app.state.cache = TTLCache(maxsize=128, ttl=30.0)
    yield


def create_app() -> FastAPI:
    app = FastAPI(title="Caching", lifespan=lifespan)

    def load(request: Request, product_id: int, language: Language) -> Rendered:
        """The rendered product, from the in-process cache when it is there."""
        cache: TTLCache = request.app.state.cache

        def compute() -> Rendered:
            product = request.app.state.products.get(product_id)  # the "expensive" lookup
            if product is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"Product {product_id} not found.")
            return render(product, language)

        return cache.get_or_compute(("product", product_id, language), compute)

    @app.get(
        "/products/{product_id}",
        response_model=ProductView,
        responses={304: {"description": "Not modified: your cached copy is current."}},
    )
    def read_product(
        product_id: int,
        request: Request,
        if_none_match: Annotated[str | None, Header()] = None,
        accept_language: Annotated[str | None, Header()] = None,
    ) -> Response:
        language = pick_language(accept_language)
        rendered = load(request, product_id, language)
        headers = {
            "ETag": rendered.etag,
            "Cache-Control": PUBLIC,
            "Vary": "Accept-Language",  # the body depends on this request header
            "Content-Language": language,
        }
        if etag_matches(if_none_match, rendered.etag):
            return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
        return Response(rendered.body, media_type="application/json", headers=headers)

    @app.put("/products/{product_id}", response_model=Product)
    def update_product(product_id: int, data: ProductIn, request: Request) -> Product:
        products = request.app.state.products
        if product_id not in products:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"Product {product_id} not found.")
        products[product_id] = Product(id=product_id, **data.model_dump())
        # Invalidate on write, so the next read renders (and hashes) the new version.
        request.app.state.cache.invalidate(lambda key: key[:2] == ("product", product_id))
        return products[product_id]

    @app.get("/me/basket")
    def read_basket(response: Response) -> dict[str, Any]:
        response.headers["Cache-Control"] = PRIVATE
        return {"owner": "alice", "items": [{"product_id": 2, "quantity": 1}]}

    @app.get("/cache/stats")
    def cache_stats(request: Request, response: Response) -> dict[str, int]:
        response.headers["Cache-Control"] = "no-store"
        return request.app.state.cache.stats()

    return app
