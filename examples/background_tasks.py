"""A newsletter: signing up answers at once and sends the welcome email afterwards.

Run alone: ``uvicorn --factory examples.background_tasks:create_app --reload``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI, HTTPException, Request
from pydantic import BaseModel, Field

logger = logging.getLogger(__name__)


class MailerError(Exception):
    """The mail server refused a message."""


class Mailer:
    """Stands in for an SMTP client: slow, and some addresses bounce."""

    def __init__(self, delay: float = 0.2) -> None:
        self.delay = delay

    async def send(self, to: str, subject: str) -> None:
        await asyncio.sleep(self.delay)
        if to.endswith("@bounce.example"):
            raise MailerError(f"mailbox {to} does not exist")


@dataclass
class Outbox:
    sent: list[dict[str, str]] = field(default_factory=list)
    undelivered: list[dict[str, str]] = field(default_factory=list)
    audit: list[str] = field(default_factory=list)


class Signup(BaseModel):
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", max_length=254)]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.mailer = Mailer()
    app.state.outbox = Outbox()
    app.state.subscribers = []
    yield


async def send_welcome(mailer: Mailer, outbox: Outbox, email: str) -> None:
    """The background task: it handles its own failures, because nobody else will."""
    try:
        await mailer.send(email, "Welcome!")
    except MailerError as exc:
        logger.warning("welcome email to %s failed: %s", email, exc)
        outbox.undelivered.append({"to": email, "error": str(exc)})
    else:
        outbox.sent.append({"to": email, "subject": "Welcome!"})


async def send_issue(mailer: Mailer, outbox: Outbox, subscribers: list[str]) -> None:
    """A task that lets an error escape: the response was sent long ago, so the error
    only reaches the server's log, and the subscribers after the failing one get nothing."""
    for email in subscribers:
        await mailer.send(email, "Issue 1")
        outbox.sent.append({"to": email, "subject": "Issue 1"})


async def record(outbox: Outbox, line: str) -> None:
    # async: a plain def task would be run in a worker thread, a thread hop for one append.
    outbox.audit.append(line)


async def audit_trail(request: Request, tasks: BackgroundTasks) -> None:
    """A dependency can add tasks too: FastAPI gives every dependency and the endpoint
    the same BackgroundTasks, and runs them all after the response."""
    tasks.add_task(
        record, request.app.state.outbox, f"{request.method} {request.scope['route'].path}"
    )


def create_app() -> FastAPI:
    app = FastAPI(title="Background tasks", lifespan=lifespan, dependencies=[Depends(audit_trail)])

    @app.post("/signups", status_code=202)
    async def sign_up(signup: Signup, request: Request, tasks: BackgroundTasks) -> dict[str, str]:
        subscribers: list[str] = request.app.state.subscribers
        if signup.email in subscribers:
            raise HTTPException(status_code=409, detail="already signed up")
        subscribers.append(signup.email)
        state = request.app.state
        tasks.add_task(send_welcome, state.mailer, state.outbox, signup.email)
        return {"email": signup.email, "status": "welcome email queued"}

    @app.post("/issues", status_code=202)
    async def send_newsletter(request: Request, tasks: BackgroundTasks) -> dict[str, int]:
        state = request.app.state
        subscribers = list(state.subscribers)
        tasks.add_task(send_issue, state.mailer, state.outbox, subscribers)
        return {"recipients": len(subscribers)}

    @app.get("/outbox")
    async def outbox(request: Request) -> Outbox:
        result: Outbox = request.app.state.outbox
        return result

    return app
