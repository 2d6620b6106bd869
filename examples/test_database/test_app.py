"""Two ways to give every test its own database: fresh tables, or a rolled-back transaction."""

import os
import sqlite3
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, event, func, make_url, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from .app import Base, Task, create_app, get_session

# --- Strategy 1: a brand-new in-memory database for every test ------------------------


@pytest.fixture
def memory_engine() -> Iterator[Engine]:
    engine = create_engine(
        "sqlite://",
        connect_args={"check_same_thread": False},
        poolclass=StaticPool,  # one connection, so every session sees the same memory DB
    )
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def client(memory_engine: Engine) -> Iterator[TestClient]:
    app = create_app()

    def session_override() -> Iterator[Session]:
        with Session(memory_engine, expire_on_commit=False) as session:
            yield session

    app.dependency_overrides[get_session] = session_override
    with TestClient(app) as client:
        yield client
    app.dependency_overrides.clear()


def test_starts_empty(client: TestClient) -> None:
    assert client.get("/tasks").json() == []


def test_create_and_list(client: TestClient) -> None:
    created = client.post("/tasks", json={"title": "Review PR"})

    assert created.status_code == 201
    assert client.get("/tasks").json() == [{"id": 1, "title": "Review PR", "done": False}]


# --- Strategy 2: one schema, each test inside a transaction that is rolled back -------


def _emit_begin_ourselves(engine: Engine) -> None:
    """Let SQLAlchemy, not the sqlite3 driver, emit BEGIN, so SAVEPOINTs nest properly."""

    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.isolation_level = None  # the driver stops issuing BEGIN itself

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")  # ...and SQLAlchemy issues it instead


# SQLite in memory, and the database TEST_DATABASE_URL names when it names one: an empty
# one made for the tests (never the app's own DATABASE_URL), such as PostgreSQL in CI.
DATABASES = ["sqlite://", *filter(None, [os.environ.get("TEST_DATABASE_URL")])]


@pytest.fixture(scope="module", params=DATABASES, ids=lambda url: make_url(url).get_backend_name())
def shared_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    url: str = request.param
    if url == "sqlite://":
        engine = create_engine(url, connect_args={"check_same_thread": False}, poolclass=StaticPool)
        _emit_begin_ourselves(engine)
    else:
        engine = create_engine(url)  # PostgreSQL nests SAVEPOINTs in BEGIN unaided
    Base.metadata.create_all(engine)  # once for the module
    yield engine
    Base.metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture
def db_session(shared_engine: Engine) -> Iterator[Session]:
    """A session joined to an outer transaction that the test never gets to commit."""
    with shared_engine.connect() as connection:
        transaction = connection.begin()
        session = Session(
            bind=connection,
            join_transaction_mode="create_savepoint",  # the app's commit() releases a SAVEPOINT
            expire_on_commit=False,
        )
        yield session
        session.close()
        transaction.rollback()  # everything the test wrote disappears


@pytest.fixture
def seeded(db_session: Session) -> list[Task]:
    tasks = [Task(title="Water the plants"), Task(title="Pay rent", done=True)]
    db_session.add_all(tasks)
    db_session.flush()
    return tasks


@pytest.fixture
def tx_client(db_session: Session) -> Iterator[TestClient]:
    app: FastAPI = create_app()
    app.dependency_overrides[get_session] = lambda: db_session
    with TestClient(app) as client:
        yield client
    app.dependency_overrides.clear()


@pytest.mark.parametrize("attempt", [1, 2])
def test_each_test_sees_only_its_own_rows(
    tx_client: TestClient, db_session: Session, attempt: int
) -> None:
    # Runs twice against the same tables: the second run would get 409 if the first leaked.
    assert tx_client.post("/tasks", json={"title": "Ship it"}).status_code == 201
    assert db_session.scalar(select(func.count()).select_from(Task)) == 1


def test_duplicate_is_409_and_the_session_survives(tx_client: TestClient) -> None:
    assert tx_client.post("/tasks", json={"title": "Ship it"}).status_code == 201
    assert tx_client.post("/tasks", json={"title": "Ship it"}).status_code == 409
    # The failed INSERT rolled back to its SAVEPOINT only; the first task is still there.
    assert [t["title"] for t in tx_client.get("/tasks").json()] == ["Ship it"]


def test_seeded_rows_are_visible_to_the_app(tx_client: TestClient, seeded: list[Task]) -> None:
    response = tx_client.post(f"/tasks/{seeded[0].id}/done")

    assert response.status_code == 200
    assert response.json() == {"id": seeded[0].id, "title": "Water the plants", "done": True}


def test_unknown_task_is_404(tx_client: TestClient) -> None:
    assert tx_client.post("/tasks/999/done").status_code == 404
