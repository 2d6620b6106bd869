"""Validating path, query, headers, cookies and body together, with errors clients can read."""

import hashlib
import json
import re
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
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


@dataclass
class KeyUse:
    fingerprint: str  # what the first request asked for
    expires_at: float
    response: Task | None = None  # None while the first request is still being processed


class IdempotencyKeys:
    """Idempotency-Key handling as the IETF httpapi draft describes it, keys scoped per client.

    A retry of a finished request gets its response again; the same key with a different
    request is a 422; a retry while the first is still running is a 409. Keys are forgotten
    `ttl` seconds after their first use.
    """

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.clock = ttl, clock
        # Oldest first: with one ttl for all, insertion order is expiry order.
        self._uses: OrderedDict[tuple[str, str], KeyUse] = OrderedDict()

    def begin(self, client: str, key: str, fingerprint: str) -> Task | None:
        """The stored response to replay, or None: go ahead, then `finish` or `abandon`."""
        now = self.clock()
        while self._uses and next(iter(self._uses.values())).expires_at <= now:
            self._uses.popitem(last=False)
        use = self._uses.get((client, key))
        if use is None:
            self._uses[(client, key)] = KeyUse(fingerprint, now + self.ttl)
            return None
        if use.fingerprint != fingerprint:
            raise HTTPException(
                status_code=422,
                detail="This Idempotency-Key was already used for a different request.",
            )
        if use.response is None:
            raise HTTPException(
                status_code=409,
                detail="A request with this Idempotency-Key is still being processed; retry later.",
            )
        return use.response

    def finish(self, client: str, key: str, response: Task) -> None:
        if (use := self._uses.get((client, key))) is not None:
            use.response = response

    def abandon(self, client: str, key: str) -> None:
        """The request failed: forget the key, so that a retry runs it again."""
        self._uses.pop((client, key), None)


def fingerprint(*parts: object) -> str:
    """A hash of everything that shapes the result, to tell a retry from a different request."""
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# Longer than any client keeps retrying; the draft asks servers to publish this policy.
IDEMPOTENCY_TTL = 24 * 60 * 60.0


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.projects = dict(PROJECTS)
    app.state.tasks = {}
    app.state.idempotency = IdempotencyKeys(ttl=IDEMPOTENCY_TTL)
    yield


def create_app() -> FastAPI:
    app = FastAPI(title="Request validation", lifespan=lifespan)

    @app.post("/projects/{project_id}/tasks", status_code=status.HTTP_201_CREATED)
    async def create_task(
        request: Request,
        project_id: Annotated[int, Path(ge=1, le=9999)],
        task: TaskIn,
        idempotency_key: Annotated[
            str, Header(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9-]+$")
        ],
        client_id: Annotated[str, Header(pattern=r"^[A-Za-z0-9-]{1,64}$")],
        notify: Annotated[Literal["none", "email", "chat"], Query()] = "none",
        locale: Annotated[Literal["en", "fr", "de"], Cookie()] = "en",
    ) -> Task:
        state = request.app.state
        keys: IdempotencyKeys = state.idempotency
        asked = fingerprint(project_id, notify, locale, task.model_dump(mode="json"))
        if (earlier := keys.begin(client_id, idempotency_key, asked)) is not None:
            return earlier  # a retry: the first response again, same status and body
        try:
            if project_id not in state.projects:
                raise HTTPException(status_code=404, detail=f"Project {project_id} not found")
            created = Task(
                id=len(state.tasks) + 1,
                project_id=project_id,
                notify=notify,
                locale=locale,
                **task.model_dump(),
            )
            state.tasks[created.id] = created
        except BaseException:
            keys.abandon(client_id, idempotency_key)
            raise
        keys.finish(client_id, idempotency_key, created)
        return created

    return app
