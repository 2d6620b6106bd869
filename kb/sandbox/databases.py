"""A PostgreSQL schema of its own for each sandbox of an example that reads ``DATABASE_URL``.

An example that keeps its data in a database reads the URL from ``DATABASE_URL`` and
declares that variable, empty, in the ``.env`` beside it: empty, the example falls back
to its SQLite default (and run alone with ``uvicorn --env-file`` it does the same). When
the setting ``KB_EXAMPLES_DATABASE_URL`` names a PostgreSQL server, every sandbox of such
an example gets a schema of its own there instead, and ``DATABASE_URL`` names the server
with that schema as the connection's ``search_path``: the example's tables, sequences
and indexes land in it, no reader sees another's rows, and the schema is dropped with
everything in it when the sandbox stops. A schema costs one ``CREATE SCHEMA``, where a
database per sandbox would copy ``template1`` each time.

The URL always names the psycopg driver (``postgresql+psycopg``), which SQLAlchemy's
``create_engine`` and ``create_async_engine`` both accept, and which passes the
``options`` query parameter (``-c search_path=...``) on to libpq.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import URL

# SQLAlchemy is imported when a server is configured, not before the KB's first page:
# it is a sixth of the start-up time, and most installs never set one.

VARIABLE = "DATABASE_URL"
PREFIX = "kb_sandbox_"

log = logging.getLogger("kb.sandbox")


class DatabaseError(Exception):
    """The server cannot give a sandbox its schema; the message says why."""


@dataclass(frozen=True)
class SandboxDatabase:
    schema: str
    url: str  # what the sandbox's DATABASE_URL says


def sandbox_url(server: URL, schema: str) -> str:
    """``server`` with ``schema`` as the search path of every connection made through it."""
    options = server.query.get("options", "")
    if not isinstance(options, str):  # the option given more than once
        options = " ".join(options)
    url = server.update_query_dict(
        {
            "options": f"{options} -c search_path={schema}".strip(),
            # pg_stat_activity then says which sandbox each connection belongs to.
            "application_name": schema,
        }
    )
    return url.render_as_string(hide_password=False)


class ExampleDatabases:
    """Creates and drops the sandboxes' schemas on one PostgreSQL server."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine, make_url
        from sqlalchemy.pool import NullPool

        self.server = make_url(url)  # KB_EXAMPLES_DATABASE_URL, checked by kb.settings
        # No pool: a schema is made or dropped when a sandbox starts or stops, seldom
        # enough that a connection kept open between times would only hold a slot. The
        # timeout bounds how long a sandbox's start waits on a server that does not answer.
        self._engine = create_engine(
            self.server, poolclass=NullPool, connect_args={"connect_timeout": 5}
        )

    def describe(self) -> str:
        """The server and database, without the password, for logs."""
        return self.server.render_as_string(hide_password=True)

    def create(self) -> SandboxDatabase:
        """A new, empty schema, and the URL that makes it the search path."""
        from sqlalchemy.exc import SQLAlchemyError

        schema = PREFIX + secrets.token_hex(6)
        try:
            with self._engine.begin() as connection:
                connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        except SQLAlchemyError as exc:
            cause = getattr(exc, "orig", None) or exc  # the driver's own error, when there is one
            raise DatabaseError(
                f"no schema on {self.describe()}: {type(cause).__name__}: {cause}"
            ) from exc
        return SandboxDatabase(schema, sandbox_url(self.server, schema))

    def drop(self, database: SandboxDatabase) -> None:
        """Drop the sandbox's schema and everything in it; a failure is logged, not raised,
        so that stopping a sandbox always completes."""
        from sqlalchemy.exc import SQLAlchemyError

        try:
            with self._engine.begin() as connection:
                # A connection the example left inside a transaction holds locks that the
                # DROP waits for: wait a little, not for ever.
                connection.exec_driver_sql("SET LOCAL lock_timeout = '5s'")
                connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{database.schema}" CASCADE')
        except SQLAlchemyError as exc:
            log.warning("schema %s on %s not dropped: %s", database.schema, self.describe(), exc)
