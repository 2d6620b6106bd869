"""Shaping the generated OpenAPI schema: metadata, tags, operation ids, documented errors."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Path, Query, Request, status
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel

DESCRIPTION = """
The bookshop's catalogue API.

* **Books** — list, search and read books.
* **Authors** — who wrote them.
"""

TAGS = [
    {"name": "books", "description": "Books in the catalogue."},
    {
        "name": "authors",
        "description": "People who write books.",
        "externalDocs": {"description": "Style guide", "url": "https://example.com/authors"},
    },
]

BOOKS = [
    {"id": 1, "title": "Dune", "author_id": 1},
    {"id": 2, "title": "Children of Dune", "author_id": 1},
    {"id": 3, "title": "Emma", "author_id": 2},
]
AUTHORS = [{"id": 1, "name": "Frank Herbert"}, {"id": 2, "name": "Jane Austen"}]


class Book(BaseModel):
    id: int
    title: str
    author_id: int


class Author(BaseModel):
    id: int
    name: str


class Message(BaseModel):
    detail: str


NOT_FOUND = {404: {"model": Message, "description": "No such resource"}}


def operation_id(route: APIRoute) -> str:
    """`books-get_book`: stable, unique names that client generators turn into methods."""
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.books = {b["id"]: Book(**b) for b in BOOKS}
    app.state.authors = {a["id"]: Author(**a) for a in AUTHORS}
    yield


def install_custom_openapi(app: FastAPI) -> None:
    """Post-process the generated schema once, then serve the cached copy."""

    def custom_openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            summary=app.summary,
            description=app.description,
            tags=app.openapi_tags,
            routes=app.routes,
        )
        # A vendor extension FastAPI has no parameter for: ReDoc's navigation groups.
        schema["x-tagGroups"] = [{"name": "Catalogue", "tags": ["books", "authors"]}]
        app.openapi_schema = schema
        return schema

    app.openapi = custom_openapi


def create_app() -> FastAPI:
    app = FastAPI(
        title="Bookshop API",
        summary="Books and authors of a small bookshop.",
        description=DESCRIPTION,
        version="1.4.0",
        openapi_tags=TAGS,
        generate_unique_id_function=operation_id,
        lifespan=lifespan,
    )

    @app.get("/books", tags=["books"], summary="List books")
    async def list_books(
        request: Request, q: Annotated[str | None, Query(min_length=2)] = None
    ) -> list[Book]:
        """Every book, or those whose title contains `q`."""
        books = list(request.app.state.books.values())
        return [b for b in books if q is None or q.lower() in b.title.lower()]

    @app.get("/books/search", tags=["books"], deprecated=True, summary="Search books (old)")
    async def search_books(request: Request, q: Annotated[str, Query(min_length=2)]) -> list[Book]:
        """Use `GET /books?q=` in new code; this endpoint goes away in 2.0."""
        return await list_books(request, q)

    @app.get(
        "/books/{book_id}",
        tags=["books"],
        summary="Get a book",
        response_description="The book",
        responses=NOT_FOUND,
    )
    async def get_book(book_id: Annotated[int, Path(ge=1)], request: Request) -> Book:
        """Read one book by its id.

        Answers **404** when there is no book with that id.
        """
        book = request.app.state.books.get(book_id)
        if book is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "Book not found")
        return book

    @app.get("/authors/{author_id}", tags=["authors"], responses=NOT_FOUND)
    async def get_author(author_id: int, request: Request) -> Author:
        author = request.app.state.authors.get(author_id)
        if author is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "Author not found")
        return author

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    install_custom_openapi(app)
    return app
