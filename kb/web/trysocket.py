"""``/try/{slug}/ws``: the page's WebSocket player, relayed to the reader's own sandbox.

The player (static/websocket.js) opens this socket on the KB's own origin, then says
which conversation to open, with the headers of the block as the reader edited them::

    {"open": {"path": "/ws/lobby?ticket=…", "headers": [["Origin", "https://evil.example"]]}}

and after that ``{"send": "text"}`` for each message and ``{"close": {"code": 1000,
"reason": "…"}}`` to end it. The KB answers with the events of
:mod:`kb.consoles.wsrelay`, one JSON object a message. The conversation takes the
reader's cookie jar for the entry, as the HTTP consoles do, and counts as one request
against the console's rate limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from typing import Any
from urllib.parse import urlsplit

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from kb.consoles import websocket as conversation
from kb.consoles.requests import ConsoleRequest
from kb.consoles.wsrelay import Command, Event, Handshake, Leave, Say, relay
from kb.content.wsblocks import WebSocketBlock
from kb.knowledge import KnowledgeBase
from kb.middleware.observability import RouteLabel
from kb.middleware.ratelimit import RateLimiter
from kb.sandbox.mount import OpenSockets
from kb.sandbox.readers import PUBLIC, reader_of

log = logging.getLogger("kb")

PATH = "/try/{slug}/ws"
_LABEL = RouteLabel(PATH)
OPEN_WAIT = 10.0  # seconds the page has to say what to open
MAX_PATH = 2048
MAX_HEADERS = 50
MAX_HEADER_VALUE = 8192
MAX_CLOSE_REASON = 123  # bytes: what a close frame has room for
_SPACE = re.compile(r"\s")
_TOKEN = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")

_open = OpenSockets()  # relayed conversations, bounded as sockets to the examples are


class RelayInputError(ValueError):
    """A message from the page that the relay cannot act on; the text says why."""


def parse_open(text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The path and headers of an ``{"open": …}`` message."""
    data = _json_object(text)
    opened = data.get("open")
    if not isinstance(opened, dict):
        raise RelayInputError('The first message must be {"open": {"path": …, "headers": […]}}.')
    path = opened.get("path")
    if not isinstance(path, str) or not path.startswith("/") or path.startswith("//"):
        raise RelayInputError("The path must start with a single “/”.")
    if _SPACE.search(path) or len(path) > MAX_PATH:
        raise RelayInputError(f"The path must have no spaces and at most {MAX_PATH} characters.")
    headers = opened.get("headers", [])
    if not isinstance(headers, list) or len(headers) > MAX_HEADERS:
        raise RelayInputError(f"Headers must be a list of at most {MAX_HEADERS} [name, value].")
    pairs = []
    for header in headers:
        if not (
            isinstance(header, list)
            and len(header) == 2
            and all(isinstance(part, str) for part in header)
        ):
            raise RelayInputError("Each header must be [name, value], both text.")
        name, value = header
        if not _TOKEN.fullmatch(name):
            raise RelayInputError(f"{name!r} is not a header name.")
        value = value.strip()
        if _CONTROL.search(value) or len(value) > MAX_HEADER_VALUE:
            raise RelayInputError(f"The value of {name} has a line break or is too long.")
        pairs.append((name, value))
    return path, tuple(pairs)


def parse_command(text: str) -> Command:
    """A ``{"send": …}`` or ``{"close": …}`` message from the page."""
    data = _json_object(text)
    if isinstance(data.get("send"), str):
        return Say(data["send"])
    close = data.get("close")
    if isinstance(close, dict):
        code = close.get("code", 1000)
        reason = close.get("reason", "")
        # The codes and reasons a page's own WebSocket.close() accepts.
        if not isinstance(code, int) or not (code == 1000 or 3000 <= code <= 4999):
            raise RelayInputError("A close code must be 1000 or from 3000 to 4999.")
        if not isinstance(reason, str) or len(reason.encode()) > MAX_CLOSE_REASON:
            raise RelayInputError(
                f"A close reason must be text of at most {MAX_CLOSE_REASON} bytes."
            )
        return Leave(code, reason)
    raise RelayInputError('Send {"send": "text"} or {"close": {"code": 1000, "reason": ""}}.')


