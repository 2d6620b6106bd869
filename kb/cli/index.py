"""``kb index``: build the search index and report it."""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

from kb.cli.common import CliError, load_settings, require_folders

DESCRIPTION = """\
Build the search index and report it.

Read and render every entry, build the search index of them, and report how many were
indexed and how long it took. Entries that cannot be read are listed on stderr, and the
exit status is then 1. With --db, the index is also written to a SQLite file, to look at
with any SQLite client (its tables are FTS5)."""

EPILOG = """\
examples:
  kb index                       # build it, report it
  kb index --db /tmp/index.db    # and write it to a file
  sqlite3 /tmp/index.db 'select slug, title from entries'"""


def register(commands: Any, directories: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "index",
        help="build the search index and report",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", metavar="FILE", help="also write the index to this SQLite file")
    directories(parser)
    parser.set_defaults(handler=index)


def index(args: argparse.Namespace) -> int:
    from kb.content.catalogue import load
    from kb.search.engine import SearchIndex

    settings = load_settings(args)
    require_folders(settings)
    started = time.perf_counter()
    catalogue = load(settings.content_dir, settings.examples_dir)
    if not catalogue.entries:
        for problem in catalogue.broken:
            print(problem.format(Path.cwd()), file=sys.stderr)
        raise CliError("no entry could be read, so there is nothing to index")
    search_index = SearchIndex(catalogue, max_query=settings.search_max_query)
    elapsed = (time.perf_counter() - started) * 1000
    if args.db:
        try:
            target = sqlite3.connect(args.db)
            try:
                search_index.db.conn.backup(target)
            finally:
                target.close()
        except sqlite3.Error as exc:
            raise CliError(f"cannot write the index to {args.db}: {exc}") from None
    print(
        f"indexed {search_index.count()} entries in {elapsed:.0f} ms"
        + (f", written to {args.db}" if args.db else "")
    )
    for problem in catalogue.broken:
        print(problem.format(Path.cwd()), file=sys.stderr)
    return 1 if catalogue.broken else 0
