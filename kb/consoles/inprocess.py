"""One HTTP request to an ASGI app in this process: a scope in, status, headers and body out.

The console calls the example apps this way. Nothing is sent over a socket, so a
console request cannot reach any other host. It is what httpx2's ``ASGITransport`` does,
without building a client, a URL object and request/response models for every call:
on the console's path those cost more than the example app itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
import traceback
import zlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol
from urllib.parse import quote, unquote, urlsplit

from starlette.types import ASGIApp, Message, Scope

from kb.content.sources import PACKAGE

# Characters left as they are in a path and a query string: what browsers and httpx2
# leave alone, "%" included so that an escape the reader typed is not escaped twice.
_PATH_SAFE = "/!$&'()*+,;=:@%~-._"
_QUERY_SAFE = _PATH_SAFE + "?"
_SAFE = re.compile(r"[A-Za-z0-9/!$&'()*+,;=:@~._-]*")  # needs no quoting in either
CLIENT = ("127.0.0.1", 123)


@dataclass(frozen=True)
class Failure:
    """An exception raised inside an example, told the way a developer reads one."""

    type: str
    message: str
    where: str  # "examples/shop/app.py:42": the example's own last frame, if any
    traceback: str  # the whole traceback, for development mode
    after_response: bool  # raised by work that ran after the response was sent

    @property
    def short(self) -> str:
        text = f"{self.type}: {self.message}" if self.message else self.type
        return f"{text} ({self.where})" if self.where else text

    @classmethod
    def of(cls, exc: BaseException, after_response: bool) -> Failure:
        return cls(
            type(exc).__name__,
            str(exc),
            _where(exc),
            "".join(traceback.format_exception(exc)),
            after_response,
        )


@dataclass(frozen=True)
class Arrival:
    """A piece of the body as the app sent it: where it ends in the body, and when."""

    end: int  # offset just past the piece in the body kept
    ms: float  # since the request was sent


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]  # names lower-cased, as ASGI sends them
    body: bytes
    truncated: bool = False
    first_byte_ms: float = 0.0  # until the response started
    response_ms: float = 0.0  # until its last byte: what a client waits for
    failure: Failure | None = None
    # Work the app did after its response (background tasks): None when there was none
    # worth telling (no background task, or under a millisecond of one), the time it
    # took, or "running" when it had not finished by the time the console stopped
    # waiting for it.
    after_response: float | str | None = None
    # Each non-empty piece of the body, in order; a response sent in one piece has one.
    # Empty when a content-encoding was undone: the offsets were those of the encoded body.
    arrivals: tuple[Arrival, ...] = field(default=())
    # The response had started but not ended when the timeout came: the app was
    # stopped, and the body is what had arrived by then.
    incomplete: bool = False


class Watcher(Protocol):
    """Told of a response as it arrives: how a console shows a stream while it lasts."""

    async def started(self, status: int, headers: list[tuple[str, str]]) -> None: ...

    async def body(self, chunk: bytes, more: bool, ms: float) -> None:
        """A piece of the body (``more``: others follow), ``ms`` after the request."""


# Set by whoever wants to watch the responses :func:`call` collects in its context (the
# console's live endpoint); unset, a call costs one lookup more. A watcher must not raise:
# what it raises, the example's app would see raised by its own ``send``.
WATCHER: ContextVar[Watcher | None] = ContextVar("kb_response_watcher", default=None)


# Work after a response shorter than this is the app returning, not a background task.
AFTER_RESPONSE_MIN_MS = 1.0
# Background tasks still running when a console stops waiting go on; they are kept here
# so that the event loop does not lose them half-way.
_LEFT_RUNNING: set[asyncio.Task[None]] = set()


def _header(value: str) -> bytes:
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode()


def build_scope(
    method: str,
    target: str,
    headers: list[tuple[str, str]],
    body: bytes,
    *,
    origin: str,
    root_path: str,
) -> Scope:
    """The ASGI scope for ``method target`` sent to ``origin``; ``target`` holds the mount."""
    scope = _scope(method, target, tuple(headers), len(body), origin, root_path)
    # Apps write into their scope (state, route, path parameters), and some into its
    # headers: each call gets its own, and its own of every mutable value in it.
    return {**scope, "asgi": {"version": "3.0"}, "headers": list(scope["headers"])}


# Readers send the same few requests again and again: each one's scope is built once.
@lru_cache(maxsize=256)
def _scope(
    method: str,
    target: str,
    headers: tuple[tuple[str, str], ...],
    body_length: int,
    origin: str,
    root_path: str,
) -> Scope:
    scheme, host, server = _origin(origin)
    path, _, query = target.partition("?")
    raw_path = (path if _SAFE.fullmatch(path) else quote(path, safe=_PATH_SAFE)).encode("ascii")
    raw_headers = [(b"host", host)]
    raw_headers += [(name.lower().encode("latin-1"), _header(value)) for name, value in headers]
    if body_length:
        raw_headers.append((b"content-length", str(body_length).encode("ascii")))
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": scheme,
        "path": unquote(raw_path.decode("ascii")),
        "raw_path": raw_path,
        "query_string": (
            query if _SAFE.fullmatch(query) else quote(query, safe=_QUERY_SAFE)
        ).encode("ascii"),
        "root_path": root_path,
        "headers": raw_headers,
        "server": server,
        "client": CLIENT,
    }


@lru_cache(maxsize=64)
def _origin(origin: str) -> tuple[str, bytes, tuple[str, int]]:
    """Scheme, Host header and (host, port) of an origin; the same few on every request."""
    base = urlsplit(origin)
    scheme = base.scheme or "http"
    port = base.port or (443 if scheme == "https" else 80)
    return (
        scheme,
        base.netloc.encode("latin-1", errors="replace"),
        (base.hostname or "testserver", port),
    )


async def call(
    app: ASGIApp,
    scope: Scope,
    body: bytes,
    *,
    max_body: int = 0,
    timeout: float = 0.0,
    background_wait: float = 1.0,
) -> Reply:
    """Run ``app`` for one request and collect its response.

    The response ends when its last byte is sent: work the app goes on with (background
    tasks) is timed apart, waited for at most ``background_wait`` seconds, and never
    turns a sent response into an error. An exception the app raises is kept as a
    :class:`Failure`; the status is the 500 the app sent (Starlette sends one before
    re-raising), or a bare 500. ``max_body`` (0: no limit) keeps at most that many bytes
    of the body. If the response has not ended after ``timeout`` seconds (0: no limit)
    the app is cancelled: a response that had started (a stream still sending) is
    returned as far as it arrived, marked ``incomplete``; if none had started,
    :class:`TimeoutError` is raised.
    """
    loop = asyncio.get_running_loop()
    # Times are read from perf_counter: uvloop's loop.time() is the loop's cached time,
    # in whole milliseconds, and a console request often takes less.
    clock = time.perf_counter
    started = clock()
    watcher = WATCHER.get()
    request_sent = False
    # Resolved when the last byte is sent, the app ends without it, or the timeout comes
    # (``timed_out``). A bare future and a timer rather than an Event in asyncio.timeout:
    # both are on every console request, and this call took 17.7 µs with them, 13.7 µs
    # without (in process; `bench/peer_bench.py --only "simple GET"` shows the whole).
    responded: asyncio.Future[None] = loop.create_future()
    timed_out = False
    first_byte = response_end = 0.0
    status = 0
    headers: list[tuple[str, str]] = []
    chunks: list[bytes] = []
    arrivals: list[Arrival] = []
    size = 0
    truncated = False
    failure: Failure | None = None

    def respond() -> None:
        if not responded.done():
            responded.set_result(None)

    def expire() -> None:
        nonlocal timed_out
        if not responded.done():
            timed_out = True
            responded.set_result(None)

    async def receive() -> Message:
        nonlocal request_sent
        if not request_sent:
            request_sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        # Until the response is complete the client is still there: streaming responses
        # listen for a disconnect while they send. Shielded: the app cancels its listener
        # when its stream ends, and that must not cancel the console's own wait.
        await asyncio.shield(responded)
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status, headers, size, truncated, first_byte, response_end
        if message["type"] == "http.response.start":
            first_byte = clock()
            status = message["status"]
            headers = [
                (name.decode("latin-1").lower(), value.decode("latin-1"))
                for name, value in message.get("headers", [])
            ]
            if watcher is not None:
                await watcher.started(status, headers)
        elif message["type"] == "http.response.body" and not responded.done():
            chunk = message.get("body", b"")
            more = message.get("more_body", False)
            if chunk and scope["method"] != "HEAD" and not truncated:
                if max_body and size + len(chunk) > max_body:
                    chunk = chunk[: max_body - size]
                    truncated = True
                chunks.append(chunk)
                size += len(chunk)
                arrivals.append(Arrival(size, (clock() - started) * 1000))
                if watcher is not None:
                    await watcher.body(chunk, more, arrivals[-1].ms)
            if not more:
                response_end = clock()
                respond()

    async def run() -> None:
        nonlocal failure
        try:
            await app(scope, receive, send)
        except Exception as exc:
            # Starlette's error middleware sends its 500 before re-raising, so a response
            # that ended is not proof the exception came after it: background tasks are.
            after = responded.done() and (status < 500 or _ran_in_background(exc))
            failure = Failure.of(exc, after_response=after)
        finally:
            respond()

    task = loop.create_task(run())
    timer = loop.call_later(timeout, expire) if timeout else None
    incomplete = False
    try:
        await responded
    except asyncio.CancelledError:  # the console's own request was cancelled
        task.cancel()
        raise
    finally:
        if timer is not None:
            timer.cancel()
    if timed_out:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        # An app that caught the cancellation may still have answered; one that had
        # started answering is shown as far as it got.
        if not response_end:
            if not first_byte:
                raise TimeoutError
            incomplete = True
    response_end = response_end or clock()
    after: float | str | None = None
    background = not task.done() and await _background_seen(task, loop.time() + background_wait)
    if task.done():
        after_ms = (clock() - response_end) * 1000
        after = after_ms if background and after_ms >= AFTER_RESPONSE_MIN_MS else None
    else:
        after = "running"
        _LEFT_RUNNING.add(task)
        task.add_done_callback(_LEFT_RUNNING.discard)
    if failure is not None and not failure.after_response:
        status = status or 500
    data = b"".join(chunks)
    if not truncated:
        decoded = _decoded(data, headers)
        if decoded is not data:
            data, arrivals = decoded, []
    return Reply(
        status,
        headers,
        data,
        truncated,
        first_byte_ms=((first_byte or response_end) - started) * 1000,
        response_ms=(response_end - started) * 1000,
        failure=failure,
        after_response=after,
        arrivals=tuple(arrivals),
        incomplete=incomplete,
    )


async def _background_seen(task: asyncio.Task[None], deadline: float) -> bool:
    """Wait for ``task`` until ``deadline``; whether it was seen running a background task.

    What an app does after its response is not all background tasks: closing a file in
    a worker thread, a ``yield`` dependency's exit code. The task's chain of awaits says
    which it is, looked at whenever the task waits, and every few milliseconds after.
    """
    loop = asyncio.get_running_loop()
    seen = False
    while not task.done():
        seen = seen or _awaits_background(task)
        remaining = deadline - loop.time()
        if remaining <= 0:
            break
        await asyncio.wait({task}, timeout=min(remaining, _BACKGROUND_SAMPLE))
    return seen


_BACKGROUND_SAMPLE = 0.005  # seconds between looks at what a task waits on
_BACKGROUND_MODULES = frozenset({"starlette.background", "fastapi.background"})


def _awaits_background(task: asyncio.Task[None]) -> bool:
    awaited: Any = task.get_coro()
    while awaited is not None:
        frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None)
        if frame is not None and frame.f_globals.get("__name__") in _BACKGROUND_MODULES:
            return True
        awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
    return False


def _frames(exc: BaseException) -> Iterator[TracebackType]:
    tb = exc.__traceback__
    while tb is not None:
        yield tb
        tb = tb.tb_next


def _ran_in_background(exc: BaseException) -> bool:
    return any(
        tb.tb_frame.f_globals.get("__name__") == "starlette.background" for tb in _frames(exc)
    )


def _where(exc: BaseException) -> str:
    """``examples/<path>.py:<line>`` of the last frame that runs an example's own code."""
    last = None
    for tb in _frames(exc):
        if str(tb.tb_frame.f_globals.get("__name__", "")).startswith(PACKAGE):
            last = tb
    if last is None:
        return ""
    # kb_examples.s<n>.<module path>: the part below the namespace names the file.
    module = str(last.tb_frame.f_globals["__name__"]).split(".")[2:]
    path = Path(last.tb_frame.f_code.co_filename)
    tail = path.parts[-(len(module) + (path.name == "__init__.py")) :]
    return f"examples/{'/'.join(tail)}:{last.tb_lineno}"


def _decoded(body: bytes, headers: list[tuple[str, str]]) -> bytes:
    """The body without a gzip or deflate content-encoding (as a client would show it);
    of a stream cut short, as much as decodes."""
    encoding = next(
        (value.strip().lower() for name, value in headers if name == "content-encoding"), ""
    )
    if encoding not in ("gzip", "deflate") or not body:
        return body
    try:
        return zlib.decompressobj(wbits=47 if encoding == "gzip" else 15).decompress(body)
    except zlib.error:
        return body
