"""The HTTP edge: routes call the service, one handler turns domain errors into responses."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from .bank import Account, Bank
from .errors import Conflict, DomainError, NotFound, RuleViolation
from .problems import (
    STANDARD_MEMBERS,
    Problem,
    http_problem,
    problem_doc,
    problem_response,
    validation_problem,
)

# The only place where domain errors meet HTTP status codes.
STATUS_FOR: dict[type[DomainError], int] = {
    NotFound: 404,
    Conflict: 409,
    RuleViolation: 422,
}

SEED = [
    {"id": "acc-alice", "owner": "Alice", "balance": 10_000},
    {"id": "acc-bob", "owner": "Bob", "balance": 2_500},
    {"id": "acc-carol", "owner": "Carol", "balance": 7_000, "frozen": True},
]


class AccountOut(BaseModel):
    id: str
    owner: str
    balance: int


class TransferIn(BaseModel):
    source: str
    target: str
    amount: int = Field(gt=0, description="Amount in cents.")


class TransferOut(BaseModel):
    source: AccountOut
    target: AccountOut


def status_for(error: type[DomainError]) -> int:
    """Walk the error's classes from the most specific up to `DomainError`."""
    for cls in error.__mro__:
        if cls in STATUS_FOR:
            return STATUS_FOR[cls]
    return 400


async def domain_error_handler(request: Request, exc: DomainError) -> JSONResponse:
    # The domain's facts become extension members: beside the standard ones, never over them.
    facts = {name: value for name, value in exc.details.items() if name not in STANDARD_MEMBERS}
    problem = Problem(
        type=str(request.url_for("problem_type", code=exc.code)),
        title=exc.title,
        status=status_for(type(exc)),
        detail=exc.message,
        instance=request.url.path,
        **facts,
    )
    return problem_response(problem)


def problem_types(base: type[DomainError] = DomainError) -> dict[str, type[DomainError]]:
    """Every domain error by its code: what the pages behind the ``type`` URIs describe."""
    found = {base.code: base}
    for subclass in base.__subclasses__():
        found |= problem_types(subclass)
    return found


def get_bank(request: Request) -> Bank:
    return request.app.state.bank


BankDep = Annotated[Bank, Depends(get_bank)]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.bank = Bank([Account(**row) for row in SEED])
    yield


def create_app() -> FastAPI:
    app = FastAPI(
        title="Custom exceptions",
        lifespan=lifespan,
        responses={422: problem_doc("The request failed validation")},
    )
    app.add_exception_handler(DomainError, domain_error_handler)
    # The framework's own errors speak the same dialect: one envelope for every failure.
    app.add_exception_handler(StarletteHTTPException, http_problem)
    app.add_exception_handler(RequestValidationError, validation_problem)

    @app.get(
        "/accounts/{account_id}",
        response_model=AccountOut,
        responses={404: problem_doc("No such account")},
    )
    def get_account(account_id: str, bank: BankDep) -> Account:
        return bank.get(account_id)

    @app.post(
        "/transfers",
        status_code=201,
        response_model=TransferOut,
        responses={
            404: problem_doc("An account does not exist"),
            409: problem_doc("Insufficient funds, or a frozen account"),
        },
    )
    def create_transfer(transfer: TransferIn, bank: BankDep) -> dict[str, Account]:
        source, target = bank.transfer(transfer.source, transfer.target, transfer.amount)
        return {"source": source, "target": target}

    @app.get("/problems/{code}", include_in_schema=False)
    async def problem_type(code: str) -> dict[str, str | int]:
        """The page a problem's ``type`` URI points to: what that kind of problem means."""
        error = problem_types().get(code)
        if error is None:
            raise HTTPException(status_code=404, detail=f"No problem type {code!r}.")
        return {"type": code, "title": error.title, "status": status_for(error)}

    return app
