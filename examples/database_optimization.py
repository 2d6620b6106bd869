"""Query tuning, SQLite or PostgreSQL: plans before and after an index, lean selects, keysets."""

import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request, status
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import (
    Connection,
    Engine,
    Select,
    String,
    Text,
    create_engine,
    func,
    insert,
    inspect,
    select,
    text,
    tuple_,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.pool import StaticPool

ORDER_COUNT = 5_000
CUSTOMER_COUNT = 250
STATUSES = ("pending", "paid", "shipped", "cancelled")


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int]  # deliberately not indexed: POST /indexes/... adds one
    status: Mapped[str] = mapped_column(String(20))
    total_cents: Mapped[int]
    notes: Mapped[str] = mapped_column(Text)  # wide, and never needed in a list


# In a real app these live in __table_args__ and ship in a migration; here they are
# created on request, so that you can compare a query plan before and after.
# `id` ends the index because it ends the ORDER BY. SQLite appends the rowid to every index
# anyway; PostgreSQL does not, and without it would still sort rows with equal totals.
INDEXES = {
    "ix_orders_customer_total": "CREATE INDEX ix_orders_customer_total "
    "ON orders (customer_id, total_cents, id)",
}


class SortOrder(StrEnum):
    newest = "newest"
    oldest = "oldest"
    largest = "largest"


class OrderSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: int
    status: str
    total_cents: int


class OrderPage(BaseModel):
    items: list[OrderSummary]
    next_cursor: str | None = Field(description="Pass as ?after= to get the next page.")


class QueryPlan(BaseModel):
    query: str
    sql: str
    plan: list[str]
    uses_index: bool
    full_scan: bool
    sorts_in_memory: bool


