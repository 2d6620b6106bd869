"""The KB against a bare FastAPI app serving the same bytes, under the same server and load.

For each endpoint the KB's response is fetched once; a bare FastAPI app is generated
that returns exactly those bytes (precomputed), and both run under `uvicorn` with the
same settings, one process each, on loopback. wrk drives each in turn with the same
load; the script prints requests per second, p99 latency, and the KB/bare ratio.

    apt-get install wrk                      # the load generator
    .venv/bin/python bench/peer_bench.py     # 10 s per run, best of 3 rounds
    .venv/bin/python bench/peer_bench.py --duration 5 --rounds 1

Rate limits are off for the run. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx2

ROOT = Path(__file__).resolve().parent.parent
UVICORN = [str(ROOT / ".venv/bin/python"), "-m", "uvicorn"]
SERVER_FLAGS = ["--host", "127.0.0.1", "--no-access-log", "--log-level", "warning"]


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str
    target: float | None  # the KB's throughput must be at least this fraction of the bare app's
    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""


ENDPOINTS = [
    Endpoint("entry page", "GET", "/patterns/query-parameters", 0.85),
    Endpoint("home page", "GET", "/", 0.85),
    Endpoint("/api/search", "GET", "/api/search?q=pagination", 0.5),
    Endpoint("/search (htmx)", "GET", "/search?q=pagination", 0.5, (("HX-Request", "true"),)),
    # The console, for the simplest GET in the catalogue: a health check answering a
    # constant. Its cost over the bare app is the KB's own (the form, the sandbox, the
    # check, the fragment) plus one pass through the example's FastAPI app.
    Endpoint(
        "POST /try (simple GET)",
        "POST",
        "/try/openapi",
        0.4,
        (("HX-Request", "true"), ("Content-Type", "application/x-www-form-urlencoded")),
        "block=3&method=GET&path=%2Fhealthz&headers=&body=",
    ),
    # For comparison, no target: a read by id, where the example validates a path
    # parameter and a response model, work that FastAPI does again on every request.
    Endpoint(
        "POST /try (GET by id)",
        "POST",
        "/try/path-parameters",
        None,
        (("HX-Request", "true"), ("Content-Type", "application/x-www-form-urlencoded")),
        "block=0&method=GET&path=%2Fusers%2F2&headers=&body=",
    ),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx2.get(url, timeout=2)
            return
        except httpx2.TransportError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer")


def bare_app_source(responses: dict[str, tuple[str, str, int, str, bytes]]) -> str:
    """A FastAPI app that answers each (method, path) with precomputed bytes."""
    routes = []
    for number, (method, path, status, media_type, body) in enumerate(responses.values()):
        route_path = path.split("?")[0]
        routes.append(
            f"    BODY_{number} = {body!r}\n"
            f"    @app.api_route({route_path!r}, methods=[{method!r}])\n"
            f"    async def route_{number}() -> Response:\n"
            f"        return Response(BODY_{number}, status_code={status}, media_type={media_type!r})\n"
        )
    return "from fastapi import FastAPI, Response\n\napp = FastAPI()\n\nif True:\n" + "\n".join(
        routes
    )


def wrk(
    url: str, endpoint: Endpoint, args: argparse.Namespace, script_dir: Path, cookie: str
) -> tuple[float, float]:
    """Requests per second and p99 latency in ms."""
    headers = [*endpoint.headers, ("Cookie", cookie)]
    script = script_dir / f"{abs(hash(endpoint))}.lua"
    lines = [f'wrk.method = "{endpoint.method}"']
    if endpoint.body:
        lines.append(f"wrk.body = {endpoint.body!r}".replace("'", '"'))
    lines += [f'wrk.headers["{name}"] = "{value}"' for name, value in headers]
    script.write_text("\n".join(lines) + "\n")
    output = subprocess.run(
        [
            "wrk",
            "-t",
            str(args.threads),
            "-c",
            str(args.connections),
            "-d",
            f"{args.duration}s",
            "--latency",
            "-s",
            str(script),
            f"{url}{endpoint.path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non2xx:
        print(
            f"  warning: {non2xx.group(1)} non-2xx responses from {url}{endpoint.path}",
            file=sys.stderr,
        )
    return rps, float(p99.group(1)) * scale


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="runs per endpoint and server")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--only", default="", help="run only the endpoints whose name contains this text"
    )
    args = parser.parse_args()
    endpoints = [e for e in ENDPOINTS if args.only in e.name]
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")

    env = {
        **os.environ,
        "KB_RATE_LIMIT_TRY": "0",
        "KB_RATE_LIMIT_EXAMPLES": "0",
        "KB_RATE_LIMIT_SEARCH": "0",
    }
    kb_port, bare_port = free_port(), free_port()
    kb_url, bare_url = f"http://127.0.0.1:{kb_port}", f"http://127.0.0.1:{bare_port}"
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        kb = subprocess.Popen(
            [*UVICORN, "kb.app:create_app", "--factory", "--port", str(kb_port), *SERVER_FLAGS],
            cwd=ROOT,
            env=env,
        )
        bare = None
        try:
            wait_until_up(f"{kb_url}/healthz")
            with httpx2.Client(base_url=kb_url) as client:
                client.get("/")  # a reader, as a browser would be after its first page
                cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
                responses = {}
                for endpoint in endpoints:
                    response = client.request(
                        endpoint.method,
                        endpoint.path,
                        headers=dict(endpoint.headers),
                        content=endpoint.body or None,
                    )
                    media_type = response.headers["content-type"]
                    responses[endpoint.name] = (
                        endpoint.method,
                        endpoint.path,
                        response.status_code,
                        media_type,
                        response.content,
                    )
            (tmp_dir / "bare_peer.py").write_text(bare_app_source(responses))
            bare = subprocess.Popen(
                [*UVICORN, "bare_peer:app", "--port", str(bare_port), *SERVER_FLAGS],
                cwd=tmp_dir,
                env=env,
            )
            wait_until_up(f"{bare_url}/")

            print(
                f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, best of {args.rounds} rounds, "
                f"one uvicorn process each, {os.cpu_count()} cores"
            )
            print(
                f"{'endpoint':<24} {'KB req/s':>10} {'bare req/s':>11} {'ratio':>6} {'target':>7}  "
                f"{'KB p99':>8} {'bare p99':>9}"
            )
            failed = False
            for endpoint in endpoints:
                kb_runs = []
                bare_runs = []
                for _ in range(args.rounds):
                    kb_runs.append(wrk(kb_url, endpoint, args, tmp_dir, cookie))
                    bare_runs.append(wrk(bare_url, endpoint, args, tmp_dir, cookie))
                kb_rps, kb_p99 = max(kb_runs)
                bare_rps, bare_p99 = max(bare_runs)
                ratio = kb_rps / bare_rps
                if endpoint.target is None:
                    target, mark = "—", ""
                else:
                    target = f"{endpoint.target:.2f}"
                    mark = "ok" if ratio >= endpoint.target else "BELOW"
                    failed |= ratio < endpoint.target
                print(
                    f"{endpoint.name:<24} {kb_rps:>10.0f} {bare_rps:>11.0f} {ratio:>6.2f} {target:>6} {mark:<5}"
                    f"{kb_p99:>7.1f}ms {bare_p99:>7.1f}ms"
                )
            sys.exit(1 if failed else 0)
        finally:
            for process in (kb, bare):
                if process is not None:
                    process.terminate()
                    process.wait(timeout=30)


if __name__ == "__main__":
    main()
