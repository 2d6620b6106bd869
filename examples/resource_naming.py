"""Resource-oriented URLs: plural nouns, nesting, kebab-case, actions as sub-resources."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Literal

from fastapi import APIRouter, FastAPI, HTTPException, Path, Request, Response, status
from pydantic import BaseModel

Slug = Annotated[str, Path(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=60)]


class Author(BaseModel):
    id: int
    slug: str  # readable and stable: part of the URL
    name: str


class Book(BaseModel):
    id: int
    title: str
    author_id: int


class Order(BaseModel):
    id: int
    book_id: int
    status: Literal["placed", "cancelled"]


class Cancellation(BaseModel):
    order_id: int
    reason: str


class CancellationIn(BaseModel):
    reason: str = "changed my mind"


class ReadingList(BaseModel):
    id: int
    name: str
    book_ids: list[int]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    authors = [
        Author(id=1, slug="ursula-k-le-guin", name="Ursula K. Le Guin"),
        Author(id=2, slug="terry-pratchett", name="Terry Pratchett"),
    ]
    app.state.authors = {author.slug: author for author in authors}
    app.state.books = {
        1: Book(id=1, title="A Wizard of Earthsea", author_id=1),
        2: Book(id=2, title="The Dispossessed", author_id=1),
        3: Book(id=3, title="Guards! Guards!", author_id=2),
    }
    app.state.orders = {
        1: Order(id=1, book_id=2, status="placed"),
        2: Order(id=2, book_id=3, status="placed"),
    }
    app.state.cancellations = {}
    app.state.reading_lists = {1: ReadingList(id=1, name="Summer", book_ids=[1, 3])}
    yield


def find_author(request: Request, author_slug: str) -> Author:
    author = request.app.state.authors.get(author_slug)
    if author is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No author {author_slug!r}.")
    return author


def find_order(request: Request, order_id: int) -> Order:
    order = request.app.state.orders.get(order_id)
    if order is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No order {order_id}.")
    return order


def build_v1() -> APIRouter:
    """Version 1 of the API; a breaking change would get a new router under /v2."""
    v1 = APIRouter()

    @v1.get("/authors")
    async def list_authors(request: Request) -> list[Author]:
        return list(request.app.state.authors.values())

    @v1.get("/authors/{author_slug}")
    async def get_author(request: Request, author_slug: Slug) -> Author:
        return find_author(request, author_slug)

    @v1.get("/authors/{author_slug}/books")
    async def list_author_books(request: Request, author_slug: Slug) -> list[Book]:
        """A sub-collection: the books *of* this author."""
        author = find_author(request, author_slug)
        return [b for b in request.app.state.books.values() if b.author_id == author.id]

    @v1.get("/books/{book_id}")
    async def get_book(request: Request, book_id: int) -> Book:
        """Each book has one canonical URL, however it was found."""
        book = request.app.state.books.get(book_id)
        if book is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"No book {book_id}.")
        return book

    @v1.get("/orders/{order_id}")
    async def get_order(request: Request, order_id: int) -> Order:
        return find_order(request, order_id)

    @v1.post(
        "/orders/{order_id}/cancellation",
        status_code=status.HTTP_201_CREATED,
    )
    async def cancel_order(
        request: Request, response: Response, order_id: int, body: CancellationIn
    ) -> Cancellation:
        """The action "cancel" is modelled as creating the order's cancellation."""
        order = find_order(request, order_id)
        if order.status == "cancelled":
            raise HTTPException(status.HTTP_409_CONFLICT, "The order is already cancelled.")
        order.status = "cancelled"
        cancellation = Cancellation(order_id=order_id, reason=body.reason)
        request.app.state.cancellations[order_id] = cancellation
        response.headers["Location"] = str(request.url_for("get_cancellation", order_id=order_id))
        return cancellation

    @v1.get("/orders/{order_id}/cancellation")
    async def get_cancellation(request: Request, order_id: int) -> Cancellation:
        find_order(request, order_id)
        cancellation = request.app.state.cancellations.get(order_id)
        if cancellation is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "The order is not cancelled.")
        return cancellation

    @v1.get("/reading-lists/{list_id}")
    async def get_reading_list(request: Request, list_id: int) -> ReadingList:
        """Multi-word resources are kebab-case in the path, snake_case in JSON."""
        reading_list = request.app.state.reading_lists.get(list_id)
        if reading_list is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"No reading list {list_id}.")
        return reading_list

    return v1


def create_app() -> FastAPI:
    # redirect_slashes (on by default) answers /v1/authors/ with a 307 to /v1/authors.
    app = FastAPI(title="Resource naming", lifespan=lifespan, redirect_slashes=True)
    app.include_router(build_v1(), prefix="/v1")
    return app
