"""Efficient queries with select(): filters, joins, aggregates, and N+1 made visible."""

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from enum import StrEnum
from typing import Annotated, Any, Self

from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Engine, ForeignKey, String, create_engine, event, func, select
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    contains_eager,
    mapped_column,
    relationship,
    selectinload,
)
from sqlalchemy.pool import StaticPool


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    books: Mapped[list["Book"]] = relationship(back_populates="author", order_by="Book.year")


class Book(Base):
    __tablename__ = "books"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"), index=True)
    author: Mapped[Author] = relationship(back_populates="books")


SEED = {
    "Ursula K. Le Guin": [
        ("A Wizard of Earthsea", 1968),
        ("The Left Hand of Darkness", 1969),
        ("The Dispossessed", 1974),
    ],
    "Octavia E. Butler": [("Kindred", 1979), ("Dawn", 1987), ("Parable of the Sower", 1993)],
    "Terry Pratchett": [("Mort", 1987), ("Guards! Guards!", 1989), ("Small Gods", 1992)],
    "Iain M. Banks": [
        ("Consider Phlebas", 1987),
        ("The Player of Games", 1988),
        ("Excession", 1996),
    ],
    "N. K. Jemisin": [
        ("The Fifth Season", 2015),
        ("The Obelisk Gate", 2016),
        ("The Stone Sky", 2017),
    ],
    "Frank Herbert": [("Dune", 1965), ("Dune Messiah", 1969)],
    "Ann Leckie": [
        ("Ancillary Justice", 2013),
        ("Ancillary Sword", 2014),
        ("Ancillary Mercy", 2015),
    ],
    "Isaac Asimov": [("I, Robot", 1950), ("Foundation", 1951), ("The Gods Themselves", 1972)],
}


class QueryCounter:
    """The SQL statements one request sent to the database."""

    def __init__(self) -> None:
        self.count = 0


# A ContextVar is per request, not shared state: each request sets its own counter, and the
# worker thread that runs a sync endpoint sees a copy of the request's context.
current_counter: ContextVar[QueryCounter | None] = ContextVar("current_counter", default=None)


def count_statement(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
    """``before_cursor_execute`` listener: one call per statement sent to the database."""
    counter = current_counter.get()
    if counter is not None:
        counter.count += 1


class BookOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    year: int


class BookWithAuthor(BookOut):
    author_name: str


class AuthorWithBooks(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    books: list[BookOut]


class AuthorStats(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    book_count: int
    first_year: int
    last_year: int


class SortOrder(StrEnum):
    year = "year"
    year_desc = "-year"
    title = "title"


SORT_COLUMNS = {
    SortOrder.year: (Book.year.asc(), Book.id),
    SortOrder.year_desc: (Book.year.desc(), Book.id),
    SortOrder.title: (Book.title.asc(),),
}


class BookFilter(BaseModel):
    """The filters of ``GET /books``, validated together before any SQL is built."""

    author: str | None = Field(None, min_length=2, max_length=50, description="Part of a name.")
    min_year: int | None = Field(None, ge=0, le=2100)
    max_year: int | None = Field(None, ge=0, le=2100)
    sort: SortOrder = SortOrder.year
    limit: int = Field(10, ge=1, le=50)

    @model_validator(mode="after")
    def years_in_order(self) -> Self:
        both = self.min_year is not None and self.max_year is not None
        if both and self.min_year > self.max_year:
            raise ValueError("min_year must not be after max_year")
        return self


class DatabaseSettings(BaseSettings):
    """Where the data lives: DATABASE_URL when set (the KB sets it to a PostgreSQL schema of
    this sandbox's own when it has a server), else this example's SQLite default."""

    model_config = SettingsConfigDict(env_ignore_empty=True, hide_input_in_errors=True)

    database_url: str | None = None


def make_engine() -> Engine:
    """The database DATABASE_URL names (see queries.env), else SQLite in memory."""
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
        for name, books in SEED.items():
            session.add(Author(name=name, books=[Book(title=t, year=y) for t, y in books]))
        session.commit()
    event.listen(engine, "before_cursor_execute", count_statement)
    app.state.engine = engine
    yield
    engine.dispose()


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
# Ids are INTEGER columns, 32-bit on PostgreSQL: a larger one is a 422, not a database error.
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def create_app() -> FastAPI:
    app = FastAPI(title="Queries", lifespan=lifespan)

    @app.middleware("http")
    async def query_count_header(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        counter = QueryCounter()
        token = current_counter.set(counter)
        try:
            response = await call_next(request)
        finally:
            current_counter.reset(token)
        response.headers["X-Query-Count"] = str(counter.count)
        return response

    @app.get("/books")
    def list_books(
        filters: Annotated[BookFilter, Query()], session: SessionDep
    ) -> list[BookWithAuthor]:
        statement = select(Book).join(Book.author).options(contains_eager(Book.author))
        if filters.author is not None:
            statement = statement.where(Author.name.icontains(filters.author, autoescape=True))
        if filters.min_year is not None:
            statement = statement.where(Book.year >= filters.min_year)
        if filters.max_year is not None:
            statement = statement.where(Book.year <= filters.max_year)
        statement = statement.order_by(*SORT_COLUMNS[filters.sort]).limit(filters.limit)
        return [
            BookWithAuthor(id=b.id, title=b.title, year=b.year, author_name=b.author.name)
            for b in session.scalars(statement)
        ]

    @app.get("/authors/naive")
    def authors_naive(session: SessionDep) -> list[AuthorWithBooks]:
        authors = session.scalars(select(Author).order_by(Author.id)).all()
        # Each author.books is loaded lazily, one SELECT per author: N+1 statements.
        return [AuthorWithBooks.model_validate(author) for author in authors]

    @app.get("/authors/eager")
    def authors_eager(session: SessionDep) -> list[AuthorWithBooks]:
        statement = select(Author).options(selectinload(Author.books)).order_by(Author.id)
        authors = session.scalars(statement).all()
        # All the books came with the second statement: building the response runs no SQL.
        return [AuthorWithBooks.model_validate(author) for author in authors]

    @app.get("/authors/stats")
    def author_stats(session: SessionDep) -> list[AuthorStats]:
        book_count = func.count(Book.id).label("book_count")
        statement = (
            select(
                Author.name,
                book_count,
                func.min(Book.year).label("first_year"),
                func.max(Book.year).label("last_year"),
            )
            .join(Author.books)
            .group_by(Author.id)
            .order_by(book_count.desc(), Author.name)
        )
        return [AuthorStats.model_validate(row) for row in session.execute(statement)]

    @app.get("/authors/{author_id}")
    def read_author(author_id: RowId, session: SessionDep) -> AuthorWithBooks:
        statement = select(Author).where(Author.id == author_id).options(selectinload(Author.books))
        author = session.scalar(statement)
        if author is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"Author {author_id} not found")
        return AuthorWithBooks.model_validate(author)

    return app
