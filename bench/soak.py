"""Load and soak: many concurrent readers browse, search and send console requests.

Starts `kb serve` on a free loopback port (rate limits off), then runs CLIENTS readers
for DURATION seconds, each with its own cookie (so its own sandboxes), and prints
errors, latency percentiles per kind of request and the server's memory over time.

    .venv/bin/python bench/soak.py                      # 32 clients, 60 s
    .venv/bin/python bench/soak.py --clients 8 --duration 10

Only 127.0.0.1 is ever contacted; the run stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx2

ROOT = Path(__file__).resolve().parent.parent
SEARCHES = [
    "pagination",
    "jwt",
    "depend",
    "sqlalchemy session",
    "cors",
    "rate limit",
    "pagniation",
    "xyzzy",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_server(port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "KB_RATE_LIMIT_TRY": "0",
        "KB_RATE_LIMIT_EXAMPLES": "0",
        "KB_RATE_LIMIT_SEARCH": "0",
    }
    return subprocess.Popen(
        [str(ROOT / ".venv/bin/kb"), "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def wait_until_up(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with httpx2.AsyncClient() as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(f"{base}/healthz?wait=true")).status_code == 200:
                    return
            except httpx2.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit("the server did not start")


async def plan(base: str) -> tuple[list[str], list[tuple[str, dict[str, str]]]]:
    """Entry URLs, and console forms of GET try blocks that need no captured value."""
    async with httpx2.AsyncClient(base_url=base) as client:
        patterns = (await client.get("/api/patterns")).json()
        forms = []
        for pattern in patterns:
            detail = (await client.get(f"/api/patterns/{pattern['slug']}")).json()
            for number, block in enumerate(detail["try_blocks"]):
                if block["method"] == "GET" and "{{" not in block["path"] + str(block["headers"]):
                    headers = "\n".join(f"{n}: {v}" for n, v in block["headers"])
                    form = {
                        "block": str(number),
                        "method": "GET",
                        "path": block["path"],
                        "headers": headers,
                    }
                    forms.append((f"/try/{pattern['slug']}", form))
    return [f"/patterns/{p['slug']}" for p in patterns], forms


async def reader(
    base: str,
    deadline: float,
    pages: list[str],
    forms: list,
    seed: int,
    results: dict[str, list[float]],
    errors: list[str],
) -> None:
    rng = random.Random(seed)
    async with httpx2.AsyncClient(base_url=base, timeout=30) as client:
        while time.monotonic() < deadline:
            kind = rng.choices(["browse", "search", "try"], weights=[5, 3, 2])[0]
            started = time.perf_counter()
            try:
                if kind == "browse":
                    response = await client.get(rng.choice(["/", *pages]))
                elif kind == "search":
                    response = await client.get(
                        "/search",
                        params={"q": rng.choice(SEARCHES)},
                        headers={"HX-Request": "true"},
                    )
                else:
                    url, form = rng.choice(forms)
                    response = await client.post(url, data=form, headers={"HX-Request": "true"})
                if response.status_code >= 400:
                    errors.append(f"{kind} {response.request.url.path} → {response.status_code}")
            except httpx2.HTTPError as exc:
                errors.append(f"{kind}: {exc!r}")
            results[kind].append((time.perf_counter() - started) * 1000)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=60)
    args = parser.parse_args()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(port)
    try:
        await wait_until_up(base)
        pages, forms = await plan(base)
        memory = [("started", rss_mb(server.pid))]
        results: dict[str, list[float]] = {"browse": [], "search": [], "try": []}
        errors: list[str] = []
        started = time.monotonic()
        deadline = started + args.duration

        async def sample_memory() -> None:
            while time.monotonic() < deadline:
                await asyncio.sleep(args.duration / 6)
                memory.append((f"{time.monotonic() - started:4.0f} s", rss_mb(server.pid)))

        await asyncio.gather(
            sample_memory(),
            *(
                reader(base, deadline, pages, forms, n, results, errors)
                for n in range(args.clients)
            ),
        )
        elapsed = time.monotonic() - started
        total = sum(len(v) for v in results.values())
        print(
            f"{args.clients} clients for {elapsed:.0f} s: {total} requests, {total / elapsed:.0f}/s, {len(errors)} errors"
        )
        for kind, timings in results.items():
            if timings:
                timings.sort()
                p99 = timings[min(len(timings) - 1, int(0.99 * len(timings)))]
                print(
                    f"  {kind:<7} {len(timings):>6} requests  p50 {statistics.median(timings):7.1f} ms  p99 {p99:7.1f} ms"
                )
        print("memory (RSS): " + ", ".join(f"{label} {mb:.0f} MB" for label, mb in memory))
        warm = memory[1][1] if len(memory) > 1 else memory[0][1]
        print(f"growth after the first sample: {memory[-1][1] - warm:+.0f} MB")
        for line in sorted(set(errors))[:10]:
            print("  error:", line)
        sys.exit(1 if errors else 0)
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    asyncio.run(main())