def _json_object(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError:
        raise RelayInputError("Each message must be a JSON object.") from None
    if not isinstance(data, dict):
        raise RelayInputError("Each message must be a JSON object.")
    return data


def same_origin(origin: str, host: str) -> bool:
    """Whether a handshake's Origin is the page of this KB that the Host names: a page of
    another site may open this socket with the reader's cookie, and must not."""
    if not origin or not host:
        return False
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host.lower()


async def try_socket(websocket: WebSocket) -> None:
    scope = websocket.scope
    scope["route"] = _LABEL  # for the metrics and the access log: the router sets none
    headers = dict(scope["headers"])
    host = headers.get(b"host", b"").decode("latin-1")
    if not same_origin(headers.get(b"origin", b"").decode("latin-1"), host):
        await websocket.close(1008)  # before accepting: the handshake gets a 403
        return
    client = (scope.get("client") or ("unknown", 0))[0]
    if _open.full(client):
        await websocket.accept()
        await websocket.close(1013, _open.refusal())
        return
    with _open.held(client):
        try:
            await websocket.accept()
            await _serve(websocket, host, client)
        finally:
            if websocket.application_state == WebSocketState.CONNECTED:
                with contextlib.suppress(RuntimeError, WebSocketDisconnect, OSError):
                    await websocket.close(1000)


async def _serve(websocket: WebSocket, host: str, client: str) -> None:
    scope = websocket.scope
    kb: KnowledgeBase = scope["app"].state.kb
    limiter: RateLimiter = scope["app"].state.limiter
    gone = False

    async def emit(event: Event) -> None:
        nonlocal gone
        if gone:
            return
        try:
            await websocket.send_text(json.dumps(event))
        except (WebSocketDisconnect, RuntimeError, OSError):
            gone = True  # the reader has left; the relay hears it from next_command

    async def next_text(timeout: float | None = None) -> str | None:
        nonlocal gone
        while not gone:
            try:
                async with asyncio.timeout(timeout):
                    message = await websocket.receive()
            except TimeoutError:
                return None
            if message["type"] == "websocket.disconnect":
                gone = True
            elif message.get("text") is not None:
                return str(message["text"])
            else:
                await emit({"event": "failed", "message": "Send text messages: JSON, not bytes."})
        return None

    entry = kb.catalogue.entries.get(scope["path_params"]["slug"])
    if entry is None:
        await emit({"event": "failed", "message": "There is no such pattern."})
        return
    text = await next_text(OPEN_WAIT)
    if text is None:
        await emit(
            {"event": "failed", "message": f"Nothing to open was said within {OPEN_WAIT:g} s."}
        )
        return
    try:
        path, block_headers = parse_open(text)
    except RelayInputError as exc:
        await emit({"event": "failed", "message": str(exc)})
        return
    refusal = limiter.hit_named("try", client)
    if refusal is not None:
        await emit({"event": "failed", "message": refusal.message})
        return
    reader = reader_of(scope)
    app = await kb.example_app(entry.slug, reader)
    if app is None:
        await emit(
            {"event": "failed", "message": "This entry's example app is not running; see /healthz."}
        )
        return
    secure = scope.get("scheme") in ("wss", "https")
    origin = f"{'https' if secure else 'http'}://{host}"
    # Readers without a cookie share one sandbox: they get no jar to share.
    jar = kb.cookie_jars.of(reader, entry.slug, app) if reader != PUBLIC else None
    cookies = jar.header(origin, path) if jar is not None else ""
    request = ConsoleRequest("GET", path, block_headers, "").with_cookies(cookies)
    block = WebSocketBlock(path, (), request.headers)
    # What the handshake carries, as the consoles show what they sent: the block's headers,
    # the Origin a browser adds, and the names (not the values) of the jar's cookies.
    shown = list(block_headers)
    if not any(name.lower() == "origin" for name, _ in shown):
        shown.append(("Origin", origin))
    await emit(
        {
            "event": "opening",
            "path": f"{entry.mount}{path}",
            "headers": [list(pair) for pair in shown],
            "cookies": [pair.partition("=")[0] for pair in cookies.split("; ") if pair],
        }
    )

    def keep_cookies(handshake: Handshake) -> None:
        if jar is not None and handshake.headers:
            jar.keep(request, handshake.headers, origin)

    async def next_command() -> Command | None:
        while (text := await next_text()) is not None:
            try:
                return parse_command(text)
            except RelayInputError as exc:
                await emit({"event": "failed", "message": str(exc)})
        return None

    failure = await relay(
        app,
        conversation.build_scope(block, entry.mount, origin=origin),
        emit,
        next_command,
        timeout=kb.settings.try_timeout,
        on_handshake=keep_cookies,
    )
    if failure is not None:
        log.error("example %s raised in the WebSocket %s\n%s", entry.slug, path, failure.traceback)
