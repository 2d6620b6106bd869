"""Alembic's environment: how a migration run gets its database connection.

The app runs migrations in code and hands over an open connection in
``config.attributes["connection"]``. Without one (the ``alembic`` command line), a
connection is made from the ``sqlalchemy.url`` option. Logging is left alone: no
``fileConfig()``, so running migrations never reconfigures the app's loggers.
"""

from alembic import context
from sqlalchemy import Connection, engine_from_config, pool

config = context.config

# Revisions here are written by hand. For `alembic revision --autogenerate`, set this to the
# models' metadata (``Base.metadata`` from the app's models module).
target_metadata = config.attributes.get("target_metadata")


def run_migrations_offline() -> None:
    """Emit the SQL as a script (``alembic upgrade head --sql``) without a database."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by copying them ("batch" mode)
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    engine = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.connect() as new_connection:
        run_migrations(new_connection)
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
