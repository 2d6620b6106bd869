"""The HTTP edge: routes call the service, one handler turns domain errors into responses."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from .bank import Account, Bank
from .errors import Conflict, DomainError, NotFound, RuleViolation

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


class ErrorBody(BaseModel):
    code: str = Field(examples=["insufficient_funds"])
    message: str
    details: dict[str, Any] = {}


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


def status_for(exc: DomainError) -> int:
    """Walk the exception's classes from the most specific up to `DomainError`."""
    for cls in type(exc).__mro__:
        if cls in STATUS_FOR:
            return STATUS_FOR[cls]
    return 400


async def domain_error_handler(request: Request, exc: DomainError) -> JSONResponse:
    body = ErrorBody(code=exc.code, message=exc.message, details=exc.details)
    return JSONResponse(body.model_dump(), status_code=status_for(exc))


def get_bank(request: Request) -> Bank:
    return request.app.state.bank


BankDep = Annotated[Bank, Depends(get_bank)]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.bank = Bank([Account(**row) for row in SEED])
    yield


def create_app() -> FastAPI:
    app = FastAPI(title="Custom exceptions", lifespan=lifespan)
    app.add_exception_handler(DomainError, domain_error_handler)

    @app.get(
        "/accounts/{account_id}",
        response_model=AccountOut,
        responses={404: {"model": ErrorBody, "description": "No such account"}},
    )
    def get_account(account_id: str, bank: BankDep) -> Account:
        return bank.get(account_id)

    @app.post(
        "/transfers",
        status_code=201,
        response_model=TransferOut,
        responses={
            404: {"model": ErrorBody, "description": "An account does not exist"},
            409: {"model": ErrorBody, "description": "Insufficient funds, or a frozen account"},
        },
    )
    def create_transfer(transfer: TransferIn, bank: BankDep) -> dict[str, Account]:
        source, target = bank.transfer(transfer.source, transfer.target, transfer.amount)
        return {"source": source, "target": target}

    return app
