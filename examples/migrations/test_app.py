"""Migrations are code: test that they go up, come down and go up again cleanly."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, inspect

from . import alembic_config, create_app, upgrade_to_head


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'test.db'}")
    yield engine
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
