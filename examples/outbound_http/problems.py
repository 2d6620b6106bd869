"""RFC 9457 problem details, for this API's own errors and for a remote that failed."""

import math
from http import HTTPStatus

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .upstream import CircuitOpen, UpstreamError, UpstreamTimeout

PROBLEM_JSON = "application/problem+json"


def problem(
    request: Request, status: int, detail: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


async def http_problem(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    return problem(request, exc.status_code, str(exc.detail), exc.headers)


async def validation_problem(request: Request, exc: RequestValidationError) -> JSONResponse:
    count = len(exc.errors())
    return problem(request, 422, f"{count} field(s) failed validation.")


async def upstream_problem(request: Request, exc: UpstreamError) -> JSONResponse:
    """The remote's trouble, told as ours: which status, and nothing of its internals."""
    if isinstance(exc, CircuitOpen):
        # 503 + Retry-After: we are refusing to call it, for this long.
        seconds = str(max(1, math.ceil(exc.retry_after)))
        detail = "The shipping-rates service is unavailable; try again later."
        return problem(request, 503, detail, {"Retry-After": seconds})
    if isinstance(exc, UpstreamTimeout):
        return problem(request, 504, "The shipping-rates service did not answer in time.")
    return problem(request, 502, "The shipping-rates service failed.")


EXCEPTION_HANDLERS = {
    StarletteHTTPException: http_problem,
    RequestValidationError: validation_problem,
    UpstreamError: upstream_problem,
}
