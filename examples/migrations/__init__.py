"""Alembic migrations run in code at startup, against a database the app then uses."""

import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import Depends, FastAPI, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Engine, create_engine, inspect, select
from sqlalchemy.orm import Session

from .models import Base, Task

SCRIPT_LOCATION = Path(__file__).parent / "alembic"


def alembic_config() -> Config:
    """Alembic's configuration, built in code: no alembic.ini to find or to keep in sync."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.attributes["target_metadata"] = Base.metadata
    return config


def upgrade_to_head(engine: Engine, config: Config) -> None:
    """Run every pending migration in one transaction on a connection the app owns."""
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        try:
            command.upgrade(config, "head")
        finally:
            del config.attributes["connection"]


class TaskCreate(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    priority: int = Field(0, ge=0, le=3, description="0 (someday) to 3 (now).")


class TaskRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    done: bool
    priority: int


class DatabaseSettings(BaseSettings):
    """Where the data lives: DATABASE_URL when set (the KB sets it to a PostgreSQL schema of
    this sandbox's own when it has a server), else this example's SQLite default."""

    model_config = SettingsConfigDict(env_ignore_empty=True, hide_input_in_errors=True)

    database_url: str | None = None


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    with tempfile.TemporaryDirectory() as directory:
        # The database DATABASE_URL names (see .env), else a fresh SQLite file.
        default = f"sqlite:///{Path(directory) / 'tasks.db'}"
        engine = create_engine(DatabaseSettings().database_url or default)
        config = alembic_config()
        upgrade_to_head(engine, config)
        app.state.engine = engine
        app.state.alembic_config = config
        try:
            yield
        finally:
            engine.dispose()


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def create_app() -> FastAPI:
    app = FastAPI(title="Migrations", lifespan=lifespan)

    @app.get("/schema")
    def schema(request: Request) -> dict[str, Any]:
        """The database as the migrations left it, and whether it matches the models."""
        script = ScriptDirectory.from_config(request.app.state.alembic_config)
        with request.app.state.engine.connect() as connection:
            context = MigrationContext.configure(connection)
            inspector = inspect(connection)
            return {
                "current_revision": context.get_current_revision(),
                "head": script.get_current_head(),
                "history": [
                    {"revision": rev.revision, "message": rev.doc}
                    for rev in reversed(list(script.walk_revisions()))
                ],
                "tables": {
                    name: [column["name"] for column in inspector.get_columns(name)]
                    for name in inspector.get_table_names()
                },
                "pending_changes": [str(diff) for diff in compare_metadata(context, Base.metadata)],
            }

    @app.get("/tasks")
    def list_tasks(
        session: SessionDep, min_priority: Annotated[int, Query(ge=0, le=3)] = 0
    ) -> list[TaskRead]:
        statement = (
            select(Task)
            .where(Task.priority >= min_priority)
            .order_by(Task.priority.desc(), Task.id)
        )
        return [TaskRead.model_validate(task) for task in session.scalars(statement)]

    @app.post("/tasks", status_code=status.HTTP_201_CREATED)
    def create_task(payload: TaskCreate, session: SessionDep) -> TaskRead:
        task = Task(**payload.model_dump())
        session.add(task)
        session.commit()
        return TaskRead.model_validate(task)

    return app
