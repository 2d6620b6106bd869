"""The proposals database's schema, under alembic migrations (kb/contribute/migrations/).

A SQLite database (the default, one per KB) is brought up to date when the KB starts.
A shared one (PostgreSQL behind several processes) is migrated once, on purpose, by
``kb db upgrade``; the KB only checks that it is current, and says so when it is not.
A database made before the migrations (its table there, no version) is taken to be at
the first revision, which creates exactly that table.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect

MIGRATIONS = Path(__file__).with_name("migrations")
# Its own name: a shared database may hold another application's alembic_version.
VERSION_TABLE = "kb_alembic_version"
BASELINE = "0001"  # the revision that creates the table create_all() used to make
TABLE = "kb_proposals"


def config(connection: Connection | None = None, output: io.StringIO | None = None) -> Config:
    """Alembic's configuration, without an alembic.ini: migrations/env.py reads the
    connection from its attributes."""
    settings = Config(output_buffer=output) if output is not None else Config()
    settings.set_main_option("script_location", str(MIGRATIONS))
    settings.attributes["connection"] = connection
    settings.attributes["version_table"] = VERSION_TABLE
    return settings


def head() -> str:
    revision = ScriptDirectory.from_config(config()).get_current_head()
    assert revision is not None, f"no migration in {MIGRATIONS}"
    return revision


def current(connection: Connection) -> str | None:
    """The database's revision: None for an empty database."""
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    revision = context.get_current_revision()
    if revision is None and inspect(connection).has_table(TABLE):
        return BASELINE  # made by create_all() before there were migrations
    return revision


@dataclass(frozen=True)
class Status:
    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def status(engine: Engine) -> Status:
    with engine.connect() as connection:
        return Status(current(connection), head())


def upgrade(engine: Engine) -> Status:
    """Migrate to the newest revision, in one transaction; the status before."""
    with engine.begin() as connection:
        before = Status(current(connection), head())
        unversioned = before.current == BASELINE and not _has_version_table(connection)
        if before.up_to_date and not unversioned:
            return before
        settings = config(connection)
        if unversioned:
            command.stamp(settings, BASELINE)
        command.upgrade(settings, "head")
    return before


def upgrade_sql(url: str, from_revision: str | None) -> str:
    """The SQL that :func:`upgrade` would run on the database at ``url`` (in its dialect),
    for an administrator to read or run; nothing is connected to."""
    output = io.StringIO()
    settings = config(output=output)
    settings.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    target = f"{from_revision}:head" if from_revision else "head"
    command.upgrade(settings, target, sql=True)
    return output.getvalue()


def _has_version_table(connection: Connection) -> bool:
    return inspect(connection).has_table(VERSION_TABLE)
