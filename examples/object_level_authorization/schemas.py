"""The API's models: an invoice belongs to the user whose id is its owner_id."""

from pydantic import BaseModel, ConfigDict, Field


class Invoice(BaseModel):
    id: int
    owner_id: str
    total_cents: int
    memo: str


class InvoiceUpdate(BaseModel):
    # owner_id is not a field, and unknown fields are refused: a PATCH cannot move an
    # invoice to another owner (OWASP API3, mass assignment).
    model_config = ConfigDict(extra="forbid")

    memo: str = Field(min_length=1, max_length=200)
