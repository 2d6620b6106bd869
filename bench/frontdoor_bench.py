"""The front door's own cost per request, in process: what the KB adds to an answer from
memory, without the server, the network or the load generator around it.

The app is built with the real catalogue and default settings, except that searches
are not rate limited (the loop would be refused after 300), warmed so that each URL
below is in memory, then called in a loop with the scope uvicorn would
give it and a ``send`` that does nothing. Printed: µs per request, less a loop that
only builds the scope and awaits the two sends (what any ASGI app costs the caller).
Then what uvicorn's writing of the headers costs for the headers a page from memory
sends beyond the content type and length (the raw ASGI peer of bench/peer_bench.py sends
only those two): its loop over them, as uvicorn 0.54's httptools protocol runs it. Last,
one access log line as ``kb serve`` writes it (JSON, here to /dev/null): the front door
measured above writes none, as under bench/peer_bench.py, where the log level is uvicorn's
"warning".

    .venv/bin/python bench/frontdoor_bench.py              # 200,000 calls, best of 3
    .venv/bin/python bench/frontdoor_bench.py --calls 50000
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import logging.config
import os
import time
import timeit
from collections.abc import Callable

from starlette.types import Message, Scope
from uvicorn.protocols.http.httptools_impl import HEADER_RE, HEADER_VALUE_RE

from kb.app import create_app
from kb.middleware.observability import log_access, logging_config
from kb.sandbox import readers

Headers = list[tuple[bytes, bytes]]


def scope_of(url: str, headers: Headers) -> Callable[[], Scope]:
    path, _, query = url.partition("?")

    def make() -> Scope:
        return {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "server": ("127.0.0.1", 8000),
            "client": ("127.0.0.1", 50000),
            "scheme": "http",
            "method": "GET",
            "root_path": "",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "headers": [(b"host", b"127.0.0.1:8000"), *headers],
            "state": {},
        }

    return make


async def receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    os.environ["KB_RATE_LIMIT_SEARCH"] = "0"
    app = create_app()
    sent: list[Message] = []

    async def keep(message: Message) -> None:
        sent.append(message)

    async def drop(message: Message) -> None:
        return None

    await app(scope_of("/", [])(), receive, keep)
    cookie = next(v for n, v in sent[0]["headers"] if n == b"set-cookie").split(b";")[0]
    assert readers.COOKIE.encode() in cookie
    reader = [(b"cookie", cookie)]
    cases = {
        "entry page": ("/patterns/query-parameters", reader),
        "home page": ("/", reader),
        "/api/search": ("/api/search?q=pagination", reader),
        "/search (htmx)": ("/search?q=pagination", [*reader, (b"hx-request", b"true")]),
        "entry page, new reader": ("/patterns/query-parameters", []),
    }
    for url, headers in cases.values():  # rendered and kept in memory
        await app(scope_of(url, headers)(), receive, drop)

    async def per_call(make: Callable[[], Scope], call: bool) -> float:
        best = float("inf")
        for _ in range(args.rounds):
            started = time.perf_counter()
            for _ in range(args.calls):
                scope = make()
                if call:
                    await app(scope, receive, drop)
                else:
                    await drop({"type": "http.response.start"})
                    await drop({"type": "http.response.body"})
            best = min(best, (time.perf_counter() - started) / args.calls)
        return best * 1e6

    print(f"{args.calls} calls, best of {args.rounds}: µs per request in the front door")
    for name, (url, headers) in cases.items():
        make = scope_of(url, headers)
        cost = await per_call(make, True) - await per_call(make, False)
        print(f"{name:24} {cost:6.2f}")

    await app(scope_of("/", reader)(), receive, keep)
    extra = [
        (name, value)
        for name, value in sent[-2]["headers"]
        if name not in (b"content-type", b"content-length")
    ]
    best = min(
        timeit.repeat(lambda: uvicorn_header_loop(extra), number=args.calls, repeat=args.rounds)
    )
    names = ", ".join(name.decode() for name, _ in extra)
    print(f"uvicorn writing {len(extra)} more headers ({names}): {best / args.calls * 1e6:.2f} µs")

    logging.config.dictConfig(logging_config(json_lines=True, level="info"))
    with open(os.devnull, "w") as null:
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(null)

        def line() -> None:
            log_access("GET", "/patterns/query-parameters", 200, 0.0004, "127.0.0.1", "/x")

        best = min(timeit.repeat(line, number=args.calls, repeat=args.rounds))
        print(f"an access log line (kb serve's JSON lines): {best / args.calls * 1e6:.2f} µs")


def uvicorn_header_loop(headers: Headers) -> bytes:
    """The loop uvicorn's httptools protocol runs over an answer's headers (0.54, send())."""
    content = []
    for name, value in headers:
        if HEADER_RE.search(name):
            raise RuntimeError("Invalid HTTP header name.")
        if HEADER_VALUE_RE.search(value):
            raise RuntimeError("Invalid HTTP header value.")
        name = name.lower()
        if name == b"content-length":
            int(value.decode())
        elif name == b"transfer-encoding" and value.lower() == b"chunked":
            pass
        elif name == b"connection":
            [token.lower().strip() for token in value.split(b",")]
        content.extend([name, b": ", value, b"\r\n"])
    return b"".join(content)


if __name__ == "__main__":
    asyncio.run(main())
