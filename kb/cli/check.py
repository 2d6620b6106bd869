"""``kb check``: validate entries and run their try blocks."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from pathlib import Path
from typing import Any

import shtab

from kb.cli.common import UsageError, load_settings, require_folders, shown
from kb.cli.report import (
    FORMATS,
    Reporter,
    as_github,
    as_json,
    as_text,
    captured_text,
    summary_line,
)
from kb.content.problems import Problem
from kb.settings import Settings

DESCRIPTION = """\
Check entries and run their try blocks.

Entries are checked as a reader would meet them: front matter, includes, links and
anchors, related entries, the example's import, OpenAPI and lifespan, and every try
block, sent in order to a fresh instance of the example. Each problem is one line,
file:line:col: code message (codes in CONTRIBUTING.md, "Checks"); the exit status is 1
when there is any.

On a terminal a progress line shows the entries done, the current one and the time. What
the examples print or log is captured, entry by entry, and shown only for an entry with
problems. A summary (entries, try blocks run, problems, time) ends on stderr."""

EPILOG = """\
examples:
  kb check                               # every entry
  kb check content/query-parameters.md   # one entry
  kb check examples/https.py             # the entries that use this example
  kb check --format json > report.json   # problems, summary and captured output
  kb check --format github               # annotations in a GitHub Actions job"""


def register(commands: Any, directories: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "check",
        help="validate entries and run their try blocks",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="entry files, folders of entries, or example files (default: every entry)",
    ).complete = shtab.FILE  # type: ignore[attr-defined]
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text: a line per problem (default); json: one object with the problems, "
        "the summary and the captured output; github: GitHub Actions annotations",
    )
    directories(parser)
    parser.set_defaults(handler=check)


def check(args: argparse.Namespace) -> int:
    settings = load_settings(args)
    require_folders(settings)
    paths = [Path(p) for p in args.paths]
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
    problems, reporter = run(settings, paths)
    if paths and not reporter.entries and not problems:
        raise UsageError(
            f"{' '.join(args.paths)}: no entry there; give entry files or folders in "
            f"{shown(settings.content_dir)}/, or example files in {shown(settings.examples_dir)}/"
        )
    summary = reporter.summary(problems)
    output = reporter.failing_output()
    if args.format == "json":
        sys.stdout.write(as_json(problems, summary, output))
    elif args.format == "github":
        sys.stdout.write(as_github(problems, output))
    else:
        sys.stdout.write(as_text(problems))
        sys.stdout.flush()  # the problems first, then what the examples wrote
        sys.stderr.write(captured_text(output))
    print(summary_line(summary), file=sys.stderr)
    return 1 if problems else 0


def run(settings: Settings, paths: list[Path]) -> tuple[list[Problem], Reporter]:
    """Check the entries named by ``paths`` (every one when none), with progress on a
    terminal and each entry's output captured."""
    from kb.consoles.check import check as run_check

    reporter = Reporter(sys.stderr)
    try:
        # Whatever is written outside an entry's capture (a background task of an example
        # that outlives it) goes to stderr: stdout is for the report.
        with contextlib.redirect_stdout(sys.stderr):
            problems = asyncio.run(run_check(settings, paths, reporter))
    finally:
        reporter.done()
    return problems, reporter
