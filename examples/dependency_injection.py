"""Reusable dependencies: Annotated aliases, yield, sub-dependencies, classes and caching."""

import hashlib
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Response, status
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, Field

API_VERSION = "2026-11"
# Demo keys. A real service stores only their hashes, as the lifespan does below.
DEMO_KEYS = (
    ("reader-key", "dashboard", frozenset({"notes:read"})),
    ("writer-key", "editor", frozenset({"notes:read", "notes:write"})),
)
SEED_NOTES = (("Buy milk", "dashboard"), ("Ship v2", "editor"))

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)


@dataclass(frozen=True)
class Client:
    name: str
    scopes: frozenset[str]


class NoteIn(BaseModel):
    title: str = Field(min_length=1, max_length=100)


class Note(BaseModel):
    id: int
    title: str
    author: str


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.clients = {hash_key(key): Client(name, scopes) for key, name, scopes in DEMO_KEYS}
    with tempfile.TemporaryDirectory() as directory:
        app.state.db_path = Path(directory) / "notes.db"
        setup = sqlite3.connect(app.state.db_path)
        setup.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT UNIQUE, author TEXT)")
        setup.executemany("INSERT INTO notes (title, author) VALUES (?, ?)", SEED_NOTES)
        setup.commit()
        setup.close()
        yield


# --- a dependency with yield: one connection per request, committed or rolled back ---
def get_db(request: Request) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(request.app.state.db_path, check_same_thread=False)
    try:
        yield connection
        connection.commit()
    except Exception:
        connection.rollback()
        raise
    finally:
        connection.close()


Db = Annotated[sqlite3.Connection, Depends(get_db, scope="function")]


# --- a class as a dependency: its __init__ parameters are sub-dependencies ---
class NoteRepository:
    def __init__(self, db: Db) -> None:
        self.db = db

    def recent(self, limit: int) -> list[Note]:
        rows = self.db.execute(
            "SELECT id, title, author FROM notes ORDER BY id LIMIT ?", (limit,)
        ).fetchall()
        return [Note(id=id_, title=title, author=author) for id_, title, author in rows]

    def add(self, title: str, author: str) -> Note:
        cursor = self.db.execute("INSERT INTO notes (title, author) VALUES (?, ?)", (title, author))
        return Note(id=cursor.lastrowid, title=title, author=author)


Notes = Annotated[NoteRepository, Depends()]


# --- sub-dependencies: header -> client -> scope check ---
def get_current_client(
    request: Request, api_key: Annotated[str | None, Depends(api_key_header)]
) -> Client:
    request.state.key_lookups = getattr(request.state, "key_lookups", 0) + 1
    client = request.app.state.clients.get(hash_key(api_key)) if api_key else None
    if client is None:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Missing or invalid API key",
            headers={"WWW-Authenticate": "APIKey"},
        )
    return client


CurrentClient = Annotated[Client, Depends(get_current_client)]


class RequireScope:
    """A parameterised dependency: ``Depends(RequireScope("notes:write"))``."""

    def __init__(self, scope: str) -> None:
        self.scope = scope

    def __call__(self, client: CurrentClient) -> Client:
        if self.scope not in client.scopes:
            raise HTTPException(
                status_code=status.HTTP_403_FORBIDDEN,
                detail=f"This API key lacks the {self.scope!r} scope",
            )
        return client


Reader = Annotated[Client, Depends(RequireScope("notes:read"))]
Writer = Annotated[Client, Depends(RequireScope("notes:write"))]


# --- an app-level dependency: runs for every route of the app ---
def add_version_header(response: Response) -> None:
    response.headers["X-API-Version"] = API_VERSION


def create_app() -> FastAPI:
    app = FastAPI(
        title="Dependency injection",
        lifespan=lifespan,
        dependencies=[Depends(add_version_header)],
    )
    # Every route of this router needs a valid key, whatever else it declares.
    router = APIRouter(dependencies=[Depends(get_current_client)])

    @router.get("/whoami")
    async def whoami(request: Request, client: CurrentClient) -> dict[str, object]:
        return {
            "client": client.name,
            "scopes": sorted(client.scopes),
            "key_lookups": request.state.key_lookups,
        }

    @router.get("/notes")
    def list_notes(
        _: Reader, notes: Notes, limit: Annotated[int, Query(ge=1, le=50)] = 10
    ) -> list[Note]:
        return notes.recent(limit)

    @router.post("/notes", status_code=status.HTTP_201_CREATED)
    def create_note(payload: NoteIn, client: Writer, notes: Notes) -> Note:
        try:
            return notes.add(payload.title, client.name)
        except sqlite3.IntegrityError:
            raise HTTPException(
                status_code=status.HTTP_409_CONFLICT,
                detail=f"A note titled {payload.title!r} already exists",
            ) from None

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(router)
    return app
