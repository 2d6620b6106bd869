"""What every domain's errors share, and the one place where they become HTTP responses."""

from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .config import app_settings


class DomainError(Exception):
    """Base of the errors a service raises on purpose; it knows nothing about HTTP."""

    code: ClassVar[str] = "domain_error"  # stable: clients switch on it
    title: ClassVar[str] = "The request breaks a business rule"

    def __init__(self, detail: str, **facts: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.facts = facts


class NotFound(DomainError):
    code = "not_found"
    title = "Not found"


class Conflict(DomainError):
    code = "conflict"
    title = "Conflict with the current state"


class RuleViolation(DomainError):
    code = "rule_violation"
    title = "Business rule violated"


# Categories, not concrete errors: a domain adds errors without touching this table.
STATUS_FOR: dict[type[DomainError], int] = {NotFound: 404, Conflict: 409, RuleViolation: 422}
PROBLEM_JSON = "application/problem+json"


def status_for(error: type[DomainError]) -> int:
    return next((STATUS_FOR[cls] for cls in error.__mro__ if cls in STATUS_FOR), 400)


async def domain_problem(request: Request, exc: DomainError) -> JSONResponse:
    body = {
        "type": app_settings().problem_base + exc.code,
        "title": exc.title,
        "status": status_for(type(exc)),
        "detail": exc.detail,
        "instance": request.url.path,
        **exc.facts,
    }
    return JSONResponse(body, body["status"], media_type=PROBLEM_JSON)


async def http_problem(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(exc.status_code).phrase,
        "status": exc.status_code,
        "detail": exc.detail,
        "instance": request.url.path,
    }
    return JSONResponse(body, exc.status_code, headers=exc.headers, media_type=PROBLEM_JSON)


def install(app: FastAPI) -> None:
    """RFC 9457 problem details for every error, the domains' and the framework's."""
    app.add_exception_handler(DomainError, domain_problem)
    app.add_exception_handler(StarletteHTTPException, http_problem)
