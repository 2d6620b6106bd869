"""A user registry that can export itself to a JSON file in a configurable folder."""

import json
import tempfile
from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request, status
from pydantic import BaseModel, Field


class UserIn(BaseModel):
    name: str = Field(min_length=1, max_length=50)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", max_length=100)


class User(UserIn):
    id: int


class Export(BaseModel):
    file: str
    count: int


def create_app(export_dir: Path | None = None) -> FastAPI:
    """Exports go to ``export_dir``, or to a temporary folder that lives as long as the app."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with ExitStack() as stack:
            if export_dir is None:
                app.state.export_dir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            else:
                app.state.export_dir = export_dir
            app.state.users = {}
            app.state.exports = 0
            yield

    app = FastAPI(title="Test fixtures", lifespan=lifespan)

    @app.post("/users", status_code=status.HTTP_201_CREATED)
    async def create_user(request: Request, payload: UserIn) -> User:
        users: dict[int, User] = request.app.state.users
        if any(u.email.lower() == payload.email.lower() for u in users.values()):
            raise HTTPException(status.HTTP_409_CONFLICT, detail="email already registered")
        user = User(id=len(users) + 1, **payload.model_dump())
        users[user.id] = user
        return user

    @app.get("/users")
    async def list_users(request: Request) -> list[User]:
        return list(request.app.state.users.values())

    @app.get("/users/{user_id}")
    async def get_user(request: Request, user_id: int) -> User:
        user = request.app.state.users.get(user_id)
        if user is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail="user not found")
        return user

    @app.post("/exports", status_code=status.HTTP_201_CREATED)
    def export_users(request: Request) -> Export:
        state = request.app.state
        state.exports += 1
        name = f"users-{state.exports}.json"
        rows = [user.model_dump() for user in state.users.values()]
        (state.export_dir / name).write_text(json.dumps(rows, indent=2), encoding="utf-8")
        return Export(file=name, count=len(rows))

    return app
