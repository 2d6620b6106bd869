import json
import logging
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from kb.cli import main, serve
from kb.settings import PROJECT_DIR, Settings
from tests.cli.conftest import dirs, run_kb

UTC_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def uvicorn_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """uvicorn.run replaced by a recorder; the logging set-up left as it was."""
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(
        uvicorn, "run", lambda app, **options: calls.append({"app": app, **options})
    )
    monkeypatch.setattr(logging.config, "dictConfig", lambda config: None)
    return calls


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def formatter_of(options: dict[str, Any]) -> str:
    return str(options["log_config"]["formatters"]["kb"]["()"]).rsplit(".", 1)[-1]


def test_serve_arguments_parse() -> None:
    from kb.cli import build_parser

    args = build_parser().parse_args(
        ["serve", "--port", "9000", "--reload", "--content", "c", "--open", "--log-level", "debug"]
    )
    assert (args.port, args.reload, args.content, args.host) == (9000, True, "c", None)
    assert (args.open, args.log_level) == (True, "debug")


def test_serve_reload_is_development_mode_with_readable_logs(
    uvicorn_calls: list[dict[str, Any]],
) -> None:
    assert main(["serve", "--reload", "--port", "0"]) == 0
    assert os.environ["KB_DEV"] == "1"
    [options] = uvicorn_calls
    assert options["reload"] is True and options["timeout_graceful_shutdown"] == 1
    # content/ and examples/ are reloaded in-process; uvicorn restarts for the KB's code.
    assert options["reload_dirs"] == [str(PROJECT_DIR / "kb")]
    assert formatter_of(options) == "TextFormatter"


