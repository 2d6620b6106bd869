from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from kb.cli import main
from kb.contribute import schema
from kb.contribute.proposals import Base
from tests.cli.conftest import run_kb


def test_upgrade_migrates_a_new_database_then_has_nothing_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'proposals.db'}"
    assert main(["db", "--db", url, "status"]) == 1
    captured = capsys.readouterr()
    assert captured.out == f"{url}: revision (empty), newest {schema.head()}\n"
    assert captured.err == "kb db: run `kb db upgrade` to migrate it\n"

    assert main(["db", "--db", url, "upgrade"]) == 0
    assert capsys.readouterr().out == f"{url}: upgraded from (empty) to {schema.head()}\n"
    engine = create_engine(url)
    assert {"kb_proposals", schema.VERSION_TABLE} <= set(inspect(engine).get_table_names())
    engine.dispose()

    assert main(["db", "--db", url, "upgrade"]) == 0
    assert "already at the newest revision" in capsys.readouterr().out
    assert main(["db", "--db", url, "status"]) == 0


def test_a_database_made_before_migrations_is_taken_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    Base.metadata.create_all(engine)  # as the KB made it before there were migrations
    engine.dispose()
    assert main(["db", "--db", url, "upgrade"]) == 0
    assert main(["db", "--db", url, "status"]) == 0
    assert f"revision {schema.head()}, newest {schema.head()}" in capsys.readouterr().out


def test_upgrade_sql_prints_the_migration_for_the_dialect(tmp_path: Path) -> None:
    result = run_kb("db", "--db", "postgresql+psycopg://kb@127.0.0.1:1/kb", "upgrade", "--sql")
    assert result.returncode == 0, result.stderr
    assert "CREATE TABLE kb_proposals" in result.stdout
    assert "CREATE TABLE kb_alembic_version" in result.stdout
    assert "TIMESTAMP WITH TIME ZONE" in result.stdout  # PostgreSQL's, not SQLite's


def test_the_default_database_is_beside_the_content(tmp_path: Path) -> None:
    content = tmp_path / "site" / "content"
    content.mkdir(parents=True)
    result = run_kb("db", "--content", str(content), "upgrade")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / ".cache" / "proposals.db").is_file()
