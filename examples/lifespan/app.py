"""Lifespan and the app factory: shared resources opened once, handed over as typed state."""

import asyncio
import logging
import tempfile
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from decimal import Decimal
from http import HTTPStatus
from pathlib import Path
from typing import Annotated, TypedDict

import httpx2
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Numeric, String, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from starlette.exceptions import HTTPException as StarletteHTTPException

from .rates_service import create_rates_service

logger = logging.getLogger(__name__)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CATALOG_")

    database_path: Path | None = None  # None: a file in a temporary directory
    rates_url: str = "http://rates.internal"
    rates_refresh_seconds: float = Field(default=300, gt=0)
    # Until the first rates arrive: the first retry, each next one twice as late, up to
    # the longest, so that a remote that is down is not asked (nor logged) every second.
    rates_retry_seconds: float = Field(default=1, gt=0)
    rates_retry_max_seconds: float = Field(default=8, gt=0)
    # How long the simulated remote answers 503 after it starts; see the example's .env.
    fake_rates_warmup: float = Field(default=0, ge=0)


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    price_eur: Mapped[Decimal] = mapped_column(Numeric(10, 2))


class ProductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    price_eur: Decimal


class Price(BaseModel):
    product_id: int
    currency: str
    amount: Decimal


class RatesReply(BaseModel):
    base: str
    rates: dict[str, Decimal]


class RateBook:
    """Exchange rates from EUR, filled in the background; empty until the first answer."""

    def __init__(self) -> None:
        self.rates: dict[str, Decimal] | None = None


class State(TypedDict):
    """What the lifespan yields: every request finds it in ``request.state``."""

    engine: AsyncEngine
    http: httpx2.AsyncClient
    rates: RateBook


SEED = (("Kettle", "49.00"), ("Teapot", "32.50"), ("Mug", "9.90"))


async def keep_rates_fresh(http: httpx2.AsyncClient, book: RateBook, settings: Settings) -> None:
    """Refresh the rates until cancelled; a failed refresh keeps the last good rates."""
    retry = settings.rates_retry_seconds
    while True:
        try:
            response = await http.get("/v1/rates")
            response.raise_for_status()
            book.rates = RatesReply.model_validate_json(response.content).rates
        except (httpx2.HTTPError, ValidationError) as exc:
            logger.warning("exchange rates not refreshed: %s", exc)
        if book.rates is not None:
            await asyncio.sleep(settings.rates_refresh_seconds)
        else:
            await asyncio.sleep(retry)
            retry = min(retry * 2, settings.rates_retry_max_seconds)


async def cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    # wait() returns once the task is done and, unlike `await task`, does not re-raise its
    # CancelledError, so a cancellation of this coroutine itself is never swallowed.
    await asyncio.wait({task})


@asynccontextmanager
async def resources(settings: Settings) -> AsyncIterator[State]:
    """Open everything the app shares; close it in reverse order, however the app stops."""
    async with AsyncExitStack() as stack:
        path = settings.database_path
        if path is None:
            path = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "catalog.db"
        engine = create_async_engine(f"sqlite+aiosqlite:///{path}")
        stack.push_async_callback(engine.dispose)
        # The first connection is made here, not on the first request: a database that
        # cannot be reached stops the start.
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        async with AsyncSession(engine) as session, session.begin():
            session.add_all(Product(name=n, price_eur=Decimal(p)) for n, p in SEED)

        remote = create_rates_service(warmup=settings.fake_rates_warmup)
        http = await stack.enter_async_context(
            httpx2.AsyncClient(
                base_url=settings.rates_url,
                transport=httpx2.ASGITransport(app=remote),  # in-process: no network
                timeout=httpx2.Timeout(5.0),
            )
        )
        book = RateBook()
        # Not awaited: the app starts serving while the first rates are on their way.
        refresher = asyncio.create_task(keep_rates_fresh(http, book, settings))
        stack.push_async_callback(cancel, refresher)

        yield {"engine": engine, "http": http, "rates": book}
        # After the yield: the server has stopped taking requests. The stack now cancels
        # the refresher, closes the client, disposes of the pool, removes the directory.


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with AsyncSession(request.state.engine) as session:
        yield session


async def current_rates(request: Request) -> dict[str, Decimal]:
    """The rates, or a 503 while they are still loading: the app is up, this part is not."""
    book: RateBook = request.state.rates
    if book.rates is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "exchange rates are still loading",
            headers={"Retry-After": "5"},
        )
    return book.rates


Session = Annotated[AsyncSession, Depends(get_session)]
Rates = Annotated[dict[str, Decimal], Depends(current_rates)]
router = APIRouter()


@router.get("/products")
async def list_products(session: Session) -> list[ProductOut]:
    products = await session.scalars(select(Product).order_by(Product.id))
    return [ProductOut.model_validate(p) for p in products]


@router.get("/products/{product_id}/price")
async def product_price(
    product_id: int,
    session: Session,
    rates: Rates,
    currency: Annotated[str, Query(pattern=r"^[A-Z]{3}$")] = "EUR",
) -> Price:
    product = await session.get(Product, product_id)
    if product is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no product {product_id}")
    rate = Decimal(1) if currency == "EUR" else rates.get(currency)
    if rate is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"no rate for {currency}")
    amount = (product.price_eur * rate).quantize(Decimal("0.01"))
    return Price(product_id=product_id, currency=currency, amount=amount)


async def problem(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """Errors as RFC 9457 problem details, the catalogue's one error shape."""
    body = {
        "type": "about:blank",
        "title": HTTPStatus(exc.status_code).phrase,
        "status": exc.status_code,
        "detail": exc.detail,
    }
    return JSONResponse(
        body, exc.status_code, headers=exc.headers, media_type="application/problem+json"
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new app with its own settings and, once started, its own resources."""
    settings = settings or Settings()
    # A lifespan is any callable that takes the app and returns an async context manager.
    app = FastAPI(title="Lifespan", lifespan=lambda app: resources(settings))
    app.add_exception_handler(StarletteHTTPException, problem)
    app.include_router(router)
    return app
