"""The ``kb`` command: serve, index, check, new, proposals."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypedDict

from kb import __version__
from kb.middleware.observability import configure_logging
from kb.settings import Settings


class _SettingsOverrides(TypedDict, total=False):
    content_dir: Path
    examples_dir: Path


class _ReloadOptions(TypedDict, total=False):
    reload: bool
    reload_dirs: list[str]
    reload_includes: list[str]
    timeout_graceful_shutdown: int


def _settings(args: argparse.Namespace) -> Settings:
    overrides: _SettingsOverrides = {}
    if getattr(args, "content", None):
        overrides["content_dir"] = Path(args.content).resolve()
    if getattr(args, "examples", None):
        overrides["examples_dir"] = Path(args.examples).resolve()
    return Settings(**overrides)


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = _settings(args)
    # The factory reads settings from the environment, also in reload workers.
    os.environ["KB_CONTENT_DIR"] = str(settings.content_dir)
    os.environ["KB_EXAMPLES_DIR"] = str(settings.examples_dir)
    kwargs: _ReloadOptions = {}
    if args.reload:
        # Development mode: kb.dev.reload watches content/, examples/, templates and static
        # files in-process and refreshes open pages; uvicorn restarts the server only when
        # the KB's own code changes.
        os.environ["KB_DEV"] = "1"
        kwargs = {
            "reload": True,
            "reload_dirs": [str(Path(__file__).resolve().parent)],
            "reload_includes": ["*.py"],
            "timeout_graceful_shutdown": 1,  # open pages' event streams must not hold it up
        }
    configure_logging()
    uvicorn.run(
        "kb.app:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port if args.port is not None else settings.port,
        # The client address behind a reverse proxy, for rate limits and logs; only
        # proxies in KB_FORWARDED_ALLOW_IPS are believed.
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        access_log=False,  # kb.middleware.observability writes a structured access log instead
        # A WebSocket message to an example is bounded as a request body to one is.
        ws_max_size=settings.max_body or 16 * 1024 * 1024,
        log_level="info",
        **kwargs,
    )
    return 0


def index(args: argparse.Namespace) -> int:
    from kb.content.catalogue import load
    from kb.search.engine import SearchIndex

    settings = _settings(args)
    started = time.perf_counter()
    catalogue = load(settings.content_dir, settings.examples_dir)
    search_index = SearchIndex(catalogue, max_query=settings.search_max_query)
    elapsed = (time.perf_counter() - started) * 1000
    if args.db:
        target = sqlite3.connect(args.db)
        search_index.db.conn.backup(target)
        target.close()
    print(
        f"indexed {search_index.count()} entries in {elapsed:.0f} ms"
        + (f", written to {args.db}" if args.db else "")
    )
    for problem in catalogue.broken:
        print(problem.format(Path.cwd()), file=sys.stderr)
    return 1 if catalogue.broken else 0


def check(args: argparse.Namespace) -> int:
    from kb.consoles.check import check as run_check

    settings = _settings(args)
    started = time.perf_counter()
    # Example apps may print (the logging example logs to stdout); stdout is for problems.
    with contextlib.redirect_stdout(sys.stderr):
        problems = asyncio.run(run_check(settings, [Path(p) for p in args.paths]))
    elapsed = time.perf_counter() - started
    if args.format == "json":
        print(json.dumps([problem.to_dict() for problem in problems], indent=2))
    else:
        for problem in problems:
            print(problem.format(Path.cwd()))
        summary = f"{len(problems)} problem(s)" if problems else "all entries pass"
        print(f"kb check: {summary} in {elapsed:.1f} s", file=sys.stderr)
    return 1 if problems else 0


def new(args: argparse.Namespace) -> int:
    from kb.contribute import scaffold

    settings = _settings(args)
    try:
        plan = scaffold.scaffold(
            settings.content_dir,
            settings.examples_dir,
            args.slug,
            title=args.title,
            section=args.section,
            group=args.group or "",
            summary=args.summary or "",
            example=None if args.no_example else (args.example or ""),
            tags=_names(args.tags),
            related=_names(args.related),
        )
        scaffold.write(plan)
    except scaffold.ScaffoldError as exc:
        print(f"kb new: {exc}", file=sys.stderr)
        return 1
    for path in plan.files:
        print(f"created {_shown(path)}")
    outline = _shown(settings.content_dir / "_sections.yaml")
    if plan.outlined:
        print(f"listed {plan.entry.stem} in {outline} under {plan.group!r}")
    else:
        print(f"add {plan.entry.stem} to {plan.group!r} in {outline} to set its place")
    entry = _shown(plan.entry)
    print(
        "next:\n"
        f"  edit {entry} (and the example); keep the TODOs out of the final text\n"
        f"  kb check {entry}         # front matter, links, includes, example, try blocks\n"
        f"  kb serve --reload         # http://127.0.0.1:8000/patterns/{plan.entry.stem}, "
        "refreshed on every save"
    )
    return 0


def proposals(args: argparse.Namespace) -> int:
    from kb.contribute.proposals import ProposalError, ProposalStore, Status

    settings = _settings(args)
    store = ProposalStore(args.db or settings.proposals_database)
    try:
        if args.action == "list":
            wanted = None if args.status == "all" else Status(args.status)
            found = store.proposals(wanted)
            for proposal in found:
                print(
                    f"#{proposal.id:<4} {proposal.status:<8} {proposal.created_at:%Y-%m-%d %H:%M}  "
                    f"{proposal.slug:<28} {proposal.title}"
                    + (f"  (by {proposal.author})" if proposal.author else "")
                )
            if not found:
                print(f"no {'' if wanted is None else wanted + ' '}proposals", file=sys.stderr)
        elif args.action == "show":
            proposal = store.get(args.id)
            print(f"proposal #{proposal.id}: {proposal.status}")
            print(f"slug:    {proposal.slug} (content/{proposal.slug}.md)")
            print(f"title:   {proposal.title}")
            print(f"author:  {proposal.author or '(anonymous)'}")
            print(f"created: {proposal.created_at:%Y-%m-%d %H:%M} UTC")
            if proposal.decided_at:
                print(f"decided: {proposal.decided_at:%Y-%m-%d %H:%M} UTC")
            if proposal.reason:
                print(f"reason:  {proposal.reason}")
            if proposal.note:
                print(f"note:    {proposal.note}")
            print()
            print(proposal.markdown, end="" if proposal.markdown.endswith("\n") else "\n")
        elif args.action == "accept":
            target = store.accept(args.id, settings.content_dir, replace=args.replace)
            print(f"accepted #{args.id}: wrote {_shown(target)}")
            return _check_accepted(settings, target)
        elif args.action == "reject":
            store.reject(args.id, args.reason or "")
            print(f"rejected #{args.id}")
    except ProposalError as exc:
        print(f"kb proposals: {exc}", file=sys.stderr)
        return 1
    finally:
        store.dispose()
    return 0


def _check_accepted(settings: Settings, target: Path) -> int:
    """Run ``kb check`` on an accepted entry; its problems are the maintainer's to fix."""
    from kb.consoles.check import check as run_check

    problems = asyncio.run(run_check(settings, [target]))
    for problem in problems:
        print(problem.format(Path.cwd()))
    if problems:
        print(f"kb check: {len(problems)} problem(s) in the accepted entry", file=sys.stderr)
    else:
        print("kb check: the accepted entry passes; it is in the next index")
    return 0


