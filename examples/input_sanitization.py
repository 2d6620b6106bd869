"""Input handling that keeps data as data: bound parameters, allow-lists, escaping."""

import html
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

import fastapi
from fastapi import Depends, FastAPI, HTTPException, Query, Request, status
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Numeric, String, create_engine, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool

SEED_PRODUCTS = [
    ("LMP-001", "Desk lamp", Decimal("39.00"), "Warm light for late reading."),
    ("LMP-002", "Lamp shade", Decimal("12.50"), "Linen, fits most lamps."),
    ("TEE-100", "Cotton tee (100% organic)", Decimal("25.00"), "Soft and plain."),
    ("MUG-100", "Mug 100 ml", Decimal("8.00"), "An espresso mug."),
    ("PEN-007", "Fountain pen", Decimal("49.00"), "Fine nib, blue ink."),
]
ATTACHMENTS = {"care-guide.txt": "Wash cold. Dry flat.\n", "sizes.txt": "S M L XL\n"}


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(7), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    price: Mapped[Decimal] = mapped_column(Numeric(7, 2))  # money: exact, never a float
    description: Mapped[str] = mapped_column(String(500))


class ProductIn(BaseModel):
    """What a client may send: bounded lengths, a strict SKU format, no extra fields."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    sku: str = Field(pattern=r"^[A-Z]{3}-\d{3}$")
    name: str = Field(min_length=1, max_length=80)
    price: Decimal = Field(gt=0, le=10_000, max_digits=7, decimal_places=2)
    description: str = Field("", max_length=500)


class ProductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    sku: str
    name: str
    price: Decimal  # sent as a JSON string, "12.50", so no client reads it into a float
    description: str


class SearchResult(BaseModel):
    total: int
    items: list[ProductOut]


# The columns a client may sort by, and nothing else.
SORTABLE = {"name": Product.name, "price": Product.price}


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    engine = create_engine(
        "sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool
    )
    Base.metadata.create_all(engine)
    app.state.sessions = sessionmaker(engine, expire_on_commit=False)
    with app.state.sessions.begin() as session:
        session.add_all(
            Product(sku=sku, name=name, price=price, description=description)
            for sku, name, price, description in SEED_PRODUCTS
        )
    with tempfile.TemporaryDirectory() as folder:
        app.state.attachments = Path(folder).resolve()
        for name, content in ATTACHMENTS.items():
            (app.state.attachments / name).write_text(content)
        yield
    engine.dispose()


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
# Ids are SQLite integers: a larger one is a 422, not an overflow in the driver.
RowId = Annotated[int, fastapi.Path(ge=1, le=2**63 - 1)]


def create_app() -> FastAPI:
    app = FastAPI(title="Input sanitization", lifespan=lifespan)

    @app.get("/products")
    def search_products(
        session: SessionDep,
        q: Annotated[str | None, Query(max_length=50)] = None,
        sort: Literal["name", "price"] = "name",
        order: Literal["asc", "desc"] = "asc",
    ) -> SearchResult:
        """Search by name: the text is a bound value, LIKE wildcards in it are escaped."""
        query = select(Product)
        if q:
            # name LIKE '%' || :name_1 || '%' ESCAPE '/', with % _ / in q escaped
            query = query.where(Product.name.contains(q, autoescape=True))
        column = SORTABLE[sort]  # an allow-listed column object, never the client's string
        query = query.order_by(column.desc() if order == "desc" else column.asc(), Product.id)
        products = session.scalars(query).all()
        return SearchResult(
            total=len(products), items=[ProductOut.model_validate(p) for p in products]
        )

    @app.get("/products/by-sku/{sku}", response_model=ProductOut)
    def product_by_sku(session: SessionDep, sku: str) -> Product:
        """Raw SQL is fine too, as long as values travel as bound parameters."""
        statement = text("SELECT * FROM products WHERE sku = :sku")
        query = select(Product).from_statement(statement)
        product = session.scalars(query, {"sku": sku}).one_or_none()
        if product is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "No product with this SKU.")
        return product

    @app.post("/products", response_model=ProductOut, status_code=status.HTTP_201_CREATED)
    def create_product(session: SessionDep, body: ProductIn) -> Product:
        product = Product(**body.model_dump())
        session.add(product)
        try:
            # The UNIQUE constraint decides, atomically: a SELECT first would let two
            # requests both see the SKU free and both insert it.
            session.commit()
        except IntegrityError:
            session.rollback()
            raise HTTPException(status.HTTP_409_CONFLICT, "This SKU already exists.") from None
        return product

    @app.get("/products/{product_id}/card", response_class=HTMLResponse)
    def product_card(session: SessionDep, product_id: RowId) -> HTMLResponse:
        """Client-supplied text is escaped when it is written into HTML, not when stored."""
        product = session.get(Product, product_id)
        if product is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "Product not found.")
        body = (
            f"<article><h1>{html.escape(product.name)}</h1>"
            f"<p>{html.escape(product.description)}</p></article>"
        )
        return HTMLResponse(body)

    @app.get("/attachments", response_class=FileResponse)
    def attachment(
        request: Request,
        filename: Annotated[str, Query(pattern=r"^[a-z0-9-]+\.txt$", max_length=64)],
    ) -> FileResponse:
        """A file by name: allow-listed characters, then checked to stay inside the folder."""
        folder: Path = request.app.state.attachments
        path = (folder / filename).resolve()
        if not path.is_relative_to(folder) or not path.is_file():
            raise HTTPException(status.HTTP_404_NOT_FOUND, "No such attachment.")
        return FileResponse(path)

    return app
