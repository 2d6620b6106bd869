"""Filtering, sorting and pagination with validated query parameters."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from enum import StrEnum
from typing import Annotated

from fastapi import FastAPI, Query, Request
from pydantic import BaseModel, Field

BOOKS = [
    {"id": 1, "title": "Dune", "author": "Frank Herbert", "genre": "sci-fi", "year": 1965},
    {"id": 2, "title": "Neuromancer", "author": "William Gibson", "genre": "sci-fi", "year": 1984},
    {"id": 3, "title": "Emma", "author": "Jane Austen", "genre": "classic", "year": 1815},
    {"id": 4, "title": "Hyperion", "author": "Dan Simmons", "genre": "sci-fi", "year": 1989},
    {"id": 5, "title": "Middlemarch", "author": "George Eliot", "genre": "classic", "year": 1871},
    {
        "id": 6,
        "title": "The Hobbit",
        "author": "J. R. R. Tolkien",
        "genre": "fantasy",
        "year": 1937,
    },
    {"id": 7, "title": "Foundation", "author": "Isaac Asimov", "genre": "sci-fi", "year": 1951},
]


class Book(BaseModel):
    id: int
    title: str
    author: str
    genre: str
    year: int


class SortField(StrEnum):
    title = "title"
    year = "year"


class Page(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[Book]


class Pagination(BaseModel):
    """Query parameters shared by every list endpoint."""

    limit: int = Field(10, ge=1, le=50, description="Items per page.")
    offset: int = Field(0, ge=0, description="Items to skip.")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.books = [Book(**book) for book in BOOKS]
    yield


def create_app() -> FastAPI:
    app = FastAPI(title="Query parameters", lifespan=lifespan)

    @app.get("/books")
    async def list_books(
        request: Request,
        page: Annotated[Pagination, Query()],
        genre: Annotated[str | None, Query(max_length=30, description="Only this genre.")] = None,
        q: Annotated[str | None, Query(min_length=2, max_length=50)] = None,
        published_after: Annotated[int | None, Query(ge=0, le=2100)] = None,
        sort: SortField = SortField.title,
    ) -> Page:
        books = request.app.state.books
        if genre is not None:
            books = [b for b in books if b.genre == genre]
        if q is not None:
            books = [b for b in books if q.lower() in f"{b.title} {b.author}".lower()]
        if published_after is not None:
            books = [b for b in books if b.year > published_after]
        books = sorted(books, key=lambda b: getattr(b, sort.value))
        window = books[page.offset : page.offset + page.limit]
        return Page(total=len(books), limit=page.limit, offset=page.offset, items=window)

    return app
