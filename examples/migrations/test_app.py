"""Migrations are code: test that they go up, come down and go up again cleanly."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, inspect, make_url

from . import alembic_config, create_app, upgrade_to_head

# A scratch SQLite file, and the database TEST_DATABASE_URL names when it names one: an
# empty one made for the tests, such as PostgreSQL in CI, left empty again afterwards.
DATABASES = ["sqlite://", *filter(None, [os.environ.get("TEST_DATABASE_URL")])]


@pytest.fixture(params=DATABASES, ids=lambda url: make_url(url).get_backend_name())
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'test.db'}" if request.param == "sqlite://" else request.param
    engine = create_engine(url)
    yield engine
    with engine.begin() as connection:
        for table in ("tasks", "alembic_version"):
            connection.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
    engine.dispose()


def columns(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return [column["name"] for column in inspect(connection).get_columns("tasks")]


def test_upgrade_downgrade_upgrade(engine: Engine) -> None:
    config = alembic_config()
    upgrade_to_head(engine, config)
    assert columns(engine) == ["id", "title", "done", "priority"]

    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    assert columns(engine) == ["id", "title", "done"]

    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    with engine.connect() as connection:
        assert inspect(connection).get_table_names() == ["alembic_version"]

    upgrade_to_head(engine, config)
    assert columns(engine) == ["id", "title", "done", "priority"]


def test_the_app_starts_on_the_migrated_schema() -> None:
    with TestClient(create_app()) as client:
        schema = client.get("/schema").json()
    assert schema["current_revision"] == schema["head"] == "0002"
    assert schema["pending_changes"] == []
