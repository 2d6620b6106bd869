"""RFC 9457 problem details: the one error shape of this API, whatever raised the error."""

from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
STANDARD_MEMBERS = frozenset({"type", "title", "status", "detail", "instance"})


class Problem(BaseModel):
    """A problem details object; extension members sit beside the standard five."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        problem.model_dump(exclude_none=True),
        status_code=problem.status,
        headers=headers,
        media_type=PROBLEM_JSON,
    )


def problem_doc(description: str) -> dict[str, Any]:
    """An entry for ``responses=``, filed under the media type the API really sends."""
    return {
        "model": Problem,
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


async def http_problem(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """HTTPException, and the router's own 404 and 405, as problems too."""
    problem = Problem(
        title=HTTPStatus(exc.status_code).phrase,
        status=exc.status_code,
        detail=str(exc.detail),
        instance=request.url.path,
    )
    return problem_response(problem, headers=exc.headers)


async def validation_problem(request: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's 422, without the rejected input it would echo back."""
    errors = [{"loc": list(e["loc"]), "message": e["msg"], "type": e["type"]} for e in exc.errors()]
    problem = Problem(
        title=HTTPStatus(422).phrase,
        status=422,
        detail=f"{len(errors)} field(s) failed validation.",
        instance=request.url.path,
        errors=errors,
    )
    return problem_response(problem)
