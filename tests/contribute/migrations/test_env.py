"""migrations/env.py is run by alembic, never imported: these tests run it through alembic."""

import io
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect

from kb.contribute import schema


def test_env_runs_migrations_on_the_connection_it_is_given(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with engine.begin() as connection:
        command.upgrade(schema.config(connection), "head")
    # The version is kept in the KB's own table, not in a shared database's alembic_version.
    tables = set(inspect(engine).get_table_names())
    assert schema.VERSION_TABLE in tables and "alembic_version" not in tables
    with engine.begin() as connection:
        command.downgrade(schema.config(connection), "base")
    assert "kb_proposals" not in inspect(engine).get_table_names()
    engine.dispose()


def test_env_writes_sql_for_the_url_without_a_connection() -> None:
    output = io.StringIO()
    settings = schema.config(output=output)
    settings.set_main_option("sqlalchemy.url", "sqlite://")
    command.upgrade(settings, "head", sql=True)
    assert "CREATE TABLE kb_alembic_version" in output.getvalue()


def test_env_is_where_the_configuration_points(tmp_path: Path) -> None:
    assert Path(schema.config().get_main_option("script_location") or "") / "env.py" == (
        schema.MIGRATIONS / "env.py"
    )
