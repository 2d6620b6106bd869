"""``kb serve``: the knowledge base over HTTP, with uvicorn."""

from __future__ import annotations

import argparse
import errno
import gc
import logging
import logging.config
import os
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
import webbrowser
from pathlib import Path
from typing import Any

from kb.cli.common import CliError, env_value, load_settings, require_folders
from kb.middleware.observability import LEVELS, logging_config

KB_DIR = Path(__file__).resolve().parent.parent
CACHE_FOLDER = ".cache"
OPEN_TIMEOUT = 60.0  # seconds --open waits for the first answer

log = logging.getLogger("kb")

DESCRIPTION = """\
Serve the knowledge base over HTTP.

Every entry, search, and each entry's example app with its consoles. Rendered entries
and the search index are kept in .cache/ beside the content folder, so a restart with
unchanged content is quick (KB_CACHE_DIR chooses another folder; KB_CACHE_DIR= turns the
cache off).

Logs go to stderr, one JSON object per line (UTC times with milliseconds) when stderr is
not a terminal, readable lines on a terminal and under --reload."""

EPILOG = """\
examples:
  kb serve                        # http://127.0.0.1:8000
  kb serve --open                 # and open it in the browser once it answers
  kb serve --reload               # development mode: saved entries show at once
  kb serve --host 0.0.0.0 --port 8080 --log-level warning"""


def register(commands: Any, directories: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "serve",
        help="serve the knowledge base",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", help="address to bind (default: KB_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default: KB_PORT or 8000)")
    parser.add_argument(
        "--reload",
        action="store_true",
        help="development mode: reload entries and examples as they change, refresh open pages",
    )
    parser.add_argument(
        "--open",
        action="store_true",
        help="open the KB in the web browser once the server answers",
    )
    parser.add_argument(
        "--log-level",
        choices=LEVELS,
        default="info",
        help="the least severe lines logged (default: info)",
    )
    directories(parser)
    parser.set_defaults(handler=serve)


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = load_settings(args)
    require_folders(settings)
    ensure_free(settings.host, settings.port)
    # The factory reads settings from the environment, also in reload workers.
    os.environ["KB_CONTENT_DIR"] = str(settings.content_dir)
    os.environ["KB_EXAMPLES_DIR"] = str(settings.examples_dir)
    if env_value("cache_dir") is None:
        os.environ["KB_CACHE_DIR"] = str(settings.content_dir.parent / CACHE_FOLDER)
    options: dict[str, Any] = {}
    if args.reload:
        # Development mode: kb.dev.reload watches content/, examples/, templates and static
        # files in-process and refreshes open pages; uvicorn restarts the server only when
        # the KB's own code changes.
        os.environ["KB_DEV"] = "1"
        options = {
            "reload": True,
            "reload_dirs": [str(KB_DIR)],
            "reload_includes": ["*.py"],
            "timeout_graceful_shutdown": 1,  # open pages' event streams must not hold it up
        }
    config = logging_config(
        json_lines=not (args.reload or sys.stderr.isatty()), level=args.log_level
    )
    # Applied here too, not only by uvicorn: --open's line comes before uvicorn starts.
    logging.config.dictConfig(config)
    if args.open:
        open_when_ready(settings.host, settings.port)
    # No collections while uvicorn imports the KB and builds it: they find nothing to
    # free then. create_app() turns the collector on again when the app is built.
    gc.disable()
    try:
        uvicorn.run(
            "kb.app:create_app",
            factory=True,
            host=settings.host,
            port=settings.port,
            # The client address behind a reverse proxy, for rate limits and logs; only
            # proxies in KB_FORWARDED_ALLOW_IPS are believed.
            proxy_headers=True,
            forwarded_allow_ips=settings.forwarded_allow_ips,
            access_log=False,  # kb.middleware.observability writes a structured access log instead
            # A WebSocket message to an example is bounded as a request body to one is.
            ws_max_size=settings.max_body or 16 * 1024 * 1024,
            log_config=config,
            log_level=args.log_level,
            **options,
        )
    finally:
        gc.enable()
    return 0


def ensure_free(host: str, port: int) -> None:
    """Refuse to start on an address that cannot be bound, with the reason, as uvicorn
    would bind it (an IPv6 address when the host has a colon)."""
    if port == 0:
        return  # the system picks a free one
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except socket.gaierror as exc:
            raise CliError(f"cannot listen on {host}: {exc.strerror}") from None
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CliError(
                    f"port {port} is in use on {host}: stop what listens there, "
                    "or choose another port with --port or KB_PORT"
                ) from None
            raise CliError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def browser_url(host: str, port: int) -> str:
    """The URL a browser on this machine reaches the server at."""
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host in ("::", "[::]"):
        host = "[::1]"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def open_when_ready(host: str, port: int, timeout: float = OPEN_TIMEOUT) -> threading.Thread:
    """Open the KB in the browser as soon as it answers, from a thread of its own."""
    url = browser_url(host, port)
    # Straight to the server: a proxy set in the environment has no business with it.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def wait_then_open() -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                opener.open(f"{url}healthz", timeout=2).close()
            except urllib.error.HTTPError:
                pass  # it answers, if not with a 200
            except OSError:
                time.sleep(0.2)
                continue
            if webbrowser.open(url):
                log.info("opened %s in the web browser", url)
            else:
                log.warning("found no web browser to open; visit %s", url)
            return
        log.warning("%s did not answer within %.0f s; not opening a browser", url, timeout)

    thread = threading.Thread(target=wait_then_open, name="kb-open", daemon=True)
    thread.start()
    return thread
