"""Session-per-request: one SQLAlchemy Session per request, from a yield dependency."""

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Path, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Engine, String, create_engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100), unique=True)
    body: Mapped[str] = mapped_column(String(2000), default="")


class NoteIn(BaseModel):
    title: str = Field(min_length=1, max_length=100)
    body: str = Field("", max_length=2000)


class NoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    body: str


SEED = (
    ("Shopping", "Milk, eggs, coffee."),
    ("Ideas", "A knowledge base where every example runs."),
)


class DatabaseSettings(BaseSettings):
    """Where the data lives: DATABASE_URL when set (the KB sets it to a PostgreSQL schema of
    this sandbox's own when it has a server), else this example's SQLite default."""

    model_config = SettingsConfigDict(env_ignore_empty=True, hide_input_in_errors=True)

    database_url: str | None = None


def make_engine() -> Engine:
    """The database DATABASE_URL names (see database_sessions.env), else SQLite in memory."""
    if url := DatabaseSettings().database_url:
        return create_engine(url)
    # One in-memory database, reached by every worker thread through one connection.
    return create_engine(
        "sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool
    )


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    engine = make_engine()  # one engine, and so one connection pool, per app
    Base.metadata.create_all(engine)
    # The factory is configured once; each request calls it for a fresh Session.
    session_factory = sessionmaker(engine, expire_on_commit=False)
    with session_factory.begin() as session:
        session.add_all(Note(title=title, body=body) for title, body in SEED)
    app.state.session_factory = session_factory
    try:
        yield
    finally:
        engine.dispose()


def get_session(request: Request) -> Iterator[Session]:
    """One Session per request: opened here, closed when the request is done."""
    session = request.app.state.session_factory()
    try:
        yield session
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]
# Ids are INTEGER columns, 32-bit on PostgreSQL: a larger one is a 422, not a database error.
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def create_app() -> FastAPI:
    app = FastAPI(title="Database sessions", lifespan=lifespan)

    @app.post("/notes", status_code=status.HTTP_201_CREATED)
    def create_note(
        data: NoteIn, session: SessionDep, request: Request, response: Response
    ) -> NoteOut:
        note = Note(**data.model_dump())
        session.add(note)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            raise HTTPException(
                status.HTTP_409_CONFLICT, f"A note titled {data.title!r} already exists."
            ) from None
        # expire_on_commit=False: note.id and the other fields are still loaded.
        response.headers["Location"] = str(request.url_for("read_note", note_id=note.id))
        return NoteOut.model_validate(note)

    @app.get("/notes")
    def list_notes(session: SessionDep) -> list[NoteOut]:
        notes = session.scalars(select(Note).order_by(Note.id))
        return [NoteOut.model_validate(note) for note in notes]

    @app.get("/notes/{note_id}")
    def read_note(note_id: RowId, session: SessionDep) -> NoteOut:
        note = session.get(Note, note_id)
        if note is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"Note {note_id} not found.")
        return NoteOut.model_validate(note)

    return app
