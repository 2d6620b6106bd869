"""A WebSocket conversation with an example, relayed live for the page's player.

A page's own ``WebSocket`` cannot do what a ```` ```websocket ```` block may ask: it
sends no header of the page's choosing (no ``Origin``, ``Cookie`` or ``Authorization``),
and when a server refuses the handshake it learns only "1006", never the code or the
HTTP status the app answered with. So the player talks to the KB instead
(:mod:`kb.web.trysocket`), and the KB opens the conversation on the example in this
process, as ``kb check`` does (:mod:`kb.consoles.websocket`), with the headers as the
block has them. What happens is reported as :class:`Event` values, what the reader does
arrives as :class:`Say` and :class:`Leave` commands.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Scope
from starlette.websockets import WebSocketDisconnect

from kb.consoles import inprocess
from kb.consoles.websocket import Ending, received_data, wind_down

# A refused handshake's HTTP body is shown, not kept: this much of it.
MAX_DENIAL_BODY = 2048


@dataclass(frozen=True)
class Say:
    """A text message the reader sends."""

    text: str


@dataclass(frozen=True)
class Leave:
    """The reader closes the connection, with a close code and a reason."""

    code: int = 1000
    reason: str = ""


Command = Say | Leave
# An event as the page receives it: {"event": "accepted" | "received" | "refused" |
# "denied" | "closed" | "failed", ...} (and "opening", which kb.web.trysocket sends
# first); CONTRIBUTING.md lists the fields of each.
Event = dict[str, Any]


@dataclass(frozen=True)
class Handshake:
    """How the example answered the handshake: its accept's headers (Set-Cookie for the
    jar), or None when it did not accept."""

    accepted: bool
    headers: tuple[tuple[str, str], ...] = ()


async def relay(
    app: ASGIApp,
    scope: Scope,
    emit: Callable[[Event], Awaitable[None]],
    next_command: Callable[[], Awaitable[Command | None]],
    *,
    timeout: float,
    on_handshake: Callable[[Handshake], None] = lambda handshake: None,
) -> inprocess.Failure | None:
    """Open the WebSocket of ``scope`` on ``app`` and relay until either side ends it.

    ``next_command`` gives the reader's next command, None once the reader has gone.
    ``timeout`` (seconds, 0: none) bounds the wait for the handshake's answer; once the
    connection is open, the example and the reader take as long as they like. Returns
    what the example raised, if it raised.
    """
    to_app: asyncio.Queue[Message] = asyncio.Queue()
    from_app: asyncio.Queue[Message | None] = asyncio.Queue()  # None: the app returned
    to_app.put_nowait({"type": "websocket.connect"})
    ending = Ending()
    failure: list[inprocess.Failure] = []
    returned = False  # the app has returned (or raised): it will send nothing more

    async def run() -> None:
        try:
            await app(scope, to_app.get, from_app.put)
        except WebSocketDisconnect as exc:
            # A loop reading on after the client left (kb.consoles.websocket.converse).
            if not ending.client_left:
                failure.append(inprocess.Failure.of(exc, after_response=False))
        except Exception as exc:
            failure.append(inprocess.Failure.of(exc, after_response=False))
        finally:
            from_app.put_nowait(None)

    async def next_from_app() -> Message:
        nonlocal returned
        message = await from_app.get()
        if message is None:  # as an ASGI server answers an app that returned or raised
            returned = True
            if ending.accepted:
                return {"type": "websocket.close", "code": 1011 if failure else 1000}
            return {"type": "websocket.http.response.start", "status": 500 if failure else 403}
        return message

    async def ended(message: Message) -> None:
        ending.took(message)
        if ending.state == "denied":
            body = "" if returned else await _denial_body(from_app, timeout)
            await emit({"event": "denied", "status": ending.code, "body": body})
        else:
            kind = "closed" if ending.state == "closed" else "refused"
            await emit({"event": kind, "code": ending.code, "reason": ending.reason})
        ending.client_left = True  # an app that reads on hears that the client has gone
        to_app.put_nowait({"type": "websocket.disconnect", "code": ending.code})

    async def play() -> None:
        try:
            async with asyncio.timeout(timeout or None):
                handshake = await next_from_app()
        except TimeoutError:
            await emit({"event": "failed", "message": f"No answer within {timeout:g} s."})
            return
        if handshake["type"] != "websocket.accept":
            on_handshake(Handshake(False))
            await ended(handshake)
            return
        ending.accepted = True
        on_handshake(Handshake(True, _decoded(handshake.get("headers") or [])))
        await emit({"event": "accepted", "subprotocol": handshake.get("subprotocol")})
        await _converse(ending, next_from_app, next_command, to_app, emit, ended)

    task = asyncio.get_running_loop().create_task(run())
    try:
        await play()
    finally:
        if ending.state == "open" and not task.done():
            ending.client_left = True  # the reader left the page, or the relay failed
            await to_app.put({"type": "websocket.disconnect", "code": 1001})
        await wind_down(task)
        if failure:
            await _emit_quietly(emit, {"event": "failed", "message": failure[0].short})
    return failure[0] if failure else None


async def _converse(
    ending: Ending,
    next_from_app: Callable[[], Awaitable[Message]],
    next_command: Callable[[], Awaitable[Command | None]],
    to_app: asyncio.Queue[Message],
    emit: Callable[[Event], Awaitable[None]],
    ended: Callable[[Message], Awaitable[None]],
) -> None:
    """Carry messages both ways until the example closes or the reader leaves."""

    async def from_example() -> None:
        while True:
            message = await next_from_app()
            if ending.state != "open":
                return  # the reader closed first: what the example says now is not heard
            if message["type"] != "websocket.send":
                await ended(message)
                return
            data = received_data(message)
            if isinstance(data, bytes):
                await emit({"event": "received", "binary": len(data)})
            else:
                await emit({"event": "received", "text": data})

    async def from_reader() -> None:
        while True:
            command = await next_command()
            if command is None:
                return  # the finally of relay() tells the example
            if isinstance(command, Leave):
                ending.took(
                    {"type": "websocket.close", "code": command.code, "reason": command.reason}
                )
                ending.client_left = True
                await to_app.put({"type": "websocket.disconnect", "code": command.code})
                await emit({"event": "closed", "code": command.code, "reason": command.reason})
                return
            await to_app.put({"type": "websocket.receive", "text": command.text})

    example = asyncio.ensure_future(from_example())
    reader = asyncio.ensure_future(from_reader())
    try:
        await asyncio.wait({example, reader}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for side in (example, reader):
            if not side.done():
                side.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await side


async def _denial_body(from_app: asyncio.Queue[Message | None], timeout: float) -> str:
    """The start of the body of the HTTP response an app answered a handshake with."""
    body = bytearray()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout or None):
            while len(body) < MAX_DENIAL_BODY:
                message = await from_app.get()
                if message is None or message["type"] != "websocket.http.response.body":
                    break
                body += message.get("body", b"")
                if not message.get("more_body", False):
                    break
    try:
        return bytes(body[:MAX_DENIAL_BODY]).decode()
    except UnicodeDecodeError:
        return f"(binary, {len(body)} bytes)"


def _decoded(headers: list[tuple[bytes, bytes]]) -> tuple[tuple[str, str], ...]:
    return tuple((name.decode("latin-1"), value.decode("latin-1")) for name, value in headers)


async def _emit_quietly(emit: Callable[[Event], Awaitable[None]], event: Event) -> None:
    # The reader may be gone already; what the example raised is in the server log.
    with contextlib.suppress(Exception):
        await emit(event)
