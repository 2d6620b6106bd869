"""SQLAlchemy 2.0 declarative models, kept apart from the Pydantic schemas of the API."""

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Path, Request, Response, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    Engine,
    MetaData,
    String,
    Text,
    TypeDecorator,
    create_engine,
    func,
    inspect,
    select,
    true,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.pool import StaticPool


class Base(DeclarativeBase):
    """The declarative base: one ``MetaData`` whose naming convention names every constraint."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC, on every database.

    PostgreSQL's ``timestamptz`` keeps the instant; SQLite keeps text without an offset, so
    values are written in UTC and the offset is put back when they are read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: say which time zone it is in")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Product(Base):
    """A row of the ``products`` table: the database's view of a product."""

    __tablename__ = "products"
    __table_args__ = (CheckConstraint("price_cents >= 0", name="price_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    price_cents: Mapped[int] = mapped_column(BigInteger)  # INTEGER is 32-bit on PostgreSQL
    in_stock: Mapped[bool] = mapped_column(server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, server_default=func.now())


class ProductCreate(BaseModel):
    """What a client may send: no id, no timestamps."""

    sku: str = Field(min_length=3, max_length=32, pattern=r"^[A-Z0-9-]+$")
    name: str = Field(min_length=1, max_length=200)
    description: str | None = None
    price_cents: int = Field(ge=0, le=2**63 - 1)
    in_stock: bool = True


class ProductUpdate(BaseModel):
    """A partial update: only the fields the client sends are changed."""

    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = None
    price_cents: int | None = Field(None, ge=0, le=2**63 - 1)
    in_stock: bool | None = None

    @field_validator("name", "price_cents", "in_stock")
    @classmethod
    def not_null(cls, value: object) -> object:
        # Runs only for fields the client sent: omitting one is fine, nulling it is not.
        if value is None:
            raise ValueError("may be omitted, but not null")
        return value


class ProductRead(BaseModel):
    """What the API returns, read straight from a ``Product`` object's attributes."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    sku: str
    name: str
    description: str | None
    price_cents: int
    in_stock: bool
    created_at: AwareDatetime  # with its offset, so no client guesses the time zone


class DatabaseSettings(BaseSettings):
    """Where the data lives: DATABASE_URL when set (the KB sets it to a PostgreSQL schema of
    this sandbox's own when it has a server), else this example's SQLite default."""

    model_config = SettingsConfigDict(env_ignore_empty=True, hide_input_in_errors=True)

    database_url: str | None = None


def make_engine() -> Engine:
    """The database DATABASE_URL names (see orm_models.env), else SQLite in memory."""
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
    app.state.engine = engine
    yield
    engine.dispose()


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
# Ids are INTEGER columns, 32-bit on PostgreSQL: a larger one is a 422, not a database error.
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def get_product_or_404(product_id: RowId, session: SessionDep) -> Product:
    product = session.get(Product, product_id)
    if product is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Product {product_id} not found")
    return product


ProductDep = Annotated[Product, Depends(get_product_or_404)]


def create_app() -> FastAPI:
    app = FastAPI(title="ORM models", lifespan=lifespan)

    @app.post("/products", status_code=status.HTTP_201_CREATED)
    def create_product(payload: ProductCreate, session: SessionDep) -> ProductRead:
        product = Product(**payload.model_dump())
        session.add(product)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            raise HTTPException(
                status.HTTP_409_CONFLICT, f"A product with SKU {payload.sku!r} already exists"
            ) from None
        return ProductRead.model_validate(product)

    @app.get("/products")
    def list_products(session: SessionDep) -> list[ProductRead]:
        products = session.scalars(select(Product).order_by(Product.id))
        return [ProductRead.model_validate(p) for p in products]

    @app.get("/products/{product_id}")
    def read_product(product: ProductDep) -> ProductRead:
        return ProductRead.model_validate(product)

    @app.patch("/products/{product_id}")
    def update_product(
        payload: ProductUpdate, product: ProductDep, session: SessionDep
    ) -> ProductRead:
        for field, value in payload.model_dump(exclude_unset=True).items():
            setattr(product, field, value)
        session.commit()
        return ProductRead.model_validate(product)

    @app.delete("/products/{product_id}", status_code=status.HTTP_204_NO_CONTENT)
    def delete_product(product: ProductDep, session: SessionDep) -> Response:
        session.delete(product)
        session.commit()
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @app.get("/schema")
    def table_schema(session: SessionDep) -> dict[str, object]:
        """The names the naming convention gave the table's constraints."""
        inspector = inspect(session.connection())
        return {
            "table": Product.__tablename__,
            "columns": [column["name"] for column in inspector.get_columns("products")],
            "primary_key": inspector.get_pk_constraint("products")["name"],
            "unique": [u["name"] for u in inspector.get_unique_constraints("products")],
            "checks": [c["name"] for c in inspector.get_check_constraints("products")],
        }

    return app
