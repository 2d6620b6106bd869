"""RFC 9457 problem details for every error, the idempotency errors with a type that links
to the published policy, as the Idempotency-Key draft asks."""

from http import HTTPStatus

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .store import KeyInFlight, KeyReused

PROBLEM_JSON = "application/problem+json"


class BadIdempotencyKey(Exception):
    """The Idempotency-Key header is missing or not in the published format."""


def problem(
    request: Request,
    status: int,
    detail: str,
    *,
    type_: str = "about:blank",
    headers: dict[str, str] | None = None,
    **extra: object,
) -> JSONResponse:
    body = {
        "type": type_,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def policy_url(request: Request) -> str:
    return str(request.url_for("idempotency_policy"))


async def http_problem(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    return problem(request, exc.status_code, str(exc.detail), headers=exc.headers)


async def validation_problem(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [{"loc": list(e["loc"]), "message": e["msg"], "type": e["type"]} for e in exc.errors()]
    return problem(request, 422, f"{len(errors)} field(s) failed validation.", errors=errors)


async def bad_key(request: Request, exc: BadIdempotencyKey) -> JSONResponse:
    return problem(request, 400, str(exc), type_=policy_url(request))


async def key_reused(request: Request, exc: KeyReused) -> JSONResponse:
    detail = "This Idempotency-Key was already used for a different request."
    return problem(request, 422, detail, type_=policy_url(request))


async def key_in_flight(request: Request, exc: KeyInFlight) -> JSONResponse:
    detail = "A request with this Idempotency-Key is still being processed; retry later."
    headers = {"Retry-After": str(exc.retry_after)}
    return problem(request, 409, detail, type_=policy_url(request), headers=headers)


EXCEPTION_HANDLERS = {
    StarletteHTTPException: http_problem,
    RequestValidationError: validation_problem,
    BadIdempotencyKey: bad_key,
    KeyReused: key_reused,
    KeyInFlight: key_in_flight,
}
