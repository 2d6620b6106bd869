"""A schema per sandbox for the examples that read DATABASE_URL.

The build side runs here against a stand-in for the server; the tests marked ``postgres``
make and drop real schemas on the server ``KB_EXAMPLES_DATABASE_URL`` names.
"""

from __future__ import annotations

import logging
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import create_engine, make_url, text

from kb.content import sources
from kb.content.catalogue import Catalogue
from kb.sandbox import environment, examples
from kb.sandbox.databases import (
    PREFIX,
    VARIABLE,
    DatabaseError,
    ExampleDatabases,
    SandboxDatabase,
    sandbox_url,
)

DATABASE_APP = """
import os
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request

AT_IMPORT = os.environ.get("DATABASE_URL")


@asynccontextmanager
async def lifespan(app: FastAPI):
    yield {"at_startup": os.environ.get("DATABASE_URL")}


app = FastAPI(lifespan=lifespan)


@app.get("/url")
async def url(request: Request) -> dict:
    return {
        "at_import": AT_IMPORT,
        "at_startup": request.state.at_startup,
        "in_request": os.environ.get("DATABASE_URL"),
    }
"""


class StandIn:
    """Hands out made-up schemas and records what is dropped, instead of a server."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.made: list[SandboxDatabase] = []
        self.dropped: list[SandboxDatabase] = []

    def create(self) -> SandboxDatabase:
        if self.fail:
            raise DatabaseError("no schema on postgresql+psycopg://kb@db/kb: OperationalError")
        made = SandboxDatabase(
            f"s{len(self.made)}", f"postgresql+psycopg://kb@db/s{len(self.made)}"
        )
        self.made.append(made)
        return made

    def drop(self, database: SandboxDatabase) -> None:
        self.dropped.append(database)

    def describe(self) -> str:
        return "postgresql+psycopg://kb@db/kb"


def write_example(root: Path, declared: str | None = "DATABASE_URL=\n") -> None:
    (root / "db_app.py").write_text(DATABASE_APP)
    if declared is not None:
        (root / "db_app.env").write_text(declared)


async def urls(app: examples.RunningApp) -> dict[str, str | None]:
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://x") as client:
        answer: dict[str, str | None] = (await client.get("/url")).json()
    return answer


@pytest.mark.anyio
async def test_a_declared_database_url_names_the_sandboxs_own_schema(tmp_path: Path) -> None:
    write_example(tmp_path)
    server = StandIn()
    running = examples.RunningApps()
    first = await running.start("one", examples.build(tmp_path, "db_app", server))  # type: ignore[arg-type]
    second = await running.start("two", examples.build(tmp_path, "db_app", server))  # type: ignore[arg-type]
    assert await urls(first) == dict.fromkeys(
        ("at_import", "at_startup", "in_request"), "postgresql+psycopg://kb@db/s0"
    )
    assert (await urls(second))["in_request"] == "postgresql+psycopg://kb@db/s1"
    assert server.dropped == []
    await running.stop("one")
    assert server.dropped == server.made[:1]  # stopping a sandbox drops its schema alone
    await running.aclose()
    assert server.dropped == server.made


@pytest.mark.anyio
async def test_without_a_server_the_declared_empty_value_means_the_sqlite_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_example(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://someone@else/theirs")
    running = examples.RunningApps()
    app = await running.start("one", examples.build(tmp_path, "db_app"))
    # The process's own DATABASE_URL never reaches the example: its .env says empty.
    assert await urls(app) == dict.fromkeys(("at_import", "at_startup", "in_request"), "")
    await running.aclose()


def test_an_example_that_declares_no_database_url_gets_no_schema(tmp_path: Path) -> None:
    write_example(tmp_path, declared="OTHER=1\n")
    server = StandIn()
    app = examples.build(tmp_path, "db_app", server)  # type: ignore[arg-type]
    assert server.made == [] and examples.database_of(app) is None
    examples.release(app)


def test_a_build_that_fails_drops_the_schema_made_for_it(tmp_path: Path) -> None:
    write_example(tmp_path)
    (tmp_path / "db_app.py").write_text("raise RuntimeError('broken')\n")
    server = StandIn()
    with pytest.raises(examples.ExampleError, match="broken"):
        examples.build(tmp_path, "db_app", server)  # type: ignore[arg-type]
    assert len(server.made) == 1 and server.dropped == server.made


def test_a_server_that_refuses_is_an_example_error(tmp_path: Path) -> None:
    write_example(tmp_path)
    with pytest.raises(examples.ExampleError, match=r"examples/db_app: no schema on .*kb@db"):
        examples.build(tmp_path, "db_app", StandIn(fail=True))  # type: ignore[arg-type]


def test_the_sandbox_url_sets_the_search_path_and_names_the_connections() -> None:
    url = make_url(sandbox_url(make_url("postgresql+psycopg://kb:s3cret@db:5433/kb"), "kb_x"))
    assert (url.username, url.password, url.host, url.port, url.database) == (
        "kb",
        "s3cret",
        "db",
        5433,
        "kb",
    )
    assert url.query == {"options": "-c search_path=kb_x", "application_name": "kb_x"}


def test_the_sandbox_url_keeps_the_servers_own_options() -> None:
    server = make_url("postgresql+psycopg://kb@db/kb?options=-c%20statement_timeout%3D5000")
    url = make_url(sandbox_url(server, "kb_x"))
    assert url.query["options"] == "-c statement_timeout=5000 -c search_path=kb_x"


def test_the_database_entries_declare_database_url(project_catalogue: Catalogue) -> None:
    """The Database Integration section, and the entries elsewhere on a database."""
    elsewhere = {"database-optimization", "test-database", "multi-tenancy", "opentelemetry"}
    wanted = {
        e.slug
        for e in project_catalogue.entries.values()
        if e.meta.section == "Database Integration"
    } | elsewhere
    declaring = set()
    for entry in project_catalogue.entries.values():
        source = sources.find(project_catalogue.examples_dir, entry.meta.example or "")
        if source is not None and VARIABLE in environment.declared(source.path):
            declaring.add(entry.slug)
    assert declaring == wanted


@pytest.mark.postgres
def test_a_schema_is_made_empty_and_dropped_whole(example_databases: ExampleDatabases) -> None:
    database = example_databases.create()
    assert database.schema.startswith(PREFIX)
    engine = create_engine(database.url)
    try:
        with engine.begin() as connection:
            assert connection.execute(text("SELECT current_schema()")).scalar() == database.schema
            connection.execute(text("CREATE TABLE notes (id serial PRIMARY KEY)"))
    finally:
        engine.dispose()
    example_databases.drop(database)
    server = create_engine(example_databases.server)
    try:
        with server.connect() as connection:
            found = connection.execute(
                text("SELECT count(*) FROM information_schema.schemata WHERE schema_name = :s"),
                {"s": database.schema},
            ).scalar()
    finally:
        server.dispose()
    assert found == 0


@pytest.mark.postgres
def test_a_schema_that_cannot_be_dropped_is_logged_not_raised(
    example_databases: ExampleDatabases, caplog: pytest.LogCaptureFixture
) -> None:
    missing = SandboxDatabase('no"such', "unused")  # a name the DROP cannot even parse
    with caplog.at_level(logging.WARNING, logger="kb.sandbox"):
        example_databases.drop(missing)
    assert 'schema no"such' in caplog.text
