"""Async SQLAlchemy with aiosqlite: AsyncSession per request, eager loading, clean shutdown."""

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

import fastapi
from fastapi import Depends, FastAPI, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, selectinload


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # lazy="raise": an accidental lazy load fails loudly instead of doing hidden I/O.
    books: Mapped[list["Book"]] = relationship(
        back_populates="author", lazy="raise", order_by="Book.id"
    )


class Book(Base):
    __tablename__ = "books"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
    author: Mapped[Author] = relationship(back_populates="books", lazy="raise")


class BookIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)


class BookOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str


class AuthorIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)


class AuthorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    books: list[BookOut]


SEED = (("Ursula K. Le Guin", ("A Wizard of Earthsea", "The Dispossessed")),)


class DatabaseSettings(BaseSettings):
    """Where the data lives: DATABASE_URL when set (the KB sets it to a PostgreSQL schema of
    this sandbox's own when it has a server), else this example's SQLite default."""

    model_config = SettingsConfigDict(env_ignore_empty=True, hide_input_in_errors=True)

    database_url: str | None = None


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    with tempfile.TemporaryDirectory() as directory:
        # The database DATABASE_URL names (see async_database.env), else a SQLite file.
        default = f"sqlite+aiosqlite:///{Path(directory) / 'library.db'}"
        engine = create_async_engine(DatabaseSettings().database_url or default)
        try:
            # DDL is sync-only in SQLAlchemy: run_sync hands it a sync view of the connection.
            async with engine.begin() as connection:
                await connection.run_sync(Base.metadata.create_all)
            sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
            async with sessionmaker.begin() as session:
                for name, titles in SEED:
                    session.add(Author(name=name, books=[Book(title=t) for t in titles]))
            app.state.sessionmaker = sessionmaker
            yield
        finally:
            await engine.dispose()  # close aiosqlite's connections (and their threads)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
# Ids are INTEGER columns, 32-bit on PostgreSQL: a larger one is a 422, not a database error.
RowId = Annotated[int, fastapi.Path(ge=1, le=2**31 - 1)]


async def load_author(session: AsyncSession, author_id: RowId) -> Author:
    """One author with books, loaded eagerly: no lazy load can happen later."""
    query = select(Author).where(Author.id == author_id).options(selectinload(Author.books))
    author = await session.scalar(query)
    if author is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Author {author_id} not found.")
    return author


def create_app() -> FastAPI:
    app = FastAPI(title="Async database", lifespan=lifespan)

    @app.get("/authors")
    async def list_authors(session: SessionDep) -> list[AuthorOut]:
        query = select(Author).options(selectinload(Author.books)).order_by(Author.id)
        authors = await session.scalars(query)
        return [AuthorOut.model_validate(author) for author in authors]

    @app.post("/authors", status_code=status.HTTP_201_CREATED)
    async def create_author(data: AuthorIn, session: SessionDep) -> AuthorOut:
        author = Author(name=data.name, books=[])  # an empty, already-loaded collection
        session.add(author)
        try:
            await session.commit()
        except IntegrityError:
            await session.rollback()
            raise HTTPException(
                status.HTTP_409_CONFLICT, f"Author {data.name!r} already exists."
            ) from None
        return AuthorOut.model_validate(author)

    @app.get("/authors/{author_id}")
    async def read_author(author_id: RowId, session: SessionDep) -> AuthorOut:
        return AuthorOut.model_validate(await load_author(session, author_id))

    @app.post(
        "/authors/{author_id}/books",
        status_code=status.HTTP_201_CREATED,
    )
    async def add_book(author_id: RowId, data: BookIn, session: SessionDep) -> AuthorOut:
        author = await load_author(session, author_id)
        author.books.append(Book(title=data.title))
        await session.commit()
        return AuthorOut.model_validate(author)

    return app
