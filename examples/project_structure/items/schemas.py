"""The items domain's request and response models."""

from pydantic import BaseModel, Field


class ItemIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    price_cents: int = Field(gt=0)
    stock: int = Field(ge=0)


class Item(ItemIn):
    id: int
    low_stock: bool
