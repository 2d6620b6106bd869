"""An order API that charges cards through a payment gateway reached as a dependency."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal
from uuid import uuid4

from fastapi import Depends, FastAPI, HTTPException, Request, status
from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PRODUCTS = {"mug": 1250, "poster": 2000, "tote": 1800}  # cents


class GatewayUnavailable(Exception):
    """The gateway cannot be reached: not configured, down, or timing out."""


class CardDeclined(Exception):
    """The gateway answered, and the answer was no."""


class Charge(BaseModel):
    id: str
    amount_cents: int


class PaymentGateway:
    """The real client. This example never talks to a live gateway."""

    def __init__(self, api_key: str | None) -> None:
        self.api_key = api_key

    async def charge(self, *, amount_cents: int, card_token: str, idempotency_key: str) -> Charge:
        if not self.api_key:
            raise GatewayUnavailable("PAYMENTS_API_KEY is not configured")
        reply = await self._send(
            "/v1/charges",
            {"amount": amount_cents, "currency": "eur", "source": card_token},
            headers={
                "Authorization": f"Bearer {self.api_key}",
                "Idempotency-Key": idempotency_key,
            },
        )
        if reply.get("status") != "succeeded":
            raise CardDeclined(reply.get("failure_message", "card declined"))
        return Charge(id=reply["id"], amount_cents=reply["amount"])

    async def _send(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> dict:
        # A real client would POST over HTTPS here; this example is offline by design.
        raise GatewayUnavailable("the live payment gateway is not reachable from this example")


class OrderIn(BaseModel):
    product: str = Field(min_length=1, max_length=30)
    quantity: int = Field(ge=1, le=10)
    card_token: str = Field(pattern=r"^tok_\w+$")


class Order(BaseModel):
    id: int
    product: str
    quantity: int
    amount_cents: int
    status: Literal["payment_pending", "paid", "payment_declined"]
    charge_id: str | None = None


class StoredOrder(Order):
    """What the app keeps; `response_model=Order` leaves the payment details out."""

    card_token: str
    payment_key: str  # the gateway's Idempotency-Key for this order's charge, and no other


class Settings(BaseSettings):
    """What the app reads from the environment: typed, checked, never printed."""

    model_config = SettingsConfigDict(env_ignore_empty=True, hide_input_in_errors=True)

    payments_api_key: SecretStr | None = None  # PAYMENTS_API_KEY; unset, the gateway refuses


def get_gateway(request: Request) -> PaymentGateway:
    return request.app.state.gateway


Gateway = Annotated[PaymentGateway, Depends(get_gateway)]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    key = Settings().payments_api_key
    app.state.gateway = PaymentGateway(api_key=key.get_secret_value() if key else None)
    app.state.orders = {}
    yield


async def pay(order: StoredOrder, gateway: PaymentGateway) -> None:
    """Charge the order under its own key; the HTTP errors say what happened."""
    try:
        charge = await gateway.charge(
            amount_cents=order.amount_cents,
            card_token=order.card_token,
            idempotency_key=order.payment_key,
        )
    except CardDeclined as exc:
        order.status = "payment_declined"
        raise HTTPException(status.HTTP_402_PAYMENT_REQUIRED, detail=str(exc)) from exc
    except GatewayUnavailable as exc:
        # The charge may or may not have happened: the order stays pending, with its key.
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail=f"payments unavailable: {exc}",
            headers={"Retry-After": "30"},
        ) from exc
    order.status, order.charge_id = "paid", charge.id


def create_app() -> FastAPI:
    app = FastAPI(title="Mock dependencies", lifespan=lifespan)

    @app.post("/orders", status_code=status.HTTP_201_CREATED, response_model=Order)
    async def place_order(request: Request, payload: OrderIn, gateway: Gateway) -> StoredOrder:
        price = PRODUCTS.get(payload.product)
        if price is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail="unknown product")
        orders: dict[int, StoredOrder] = request.app.state.orders
        # The key is made for this order and stored with it before the gateway is called:
        # a retry of this payment reuses it, so the card is charged at most once, and no
        # other order (after a failure, a restart, or concurrently) can ever share it.
        order = StoredOrder(
            id=len(orders) + 1,
            product=payload.product,
            quantity=payload.quantity,
            amount_cents=price * payload.quantity,
            status="payment_pending",
            card_token=payload.card_token,
            payment_key=str(uuid4()),
        )
        orders[order.id] = order
        await pay(order, gateway)
        return order

    @app.post("/orders/{order_id}/payment", response_model=Order)
    async def retry_payment(order_id: int, request: Request, gateway: Gateway) -> StoredOrder:
        """Retry the charge of an order whose payment is still pending, under the same key."""
        order: StoredOrder | None = request.app.state.orders.get(order_id)
        if order is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail="unknown order")
        if order.status == "payment_declined":
            raise HTTPException(status.HTTP_409_CONFLICT, detail="payment declined")
        if order.status == "payment_pending":
            await pay(order, gateway)
        return order

    @app.get("/orders", response_model=list[Order])
    def list_orders(request: Request) -> list[Order]:
        return list(request.app.state.orders.values())

    return app
