"""One-to-many and many-to-many relationships, loaded eagerly into nested Pydantic responses."""

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Path, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Column, Engine, ForeignKey, String, Table, create_engine, event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    joinedload,
    mapped_column,
    relationship,
    selectinload,
)
from sqlalchemy.pool import StaticPool


class Base(DeclarativeBase):
    pass


# The association table of the many-to-many: no class, just two foreign keys.
book_tags = Table(
    "book_tags",
    Base.metadata,
    Column("book_id", ForeignKey("books.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)


class Author(Base):
    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    books: Mapped[list["Book"]] = relationship(
        back_populates="author",
        cascade="all, delete-orphan",
        passive_deletes=True,  # unloaded books are left to ON DELETE CASCADE: no SELECT
        order_by="Book.id",
    )


class Book(Base):
    __tablename__ = "books"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    year: Mapped[int]
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id", ondelete="CASCADE"))
    author: Mapped[Author] = relationship(back_populates="books")
    tags: Mapped[list["Tag"]] = relationship(
        secondary=book_tags,
        back_populates="books",
        order_by="Tag.name",
        passive_deletes=True,  # a deleted book's book_tags rows go by ON DELETE CASCADE
    )


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    books: Mapped[list[Book]] = relationship(secondary=book_tags, back_populates="tags")


class AuthorCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)


class BookCreate(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    year: int = Field(ge=0, le=2100)
    tags: list[str] = Field(default_factory=list, max_length=10)

    @field_validator("tags")
    @classmethod
    def normalise_tags(cls, tags: list[str]) -> list[str]:
        return sorted({tag.strip().lower() for tag in tags if tag.strip()})


class BookRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    year: int
    tags: list[str]

    @field_validator("tags", mode="before")
    @classmethod
    def tag_names(cls, tags: list[Any]) -> list[Any]:
        # Flatten the Tag objects of the relationship to their names.
        return [tag.name if isinstance(tag, Tag) else tag for tag in tags]


class AuthorSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str


class AuthorRead(AuthorSummary):
    books: list[BookRead]


class BookDetail(BookRead):
    author: AuthorSummary


SEED = {
    "Ursula K. Le Guin": [
        ("A Wizard of Earthsea", 1968, ["fantasy"]),
        ("The Dispossessed", 1974, ["sci-fi", "utopia"]),
    ],
}


def enable_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    # SQLite ignores FOREIGN KEY constraints unless each connection turns them on.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class DatabaseSettings(BaseSettings):
    """Where the data lives: DATABASE_URL when set (the KB sets it to a PostgreSQL schema of
    this sandbox's own when it has a server), else this example's SQLite default."""

    model_config = SettingsConfigDict(env_ignore_empty=True, hide_input_in_errors=True)

    database_url: str | None = None


def make_engine() -> Engine:
    """The database DATABASE_URL names (see relationships.env), else SQLite in memory."""
    if url := DatabaseSettings().database_url:
        return create_engine(url)  # PostgreSQL enforces foreign keys on every connection
    engine = create_engine(
        "sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool
    )
    event.listen(engine, "connect", enable_foreign_keys)
    return engine


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    engine = make_engine()
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        for name, books in SEED.items():
            author = Author(name=name)
            session.add(author)
            for title, year, tags in books:
                tag_rows = find_or_create_tags(session, tags)
                session.add(Book(title=title, year=year, author=author, tags=tag_rows))
        session.commit()
    app.state.engine = engine
    yield
    engine.dispose()


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
# Ids are INTEGER columns, 32-bit on PostgreSQL: a larger one is a 422, not a database error.
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def find_or_create_tags(session: Session, names: list[str]) -> list[Tag]:
    """The Tag rows for ``names``: existing ones loaded in one query, the rest new."""
    existing = {tag.name: tag for tag in session.scalars(select(Tag).where(Tag.name.in_(names)))}
    return [existing.get(name) or Tag(name=name) for name in names]


def get_author_or_404(author_id: RowId, session: SessionDep) -> Author:
    author = session.get(Author, author_id)
    if author is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Author {author_id} not found")
    return author


AuthorDep = Annotated[Author, Depends(get_author_or_404)]


def create_app() -> FastAPI:
    app = FastAPI(title="Relationships", lifespan=lifespan)

    @app.post("/authors", status_code=status.HTTP_201_CREATED, response_model=AuthorRead)
    def create_author(payload: AuthorCreate, session: SessionDep) -> AuthorRead:
        author = Author(name=payload.name)
        session.add(author)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            raise HTTPException(status.HTTP_409_CONFLICT, "That author already exists") from None
        return AuthorRead.model_validate(author)

    @app.post(
        "/authors/{author_id}/books",
        status_code=status.HTTP_201_CREATED,
        response_model=BookDetail,
    )
    def add_book(payload: BookCreate, author: AuthorDep, session: SessionDep) -> BookDetail:
        tags = find_or_create_tags(session, payload.tags)
        book = Book(title=payload.title, year=payload.year, author=author, tags=tags)
        session.add(book)  # back_populates adds it to author.books; the session needs add()
        session.commit()
        return BookDetail.model_validate(book)

    @app.get("/authors", response_model=list[AuthorRead])
    def list_authors(session: SessionDep) -> list[AuthorRead]:
        statement = (
            select(Author)
            .options(selectinload(Author.books).selectinload(Book.tags))
            .order_by(Author.id)
        )
        return [AuthorRead.model_validate(author) for author in session.scalars(statement)]

    @app.get("/authors/{author_id}", response_model=AuthorRead)
    def read_author(author_id: RowId, session: SessionDep) -> AuthorRead:
        # The same loaders as the list: without them, each book's tags is one more query.
        statement = (
            select(Author)
            .where(Author.id == author_id)
            .options(selectinload(Author.books).selectinload(Book.tags))
        )
        author = session.scalar(statement)
        if author is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"Author {author_id} not found")
        return AuthorRead.model_validate(author)

    @app.delete("/authors/{author_id}", status_code=status.HTTP_204_NO_CONTENT)
    def delete_author(author: AuthorDep, session: SessionDep) -> Response:
        session.delete(author)  # cascades to the author's books and their tag links
        session.commit()
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @app.delete("/authors/{author_id}/books/{book_id}", status_code=status.HTTP_204_NO_CONTENT)
    def remove_book(book_id: RowId, author: AuthorDep, session: SessionDep) -> Response:
        book = next((b for b in author.books if b.id == book_id), None)
        if book is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"Author has no book {book_id}")
        author.books.remove(book)  # an orphan now: delete-orphan deletes the row
        session.commit()
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @app.get("/books/{book_id}", response_model=BookDetail)
    def read_book(book_id: RowId, session: SessionDep) -> BookDetail:
        statement = (
            select(Book)
            .where(Book.id == book_id)
            .options(selectinload(Book.tags), joinedload(Book.author))
        )
        book = session.scalar(statement)
        if book is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"Book {book_id} not found")
        return BookDetail.model_validate(book)

    @app.get("/tags/{name}/books", response_model=list[BookDetail])
    def books_with_tag(name: str, session: SessionDep) -> list[BookDetail]:
        statement = (
            select(Book)
            .join(Book.tags)
            .where(Tag.name == name.lower())
            .options(selectinload(Book.tags), joinedload(Book.author))
            .order_by(Book.id)
        )
        return [BookDetail.model_validate(book) for book in session.scalars(statement)]

    return app
