from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, inspect, text

from kb.contribute import schema
from kb.contribute.proposals import Base, ProposalStore


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'proposals.db'}")
    yield engine
    engine.dispose()


def test_an_empty_database_is_at_no_revision_and_upgrades_to_the_head(engine: Engine) -> None:
    assert schema.status(engine) == schema.Status(None, schema.head())
    before = schema.upgrade(engine)
    assert before.current is None
    assert schema.status(engine).up_to_date
    assert {"kb_proposals", schema.VERSION_TABLE} <= set(inspect(engine).get_table_names())
    assert schema.upgrade(engine).up_to_date  # a second run has nothing to do


def test_a_database_made_by_create_all_is_the_baseline_and_keeps_its_rows(engine: Engine) -> None:
    Base.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            text(
                "insert into kb_proposals (slug, title, markdown, author, note, status, "
                "created_at, reason) values ('kept', 'Kept', '', '', '', 'pending', "
                "'2026-01-01 00:00:00', '')"
            )
        )
    assert schema.status(engine).current == schema.BASELINE
    schema.upgrade(engine)
    with engine.connect() as connection:
        assert connection.scalar(text("select slug from kb_proposals")) == "kept"
        assert connection.scalar(text(f"select version_num from {schema.VERSION_TABLE}")) == (
            schema.head()
        )


def test_processes_starting_together_migrate_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'together.db'}"
    stores = [ProposalStore(url) for _ in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda store: store.prepare(), stores))
    assert schema.status(stores[0].engine).up_to_date
    for store in stores:
        store.dispose()


def test_the_sql_is_written_for_the_dialect_without_connecting() -> None:
    sql = schema.upgrade_sql("postgresql+psycopg://kb:secret@db.invalid/kb", None)
    assert "CREATE TABLE kb_proposals" in sql and "SERIAL" in sql
    assert "secret" not in sql
    assert schema.upgrade_sql("sqlite://", schema.head()).count("CREATE TABLE") == 0