def _names(value: str | None) -> list[str]:
    return [name.strip() for name in (value or "").split(",") if name.strip()]


def _shown(path: Path) -> str:
    cwd = Path.cwd()
    return str(path.relative_to(cwd)) if path.is_relative_to(cwd) else str(path)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kb", description="FastAPI Patterns knowledge base.")
    parser.add_argument("--version", action="version", version=f"kb {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    def dirs(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--content", help="content folder (default: KB_CONTENT_DIR or content/)")
        sub.add_argument(
            "--examples", help="examples folder (default: KB_EXAMPLES_DIR or examples/)"
        )

    serve_parser = commands.add_parser("serve", help="serve the knowledge base")
    serve_parser.add_argument("--host", help="address to bind (default 127.0.0.1)")
    serve_parser.add_argument("--port", type=int, help="port (default 8000)")
    serve_parser.add_argument(
        "--reload",
        action="store_true",
        help="development mode: reload entries and examples as they change, refresh open pages",
    )
    dirs(serve_parser)
    serve_parser.set_defaults(handler=serve)

    index_parser = commands.add_parser("index", help="build the search index and report")
    index_parser.add_argument("--db", help="also write the index to this SQLite file")
    dirs(index_parser)
    index_parser.set_defaults(handler=index)

    check_parser = commands.add_parser("check", help="validate entries and run their try blocks")
    check_parser.add_argument("paths", nargs="*", help="entries or folders (default: all)")
    check_parser.add_argument("--format", choices=("text", "json"), default="text")
    dirs(check_parser)
    check_parser.set_defaults(handler=check)

    new_parser = commands.add_parser(
        "new", help="scaffold an entry, its example app and the example's test"
    )
    new_parser.add_argument("slug", help="the entry's slug: content/<slug>.md, /patterns/<slug>")
    new_parser.add_argument(
        "--section", required=True, help="section title or slug, e.g. 'Core Patterns'"
    )
    new_parser.add_argument("--title", required=True, help="the entry's title (3-80 characters)")
    new_parser.add_argument("--group", help="group within the section (default: its first)")
    new_parser.add_argument("--summary", help="one sentence that says what the entry answers")
    new_parser.add_argument("--example", help="example name (default: the slug with _)")
    new_parser.add_argument(
        "--no-example", action="store_true", help="an entry without an example app"
    )
    new_parser.add_argument("--tags", help="comma-separated tags")
    new_parser.add_argument("--related", help="comma-separated slugs of related entries")
    dirs(new_parser)
    new_parser.set_defaults(handler=new)

    proposals_parser = commands.add_parser(
        "proposals", help="review entries proposed from /contribute"
    )
    proposals_parser.add_argument(
        "--db", help="proposals database URL (default: KB_PROPOSALS_URL or .cache/proposals.db)"
    )
    dirs(proposals_parser)
    actions = proposals_parser.add_subparsers(dest="action", required=True)
    list_parser = actions.add_parser("list", help="list proposals")
    list_parser.add_argument(
        "--status", choices=("pending", "accepted", "rejected", "all"), default="pending"
    )
    show_parser = actions.add_parser("show", help="print one proposal and its Markdown")
    show_parser.add_argument("id", type=int)
    accept_parser = actions.add_parser(
        "accept", help="write the proposal to content/<slug>.md and check it"
    )
    accept_parser.add_argument("id", type=int)
    accept_parser.add_argument(
        "--replace", action="store_true", help="overwrite an existing entry of that slug"
    )
    reject_parser = actions.add_parser("reject", help="mark the proposal rejected")
    reject_parser.add_argument("id", type=int)
    reject_parser.add_argument("--reason", help="why, kept with the proposal")
    proposals_parser.set_defaults(handler=proposals)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
