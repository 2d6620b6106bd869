"""One place for unexpected exceptions: log them with a request id, answer a safe 500."""

import logging
import re
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
SAFE_MESSAGE = "Something went wrong on our side. Quote the request id if you report it."

ORDERS = {1: {"id": 1, "item": "Keyboard", "quantity": 1}}


@dataclass(frozen=True)
class Incident:
    """What an error tracker would receive: enough to find the logs, nothing for the client."""

    request_id: str
    method: str
    path: str
    error: str


def request_id_for(scope: Scope) -> str:
    """Reuse the caller's id when it is safe to log, else make a new one."""
    incoming = Headers(scope=scope).get(REQUEST_ID_HEADER, "")
    return incoming if VALID_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


class CatchAllMiddleware:
    """Pure ASGI middleware: tags every response with a request id, turns crashes into JSON."""

    def __init__(self, app: ASGIApp, on_error: Callable[[Incident], None] | None = None) -> None:
        self.app = app
        self.on_error = on_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_for(scope)
        scope.setdefault("state", {})["request_id"] = request_id  # request.state.request_id
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                MutableHeaders(scope=message).append(REQUEST_ID_HEADER, request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            incident = Incident(request_id, scope["method"], scope["path"], type(exc).__name__)
            logger.exception("Unhandled %s", incident.error, extra=asdict(incident))
            if self.on_error is not None:
                self.on_error(incident)
            if response_started:
                raise  # the status line is already sent: nothing safe is left to do here
            response = JSONResponse(
                {"error": "internal_error", "message": SAFE_MESSAGE, "request_id": request_id},
                status_code=500,
                headers={REQUEST_ID_HEADER: request_id},
            )
            await response(scope, receive, send)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.incidents = deque(maxlen=50)  # stands in for Sentry, Rollbar, ...
    yield


def create_app() -> FastAPI:
    app = FastAPI(title="Error middleware", lifespan=lifespan)
    app.add_middleware(CatchAllMiddleware, on_error=lambda i: app.state.incidents.append(i))

    @app.get("/orders/{order_id}")
    def get_order(order_id: int) -> dict[str, int | str]:
        if order_id not in ORDERS:
            raise HTTPException(status_code=404, detail=f"Order {order_id} does not exist.")
        return ORDERS[order_id]

    @app.get("/boom")
    def boom() -> None:
        """A bug: the kind of message that must never reach a client."""
        raise RuntimeError("could not connect to postgresql://admin:s3cret@db.internal/shop")

    @app.get("/incidents")
    def incidents(request: Request) -> dict[str, object]:
        recorded = [asdict(i) for i in request.app.state.incidents]
        return {"total": len(recorded), "incidents": recorded}

    return app
