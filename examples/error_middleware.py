"""One place for unexpected exceptions: log them with a request id, answer a safe 500."""

import logging
import re
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
SAFE_MESSAGE = "Something went wrong on our side. Quote the request id if you report it."
PROBLEM_JSON = "application/problem+json"
ALLOWED_ORIGINS = ["https://app.example.com"]  # the browser app that calls this API

ORDERS = {1: {"id": 1, "item": "Keyboard", "quantity": 1}}


@dataclass(frozen=True)
class Incident:
    """What an error tracker would receive: enough to find the logs, nothing for the client."""

    request_id: str
    method: str
    path: str
    error: str


def problem_response(
    scope: Scope,
    status: int,
    detail: str,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    """An RFC 9457 problem that carries the request id, to match a report with the logs."""
    body = {
        "type": "about:blank",  # nothing more to say than the status code does
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": scope["path"],
        "request_id": scope["state"]["request_id"],
        **extensions,
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


async def http_problem(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    return problem_response(request.scope, exc.status_code, str(exc.detail), exc.headers)


async def validation_problem(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [{"loc": list(e["loc"]), "message": e["msg"], "type": e["type"]} for e in exc.errors()]
    detail = f"{len(errors)} field(s) failed validation."
    return problem_response(request.scope, 422, detail, errors=errors)


def request_id_for(scope: Scope) -> str:
    """Reuse the caller's id when it is safe to log, else make a new one."""
    incoming = Headers(scope=scope).get(REQUEST_ID_HEADER, "")
    return incoming if VALID_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


class CatchAllMiddleware:
    """Pure ASGI middleware: tags every response with a request id, turns crashes into a 500."""

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
            response = problem_response(scope, 500, SAFE_MESSAGE, {REQUEST_ID_HEADER: request_id})
            await response(scope, receive, send)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.incidents = deque(maxlen=50)  # stands in for Sentry, Rollbar, ...
    yield


def create_app() -> FastAPI:
    app = FastAPI(
        title="Error middleware",
        lifespan=lifespan,
        # Expected errors, handled inside the middleware, in the same problem shape.
        exception_handlers={
            StarletteHTTPException: http_problem,
            RequestValidationError: validation_problem,
        },
    )
    app.add_middleware(CatchAllMiddleware, on_error=lambda i: app.state.incidents.append(i))
    # Added last, so outermost: it wraps the catch-all, and the 500 gets CORS headers too.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=ALLOWED_ORIGINS,
        allow_headers=[REQUEST_ID_HEADER],
        expose_headers=[REQUEST_ID_HEADER],  # so the page's scripts can read and report it
    )

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
