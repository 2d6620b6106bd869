"""A bookmarks API: create, read, replace, delete, with Location headers and documented errors."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException, Request, Response, status
from pydantic import BaseModel, Field, HttpUrl


class BookmarkIn(BaseModel):
    title: str = Field(min_length=1, max_length=80)
    url: HttpUrl


class Bookmark(BaseModel):
    id: int
    title: str
    url: str


class Problem(BaseModel):
    detail: str


NOT_FOUND = {404: {"model": Problem, "description": "No bookmark with this id"}}


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.bookmarks = {}
    app.state.next_id = 1
    yield


def _find(request: Request, bookmark_id: int) -> Bookmark:
    bookmark = request.app.state.bookmarks.get(bookmark_id)
    if bookmark is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="bookmark not found")
    return bookmark


def create_app() -> FastAPI:
    app = FastAPI(title="API testing", lifespan=lifespan)

    @app.get("/bookmarks")
    async def list_bookmarks(request: Request) -> list[Bookmark]:
        return list(request.app.state.bookmarks.values())

    @app.post("/bookmarks", status_code=status.HTTP_201_CREATED)
    async def create_bookmark(
        request: Request, response: Response, payload: BookmarkIn
    ) -> Bookmark:
        state = request.app.state
        bookmark = Bookmark(id=state.next_id, title=payload.title, url=str(payload.url))
        state.bookmarks[bookmark.id] = bookmark
        state.next_id += 1
        response.headers["Location"] = str(request.url_for("get_bookmark", bookmark_id=bookmark.id))
        return bookmark

    @app.get("/bookmarks/{bookmark_id}", responses=NOT_FOUND)
    async def get_bookmark(request: Request, bookmark_id: int) -> Bookmark:
        return _find(request, bookmark_id)

    @app.put("/bookmarks/{bookmark_id}", responses=NOT_FOUND)
    async def replace_bookmark(request: Request, bookmark_id: int, payload: BookmarkIn) -> Bookmark:
        _find(request, bookmark_id)
        bookmark = Bookmark(id=bookmark_id, title=payload.title, url=str(payload.url))
        request.app.state.bookmarks[bookmark_id] = bookmark
        return bookmark

    @app.delete(
        "/bookmarks/{bookmark_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND
    )
    async def delete_bookmark(request: Request, bookmark_id: int) -> None:
        _find(request, bookmark_id)
        del request.app.state.bookmarks[bookmark_id]

    return app
