"""Run the KB as several processes behind nginx, with proposals on a shared PostgreSQL.

Everything runs on loopback, in a temporary folder, and stops when the script ends.

    apt-get install nginx postgresql
    .venv/bin/pip install -e '.[deploy]'                 # psycopg, PostgreSQL's driver
    .venv/bin/python deploy/run.py --check               # 2 processes: a reader's flow
    .venv/bin/python deploy/run.py --bench               # throughput, 1 process against 2
    .venv/bin/python deploy/run.py --serve --processes 3 # keep serving until Ctrl-C

nginx sends each reader to one process by consistent hashing on the `kb_reader`
cookie (deploy/nginx.conf.template), so that a reader's sandboxes, which live in one
process's memory, see the reader's POST and then the GET after it, and their WebSockets.
Every process shares KB_SECRET_KEY (cookies and CSRF tokens verify anywhere) and the
proposals database, whose schema `kb db upgrade` migrates once, before the processes start
(they only check that it is current).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import string
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx2
import postgres  # deploy/postgres.py, beside this script: the throwaway PostgreSQL server
from websockets.exceptions import WebSocketException
from websockets.sync.client import connect
from websockets.typing import Origin

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).with_name("nginx.conf.template")
PROPOSAL = """---
title: Proposal {number}
summary: A proposal sent through nginx to whichever process the reader is on.
section: Best Practices
group: Error Handling
tags: [deploy]
related: [logging, monitoring]
updated: 2026-11-26
---

## Why

Proposal number {number}, from reader {reader}.
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx2.get(url, timeout=5).status_code < 500:
                return
        except httpx2.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s")


class Deployment:
    def __init__(self, stack: ExitStack, root: Path) -> None:
        self.stack = stack
        self.root = root
        self.secret = secrets.token_urlsafe(32)
        self.database_url = ""
        self.kb_ports: list[int] = []

    def start_postgres(self) -> None:
        self.database_url = postgres.start(self.stack, self.root)
        print(f"PostgreSQL at {self.database_url}")

    def env(self, number: int) -> dict[str, str]:
        return {
            **os.environ,
            "KB_SECRET_KEY": self.secret,
            "KB_PROPOSALS_URL": self.database_url,
            "KB_CACHE_DIR": str(self.root / f"cache-{number}"),
            "KB_TRUSTED_HOSTS": '["127.0.0.1", "localhost"]',
            "KB_FORWARDED_ALLOW_IPS": "127.0.0.1",
            "KB_RATE_LIMIT_TRY": "0",
            "KB_RATE_LIMIT_EXAMPLES": "0",
            "KB_RATE_LIMIT_SEARCH": "0",
            # Every test reader comes from 127.0.0.1: one client, as far as limits know.
            "KB_PROPOSALS_RATE": "1000/minute",
        }

    def migrate(self) -> None:
        """Bring the shared database's schema up to date, once, as a deployment does."""
        upgraded = kb("db", "upgrade", env=self.env(0))
        print(upgraded.stdout.strip())

    def start_kb(self, processes: int) -> None:
        for number in range(processes):
            port = free_port()
            process = subprocess.Popen(
                [str(ROOT / ".venv/bin/kb"), "serve", "--port", str(port)],
                cwd=ROOT,
                env=self.env(number),
                stdout=subprocess.DEVNULL,
                stderr=open(self.root / f"kb-{number}.log", "w"),  # noqa: SIM115
            )
            self.stack.callback(process.wait, 30)
            self.stack.callback(process.terminate)
            self.kb_ports.append(port)
        for port in self.kb_ports:
            wait_for(f"http://127.0.0.1:{port}/healthz?wait=true")
        print(f"{processes} kb serve processes on ports {', '.join(map(str, self.kb_ports))}")

    def start_nginx(self) -> str:
        if shutil.which("nginx") is None:
            raise SystemExit("nginx is needed: apt-get install nginx")
        port = free_port()
        prefix = self.root / "nginx"
        prefix.mkdir()
        servers = "\n".join(f"        server 127.0.0.1:{p};" for p in self.kb_ports)
        config = string.Template(TEMPLATE.read_text()).substitute(
            prefix=prefix, servers=servers, port=port
        )
        (prefix / "nginx.conf").write_text(config)
        process = subprocess.Popen(
            ["nginx", "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"]
        )
        self.stack.callback(process.wait, 30)
        self.stack.callback(process.terminate)
        url = f"http://127.0.0.1:{port}"
        wait_for(f"{url}/healthz")
        print(f"nginx on {url}")
        return url


def check(url: str, deployment: Deployment, readers: int = 24) -> bool:
    """Each reader creates notes and reads them back; proposals land in one database."""
    inconsistent = 0
    proposals = 0
    for reader in range(readers):
        with httpx2.Client(base_url=url) as client:
            client.get("/")
            for number in range(5):
                created = client.post(
                    "/examples/database-sessions/notes", json={"title": f"r{reader}-{number}"}
                )
                location = created.headers.get("location", "")
                read = client.get(location) if location else None
                if created.status_code != 201 or read is None or read.status_code != 200:
                    inconsistent += 1
            page = client.get("/contribute")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            response = client.post(
                "/contribute",
                data={
                    "csrf_token": token[1] if token else "",
                    "slug": f"proposal-{reader}",
                    "markdown": PROPOSAL.format(number=reader, reader=reader),
                },
            )
            proposals += response.status_code < 400
    listed = kb("proposals", "list", env=deployment.env(0)).stdout
    stored = len(re.findall(r"proposal-\d+", listed))
    current = subprocess.run(
        [str(ROOT / ".venv/bin/kb"), "db", "status"], env=deployment.env(0), capture_output=True
    )
    print(f"{readers} readers × 5 POST-then-GET through nginx: {inconsistent} inconsistent")
    print(f"{proposals} proposals accepted over HTTP, {stored} in the shared database")
    print(f"the shared database's schema is {'current' if current.returncode == 0 else 'BEHIND'}")
    return inconsistent == 0 and proposals == readers == stored and current.returncode == 0


