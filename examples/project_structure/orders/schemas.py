"""The orders domain's request and response models."""

from typing import Literal

from pydantic import BaseModel, Field


class OrderIn(BaseModel):
    item_id: int = Field(ge=1)
    quantity: int = Field(ge=1)


class Order(OrderIn):
    id: int
    total_cents: int
    status: Literal["placed", "cancelled"]
