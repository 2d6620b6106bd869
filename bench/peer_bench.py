"""The KB against two peers serving the same bytes, under the same server and load.

For each endpoint the KB's response is fetched once. Two peers are generated that return
exactly those bytes and content types, precomputed: a bare FastAPI app, and a raw ASGI
callable with no framework at all, which is the most a Python app can get out of the
server. All three run under `uvicorn` with the same flags, one process each, on loopback.
wrk drives them in turn (KB, bare, raw, then again: alternating rounds, so that a burst
of load from elsewhere on the machine falls on all three alike); each server's median
round counts. The script prints requests per second, p99 latency and both ratios, and
exits non-zero when a ratio is under its target.

    apt-get install wrk                      # the load generator
    .venv/bin/python bench/peer_bench.py     # wrk -t1 -c16, 4 s per run, median of 3 rounds
    .venv/bin/python bench/peer_bench.py --only POST --duration 10
    .venv/bin/python bench/peer_bench.py --only page --system   # and the kernel's share

Rate limits are off for the run. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
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
    # The KB's throughput must be at least this fraction of the peer named by `against`
    # ("raw": the raw ASGI callable, "bare": the bare FastAPI app).
    target: float | None
    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""
    against: str = "raw"


ENDPOINTS = [
    Endpoint("entry page", "GET", "/patterns/query-parameters", 0.8),
    Endpoint("home page", "GET", "/", 0.8),
    Endpoint("/api/search", "GET", "/api/search?q=pagination", 0.7),
    Endpoint("/search (htmx)", "GET", "/search?q=pagination", 0.7, (("HX-Request", "true"),)),
    # The console, for the simplest GET in the catalogue: a health check answering a
    # constant. Its cost over the bare app is the KB's own (the form, the sandbox, the
    # check, the fragment) plus one pass through the example's FastAPI app.
    Endpoint(
        "POST /try (simple GET)",
        "POST",
        "/try/openapi",
        0.5,
        (("HX-Request", "true"), ("Content-Type", "application/x-www-form-urlencoded")),
        "block=3&method=GET&path=%2Fhealthz&headers=&body=",
        against="bare",
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
        against="bare",
    ),
]
PEERS = ("kb", "bare", "raw")


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


def raw_asgi_source(
    responses: dict[str, tuple[str, str, int, str, bytes]],
    kb_headers: dict[str, list[tuple[bytes, bytes]]] | None = None,
) -> str:
    """A plain ASGI callable, no framework, that answers each (method, path) with
    precomputed bytes and headers: the server's own limit for a Python app.

    With ``kb_headers`` (by endpoint name) it sends every header the KB sent instead of
    only the content type and length: what the KB's extra headers cost the server."""
    answers = {}
    for name, (method, path, status, media_type, body) in responses.items():
        headers = [
            (b"content-type", media_type.encode("latin-1")),
            (b"content-length", str(len(body)).encode()),
        ]
        if kb_headers is not None:
            headers = kb_headers[name]
        answers[(method, path.split("?")[0])] = (status, headers, body)
    return f"""\
ANSWERS = {answers!r}
MISSING = (404, [(b"content-type", b"text/plain"), (b"content-length", b"9")], b"not found")


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({{"type": "lifespan.startup.complete"}})
            elif message["type"] == "lifespan.shutdown":
                await send({{"type": "lifespan.shutdown.complete"}})
                return
    status, headers, body = ANSWERS.get((scope["method"], scope["path"]), MISSING)
    await send({{"type": "http.response.start", "status": status, "headers": headers}})
    await send({{"type": "http.response.body", "body": body}})
"""


