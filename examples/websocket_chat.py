"""A chat over WebSockets: rooms, JSON messages, an authenticated connection, broadcasting.

A client first asks over HTTP, with its API token, for a ticket; the ticket opens one
socket within 30 seconds. The token itself never goes in a URL.

Run alone: uvicorn --factory examples.websocket_chat:create_app --reload
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import (
    Cookie,
    Depends,
    FastAPI,
    HTTPException,
    Path,
    Query,
    Request,
    WebSocket,
    WebSocketDisconnect,
    WebSocketException,
    status,
)
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, ValidationError

# Who each API token belongs to. A real app verifies a signed token here instead (see
# the JWT Token Validation entry); the lookup stands in for that check.
TOKENS = {"ann-token": "ann", "bob-token": "bob"}
TICKET_SECONDS = 30  # how long a ticket waits for its socket
SEND_TIMEOUT = 2.0  # seconds one slow client may hold up a broadcast before it is dropped
RoomName = Annotated[str, Path(pattern=r"^[a-z0-9-]{1,32}$")]


class ChatMessage(BaseModel):
    """What a client sends: ``{"text": "..."}``."""

    text: str = Field(min_length=1, max_length=500)


class Ticket(BaseModel):
    ticket: str
    expires_in: int = Field(description="Seconds left to open the socket with it.")


class Tickets:
    """Single-use tickets, each good for opening one socket within TICKET_SECONDS."""

    def __init__(self) -> None:
        self.waiting: dict[str, tuple[str, float]] = {}  # ticket: (user, expiry)

    def issue(self, user: str) -> str:
        now = time.monotonic()
        self.waiting = {t: entry for t, entry in self.waiting.items() if entry[1] > now}
        ticket = secrets.token_urlsafe(24)
        self.waiting[ticket] = (user, now + TICKET_SECONDS)
        return ticket

    def redeem(self, ticket: str) -> str | None:
        """The ticket's user, once: it is gone after this, used or expired."""
        user, expiry = self.waiting.pop(ticket, ("", 0.0))
        return user if user and time.monotonic() < expiry else None


class Rooms:
    """Who is connected to which room. In memory: it knows this process's sockets only."""

    def __init__(self) -> None:
        self.sockets: dict[str, dict[WebSocket, str]] = {}

    async def join(self, room: str, websocket: WebSocket, user: str) -> None:
        await websocket.accept()
        self.sockets.setdefault(room, {})[websocket] = user
        await self.broadcast(room, {"type": "joined", "user": user, "members": self.members(room)})

    def leave(self, room: str, websocket: WebSocket) -> None:
        members = self.sockets.get(room, {})
        members.pop(websocket, None)
        if not members:
            self.sockets.pop(room, None)

    def members(self, room: str) -> list[str]:
        return sorted(set(self.sockets.get(room, {}).values()))

    def is_in(self, room: str, websocket: WebSocket) -> bool:
        return websocket in self.sockets.get(room, {})

    async def broadcast(self, room: str, message: dict[str, Any]) -> None:
        """Send to everyone in the room at once; whoever cannot keep up is dropped."""
        sockets = list(self.sockets.get(room, {}))
        delivered = await asyncio.gather(*(self._send(ws, message) for ws in sockets))
        for websocket, ok in zip(sockets, delivered, strict=True):
            if not ok:
                self.leave(room, websocket)

    @staticmethod
    async def _send(websocket: WebSocket, message: dict[str, Any]) -> bool:
        try:
            async with asyncio.timeout(SEND_TIMEOUT):
                await websocket.send_json(message)
        except (TimeoutError, WebSocketDisconnect, RuntimeError):
            return False  # too slow, or gone (RuntimeError: already closed)
        return True


def same_origin(websocket: WebSocket) -> None:
    """Refuse a browser connecting from another site's page: CORS does not cover WebSockets."""
    origin = websocket.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != websocket.headers.get("host"):
        raise WebSocketException(status.WS_1008_POLICY_VIOLATION, reason="cross-origin")


def api_user(
    credentials: Annotated[
        HTTPAuthorizationCredentials | None, Depends(HTTPBearer(auto_error=False))
    ],
) -> str:
    """The user of the ``Authorization: Bearer`` token of an HTTP request."""
    user = TOKENS.get(credentials.credentials if credentials else "")
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "invalid token",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    return user


def authenticate(
    websocket: WebSocket,
    ticket: Annotated[str | None, Query()] = None,
    session: Annotated[str | None, Cookie()] = None,
) -> str:
    """The user of a ticket in the query string, or of the token in a ``session`` cookie."""
    tickets: Tickets = websocket.app.state.tickets
    user = tickets.redeem(ticket) if ticket else TOKENS.get(session or "")
    if user is None:
        raise WebSocketException(status.WS_1008_POLICY_VIOLATION, reason="not authenticated")
    return user


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.rooms = Rooms()
    app.state.tickets = Tickets()
    yield


def create_app() -> FastAPI:
    app = FastAPI(title="WebSocket chat", lifespan=lifespan)

    @app.websocket("/ws/{room}", dependencies=[Depends(same_origin)])
    async def chat(
        websocket: WebSocket, room: RoomName, user: Annotated[str, Depends(authenticate)]
    ) -> None:
        rooms: Rooms = websocket.app.state.rooms
        await rooms.join(room, websocket, user)
        try:
            while True:
                data = await websocket.receive_text()
                if not rooms.is_in(room, websocket):  # dropped for reading too slowly
                    await websocket.close(status.WS_1013_TRY_AGAIN_LATER, reason="too slow")
                    return
                try:
                    message = ChatMessage.model_validate_json(data)
                except ValidationError as exc:
                    error = exc.errors(include_url=False)[0]
                    detail = f"{'.'.join(map(str, error['loc'])) or 'message'}: {error['msg']}"
                    await websocket.send_json({"type": "error", "detail": detail})
                    continue
                await rooms.broadcast(room, {"type": "message", "from": user, "text": message.text})
        except WebSocketDisconnect:
            rooms.leave(room, websocket)
            await rooms.broadcast(
                room, {"type": "left", "user": user, "members": rooms.members(room)}
            )

    @app.post("/tickets")
    async def new_ticket(user: Annotated[str, Depends(api_user)], request: Request) -> Ticket:
        """A ticket that opens one socket as this user: ``/ws/{room}?ticket=...``."""
        tickets: Tickets = request.app.state.tickets
        return Ticket(ticket=tickets.issue(user), expires_in=TICKET_SECONDS)

    @app.get("/rooms/{room}")
    async def room_members(room: RoomName, request: Request) -> dict[str, Any]:
        """Who is connected to a room right now (in this process)."""
        rooms: Rooms = request.app.state.rooms
        return {"room": room, "members": rooms.members(room)}

    return app
