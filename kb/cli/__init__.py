"""The ``kb`` command: serve, index, check, new, proposals, db, completion.

Each command is a module of this package with its parser (``register``) and its handler.
A mistake of the user's (a path that is not there, a setting that is not valid, a port
in use) ends the command with one line, ``kb <command>: <what is wrong>``, and exit
status 1 or 2 (2 as argparse's for what the command was given), never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable

import shtab

from kb import __version__
from kb.cli import check, completion, db, index, new, proposals, serve
from kb.cli.common import CliError

DESCRIPTION = """\
FastAPI Patterns: a knowledge base of FastAPI patterns, each entry with a live example
app and consoles that send its requests. Settings come from KB_* environment variables
(README.md, "Settings"); options given here win."""

EPILOG = """\
examples:
  kb serve --open          # serve on http://127.0.0.1:8000 and open the browser
  kb check                 # check every entry and run its try blocks
  kb new etag-caching --section "Best Practices" --title "ETag Caching"
  kb COMMAND --help        # what a command does, its options and examples"""

COMMANDS = (serve, index, check, new, proposals, db, completion)


def directories(parser: argparse.ArgumentParser) -> None:
    """The content and examples folders, which most commands read."""
    content = parser.add_argument(
        "--content", metavar="DIR", help="content folder (default: KB_CONTENT_DIR or content/)"
    )
    examples = parser.add_argument(
        "--examples",
        metavar="DIR",
        help="examples folder (default: KB_EXAMPLES_DIR or examples/)",
    )
    content.complete = examples.complete = shtab.DIRECTORY  # type: ignore[attr-defined]


def build_parser(prog: str = "kb") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"kb {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(commands, directories)
    return parser


def main(argv: list[str] | None = None, prog: str = "kb") -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser(prog).parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except CliError as exc:
        print(f"kb {args.command}: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        return 130  # as a shell reports a command stopped by Ctrl-C
