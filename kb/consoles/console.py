"""Sending a console's request to an example app in-process, and reading its response.

Requests never leave the process: :mod:`kb.consoles.inprocess` calls the example app directly,
so a console cannot be used to reach any other host.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from starlette.types import ASGIApp

from kb.consoles import cookies, inprocess
from kb.consoles.requests import ConsoleRequest, RequestError
from kb.consoles.results import ConsoleResult
from kb.content import tryblocks
from kb.content.variables import names as variable_names

log = logging.getLogger("kb")

ORIGIN = "http://testserver"  # where kb check's requests say they come from


async def send(
    app: ASGIApp,
    mount: str,
    request: ConsoleRequest,
    *,
    origin: str = ORIGIN,
    timeout: float = 5.0,
    max_response: int = 1024 * 1024,
) -> ConsoleResult:
    """Call ``app`` (mounted at ``mount``) with ``request`` and collect its response.

    :class:`RequestError` when the request cannot be built (a file it sends is missing).
    """
    headers, body = request.encode()
    if not any(name.lower() == "accept" for name, _ in headers):
        headers.append(("accept", "*/*"))  # as curl and httpx2 send
    scope = inprocess.build_scope(
        request.method, f"{mount}{request.path}", headers, body, origin=origin, root_path=mount
    )
    started = time.perf_counter()
    try:
        reply = await inprocess.call(app, scope, body, max_body=max_response, timeout=timeout)
    except TimeoutError:
        return ConsoleResult(
            request,
            504,
            (time.perf_counter() - started) * 1000,
            error=f"The example did not answer within {timeout:g} s, so the request was stopped.",
        )
    if reply.failure is not None:
        # With the request id of the console's request (the log's formatter adds it).
        log.error(
            "example at %s raised %s\n%s", mount, reply.failure.short, reply.failure.traceback
        )
    error = ""
    if reply.incomplete:
        error = (
            f"The stream was still sending after {timeout:g} s, so the console stopped "
            "reading it: showing what arrived."
        )
    return ConsoleResult(
        request=request,
        status=reply.status,
        elapsed_ms=reply.response_ms,
        headers=reply.headers,
        body=reply.body,
        truncated=reply.truncated,
        error=error,
        failure=reply.failure,
        first_byte_ms=reply.first_byte_ms,
        after_response=reply.after_response,
        arrivals=reply.arrivals,
        incomplete=reply.incomplete,
    )


@dataclass
class BlockOutcome:
    """A try block run as the docs-as-tests harness runs it."""

    block: tryblocks.TryBlock
    result: ConsoleResult | None
    failures: list[str]
    captured: dict[str, str]


@dataclass(frozen=True)
class Check:
    """One expectation of a try block, held against a response."""

    label: str  # what was checked, as the block says it: "status", 'jsonpath "$.id" == 3'
    ok: bool
    expected: str
    actual: str
    why: str = ""  # when it failed: the message kb check prints


@dataclass
class Verdict:
    """Every check of a block against one response, and what its captures kept."""

    checks: list[Check]
    captured: dict[str, str]

    @property
    def failures(self) -> list[str]:
        return [check.why for check in self.checks if not check.ok]


def verdict(
    block: tryblocks.TryBlock, result: ConsoleResult, variables: dict[str, str] | None = None
) -> Verdict:
    """Each expectation of ``block`` (status, asserts, captures), passed or not;
    ``variables`` are the values captured before, for ``{{name}}`` in assertions."""
    checks = []
    if result.error:
        checks.append(Check("the request", False, "a whole response", result.error, result.error))
    if block.status is None:
        checks.append(Check("status", True, "any", str(result.status)))
    elif result.status == block.status:
        checks.append(Check("status", True, str(block.status), str(result.status)))
    else:
        # An exception the entry expects (its block says HTTP 500) is no failure; one
        # that changed the status is named, with the example's own line.
        if result.failure is not None and not result.failure.after_response:
            got = f"the example raised {result.failure.short}"
        else:
            got = result.body[:300].decode("utf-8", errors="replace").replace("\n", " ")
        why = f"expected HTTP {block.status}, got {result.status}: {got}"
        checks.append(Check("status", False, str(block.status), str(result.status), why))
    response = result.as_response()
    for assertion in block.asserts:
        label = assertion.describe()
        outcome = assertion.evaluate(response, variables)
        why = "" if outcome.holds else f"{label}: {outcome.why}"
        checks.append(Check(label, outcome.holds, outcome.expected, outcome.actual, why))
    captured = {}
    for capture in block.captures:
        label = f"capture {capture.name}"
        looked_for = capture.query.describe()
        try:
            captured[capture.name] = value = capture.extract(response)
        except tryblocks.CaptureFailed as exc:
            checks.append(Check(label, False, looked_for, str(exc), f"{label}: {exc}"))
        else:
            checks.append(Check(label, True, looked_for, _short(value)))
    return Verdict(checks, captured)


def check(
    block: tryblocks.TryBlock, result: ConsoleResult, variables: dict[str, str] | None = None
) -> tuple[list[str], dict[str, str]]:
    """What failed (expected status, asserts, captures) and what was captured."""
    found = verdict(block, result, variables)
    return found.failures, found.captured


def _short(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


async def run_blocks(
    app: ASGIApp,
    mount: str,
    blocks: Sequence[tryblocks.TryBlock],
    *,
    timeout: float = 5.0,
    files_dir: Path | None = None,
    variables: dict[str, str] | None = None,
    jar: cookies.Jar | None = None,
) -> list[BlockOutcome]:
    """Run an entry's try blocks in order, feeding captures forward, with one cookie jar
    shared by the blocks as a browser's is. A caller running the blocks a few at a time
    passes its own ``variables`` and ``jar``, so that both carry over."""
    variables = {} if variables is None else variables
    jar = cookies.Jar() if jar is None else jar
    outcomes = []
    for block in blocks:
        try:
            request = ConsoleRequest.from_block(block, variables, files_dir)
        except tryblocks.UnknownVariable as exc:
            outcomes.append(BlockOutcome(block, None, [exc.uncaptured], {}))
            continue
        request = jar.send_with(request, ORIGIN)
        try:
            result = await send(app, mount, request, timeout=timeout)
        except RequestError as exc:
            outcomes.append(BlockOutcome(block, None, [str(exc)], {}))
            continue
        jar.keep(request, result.headers, ORIGIN)
        failures, captured = check(block, result, variables)
        variables.update(captured)
        outcomes.append(BlockOutcome(block, result, failures, captured))
    return outcomes


# What a console's result says besides the checks: the request the reader changed, and
# the other consoles of the page whose values it used.


@dataclass(frozen=True)
class Step:
    """Another console of the page, as a result names it: "request 1 (POST /token)"."""

    number: int  # from 1, as the console's anchor #try-N counts
    method: str
    path: str
    name: str  # the {{name}} it captures

    @property
    def title(self) -> str:
        return f"request {self.number} ({self.method} {self.path})"


def capturing_step(blocks: Sequence[tryblocks.TryBlock], name: str) -> Step | None:
    index = capturing_block(blocks, name)
    if index is None:
        return None
    block = blocks[index]
    return Step(index + 1, block.method, block.path, name)


def sources(blocks: Sequence[tryblocks.TryBlock], index: int, edited: ConsoleRequest) -> list[Step]:
    """The earlier consoles whose captured values this failed request used: a one-time
    token or a deleted id is spent by one send, and the way out is to send its maker again."""
    if not edited.uses_variables:
        return []
    text = "\n".join(
        [edited.path, *(value for _, value in edited.headers), edited.body]
        + [f"{part.value} {part.file}" for part in edited.parts]
    )
    steps = [capturing_step(blocks, name) for name in variable_names(text)]
    return [step for step in steps if step is not None and step.number != index + 1]


def changed(edited: ConsoleRequest, block: tryblocks.TryBlock) -> bool:
    """Whether the reader edited the request the entry's block makes."""
    if edited.uploads:
        return True
    return (edited.method, edited.path, edited.headers, edited.body) != (
        block.method,
        block.path,
        block.headers,
        block.body,
    ) or [part.text() for part in edited.parts] != [part.text() for part in block.parts]


def asserted_headers(block: tryblocks.TryBlock) -> frozenset[str]:
    """The response headers the block checks (lower-cased): the result shows them open."""
    queries = [a.query for a in block.asserts] + [c.query for c in block.captures]
    return frozenset(query.argument.lower() for query in queries if query.kind == "header")


def capturing_block(blocks: Sequence[tryblocks.TryBlock], name: str) -> int | None:
    for number, block in enumerate(blocks):
        if any(capture.name == name for capture in block.captures):
            return number
    return None
