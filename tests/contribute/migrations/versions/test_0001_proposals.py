"""The first revision makes exactly the table the model describes (and create_all made)."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from kb.contribute import schema
from kb.contribute.proposals import Base


def test_the_migrated_schema_is_the_models(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    schema.upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"version_table": schema.VERSION_TABLE, "compare_type": True}
        )
        assert compare_metadata(context, Base.metadata) == []
    indexes = {index["name"] for index in inspect(engine).get_indexes("kb_proposals")}
    assert indexes == {"ix_kb_proposals_slug", "ix_kb_proposals_status"}
    engine.dispose()


def test_it_is_the_baseline_of_databases_made_before_migrations() -> None:
    assert schema.BASELINE == "0001"
    assert schema.head() >= schema.BASELINE