def test_serve_runs_uvicorn_with_proxy_headers_and_json_logs_off_a_terminal(
    uvicorn_calls: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KB_FORWARDED_ALLOW_IPS", "10.0.0.5")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    assert main(["serve", "--port", "0", "--log-level", "warning"]) == 0
    [options] = uvicorn_calls
    assert options["app"] == "kb.app:create_app" and options["factory"] is True
    assert options["proxy_headers"] is True
    assert options["forwarded_allow_ips"] == "10.0.0.5"
    assert (options["port"], options["log_level"]) == (0, "warning")
    assert options["ws_max_size"] == Settings().max_body
    assert formatter_of(options) == "JsonFormatter"
    assert options["log_config"]["loggers"]["uvicorn"]["level"] == "WARNING"


def test_serve_keeps_its_cache_beside_the_content_unless_told_otherwise(
    uvicorn_calls: list[dict[str, Any]], site_settings: Settings, tmp_path: Path
) -> None:
    assert main(["serve", "--port", "0", *dirs(site_settings)]) == 0
    cache = site_settings.content_dir.parent / ".cache"
    assert os.environ["KB_CACHE_DIR"] == str(cache)
    assert Settings().cache_dir == cache  # what the factory in the worker reads

    os.environ["KB_CACHE_DIR"] = str(tmp_path / "elsewhere")
    assert main(["serve", "--port", "0", *dirs(site_settings)]) == 0
    assert os.environ["KB_CACHE_DIR"] == str(tmp_path / "elsewhere")

    os.environ["KB_CACHE_DIR"] = ""  # off: in memory only
    assert main(["serve", "--port", "0", *dirs(site_settings)]) == 0
    assert os.environ["KB_CACHE_DIR"] == "" and Settings().cache_dir is None


def test_a_port_in_use_is_one_line_not_a_traceback() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_kb("serve", "--port", str(port))
    assert result.returncode == 1
    assert result.stderr == (
        f"kb serve: port {port} is in use on 127.0.0.1: stop what listens there, "
        "or choose another port with --port or KB_PORT\n"
    )


def test_a_missing_content_folder_stops_serve_before_it_starts() -> None:
    result = run_kb("serve", "--content", "/nonexistent")
    assert result.returncode == 2
    assert result.stderr == (
        "kb serve: the content folder /nonexistent does not exist "
        "(set it with --content or KB_CONTENT_DIR)\n"
    )


def test_browser_url_reaches_the_server_from_this_machine() -> None:
    assert serve.browser_url("127.0.0.1", 8000) == "http://127.0.0.1:8000/"
    assert serve.browser_url("0.0.0.0", 80) == "http://127.0.0.1:80/"
    assert serve.browser_url("::", 8000) == "http://[::1]:8000/"
    assert serve.browser_url("::1", 8000) == "http://[::1]:8000/"


class Server:
    """``kb serve`` in a process of its own, its stderr a pipe (so not a terminal)."""

    def __init__(self, settings: Settings, *arguments: str, env: dict[str, str] | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("KB_")}
        command = [sys.executable, "-m", "kb", "serve", "--port", str(self.port)]
        self.process = subprocess.Popen(
            [*command, *dirs(settings), *arguments],
            env={**clean, **(env or {})},
            cwd=PROJECT_DIR,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )

    def get(self, path: str, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        while True:
            try:
                with opener.open(f"{self.url}{path}", timeout=5) as response:
                    status: int = response.status
                    return status
            except urllib.error.HTTPError as exc:
                return exc.code
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.1)

    def stop(self) -> list[str]:
        self.process.send_signal(signal.SIGINT)
        _, err = self.process.communicate(timeout=30)
        return err.splitlines()


def test_every_line_the_server_writes_is_json_with_utc_milliseconds(
    site_settings: Settings,
) -> None:
    server = Server(site_settings)
    try:
        assert server.get("/patterns/greeting") == 200
        assert server.get("/examples/greeting/boom") == 500  # a traceback, logged
    finally:
        lines = server.stop()
    records = [json.loads(line) for line in lines]  # every line, uvicorn's included
    assert all(UTC_MS.match(record["time"]) for record in records)
    loggers = {record["logger"] for record in records}
    assert {"uvicorn.error", "kb.access", "kb"} <= loggers
    started = next(r for r in records if r["message"].startswith("Uvicorn running on"))
    assert started["level"] == "info" and str(server.port) in started["message"]
    access = next(r for r in records if r.get("path") == "/patterns/greeting")
    assert access["status"] == 200 and len(access["request_id"]) == 32
    error = next(r for r in records if "the example broke" in r.get("error", ""))
    assert error["level"] == "error" and error["request_id"] != "-"
    # The cache is beside the content: the next start finds the index built.
    assert list((site_settings.content_dir.parent / ".cache").glob("search-*.db"))


def test_log_level_warning_leaves_out_the_info_lines(site_settings: Settings) -> None:
    server = Server(site_settings, "--log-level", "warning")
    try:
        assert server.get("/patterns/greeting") == 200
        assert server.get("/examples/greeting/boom") == 500
    finally:
        lines = server.stop()
    records = [json.loads(line) for line in lines]
    assert records and {record["level"] for record in records} == {"error"}


def test_open_opens_the_browser_once_the_server_answers(
    site_settings: Settings, tmp_path: Path
) -> None:
    opened = tmp_path / "opened"
    browser = tmp_path / "browser"
    browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    browser.chmod(browser.stat().st_mode | stat.S_IEXEC)
    server = Server(site_settings, "--open", env={"BROWSER": str(browser)})
    try:
        assert server.get("/healthz") == 200
        deadline = time.monotonic() + 30
        while not opened.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        lines = server.stop()
    assert opened.read_text().strip() == f"{server.url}/"
    assert any(
        json.loads(line)["message"] == f"opened {server.url}/ in the web browser" for line in lines
    )


def test_serve_builds_the_kb_without_garbage_collections_then_turns_them_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gc

    import uvicorn

    seen: list[bool] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: seen.append(gc.isenabled()))
    monkeypatch.setattr(logging.config, "dictConfig", lambda config: None)
    assert main(["serve", "--port", "0"]) == 0
    assert seen == [False] and gc.isenabled()
