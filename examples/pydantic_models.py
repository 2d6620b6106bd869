"""Pydantic v2 request models: constraints, aliases, validators, nesting and PATCH."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Annotated, Literal, Self

from fastapi import FastAPI, HTTPException, Path, Request, status
from fastapi.exceptions import RequestValidationError
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    computed_field,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

SEED = {
    "id": 1,
    "room_type": "double",
    "check_in": "2026-12-20",
    "check_out": "2026-12-27",
    "guests": [{"full_name": "Grace Hopper", "age": 79}],
}


class ApiModel(BaseModel):
    """The API's conventions, declared once for every model."""

    model_config = ConfigDict(
        alias_generator=to_camel,  # check_in <-> "checkIn" on the wire
        validate_by_name=True,  # ...and still accept check_in from Python code
        extra="forbid",  # a misspelt field is an error, not silently dropped
        str_strip_whitespace=True,
    )


class Guest(ApiModel):
    full_name: str = Field(min_length=2, max_length=80)
    age: int = Field(ge=0, le=120)


class ReservationIn(ApiModel):
    room_type: Literal["single", "double", "suite"]
    check_in: date
    check_out: date
    guests: list[Guest] = Field(min_length=1, max_length=4)
    promo_code: str | None = Field(default=None, pattern=r"^[A-Z0-9]{4,12}$")
    notes: str = Field(default="", max_length=500)

    @field_validator("promo_code", mode="before")
    @classmethod
    def normalise_promo_code(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("guests")
    @classmethod
    def needs_an_adult(cls, guests: list[Guest]) -> list[Guest]:
        if not any(guest.age >= 18 for guest in guests):
            raise ValueError("at least one guest must be 18 or older")
        return guests

    @model_validator(mode="after")
    def check_dates(self) -> Self:
        if self.check_out <= self.check_in:
            raise ValueError("checkOut must be after checkIn")
        if (self.check_out - self.check_in).days > 30:
            raise ValueError("a stay is at most 30 nights")
        return self


class Reservation(ReservationIn):
    id: int

    @computed_field
    @property
    def nights(self) -> int:
        return (self.check_out - self.check_in).days


class ReservationUpdate(ApiModel):
    """PATCH body: every field optional; the merged result is validated by Reservation."""

    room_type: Literal["single", "double", "suite"] | None = None
    check_in: date | None = None
    check_out: date | None = None
    guests: list[Guest] | None = None
    promo_code: str | None = None
    notes: str | None = None


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.reservations = {SEED["id"]: Reservation.model_validate(SEED)}
    yield


def create_app() -> FastAPI:
    app = FastAPI(title="Pydantic models", lifespan=lifespan)

    def find(request: Request, reservation_id: int) -> Reservation:
        reservation = request.app.state.reservations.get(reservation_id)
        if reservation is None:
            raise HTTPException(status_code=404, detail=f"Reservation {reservation_id} not found")
        return reservation

    @app.post("/reservations", status_code=status.HTTP_201_CREATED)
    async def create_reservation(request: Request, payload: ReservationIn) -> Reservation:
        store = request.app.state.reservations
        reservation = Reservation(id=max(store, default=0) + 1, **payload.model_dump())
        store[reservation.id] = reservation
        return reservation

    @app.get("/reservations/{reservation_id}")
    async def read_reservation(
        request: Request, reservation_id: Annotated[int, Path(ge=1)]
    ) -> Reservation:
        return find(request, reservation_id)

    @app.patch("/reservations/{reservation_id}")
    async def update_reservation(
        request: Request,
        reservation_id: Annotated[int, Path(ge=1)],
        patch: ReservationUpdate,
    ) -> Reservation:
        current = find(request, reservation_id)
        changes = patch.model_dump(exclude_unset=True)
        # Merge, then validate the whole again: the date check spans two fields.
        merged = current.model_dump(exclude={"nights"}) | changes
        try:
            updated = Reservation.model_validate(merged)
        except ValidationError as exc:
            errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
            raise RequestValidationError(errors) from exc
        request.app.state.reservations[reservation_id] = updated
        return updated

    return app
