"""Typed path parameters: bounds, enums, route order and the ``:path`` converter."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Annotated

from fastapi import FastAPI, HTTPException, Path, Request
from pydantic import BaseModel

USERS = (
    {"id": 1, "name": "Ada Lovelace"},
    {"id": 2, "name": "Alan Turing"},
    {"id": 3, "name": "Grace Hopper"},
)
ORDERS = (
    {"id": 101, "user_id": 1, "total_cents": 4200},
    {"id": 102, "user_id": 1, "total_cents": 1999},
    {"id": 201, "user_id": 2, "total_cents": 750},
)
FILES = (
    ("readme.md", "# Project"),
    ("docs/guides/intro.md", "# Getting started"),
    ("docs/api/users.md", "# Users API"),
)
CURRENT_USER_ID = 1  # stands in for the user an auth dependency would resolve


class User(BaseModel):
    id: int
    name: str


class Order(BaseModel):
    id: int
    user_id: int
    total_cents: int


class Period(StrEnum):
    daily = "daily"
    weekly = "weekly"
    monthly = "monthly"


class Report(BaseModel):
    period: Period
    days: int


class File(BaseModel):
    path: str
    content: str


UserId = Annotated[int, Path(ge=1, le=1_000_000, description="The user's numeric id.")]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.users = {u["id"]: User(**u) for u in USERS}
    app.state.orders = {o["id"]: Order(**o) for o in ORDERS}
    app.state.files = dict(FILES)
    yield


def find_user(request: Request, user_id: int) -> User:
    user = request.app.state.users.get(user_id)
    if user is None:
        raise HTTPException(status_code=404, detail=f"User {user_id} not found")
    return user


def create_app() -> FastAPI:
    app = FastAPI(title="Path parameters", lifespan=lifespan)

    # Declared first: otherwise "/users/{user_id}" would match "/users/me" and
    # answer 422 because "me" is not an integer.
    @app.get("/users/me")
    async def read_current_user(request: Request) -> User:
        return find_user(request, CURRENT_USER_ID)

    @app.get("/users/{user_id}")
    async def read_user(request: Request, user_id: UserId) -> User:
        return find_user(request, user_id)

    @app.get("/users/{user_id}/orders/{order_id}")
    async def read_order(
        request: Request,
        user_id: UserId,
        order_id: Annotated[int, Path(ge=1)],
    ) -> Order:
        find_user(request, user_id)
        order = request.app.state.orders.get(order_id)
        if order is None or order.user_id != user_id:
            raise HTTPException(status_code=404, detail=f"Order {order_id} not found")
        return order

    @app.get("/reports/{period}")
    async def read_report(period: Period) -> Report:
        days = {Period.daily: 1, Period.weekly: 7, Period.monthly: 30}[period]
        return Report(period=period, days=days)

    @app.get("/files/{file_path:path}")
    async def read_file(request: Request, file_path: str) -> File:
        parts = PurePosixPath(file_path).parts
        if ".." in parts or file_path.startswith("/"):
            raise HTTPException(status_code=400, detail="Path must stay inside the file store")
        content = request.app.state.files.get(file_path)
        if content is None:
            raise HTTPException(status_code=404, detail=f"File {file_path!r} not found")
        return File(path=file_path, content=content)

    return app
