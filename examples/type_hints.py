"""Type hints that validate, convert and document: UUID, datetime, Decimal, Literal, Enum."""

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from fastapi import FastAPI, HTTPException, Path, Query, Request, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, computed_field
from typing_extensions import TypedDict  # Pydantic needs this one before Python 3.12

Price = Annotated[Decimal, Field(ge=0, max_digits=8, decimal_places=2)]
Tag = Annotated[str, Field(min_length=2, max_length=20, pattern=r"^[a-z0-9-]+$")]


class Level(StrEnum):
    beginner = "beginner"
    intermediate = "intermediate"
    advanced = "advanced"


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID
    title: str = Field(min_length=3, max_length=100)
    kind: Literal["talk", "workshop"]
    level: Level = Level.beginner
    starts_at: AwareDatetime  # ISO 8601 with an offset in, a datetime in your code
    price: Price
    tags: list[Tag] = []
    venue: str | None  # required, but may be null: "| None" is not "optional"
    notes: str | None = None  # optional: the default is what makes it optional


class EventOut(EventIn):
    @computed_field
    @property
    def weekday(self) -> str:
        return self.starts_at.strftime("%A")

    @computed_field
    @property
    def starts_at_utc(self) -> dt.datetime:
        return self.starts_at.astimezone(dt.UTC)


class Stats(TypedDict):
    """A plain dict shape: typed for the editor and the schema, no model class needed."""

    events: int
    total_price: Decimal


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.events = {}
    yield
    app.state.events.clear()


def create_app() -> FastAPI:
    app = FastAPI(title="Type hints", lifespan=lifespan)

    @app.post("/events", status_code=status.HTTP_201_CREATED)
    async def create_event(event: EventIn, request: Request) -> EventOut:
        stored = EventOut(**event.model_dump())
        request.app.state.events[stored.id] = stored
        return stored

    @app.get("/events/{event_id}")
    async def get_event(event_id: Annotated[uuid.UUID, Path()], request: Request) -> EventOut:
        event = request.app.state.events.get(event_id)
        if event is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "No such event.")
        return event

    @app.get("/events")
    async def list_events(
        request: Request,
        kind: Literal["talk", "workshop"] | None = None,
        level: Annotated[list[Level] | None, Query()] = None,
        starts_after: AwareDatetime | None = None,
    ) -> list[EventOut]:
        events: list[EventOut] = list(request.app.state.events.values())
        return [
            e
            for e in events
            if (kind is None or e.kind == kind)
            and (level is None or e.level in level)
            and (starts_after is None or e.starts_at > starts_after)
        ]

    @app.get("/stats")
    async def stats(request: Request) -> Stats:
        events = request.app.state.events.values()
        return {"events": len(events), "total_price": sum((e.price for e in events), Decimal(0))}

    return app