def kb(*arguments: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The ``kb`` command, as an operator runs it; its error ends the run."""
    result = subprocess.run(
        [str(ROOT / ".venv/bin/kb"), *arguments], env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"kb {' '.join(arguments)} failed: {result.stderr.strip()}")
    return result


def check_websockets(url: str, readers: int = 8) -> bool:
    """Each reader opens a WebSocket to the chat example through nginx and, while it is
    open, asks over HTTP who is in the room: only the process holding the reader's
    sandbox knows, so both must have reached the same one."""
    address = url.removeprefix("http://")
    failed = 0
    for reader in range(readers):
        with httpx2.Client(base_url=url) as client:
            client.get("/")
            cookie = f"kb_reader={client.cookies['kb_reader']}"
            try:
                # The ticket comes from the reader's sandbox: the socket must reach the same.
                ticket = client.post(
                    "/examples/websockets/tickets", headers={"Authorization": "Bearer ann-token"}
                ).json()["ticket"]
                room = f"/examples/websockets/ws/room-{reader}?ticket={ticket}"
                with connect(
                    f"ws://{address}{room}", additional_headers={"Cookie": cookie}, open_timeout=10
                ) as websocket:
                    joined = json.loads(websocket.recv(timeout=10))
                    websocket.send(json.dumps({"text": f"hello from reader {reader}"}))
                    echoed = json.loads(websocket.recv(timeout=10))
                    members = client.get(f"/examples/websockets/rooms/room-{reader}").json()
                # The page's player, through the KB's relay: to the same sandbox.
                ticket = client.post(
                    "/examples/websockets/tickets", headers={"Authorization": "Bearer ann-token"}
                ).json()["ticket"]
                with connect(
                    f"ws://{address}/try/websockets/ws",
                    additional_headers={"Cookie": cookie},
                    origin=Origin(f"http://{address}"),
                    open_timeout=10,
                ) as relay:
                    opening = {"path": f"/ws/relayed-{reader}?ticket={ticket}", "headers": []}
                    relay.send(json.dumps({"open": opening}))
                    relayed = [json.loads(relay.recv(timeout=10)) for _ in range(2)]
            except (OSError, TimeoutError, ValueError, KeyError, WebSocketException) as exc:
                print(f"reader {reader}: the WebSocket through nginx failed: {exc!r}")
                failed += 1
                continue
        if (
            joined.get("type") != "joined"
            or echoed.get("text") != f"hello from reader {reader}"
            or members.get("members") != ["ann"]
            or relayed[0].get("event") != "accepted"
            or '"joined"' not in relayed[1].get("text", "")
        ):
            print(f"reader {reader}: {joined}, {echoed}, {members}, {relayed}")
            failed += 1
    print(
        f"{readers} readers × a WebSocket round trip through nginx, directly and through the"
        f" player's relay: {failed} failed"
    )
    return failed == 0


@dataclass(frozen=True)
class Load:
    name: str
    method: str
    path: str
    body: str = ""


LOADS = [
    Load("entry page", "GET", "/patterns/pagination"),
    Load("console (simple GET)", "POST", "/try/openapi", "block=3&method=GET&path=%2Fhealthz"),
]


def throughput(url: str, load: Load, seconds: int, folder: Path) -> float:
    """Requests per second from many readers (a different cookie each time, so that
    consistent hashing spreads them over the processes as real readers are)."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed for --bench: apt-get install wrk")
    script = folder / "readers.lua"
    headers = '["Cookie"] = cookie'
    if load.body:
        headers += (
            ', ["Content-Type"] = "application/x-www-form-urlencoded", ["HX-Request"] = "true"'
        )
    body = f'"{load.body}"' if load.body else "nil"
    script.write_text(
        "request = function()\n"
        '  local cookie = "kb_reader=reader" .. math.random(1, 1000000)\n'
        f'  return wrk.format("{load.method}", nil, {{{headers}}}, {body})\n'
        "end\n"
    )
    output = subprocess.run(
        ["wrk", "-t2", "-c64", f"-d{seconds}s", "-s", str(script), f"{url}{load.path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--check", action="store_true", help="check a reader's flow, then stop")
    parser.add_argument(
        "--bench", action="store_true", help="entry page and console throughput, 1 process vs N"
    )
    parser.add_argument("--serve", action="store_true", help="keep serving until interrupted")
    args = parser.parse_args()
    ok = True
    runs = [1, args.processes] if args.bench else [args.processes]
    figures: dict[tuple[str, int], float] = {}
    for processes in runs:
        # The folder outlives the servers: pg_ctl stop needs the data directory's pid file.
        with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
            deployment = Deployment(stack, Path(tmp))
            deployment.start_postgres()
            deployment.migrate()
            deployment.start_kb(processes)
            url = deployment.start_nginx()
            if args.check or not (args.bench or args.serve):
                ok &= check(url, deployment)
                ok &= check_websockets(url)
            if args.bench:
                for load in LOADS:
                    rps = figures[load.name, processes] = throughput(url, load, 10, Path(tmp))
                    print(f"{load.name} through nginx, {processes} process(es): {rps:.0f} req/s")
            if args.serve:
                print(f"serving on {url}; Ctrl-C stops")
                try:
                    while True:
                        time.sleep(3600)
                except KeyboardInterrupt:
                    pass
    if args.bench:
        for load in LOADS:
            ratio = figures[load.name, args.processes] / figures[load.name, 1]
            print(f"{load.name}: {args.processes} processes against 1: ×{ratio:.2f}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