def cpu_seconds(pid: int) -> tuple[float, float]:
    """User and system CPU time a process has used (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def wrk(
    url: str,
    endpoint: Endpoint,
    args: argparse.Namespace,
    script_dir: Path,
    cookie: str,
    pid: int,
) -> tuple[float, float, float, float]:
    """Requests per second, p99 latency in ms, and the server's CPU µs per request: in
    all, and the part spent in the kernel (system time).

    The last is what other load on the machine moves least: a server slowed by other
    processes answers fewer requests, but spends about the same CPU time on each."""
    cpu_before = cpu_seconds(pid)
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
    user_after, system_after = cpu_seconds(pid)
    cpu = user_after + system_after - sum(cpu_before)
    system = system_after - cpu_before[1]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non2xx:
        print(
            f"  warning: {non2xx.group(1)} non-2xx responses from {url}{endpoint.path}",
            file=sys.stderr,
        )
    per_request = 1e6 / max(requests, 1)
    return rps, float(p99.group(1)) * scale, cpu * per_request, system * per_request


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=4, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="runs per endpoint and server")
    # One wrk thread: on two cores, the server under test gets the other one.
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--only", default="", help="run only the endpoints whose name contains this text"
    )
    parser.add_argument(
        "--raw-with-kb-headers",
        action="store_true",
        help="the raw peer sends every header the KB sends, not only content type and length",
    )
    parser.add_argument(
        "--system",
        action="store_true",
        help="also print each round's system (kernel) µs per request, for every server",
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
    ports = {peer: free_port() for peer in PEERS}
    urls = {peer: f"http://127.0.0.1:{port}" for peer, port in ports.items()}
    servers: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        servers.append(
            subprocess.Popen(
                [
                    *UVICORN,
                    "kb.app:create_app",
                    "--factory",
                    "--port",
                    str(ports["kb"]),
                    *SERVER_FLAGS,
                ],
                cwd=ROOT,
                env=env,
            )
        )
        try:
            wait_until_up(f"{urls['kb']}/healthz")
            httpx2.get(f"{urls['kb']}/healthz?wait=true", timeout=60)  # examples started
            with httpx2.Client(base_url=urls["kb"]) as client:
                client.get("/")  # a reader, as a browser would be after its first page
                cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
                responses = {}
                kb_headers: dict[str, list[tuple[bytes, bytes]]] = {}
                for endpoint in endpoints:
                    response = client.request(
                        endpoint.method,
                        endpoint.path,
                        # As wrk asks: no compression, so the headers are those wrk gets.
                        headers={**dict(endpoint.headers), "Accept-Encoding": "identity"},
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
                    kb_headers[endpoint.name] = [
                        (name.encode("latin-1"), value.encode("latin-1"))
                        for name, value in response.headers.multi_items()
                        if name not in ("date", "server")  # uvicorn adds these to every answer
                    ]
            (tmp_dir / "bare_peer.py").write_text(bare_app_source(responses))
            (tmp_dir / "raw_peer.py").write_text(
                raw_asgi_source(responses, kb_headers if args.raw_with_kb_headers else None)
            )
            for peer in ("bare", "raw"):
                servers.append(
                    subprocess.Popen(
                        [*UVICORN, f"{peer}_peer:app", "--port", str(ports[peer]), *SERVER_FLAGS],
                        cwd=tmp_dir,
                        env=env,
                    )
                )
                wait_until_up(f"{urls[peer]}/")

            print(
                f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, median of "
                f"{args.rounds} alternating rounds, one uvicorn process each, {os.cpu_count()} cores"
            )
            # CPU µs per request: each server's own CPU time over the requests it answered;
            # "by CPU" is the ratio those give against the target's peer (its µs over the
            # KB's), the figure other load on the machine moves least.
            print(
                f"{'endpoint':<24} {'KB req/s':>9} {'bare req/s':>11} {'raw req/s':>10} "
                f"{'KB/bare':>8} {'KB/raw':>7} {'target':>13}  {'KB p99':>7}  "
                f"{'CPU µs/request: KB':>18} {'bare':>6} {'raw':>6} {'by CPU':>7}"
            )
            pids = dict(zip(PEERS, (server.pid for server in servers), strict=True))
            failed = False
            for endpoint in endpoints:
                runs: dict[str, list[tuple[float, float, float, float]]] = {
                    peer: [] for peer in PEERS
                }
                for _ in range(args.rounds):
                    for peer in PEERS:
                        pid = pids[peer]
                        runs[peer].append(wrk(urls[peer], endpoint, args, tmp_dir, cookie, pid))
                rps = {peer: statistics.median(run[0] for run in runs[peer]) for peer in PEERS}
                p99 = statistics.median(run[1] for run in runs["kb"])
                cpu = {peer: statistics.median(run[2] for run in runs[peer]) for peer in PEERS}
                system = {peer: [run[3] for run in runs[peer]] for peer in PEERS}
                ratios = {peer: rps["kb"] / rps[peer] for peer in ("bare", "raw")}
                if endpoint.target is None:
                    target = "—"
                else:
                    ok = ratios[endpoint.against] >= endpoint.target
                    failed |= not ok
                    target = f"{endpoint.target:.2f} {endpoint.against} {'ok' if ok else 'BELOW'}"
                by_cpu = cpu[endpoint.against] / cpu["kb"]
                print(
                    f"{endpoint.name:<24} {rps['kb']:>9.0f} {rps['bare']:>11.0f} {rps['raw']:>10.0f} "
                    f"{ratios['bare']:>8.2f} {ratios['raw']:>7.2f} {target:>13}  {p99:>5.1f}ms  "
                    f"{cpu['kb']:>18.1f} {cpu['bare']:>6.1f} {cpu['raw']:>6.1f} {by_cpu:>7.2f}"
                )
                if args.system:
                    rounds = " · ".join(
                        f"{peer} " + " ".join(f"{value:.1f}" for value in system[peer])
                        for peer in PEERS
                    )
                    print(f"  {'system µs/request, each round':<30} {rounds}")
            sys.exit(1 if failed else 0)
        finally:
            for process in servers:
                process.terminate()
                process.wait(timeout=30)


if __name__ == "__main__":
    main()
