"""HTTP method semantics: safe GET/HEAD, POST, idempotent PUT and DELETE, partial PATCH."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Path, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

# The order methods are listed in an Allow header.
METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

NoteId = Annotated[int, Path(ge=1)]
Title = Annotated[str, Field(min_length=1, max_length=100)]


class NoteIn(BaseModel):
    """The full representation a client sends with POST or PUT."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    body: str = ""
    done: bool = False


class Note(NoteIn):
    id: int


class NotePatch(BaseModel):
    """Every field optional for PATCH; present fields must not be null."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    body: str | None = None
    done: bool | None = None

    @field_validator("title", "body", "done")
    @classmethod
    def not_null(cls, value: Any) -> Any:
        # Runs only for fields the client sent: defaults are not validated.
        if value is None:
            raise ValueError("may be left out, but not set to null")
        return value


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.notes = {1: Note(id=1, title="Buy milk", body="Oat, 1 l")}
    app.state.last_id = 1  # ids are never reused, even after a DELETE
    yield


def allowed_methods(request: Request) -> list[str]:
    """Every method routed for this path, across all routes that match it."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return [method for method in METHOD_ORDER if method in methods]


async def method_not_allowed(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """A 405 whose Allow header lists all the path's methods, in a stable order."""
    return JSONResponse(
        {"detail": f"{request.method} is not allowed here."},
        status_code=status.HTTP_405_METHOD_NOT_ALLOWED,
        headers={"Allow": ", ".join(allowed_methods(request))},
    )


def find(request: Request, note_id: int) -> Note:
    note = request.app.state.notes.get(note_id)
    if note is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No note {note_id}.")
    return note


def create_app() -> FastAPI:
    app = FastAPI(title="HTTP methods", lifespan=lifespan)
    app.add_exception_handler(status.HTTP_405_METHOD_NOT_ALLOWED, method_not_allowed)

    @app.get("/notes")
    async def list_notes(request: Request) -> list[Note]:
        """Safe: reading never changes anything."""
        return list(request.app.state.notes.values())

    @app.post("/notes", status_code=status.HTTP_201_CREATED)
    async def create_note(request: Request, response: Response, body: NoteIn) -> Note:
        """Not idempotent: the server picks the id, so every call makes a new note."""
        request.app.state.last_id += 1
        note = Note(id=request.app.state.last_id, **body.model_dump())
        request.app.state.notes[note.id] = note
        response.headers["Location"] = str(request.url_for("read_note", note_id=note.id))
        return note

    @app.get("/notes/{note_id}")
    @app.head("/notes/{note_id}")
    async def read_note(request: Request, note_id: NoteId) -> Note:
        """GET and HEAD: HEAD sends the same headers without the body."""
        return find(request, note_id)

    @app.put("/notes/{note_id}")
    async def replace_note(
        request: Request, response: Response, note_id: NoteId, body: NoteIn
    ) -> Note:
        """Idempotent: the client names the note; sending it twice leaves the same state."""
        notes = request.app.state.notes
        if note_id not in notes:
            response.status_code = status.HTTP_201_CREATED
            request.app.state.last_id = max(request.app.state.last_id, note_id)
        notes[note_id] = Note(id=note_id, **body.model_dump())  # fields left out reset
        return notes[note_id]

    @app.patch("/notes/{note_id}")
    async def update_note(request: Request, note_id: NoteId, body: NotePatch) -> Note:
        """Partial: only the fields the client sent change."""
        note = find(request, note_id)
        changes = body.model_dump(exclude_unset=True)
        updated = Note.model_validate(note.model_dump() | changes)
        request.app.state.notes[note_id] = updated
        return updated

    @app.delete("/notes/{note_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
    async def delete_note(request: Request, note_id: NoteId) -> None:
        """Idempotent in effect: after one or many calls the note is gone."""
        find(request, note_id)
        del request.app.state.notes[note_id]

    return app
