"""RFC 9457 problem details for every error this API answers, the router's own included."""

from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"


def problem(
    request: Request, status: int, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


async def http_problem(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    return problem(request, exc.status_code, str(exc.detail), exc.headers)


async def validation_problem(request: Request, exc: RequestValidationError) -> JSONResponse:
    # loc, message and type only: the rejected input is not echoed back.
    errors = [{"loc": list(e["loc"]), "message": e["msg"], "type": e["type"]} for e in exc.errors()]
    return problem(request, 422, f"{len(errors)} field(s) failed validation.", errors=errors)


EXCEPTION_HANDLERS = {
    StarletteHTTPException: http_problem,
    RequestValidationError: validation_problem,
}
