"""``kb db``: the proposals database's schema, under alembic migrations."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from kb.cli.common import CliError, load_settings

if TYPE_CHECKING:
    from kb.contribute.proposals import ProposalStore

DESCRIPTION = """\
Migrate the proposals database.

The proposals database (KB_PROPOSALS_URL, by default .cache/proposals.db beside the
content folder) is kept under alembic migrations, in kb/contribute/migrations/. A SQLite
database is migrated by the KB itself when it starts. A shared database, such as the
PostgreSQL of several `kb serve` processes, is migrated by `kb db upgrade`, run once
before the new version starts; until then the KB logs that it is out of date and refuses
proposals (503)."""

EPILOG = """\
examples:
  kb db status                   # the database's revision and the newest one
  kb db upgrade                  # migrate it to the newest revision
  KB_PROPOSALS_URL=postgresql+psycopg://kb@db/kb kb db upgrade
  kb db upgrade --sql            # print the SQL instead, for a database administrator"""


def register(commands: Any, directories: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "db",
        help="migrate the proposals database (alembic)",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    database_option(parser)
    directories(parser)
    actions = parser.add_subparsers(
        dest="action", required=True, metavar="ACTION", help="what to do with the database"
    )
    actions.add_parser(
        "status",
        help="print the database's revision and the newest; exit 1 when it is behind",
        description="Print the database's schema revision and the newest one this KB has; "
        "the exit status is 1 when the database needs `kb db upgrade`.",
    )
    upgrade_parser = actions.add_parser(
        "upgrade",
        help="migrate the database to the newest revision",
        description="Migrate the proposals database to the newest revision, in one "
        "transaction. A database made before there were migrations is recognised.",
    )
    upgrade_parser.add_argument(
        "--sql",
        action="store_true",
        help="print the SQL of the migrations in the database's dialect instead; "
        "connects to nothing",
    )
    upgrade_parser.add_argument(
        "--from",
        dest="from_revision",
        metavar="REVISION",
        help="with --sql: the revision the database is at (default: an empty database)",
    )
    parser.set_defaults(handler=db)


def database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="URL",
        help="SQLAlchemy URL of the proposals database "
        "(default: KB_PROPOSALS_URL or .cache/proposals.db beside the content folder)",
    )


@contextlib.contextmanager
def opened_store(args: argparse.Namespace) -> Iterator[ProposalStore]:
    """The proposals store of ``--db`` or the settings; a database that cannot be reached
    is a one-line error, with the URL (its password hidden)."""
    from sqlalchemy.exc import SQLAlchemyError

    from kb.contribute.proposals import ProposalStore

    url = database_url(args)
    try:
        store = ProposalStore(url)
    except (SQLAlchemyError, ImportError) as exc:  # ImportError: its driver is not installed
        raise CliError(f"cannot use the proposals database {url!r}: {exc}") from None
    try:
        yield store
    except SQLAlchemyError as exc:
        shown = store.url.render_as_string(hide_password=True)
        reason = str(exc).splitlines()[0]
        raise CliError(f"the proposals database {shown} failed: {reason}") from None
    finally:
        store.dispose()


def database_url(args: argparse.Namespace) -> str:
    url: str = args.db or load_settings(args).proposals_database
    return url


def db(args: argparse.Namespace) -> int:
    from kb.contribute import schema

    if args.action == "upgrade" and args.sql:
        # Nothing is connected to, so no driver is needed, only the dialect's name.
        sys.stdout.write(schema.upgrade_sql(database_url(args), args.from_revision))
        return 0
    with opened_store(args) as store:
        shown = store.url.render_as_string(hide_password=True)
        if args.action == "status":
            found = schema.status(store.engine)
            print(f"{shown}: revision {found.current or '(empty)'}, newest {found.head}")
            if not found.up_to_date:
                print("kb db: run `kb db upgrade` to migrate it", file=sys.stderr)
            return 0 if found.up_to_date else 1
        before = store.upgrade()
        if before.up_to_date:
            print(f"{shown}: already at the newest revision, {before.head}")
        else:
            print(f"{shown}: upgraded from {before.current or '(empty)'} to {before.head}")
    return 0
