"""Every example holds up under concurrent readers: 48 at once on each GET try block.

A ``def`` handler runs in a worker thread, so readers of an example really do overlap:
a connection shared across threads, or a dict iterated while another thread changes it,
shows up here as a 5xx that one reader at a time never sees.

The blocks of each entry run in order, as the docs harness runs them, so a GET block that
uses a value captured by an earlier block (``{{token}}``) gets it from that block's real
response. Each GET block is sent :data:`READERS` times at once; the other blocks are sent
once, to build the state and the captures the later blocks need. Only server errors are
judged here (the docs harness judges the rest): a rate limiter's 429 for the 48th reader
is an answer, a 500 is not. A block that declares a 5xx (an entry that shows its error
handler) must answer with that status and no other.
"""

from __future__ import annotations

import asyncio

import pytest

from kb.consoles import console
from kb.consoles.requests import ConsoleRequest
from kb.consoles.results import ConsoleResult
from kb.content import catalogue as catalogue_module
from kb.content import sources, tryblocks
from kb.sandbox import examples
from kb.settings import PROJECT_DIR

READERS = 48
# Generous: on a loaded machine 48 requests queue for the worker threads. A request the
# console stops after this long is reported as a timeout, not as the example's 5xx.
TIMEOUT = 60.0
CATALOGUE = catalogue_module.load(PROJECT_DIR / "content", PROJECT_DIR / "examples")
EXAMPLES = sources.available(PROJECT_DIR / "examples")


def entries_of(example: str) -> list[catalogue_module.Entry]:
    return [e for e in CATALOGUE.entries.values() if e.meta.example == example]


def test_every_example_has_an_entry() -> None:
    assert [name for name in EXAMPLES if not entries_of(name)] == []


@pytest.mark.parametrize("name", EXAMPLES, ids=lambda name: name)
@pytest.mark.anyio
async def test_concurrent_readers_get_no_server_error(name: str) -> None:
    entries = entries_of(name)
    if not any(b.method == "GET" for e in entries for b in e.rendered.try_blocks):
        pytest.skip(f"the entry of examples/{name} has no GET try block to send")
    failures: list[str] = []
    for entry in entries:
        failures += await hammer_get_blocks(entry)
    assert failures == []


async def hammer_get_blocks(entry: catalogue_module.Entry) -> list[str]:
    assert entry.meta.example
    app = examples.build(CATALOGUE.examples_dir, entry.meta.example)
    running = examples.RunningApps()
    # Requests go through the started app, as a reader's do: each gets the state its
    # lifespan yielded (request.state) and the example's .env.
    started = await running.start(entry.slug, app)
    failures: list[str] = []
    variables: dict[str, str] = {}
    try:
        for block in entry.rendered.try_blocks:
            where = f"{entry.source.path.name}:{entry.source.line_of(block.line)}"
            try:
                request = ConsoleRequest.from_block(block, variables, entry.files_dir)
            except tryblocks.UnknownVariable as exc:
                failures.append(f"{where}: {{{{{exc.name}}}}} was not captured")
                continue
            if block.method != "GET":
                result = await console.send(started, entry.mount, request, timeout=TIMEOUT)
            else:
                results = await asyncio.gather(
                    *(
                        console.send(started, entry.mount, request, timeout=TIMEOUT)
                        for _ in range(READERS)
                    )
                )
                failures += [
                    f"{where}: GET {request.path}: {error}"
                    for error in sorted(server_errors(block, results))
                ]
                result = results[0]
            variables.update(console.check(block, result)[1])
    finally:
        await running.aclose()
    return failures


def server_errors(block: tryblocks.TryBlock, results: list[ConsoleResult]) -> set[str]:
    """What went wrong on the server side, once each: 5xx, exceptions, console timeouts."""
    errors = set()
    for result in results:
        if result.error:
            errors.add(result.error)  # the console stopped the request
        elif block.status is not None and block.status >= 500 and result.status == block.status:
            continue  # the 5xx this entry exists to show
        elif result.status >= 500 or result.failure is not None:
            raised = f", the example raised {result.failure.short}" if result.failure else ""
            body = result.body[:120].decode("utf-8", errors="replace")
            errors.add(f"{result.status}{raised}: {body}")
    return errors
