"""Validating path, query, headers, cookies and body together, with errors clients can read."""

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal, Self

from fastapi import Cookie, FastAPI, Header, HTTPException, Path, Query, Request, status
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

PROJECTS = ((1, "Website relaunch"), (2, "Mobile app"))

# A pragmatic address check without the email-validator package: one "@", no spaces,
# a dot in the domain. Deliverability is proven by sending mail, not by a regex.
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


def check_email(value: str) -> str:
    """An AfterValidator: runs on the stripped string, raises an error clients can read."""
    if not EMAIL_RE.fullmatch(value):
        raise PydanticCustomError(
            "email_format",
            "'{value}' is not an email address like name@example.com",
            {"value": value},
        )
    return value.lower()


# Reusable constrained types: declare a rule once, use it in any model or parameter.
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=100)]
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=254), AfterValidator(check_email)
]
Tag = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,20}$", to_lower=True)]
Hours = Annotated[float, Field(gt=0, le=40, multiple_of=0.25)]


class Priority(StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


class TaskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    assignee_email: Email
    priority: Priority = Priority.normal
    status: Literal["todo", "in_progress"] = "todo"
    estimate_hours: Hours
    tags: list[Tag] = Field(default_factory=list, max_length=5)
    start_date: date
    due_date: date | None = None

    @field_validator("tags")
    @classmethod
    def tags_are_unique(cls, tags: list[str]) -> list[str]:
        seen: set[str] = set()
        for tag in tags:
            if tag in seen:
                raise PydanticCustomError(
                    "duplicate_tag", "tag '{tag}' appears more than once", {"tag": tag}
                )
            seen.add(tag)
        return tags

    @model_validator(mode="after")
    def check_dates(self) -> Self:
        if self.due_date is not None and self.due_date < self.start_date:
            raise PydanticCustomError(
                "date_order",
                "due_date {due} is before start_date {start}",
                {"due": self.due_date.isoformat(), "start": self.start_date.isoformat()},
            )
        if self.priority is Priority.urgent and self.due_date is None:
            raise ValueError("an urgent task needs a due_date")
        return self


class Task(TaskIn):
    id: int
    project_id: int
    notify: str
    locale: str


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.projects = dict(PROJECTS)
    app.state.tasks = {}
    app.state.idempotency_keys = set()
    yield


def create_app() -> FastAPI:
    app = FastAPI(title="Request validation", lifespan=lifespan)

    @app.post("/projects/{project_id}/tasks", status_code=status.HTTP_201_CREATED)
    def create_task(
        request: Request,
        project_id: Annotated[int, Path(ge=1, le=9999)],
        task: TaskIn,
        idempotency_key: Annotated[
            str, Header(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9-]+$")
        ],
        notify: Annotated[Literal["none", "email", "chat"], Query()] = "none",
        locale: Annotated[Literal["en", "fr", "de"], Cookie()] = "en",
    ) -> Task:
        state = request.app.state
        if project_id not in state.projects:
            raise HTTPException(status_code=404, detail=f"Project {project_id} not found")
        if idempotency_key in state.idempotency_keys:
            raise HTTPException(status_code=409, detail="This Idempotency-Key was already used")
        state.idempotency_keys.add(idempotency_key)
        created = Task(
            id=len(state.tasks) + 1,
            project_id=project_id,
            notify=notify,
            locale=locale,
            **task.model_dump(),
        )
        state.tasks[created.id] = created
        return created

    return app
