"""Sending a console's request to an example app in-process, and reading its response.

Requests never leave the process: :mod:`kb.consoles.inprocess` calls the example app directly,
so a console cannot be used to reach any other host.
"""

from __future__ import annotations

import bisect
import json
import logging
import shlex
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from http import HTTPStatus

from starlette.types import ASGIApp

from kb.consoles import bodies, inprocess
from kb.content import eventstream, tryblocks
from kb.content.highlight import highlight

log = logging.getLogger("kb")

_HOP_BY_HOP = frozenset({"host", "content-length", "transfer-encoding", "connection"})


@dataclass(frozen=True)
class ConsoleRequest:
    method: str
    path: str  # relative to the example's mount, starting with "/"
    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""

    @classmethod
    def from_block(cls, block: tryblocks.TryBlock, variables: dict[str, str]) -> ConsoleRequest:
        """The block's request with ``{{name}}`` replaced (``UnknownVariable`` if one has no value)."""
        return cls(block.method, block.path, block.headers, block.body).substitute(variables)

    def substitute(self, variables: dict[str, str]) -> ConsoleRequest:
        """This request with ``{{name}}`` replaced (``UnknownVariable`` if one has no value)."""
        if not self.uses_variables:
            return self
        return ConsoleRequest(
            method=self.method,
            path=tryblocks.substitute(self.path, variables),
            headers=tuple(
                (name, tryblocks.substitute(value, variables)) for name, value in self.headers
            ),
            body=tryblocks.substitute(self.body, variables),
        )

    @property
    def uses_variables(self) -> bool:
        if "{{" in self.path or "{{" in self.body:
            return True
        return any("{{" in value for _, value in self.headers)

    def curl(self, origin: str, mount: str, cookie: str = "") -> str:
        words = ["curl", "-i"]
        if self.method != "GET":
            words += ["-X", self.method]
        words.append(f"{origin.rstrip('/')}{mount}{self.path}")
        for name, value in self.headers:
            words += ["-H", f"{name}: {value}"]
        if cookie:
            words += ["--cookie", cookie]
        if self.body:
            words += ["--data-raw", self.body]
        return " ".join(shlex.quote(word) for word in words)


@dataclass
class ConsoleResult:
    request: ConsoleRequest
    status: int
    elapsed_ms: float
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    truncated: bool = False
    error: str = ""  # set when the KB, not the example, stopped the request
    failure: inprocess.Failure | None = None  # an exception raised inside the example
    first_byte_ms: float = 0.0
    # Work after the response (background tasks): ms it took, "running", or None.
    after_response: float | str | None = None
    arrivals: tuple[inprocess.Arrival, ...] = ()  # the body's pieces, when each arrived
    incomplete: bool = False  # stopped while the example was still sending (error says so)

    @property
    def background_failure(self) -> inprocess.Failure | None:
        """An exception raised after the response was sent (by a background task)."""
        failure = self.failure
        return failure if failure is not None and failure.after_response else None

    @property
    def after_response_text(self) -> str:
        """What the work after the response did, in a sentence; "" when there was none."""
        work = "Work after the response (background tasks)"
        took = self.after_response
        if (failure := self.background_failure) is not None:
            when = f" after {took:.0f} ms" if isinstance(took, float) else ""
            return (
                f"{work} failed{when}: {failure.short}. The response had been sent "
                "already, so a client never learns of it."
            )
        if took is None:
            return ""
        if took == "running":
            return f"{work} is still running: the console stopped waiting for it."
        return f"{work} finished after {took:.0f} ms."

    @property
    def reason(self) -> str:
        try:
            return HTTPStatus(self.status).phrase
        except ValueError:
            return ""

    @property
    def status_class(self) -> str:
        return f"s{self.status // 100}xx"

    @property
    def content_type(self) -> str:
        for name, value in self.headers:
            if name.lower() == "content-type":
                return value
        return ""

    @property
    def media_type(self) -> str:
        return self.content_type.split(";")[0].strip().lower()

    def header(self, name: str) -> str:
        """The first value of header ``name`` (any case), or ""."""
        name = name.lower()
        return next((value for key, value in self.headers if key.lower() == name), "")

    def as_response(self) -> tryblocks.Response:
        return tryblocks.Response(
            self.status, {name.lower(): value for name, value in self.headers}, self.body
        )

    @property
    def streamed(self) -> bool:
        """The body came in more than one piece, or was still coming when stopped."""
        return len(self.arrivals) > 1 or self.incomplete

    @cached_property
    def view(self) -> bodies.View:
        """What kind of body this is, and its text when it is text."""
        return bodies.view(self.body, self.content_type, self.truncated or self.incomplete)

    @property
    def body_text(self) -> str:
        if self.view.kind in ("text", "events"):
            return _pretty(self.view.text, self.media_type, self.truncated)
        return ""

    @property
    def body_html(self) -> str:
        """The body pretty-printed and highlighted; Pygments escapes every character.

        Only for a body of kind text or events; for others, an empty string.
        """
        if self.view.kind not in ("text", "events"):
            return ""
        if len(self.body) > MAX_REMEMBERED:
            return _body_html(self.view.text, self.media_type, self.truncated)
        return _remembered_body_html(self.view.text, self.media_type, self.truncated)

    @cached_property
    def events(self) -> list[tuple[eventstream.Event, float | None]]:
        """An event stream's blocks, each with when it arrived (ms after the request)."""
        if self.view.kind != "events":
            return []
        ends = [arrival.end for arrival in self.arrivals]
        timed = []
        for event in eventstream.parse(self.body):
            at = bisect.bisect_left(ends, event.end)
            timed.append((event, self.arrivals[at].ms if at < len(ends) else None))
        return timed

    @property
    def events_shown(self) -> list[tuple[eventstream.Event, float | None]]:
        return self.events[:MAX_EVENTS_SHOWN]

    @property
    def event_count(self) -> int:
        return sum(1 for event, _ in self.events if event.dispatched)

    @property
    def size_text(self) -> str:
        return bodies.size_text(len(self.body))

    @property
    def hex_preview(self) -> str:
        return bodies.hexdump(self.body)

    @property
    def image_url(self) -> str:
        """The body as a data: URL, when it is whole and small enough to show in the page."""
        if self.truncated or self.incomplete:
            return ""
        return self.download_url

    @property
    def download_url(self) -> str:
        """What arrived as a data: URL, when it is small enough to put in the page."""
        if len(self.body) > bodies.DATA_URL_LIMIT:
            return ""
        return bodies.data_url(self.body, self.media_type)

    @property
    def download_name(self) -> str:
        return bodies.download_name(
            self.header("content-disposition"), self.media_type, self.request.path
        )

    @property
    def linkable(self) -> bool:
        """A plain link to the same path repeats this request: a GET with nothing a
        browser would not send by itself."""
        return self.request.method == "GET" and all(
            name.lower() in _LINK_HEADERS for name, _ in self.request.headers
        )


