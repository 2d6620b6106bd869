"""One error shape for every failure: RFC 9457 problem details (application/problem+json)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"

PROBLEM_TYPES = {
    "validation-error": {
        "title": "Your request is not valid.",
        "description": "One or more fields failed validation; `errors` lists each one.",
    },
    "internal-error": {
        "title": "Internal Server Error",
        "description": "The server failed unexpectedly. Retry later or report the `instance`.",
    },
}

BOOKS = [
    {"id": 1, "title": "Dune", "author": "Frank Herbert", "year": 1965},
    {"id": 2, "title": "Emma", "author": "Jane Austen", "year": 1815},
]


class FieldError(BaseModel):
    loc: list[str | int]
    message: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem details object, with an `errors` extension for validation."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "about:blank",
                    "title": "Not Found",
                    "status": 404,
                    "detail": "Book 99 does not exist.",
                    "instance": "/books/99",
                }
            ]
        }
    )

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        problem.model_dump(exclude_none=True),
        status_code=problem.status,
        headers=headers,
        media_type=PROBLEM_JSON,
    )


def problem_doc(description: str) -> dict[str, Any]:
    """An entry for `responses=`: the Problem schema, filed under application/problem+json."""
    return {
        "model": Problem,
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


async def http_problem(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    problem = Problem(
        title=HTTPStatus(exc.status_code).phrase,
        status=exc.status_code,
        detail=str(exc.detail),
        instance=request.url.path,
    )
    return problem_response(problem, headers=exc.headers)


async def validation_problem(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [
        FieldError(loc=list(error["loc"]), message=error["msg"], type=error["type"])
        for error in exc.errors()
    ]
    problem = Problem(
        type=str(request.url_for("problem_type", slug="validation-error")),
        title=PROBLEM_TYPES["validation-error"]["title"],
        status=422,
        detail=f"{len(errors)} field(s) failed validation.",
        instance=request.url.path,
        errors=errors,
    )
    return problem_response(problem)


async def unhandled_problem(request: Request, exc: Exception) -> JSONResponse:
    # Runs in ServerErrorMiddleware, which re-raises afterwards so the server logs it.
    problem = Problem(
        type=str(request.url_for("problem_type", slug="internal-error")),
        title=PROBLEM_TYPES["internal-error"]["title"],
        status=500,
        detail="An unexpected error occurred.",
        instance=request.url.path,
    )
    return problem_response(problem)


class BookIn(BaseModel):
    title: str = Field(min_length=1, max_length=100)
    author: str = Field(min_length=1, max_length=100)
    year: int = Field(ge=1450, le=2100)


class Book(BookIn):
    id: int


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.books = {book["id"]: Book(**book) for book in BOOKS}
    yield


def create_app() -> FastAPI:
    app = FastAPI(
        title="Error responses",
        lifespan=lifespan,
        exception_handlers={
            StarletteHTTPException: http_problem,
            RequestValidationError: validation_problem,
            Exception: unhandled_problem,
        },
        # Documented once for every operation, instead of FastAPI's default 422 schema.
        responses={
            422: problem_doc("The request failed validation"),
            500: problem_doc("Unexpected server error"),
        },
    )

    @app.get("/books/{book_id}", responses={404: problem_doc("No such book")})
    async def get_book(book_id: int, request: Request) -> Book:
        book = request.app.state.books.get(book_id)
        if book is None:
            raise HTTPException(status_code=404, detail=f"Book {book_id} does not exist.")
        return book

    @app.post("/books", status_code=201)
    async def create_book(book: BookIn, request: Request) -> Book:
        books = request.app.state.books
        created = Book(id=max(books, default=0) + 1, **book.model_dump())
        books[created.id] = created
        return created

    @app.get("/reports/sales", include_in_schema=False)
    async def sales_report() -> dict[str, float]:
        """A deliberately broken endpoint: it fails the way real bugs do."""
        sales: dict[str, int] = {}
        return {"average": sum(sales.values()) / len(sales)}

    @app.get("/problems/{slug}", include_in_schema=False)
    async def problem_type(slug: str) -> dict[str, str]:
        """The page a problem's `type` URI points to: what the problem means."""
        if slug not in PROBLEM_TYPES:
            raise HTTPException(status_code=404, detail=f"No problem type {slug!r}.")
        return {"type": slug, **PROBLEM_TYPES[slug]}

    return app
