"""Object-level authorization: every route that takes an invoice id asks who may touch it."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm
from pwdlib import PasswordHash

from .access import Action, DeletableInvoice, ReadableInvoice, UpdatableInvoice, may
from .auth import (
    ACCESS_TOKEN_LIFETIME,
    CurrentUser,
    Role,
    StoredUser,
    Token,
    create_access_token,
    signing_key,
)
from .problems import EXCEPTION_HANDLERS
from .schemas import Invoice, InvoiceUpdate

# (id, username, password, role): demo data only. Ids never change; usernames might.
DEMO_USERS = (
    ("usr_3c9e1f70", "alice", "wonderland", Role.customer),
    ("usr_b24d8a16", "bob", "builder", Role.customer),
    ("usr_5e0a2c91", "dora", "explorer", Role.auditor),
    ("usr_9f41d7b3", "grace", "hopper", Role.admin),
)
DEMO_INVOICES = (
    {"id": 1, "owner_id": "usr_3c9e1f70", "total_cents": 12_000, "memo": "Tea set"},
    {"id": 2, "owner_id": "usr_3c9e1f70", "total_cents": 450, "memo": "Jam tarts"},
    {"id": 3, "owner_id": "usr_b24d8a16", "total_cents": 89_900, "memo": "Cement mixer"},
)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    hasher = PasswordHash.recommended()
    app.state.password_hash = hasher
    app.state.dummy_hash = hasher.hash("a password nobody has")
    users = [
        StoredUser(id=user_id, username=name, role=role, password_hash=hasher.hash(password))
        for user_id, name, password, role in DEMO_USERS
    ]
    app.state.users = {user.username: user for user in users}
    app.state.users_by_id = {user.id: user for user in users}
    app.state.invoices = {invoice["id"]: Invoice(**invoice) for invoice in DEMO_INVOICES}
    app.state.jwt_key = signing_key()
    yield


def create_app() -> FastAPI:
    app = FastAPI(
        title="Object-level authorization",
        lifespan=lifespan,
        exception_handlers=EXCEPTION_HANDLERS,
    )

    @app.post("/token")
    def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request) -> Token:
        # A plain def: argon2 verification blocks, so it runs in a worker thread.
        state = request.app.state
        user: StoredUser | None = state.users.get(form.username)
        hashed = user.password_hash if user else state.dummy_hash  # same work either way
        if not state.password_hash.verify(form.password, hashed) or user is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "Incorrect username or password.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return Token(
            access_token=create_access_token(user.id, state.jwt_key),
            expires_in=int(ACCESS_TOKEN_LIFETIME.total_seconds()),
        )

    @app.get("/invoices")
    async def list_invoices(user: CurrentUser, request: Request) -> list[Invoice]:
        # The same rule as for one invoice; with a database it becomes the WHERE clause.
        invoices = request.app.state.invoices.values()
        return [invoice for invoice in invoices if may(user, Action.read, invoice)]

    @app.get("/invoices/{invoice_id}")
    async def read_invoice(invoice: ReadableInvoice) -> Invoice:
        return invoice

    @app.patch("/invoices/{invoice_id}")
    async def update_invoice(invoice: UpdatableInvoice, changes: InvoiceUpdate) -> Invoice:
        invoice.memo = changes.memo
        return invoice

    @app.delete("/invoices/{invoice_id}", status_code=status.HTTP_204_NO_CONTENT)
    async def delete_invoice(invoice: DeletableInvoice, request: Request) -> Response:
        del request.app.state.invoices[invoice.id]
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return app
