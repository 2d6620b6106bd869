"""Idempotency keys done right: a payments API whose POST a client can retry safely."""

import hashlib
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, Header, HTTPException, Request, status
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from .problems import EXCEPTION_HANDLERS, BadIdempotencyKey, problem
from .provider import CardDeclined, PaymentProvider
from .store import REPLAYED_HEADER, IdempotencyStore, fingerprint

# The published policy (the draft asks for one): how long keys live and what they look like.
KEY_TTL = 24 * 60 * 60.0  # longer than any client keeps retrying
LEASE = 30.0  # longer than the slowest request; a crashed request's key is locked this long
KEY_FORMAT = re.compile(r"[A-Za-z0-9_-]{16,64}")

# Demo API keys, stored as digests the way real ones are. Each names one client.
API_KEYS = {
    hashlib.sha256(b"sk_test_shop_a").hexdigest(): "shop-a",
    hashlib.sha256(b"sk_test_shop_b").hexdigest(): "shop-b",
}
bearer = HTTPBearer(description="An API key such as `sk_test_shop_a`.")


class PaymentIn(BaseModel):
    amount_cents: int = Field(gt=0, le=1_000_000)
    currency: Literal["EUR", "GBP", "USD"]
    card: str = Field(pattern=r"^tok_[a-z]{1,20}$", examples=["tok_visa"])


class Payment(PaymentIn):
    id: str
    charge_id: str


class IdempotencyPolicy(BaseModel):
    header: str = "Idempotency-Key"
    format: str = KEY_FORMAT.pattern
    scope: str = "per API key"
    expires_after_seconds: int = int(KEY_TTL)
    in_flight_lease_seconds: int = int(LEASE)
    replay_header: str = REPLAYED_HEADER


async def current_client(
    credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)],
) -> str:
    client = API_KEYS.get(hashlib.sha256(credentials.credentials.encode()).hexdigest())
    if client is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "Unknown API key.", {"WWW-Authenticate": "Bearer"}
        )
    return client


async def require_idempotency_key(
    idempotency_key: Annotated[
        str | None, Header(description="16-64 of `A-Z a-z 0-9 - _`; a UUID fits.")
    ] = None,
) -> str:
    """The key, bare (Stripe's style) or as the draft's quoted string: "8e03978e-...".

    A missing key is a 400, as the draft says, not FastAPI's 422 for a missing header.
    """
    if idempotency_key is None:
        raise BadIdempotencyKey("This operation needs an Idempotency-Key header.")
    key = idempotency_key.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not KEY_FORMAT.fullmatch(key):
        raise BadIdempotencyKey("An Idempotency-Key is 16 to 64 letters, digits, '-' or '_'.")
    return key


CurrentClient = Annotated[str, Depends(current_client)]
IdempotencyKey = Annotated[str, Depends(require_idempotency_key)]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.idempotency = IdempotencyStore(ttl=KEY_TTL, lease=LEASE)
    app.state.provider = PaymentProvider()
    app.state.payments = {}
    yield


def create_app() -> FastAPI:
    app = FastAPI(
        title="Idempotency keys", lifespan=lifespan, exception_handlers=EXCEPTION_HANDLERS
    )

    @app.post("/payments", status_code=status.HTTP_201_CREATED, response_model=Payment)
    async def create_payment(
        payment: PaymentIn, client: CurrentClient, key: IdempotencyKey, request: Request
    ) -> Response:
        state = request.app.state
        scope = (client, key)
        asked = fingerprint(request.method, request.url.path, payment.model_dump(mode="json"))
        # Claimed before any work: from here on a crash leaves the key locked, not free.
        if (stored := state.idempotency.begin(scope, asked)) is not None:
            return stored.replay()
        try:
            # The same key downstream: a retry that takes over after a crash gets the
            # charge that was already made, not a second one.
            charge = await state.provider.charge(
                payment.amount_cents, payment.card, idempotency_key=f"{client}:{key}"
            )
        except CardDeclined as exc:
            response: Response = problem(request, status.HTTP_402_PAYMENT_REQUIRED, str(exc))
        else:
            created = Payment(
                id=f"pay_{len(state.payments) + 1:04d}", charge_id=charge.id, **payment.model_dump()
            )
            state.payments[created.id] = (client, created)
            location = str(request.url_for("read_payment", payment_id=created.id))
            response = JSONResponse(
                created.model_dump(mode="json"), status.HTTP_201_CREATED, {"Location": location}
            )
        # No await between saving the payment and its response: they are stored together.
        state.idempotency.finish(scope, response)  # a decline is an outcome: replay it too
        return response

    @app.get("/payments/{payment_id}")
    async def read_payment(payment_id: str, client: CurrentClient, request: Request) -> Payment:
        owner, payment = request.app.state.payments.get(payment_id, (None, None))
        if owner != client:  # another client's payment does not exist for this one
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"Payment {payment_id} not found.")
        return payment

    @app.get("/idempotency")
    async def idempotency_policy() -> IdempotencyPolicy:
        """The published policy that idempotency errors link to."""
        return IdempotencyPolicy()

    return app
