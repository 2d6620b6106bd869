"""What the console's two removed shortcuts were worth, per console request.

Issue 12 asked to keep a hand-written replacement only if it is worth at least 2% of
the console's throughput. This times each pair on the console's own input, many times,
and prints the difference as a share of one console request at the throughput
BENCHMARKS.md records (``--console-rps``).

    .venv/bin/python bench/shortcuts_bench.py
"""

from __future__ import annotations

import argparse
import asyncio
import timeit
from urllib.parse import parse_qsl, unquote_to_bytes

# What a browser sends for the openapi entry's health check console (block 4).
FORM = (
    b"block=3&method=GET&path=%2Fhealth&headers=Accept%3A+application%2Fjson"
    b"&body=&var_token=eyJhbGciOiJIUzI1NiJ9.e30.x"
)


def hand_parser(body: bytes) -> list[tuple[str, str]]:
    """The parser kb/web/tryit.py had before (git show 6b35a82:kb/tryit.py)."""
    fields = []
    for part in body.split(b"&"):
        if part:
            name, _, value = part.partition(b"=")
            fields.append((_unquote(name), _unquote(value)))
    return fields


def _unquote(raw: bytes) -> str:
    if b"%" in raw or b"+" in raw:
        raw = unquote_to_bytes(raw.replace(b"+", b" "))
    return raw.decode("utf-8", errors="replace")


def library_parser(body: bytes) -> list[tuple[str, str]]:
    return parse_qsl(
        body.decode("utf-8", errors="replace"),
        keep_blank_values=True,
        max_num_fields=64,
        encoding="utf-8",
        errors="replace",
    )


async def app() -> None:
    await asyncio.sleep(0)


async def with_timer(rounds: int) -> float:
    """The own timer kb/consoles/inprocess.py had: call_later + cancel, no context manager."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    for _ in range(rounds):
        timer = loop.call_later(5.0, lambda: None)
        try:
            await app()
        finally:
            timer.cancel()
    return loop.time() - started


async def with_timeout(rounds: int) -> float:
    loop = asyncio.get_running_loop()
    started = loop.time()
    for _ in range(rounds):
        async with asyncio.timeout(5.0):
            await app()
    return loop.time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200_000)
    parser.add_argument("--console-rps", type=float, default=4854.0)
    args = parser.parse_args()
    assert hand_parser(FORM) == library_parser(FORM)
    per_request_us = 1e6 / args.console_rps
    rows = []
    for name, old, new in [
        (
            "form parser",
            lambda: min(timeit.repeat(lambda: hand_parser(FORM), number=args.rounds, repeat=5)),
            lambda: min(timeit.repeat(lambda: library_parser(FORM), number=args.rounds, repeat=5)),
        ),
        (
            "timeout",
            lambda: min(asyncio.run(with_timer(args.rounds)) for _ in range(5)),
            lambda: min(asyncio.run(with_timeout(args.rounds)) for _ in range(5)),
        ),
    ]:
        old_us, new_us = old() / args.rounds * 1e6, new() / args.rounds * 1e6
        share = (new_us - old_us) / per_request_us * 100
        rows.append((name, old_us, new_us, share))
    print(f"one console request at {args.console_rps:,.0f}/s: {per_request_us:.0f} µs")
    print("| part | shortcut µs | library µs | library costs, share of a console request |")
    print("| --- | --- | --- | --- |")
    for name, old_us, new_us, share in rows:
        print(f"| {name} | {old_us:.2f} | {new_us:.2f} | {share:+.2f} % |")


if __name__ == "__main__":
    main()