def order_rows(count: int) -> list[dict[str, Any]]:
    """Deterministic seed data: the same orders on every start."""
    return [
        {
            "id": i,
            "customer_id": (i * 7) % CUSTOMER_COUNT + 1,
            "status": STATUSES[(i // 3) % len(STATUSES)],
            "total_cents": (i * 7919) % 50_000 + 500,
            "notes": f"Order {i}. " + "Leave the parcel with the neighbour. " * 6,
        }
        for i in range(1, count + 1)
    ]


def seed_orders(session: Session, count: int) -> float:
    """Insert ``count`` orders in one executemany batch; return the milliseconds it took."""
    started = time.perf_counter()
    session.execute(insert(Order), order_rows(count))
    session.commit()
    return (time.perf_counter() - started) * 1000


def orders_query(
    customer_id: int | None, sort: SortOrder, after: tuple[int, int] | None, limit: int
) -> Select[Any]:
    """One page of order summaries: only the columns the list shows, keyset-paginated."""
    statement = select(Order.id, Order.customer_id, Order.status, Order.total_cents)
    if customer_id is not None:
        statement = statement.where(Order.customer_id == customer_id)
    if sort is SortOrder.largest:
        key = tuple_(Order.total_cents, Order.id)
        statement = statement.order_by(Order.total_cents.desc(), Order.id.desc())
        if after is not None:
            statement = statement.where(key < tuple_(*after))
    elif sort is SortOrder.newest:
        statement = statement.order_by(Order.id.desc())
        if after is not None:
            statement = statement.where(Order.id < after[1])
    else:
        statement = statement.order_by(Order.id)
        if after is not None:
            statement = statement.where(Order.id > after[1])
    return statement.limit(limit)


def cursor_for(sort: SortOrder, row: Any) -> str:
    value = row.total_cents if sort is SortOrder.largest else row.id
    return f"{value}:{row.id}"


def parse_cursor(after: str | None) -> tuple[int, int] | None:
    if after is None:
        return None
    value, _, last_id = after.partition(":")
    return int(value), int(last_id)


def cursor_in_range(after: str | None) -> str | None:
    """A cursor is two INTEGER column values, 32-bit on PostgreSQL (64-bit on SQLite); a
    larger one would make the database refuse the query: a 500."""
    if after is not None and max(parse_cursor(after) or ()) > 2**31 - 1:
        raise ValueError("cursor out of range")
    return after


# At most 19 digits a side, so int() never parses a huge string; then the range check.
Cursor = Annotated[
    str | None, Query(pattern=r"^\d{1,19}:\d{1,19}$"), AfterValidator(cursor_in_range)
]


class ExplainedQuery(StrEnum):
    customer_orders = "customer_orders"
    offset_page = "offset_page"
    keyset_page = "keyset_page"


EXPLAINED = {
    ExplainedQuery.customer_orders: orders_query(42, SortOrder.largest, None, 10),
    ExplainedQuery.offset_page: orders_query(None, SortOrder.oldest, None, 20).offset(4_000),
    ExplainedQuery.keyset_page: orders_query(None, SortOrder.oldest, (4_000, 4_000), 20),
}


def explain(connection: Connection, name: ExplainedQuery) -> QueryPlan:
    """Ask the database how it runs one of the ``EXPLAINED`` statements."""
    sql = str(
        EXPLAINED[name].compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
    )
    if connection.dialect.name == "postgresql":
        return explain_postgresql(connection, name, sql)
    rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}").all()  # SQLite's
    plan = [row.detail for row in rows]
    return QueryPlan(
        query=name,
        sql=" ".join(sql.split()),
        plan=plan,
        uses_index=any(" USING " in step for step in plan),  # an index or the primary key
        full_scan=any(step.startswith("SCAN") for step in plan),
        sorts_in_memory=any("TEMP B-TREE" in step for step in plan),
    )


INDEX_SCANS = ("Index Scan", "Index Only Scan")


def plan_nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A node of PostgreSQL's JSON plan and the nodes below it, top first."""
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


def describe(node: dict[str, Any]) -> str:
    """One node as one line: ``Index Scan Backward using ix on orders (Index Cond: ...)``."""
    words = [node["Node Type"], "Backward" if node.get("Scan Direction") == "Backward" else ""]
    words += [f"using {node['Index Name']}" if "Index Name" in node else ""]
    words += [f"on {node['Relation Name']}" if "Relation Name" in node else ""]
    for key in ("Index Cond", "Filter", "Sort Key"):
        if key in node:
            value = node[key]
            words.append(f"({key}: {', '.join(value) if isinstance(value, list) else value})")
    return " ".join(word for word in words if word)


def explain_postgresql(connection: Connection, name: ExplainedQuery, sql: str) -> QueryPlan:
    """PostgreSQL's EXPLAIN, read for the same three facts as SQLite's plan."""
    (document,) = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {sql}").scalar_one()
    nodes = list(plan_nodes(document["Plan"]))
    return QueryPlan(
        query=name,
        sql=" ".join(sql.split()),
        plan=[describe(node) for node in nodes],
        uses_index=any("Index Name" in node for node in nodes),
        # SQLite's SCAN: a Seq Scan reads the whole table, and an index scan with no
        # Index Cond walks the whole index from one end.
        full_scan=any(
            node["Node Type"] == "Seq Scan"
            or (node["Node Type"] in INDEX_SCANS and "Index Cond" not in node)
            for node in nodes
        ),
        sorts_in_memory=any(node["Node Type"] in ("Sort", "Incremental Sort") for node in nodes),
    )


class DatabaseSettings(BaseSettings):
    """Where the data lives: DATABASE_URL when set (the KB sets it to a PostgreSQL schema of
    this sandbox's own when it has a server), else this example's SQLite default."""

    model_config = SettingsConfigDict(env_ignore_empty=True, hide_input_in_errors=True)

    database_url: str | None = None


def make_engine() -> Engine:
    """The database DATABASE_URL names (see database_optimization.env), else SQLite in memory."""
    if url := DatabaseSettings().database_url:
        return create_engine(url)
    # One in-memory database, reached by every worker thread through one connection.
    return create_engine(
        "sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool
    )


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    engine = make_engine()
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        app.state.seed_ms = seed_orders(session, ORDER_COUNT)
    app.state.engine = engine
    yield
    engine.dispose()


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def create_app() -> FastAPI:
    app = FastAPI(title="Database optimization", lifespan=lifespan)

    @app.get("/stats")
    def stats(request: Request, session: SessionDep) -> dict[str, Any]:
        return {
            "orders": session.scalar(select(func.count()).select_from(Order)),
            "seed_ms": round(request.app.state.seed_ms, 1),
            "indexes": [ix["name"] for ix in inspect(session.connection()).get_indexes("orders")],
        }

    @app.get("/orders")
    def list_orders(
        session: SessionDep,
        customer_id: Annotated[int | None, Query(ge=1)] = None,
        sort: SortOrder = SortOrder.newest,
        after: Cursor = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> OrderPage:
        statement = orders_query(customer_id, sort, parse_cursor(after), limit)
        rows = session.execute(statement).all()
        items = [OrderSummary.model_validate(row) for row in rows]
        next_cursor = cursor_for(sort, rows[-1]) if len(rows) == limit else None
        return OrderPage(items=items, next_cursor=next_cursor)

    @app.get("/explain/{query}")
    def explain_query(query: ExplainedQuery, session: SessionDep) -> QueryPlan:
        return explain(session.connection(), query)

    @app.post("/indexes/{name}", status_code=status.HTTP_201_CREATED)
    def create_index(name: str, session: SessionDep) -> dict[str, Any]:
        if name not in INDEXES:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"No index {name!r} is on offer")
        existing = {ix["name"] for ix in inspect(session.connection()).get_indexes("orders")}
        if name in existing:
            raise HTTPException(status.HTTP_409_CONFLICT, f"Index {name!r} already exists")
        session.execute(text(INDEXES[name]))
        session.execute(text("ANALYZE orders"))  # refresh the planner's statistics
        session.commit()
        return {"created": name}

    return app