# Readers send the same few requests again and again, and get the same bodies back:
# short bodies are highlighted once. The bound keeps the memory this takes small.
MAX_REMEMBERED = 4096  # bytes
MAX_EVENTS_SHOWN = 200  # of an event stream; the raw body has them all
_LINK_HEADERS = frozenset({"accept", "accept-language", "user-agent"})


def _pretty(text: str, media_type: str, truncated: bool) -> str:
    if media_type.endswith("json") and not truncated:
        try:
            return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        except ValueError:
            return text
    return text


def _body_html(text: str, media_type: str, truncated: bool) -> str:
    language = "json" if media_type.endswith("json") else "text"
    if media_type in ("text/html", "application/xml", "text/xml"):
        language = "html"
    return highlight(_pretty(text, media_type, truncated), language)


_remembered_body_html = lru_cache(maxsize=256)(_body_html)


async def send(
    app: ASGIApp,
    mount: str,
    request: ConsoleRequest,
    *,
    origin: str = "http://testserver",
    timeout: float = 5.0,
    max_response: int = 1024 * 1024,
) -> ConsoleResult:
    """Call ``app`` (mounted at ``mount``) with ``request`` and collect its response."""
    headers = [(n, v) for n, v in request.headers if n.lower() not in _HOP_BY_HOP]
    if not any(name.lower() == "accept" for name, _ in headers):
        headers.append(("accept", "*/*"))  # as curl and httpx send
    body = request.body.encode()
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


def check(block: tryblocks.TryBlock, result: ConsoleResult) -> tuple[list[str], dict[str, str]]:
    """What failed (expected status, asserts, captures) and what was captured."""
    failures = []
    if result.error:
        failures.append(result.error)
    if block.status is not None and result.status != block.status:
        # An exception the entry expects (its block says HTTP 500) is no failure; one
        # that changed the status is named, with the example's own line.
        if result.failure is not None and not result.failure.after_response:
            got = f"the example raised {result.failure.short}"
        else:
            got = result.body[:300].decode("utf-8", errors="replace").replace("\n", " ")
        failures.append(f"expected HTTP {block.status}, got {result.status}: {got}")
    response = result.as_response()
    for assertion in block.asserts:
        if (why := assertion.check(response)) is not None:
            failures.append(why)
    captured = {}
    for capture in block.captures:
        try:
            captured[capture.name] = capture.extract(response)
        except tryblocks.CaptureFailed as exc:
            failures.append(f"capture {capture.name}: {exc}")
    return failures, captured


async def run_blocks(
    app: ASGIApp, mount: str, blocks: Sequence[tryblocks.TryBlock], *, timeout: float = 5.0
) -> list[BlockOutcome]:
    """Run an entry's try blocks in order, feeding captures forward."""
    variables: dict[str, str] = {}
    outcomes = []
    for block in blocks:
        try:
            request = ConsoleRequest.from_block(block, variables)
        except tryblocks.UnknownVariable as exc:
            failure = f"uses {{{{{exc.name}}}}}, which no earlier block captures"
            outcomes.append(BlockOutcome(block, None, [failure], {}))
            continue
        result = await send(app, mount, request, timeout=timeout)
        failures, captured = check(block, result)
        variables.update(captured)
        outcomes.append(BlockOutcome(block, result, failures, captured))
    return outcomes
