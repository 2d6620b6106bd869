"""The ``kb`` command: serve, index, check."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sqlite3
import sys
import time
from pathlib import Path

from kb import __version__
from kb.observability import configure_logging
from kb.settings import Settings


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {}
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
    kwargs: dict[str, object] = {}
    if args.reload:
        root = Path(__file__).resolve().parent
        kwargs = {
            "reload": True,
            "reload_dirs": [str(root), str(settings.content_dir), str(settings.examples_dir)],
            "reload_includes": ["*.py", "*.md", "*.yaml", "*.html", "*.css", "*.js"],
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
        access_log=False,  # kb.observability writes a structured access log instead
        log_level="info",
        **kwargs,  # type: ignore[arg-type]
    )
    return 0


def index(args: argparse.Namespace) -> int:
    from kb.catalogue import load
    from kb.search import SearchIndex

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
    from kb.check import check as run_check

    settings = _settings(args)
    started = time.perf_counter()
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
    serve_parser.add_argument("--reload", action="store_true", help="restart when files change")
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
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
