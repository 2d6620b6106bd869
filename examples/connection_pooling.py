"""A real QueuePool: sized, recycled, pre-pinged, observed, and mapped to 503 when exhausted."""

import tempfile
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager
from typing import Annotated, Any, cast

from fastapi import FastAPI, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.pool import QueuePool

# Deliberately tiny so that the pool can be exhausted from a browser: 2 kept + 1 overflow.
POOL_SIZE = 2
MAX_OVERFLOW = 1
POOL_TIMEOUT = 0.2  # seconds to wait for a free connection; 5-30 s in production


class PoolStatus(BaseModel):
    status: str
    size: int
    checked_in: int
    checked_out: int
    overflow: int
    capacity: int
    events: dict[str, int]


class DrainResult(BaseModel):
    held: int
    peak_checked_out: int
    answer: int


def build_engine(url: str) -> Engine:
    """An engine whose pool is configured explicitly, not left to defaults."""
    return create_engine(
        url,
        poolclass=QueuePool,
        pool_size=POOL_SIZE,  # connections kept open between requests
        max_overflow=MAX_OVERFLOW,  # extra connections allowed under load, closed after use
        pool_timeout=POOL_TIMEOUT,  # then raise sqlalchemy.exc.TimeoutError
        pool_recycle=1800,  # replace connections older than 30 min (server idle timeouts)
        pool_pre_ping=True,  # test a connection on checkout; reconnect if it went stale
        # Sync endpoints run in a threadpool: a SQLite connection must be free to move.
        connect_args={"check_same_thread": False} if url.startswith("sqlite") else {},
    )


def watch_pool(engine: Engine, events: Counter[str]) -> None:
    """Count pool events; the same hooks are where you would log or export metrics."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        events["connect"] += 1
        if engine.dialect.name == "sqlite":  # per-connection setup belongs here
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

    @event.listens_for(engine, "checkout")
    def on_checkout(dbapi_connection: Any, connection_record: Any, proxy: Any) -> None:
        events["checkout"] += 1

    @event.listens_for(engine, "checkin")
    def on_checkin(dbapi_connection: Any, connection_record: Any) -> None:
        events["checkin"] += 1


class DatabaseSettings(BaseSettings):
    """Where the data lives: DATABASE_URL when set (the KB sets it to a PostgreSQL schema of
    this sandbox's own when it has a server), else this example's SQLite default."""

    model_config = SettingsConfigDict(env_ignore_empty=True, hide_input_in_errors=True)

    database_url: str | None = None


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    with tempfile.TemporaryDirectory() as directory:
        # The database DATABASE_URL names (see connection_pooling.env), else a SQLite file.
        engine = build_engine(DatabaseSettings().database_url or f"sqlite:///{directory}/app.db")
        app.state.pool_events = Counter()
        watch_pool(engine, app.state.pool_events)
        app.state.engine = engine
        try:
            yield
        finally:
            engine.dispose()  # close every pooled connection before the file goes


def pool_status(engine: Engine, events: Counter[str]) -> PoolStatus:
    pool = cast(QueuePool, engine.pool)
    return PoolStatus(
        status=pool.status(),
        size=pool.size(),
        checked_in=pool.checkedin(),
        checked_out=pool.checkedout(),
        overflow=pool.overflow(),
        capacity=pool.size() + MAX_OVERFLOW,
        events=dict(events),
    )


async def pool_exhausted(request: Request, exc: PoolTimeoutError) -> JSONResponse:
    """No connection within pool_timeout: tell the client to retry, don't hang or 500."""
    return JSONResponse(
        {"detail": "The database is busy; try again shortly."},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": "1"},
    )


def create_app() -> FastAPI:
    app = FastAPI(title="Connection pooling", lifespan=lifespan)
    app.add_exception_handler(PoolTimeoutError, pool_exhausted)

    @app.get("/pool")
    async def read_pool(request: Request) -> PoolStatus:
        return pool_status(request.app.state.engine, request.app.state.pool_events)

    @app.get("/query")
    def run_query(request: Request) -> dict[str, int]:
        # The connection is checked out for the block only, then returned to the pool.
        with request.app.state.engine.connect() as connection:
            answer = connection.execute(text("SELECT 6 * 7")).scalar_one()
        return {"answer": answer}

    @app.post("/pool/drain")
    def drain(
        request: Request,
        hold: Annotated[int, Query(ge=0, le=POOL_SIZE + MAX_OVERFLOW)] = 1,
    ) -> DrainResult:
        """Hold `hold` connections (like slow concurrent requests), then run one more query."""
        engine: Engine = request.app.state.engine
        with ExitStack() as held:  # every held connection is returned, even on error
            for _ in range(hold):
                held.enter_context(engine.connect())
            with engine.connect() as connection:  # waits pool_timeout, then TimeoutError
                peak = engine.pool.checkedout()
                answer = connection.execute(text("SELECT 6 * 7")).scalar_one()
        return DrainResult(held=hold, peak_checked_out=peak, answer=answer)

    return app
