"""A task list on SQLAlchemy 2.0; the database is created in the lifespan."""

import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import String, create_engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

SEED_TASKS = ("Write the release notes",)


class Base(DeclarativeBase):
    pass


class Task(Base):
    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100), unique=True)
    done: Mapped[bool] = mapped_column(default=False)


class TaskIn(BaseModel):
    title: str = Field(min_length=1, max_length=100)


class TaskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    done: bool


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; tests override this dependency."""
    with request.app.state.sessionmaker() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
# Ids are INTEGER columns, 32-bit on PostgreSQL: a larger one is a 422, not a database error.
TaskId = Annotated[int, PathParam(ge=1, le=2**31 - 1)]


class DatabaseSettings(BaseSettings):
    """Where the data lives: DATABASE_URL when set (the KB sets it to a PostgreSQL schema of
    this sandbox's own when it has a server), else this example's SQLite default."""

    model_config = SettingsConfigDict(env_ignore_empty=True, hide_input_in_errors=True)

    database_url: str | None = None


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    with tempfile.TemporaryDirectory() as folder:
        # The database DATABASE_URL names (see .env), else a SQLite file.
        default = f"sqlite:///{Path(folder) / 'tasks.db'}"
        engine = create_engine(DatabaseSettings().database_url or default)
        Base.metadata.create_all(engine)
        app.state.sessionmaker = sessionmaker(engine, expire_on_commit=False)
        with app.state.sessionmaker.begin() as session:
            session.add_all(Task(title=title) for title in SEED_TASKS)
        try:
            yield
        finally:
            engine.dispose()


def create_app() -> FastAPI:
    app = FastAPI(title="Test database", lifespan=lifespan)

    @app.post("/tasks", status_code=status.HTTP_201_CREATED, response_model=TaskOut)
    def create_task(payload: TaskIn, session: SessionDep) -> Task:
        task = Task(title=payload.title)
        session.add(task)
        try:
            session.commit()
        except IntegrityError as exc:
            session.rollback()
            raise HTTPException(
                status.HTTP_409_CONFLICT, detail="a task with this title exists"
            ) from exc
        return task

    @app.get("/tasks", response_model=list[TaskOut])
    def list_tasks(session: SessionDep) -> list[Task]:
        return list(session.scalars(select(Task).order_by(Task.id)))

    @app.post("/tasks/{task_id}/done", response_model=TaskOut)
    def complete_task(task_id: TaskId, session: SessionDep) -> Task:
        task = session.get(Task, task_id)
        if task is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail="task not found")
        task.done = True
        session.commit()
        return task

    return app
